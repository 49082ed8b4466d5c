from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.api import serializers as s
from recommendations.api.query import path_id
from recommendations.models import Scope
from recommendations.services.user_erase import app_user_erase


class UserEraseApi(APIView):
    required_scopes = [Scope.USERS_ERASE]

    @extend_schema(
        operation_id="user_erase",
        summary="Erase a user and everything recsite holds about them",
        description="Deletes the user, their events and every list or assignment made for them. 404 if unknown.",
        responses={200: s.UserEraseResultSerializer, 400: s.ErrorSerializer, 404: s.ErrorSerializer},
        tags=["users"],
    )
    def delete(self, request: Request, user_id: str) -> Response:
        user_id = path_id(user_id, "user_id")
        return Response({"user_id": user_id, "erased": app_user_erase(external_id=user_id)})
