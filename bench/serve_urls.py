"""recsite's URLs plus the floor bench/serve.py compares against: a DRF view returning a fixed list,
behind the same API-key authentication, scope check and throttle as every recsite endpoint."""

from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.models import Scope

FIXED = {
    "recommendation_id": "00000000-0000-4000-8000-000000000000",
    "slot": "items",
    "variant": "A",
    "algorithm": "fixed",
    "model_version": None,
    "offset": 0,
    "total": 20,
    "items": [{"item_id": f"item-{n}", "rank": n + 1, "score": 1.0, "source": "fixed"} for n in range(20)],
}


class FixedListApi(APIView):
    required_scopes = [Scope.RECOMMENDATIONS_READ]

    def get(self, request: Request, user_id: str) -> Response:
        return Response(FIXED)


urlpatterns = [
    path("bench/users/<str:user_id>/fixed", FixedListApi.as_view()),
    path("", include("recsite.urls")),
]
