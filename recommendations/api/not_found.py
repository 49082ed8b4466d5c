"""The API's answer to a path it does not have (an unknown slot, a typo): JSON, like every other error."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from recommendations.errors import NotFound
from recommendations.models import Slot


@extend_schema(exclude=True)
class UnknownPathApi(APIView):
    """Every method of a path under /api/v1/ that no endpoint serves answers 404 in the error shape."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def _not_found(self, request: Request, *args: object, **kwargs: object) -> None:
        slot = kwargs.get("slot")
        if slot is not None:
            served = ", ".join(s for s in Slot.values if s not in (Slot.SIMILAR, Slot.SIMILAR_SHOPS))
            raise NotFound(f"There is no slot '{str(slot)[:40]}'; the recommendation slots are {served}.")
        raise NotFound(f"There is no endpoint {request.path[:200]}; docs/api.md lists them.")

    get = post = put = patch = delete = _not_found
