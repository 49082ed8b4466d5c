"""recsite's URLs plus the floor bench/serve.py compares against: a DRF view returning a fixed list,
behind the same API-key authentication, scope check and throttle as every recsite endpoint."""

from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from wsgi_floor import FIXED

from recommendations.models import Scope


class FixedListApi(APIView):
    required_scopes = [Scope.RECOMMENDATIONS_READ]

    def get(self, request: Request, user_id: str) -> Response:
        return Response(FIXED)


urlpatterns = [
    path("bench/users/<str:user_id>/fixed", FixedListApi.as_view()),
    path("", include("recsite.urls")),
]
