"""GET /demo-images/<category>/<product>.svg: the demo's item pictures, drawn on request."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control

from recommendations.demo_data.images import image_svg


@cache_control(public=True, max_age=86400)
def demo_image(request: HttpRequest, top: str, product: str) -> HttpResponse:
    return HttpResponse(image_svg(top, product), content_type="image/svg+xml")
