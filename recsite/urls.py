from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from recsite.demo_images import demo_image
from recsite.health import healthz, live, ready
from recsite.observability import metrics_view

admin.site.site_header = "recsite"
# The list pages get the whole width of a 1,366 px laptop screen: the app list is one click away on the
# home page and in the breadcrumbs, and a changelist's last columns (expiry, who added it) stay in view.
admin.site.enable_nav_sidebar = False
admin.site.site_title = gettext_lazy("recsite admin")
admin.site.index_title = gettext_lazy("Recommendations and merchandising")

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # the admin header's language switch
    path("api/v1/", include("recommendations.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves its start-up script as a file, so the page runs under the CSP without a nonce
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("demo-images/<slug:top>/<slug:product>.svg", demo_image, name="demo-image"),
    path("healthz", healthz, name="healthz"),
    path("healthz/live", live, name="healthz-live"),
    path("healthz/ready", ready, name="healthz-ready"),
    path("metrics", metrics_view, name="metrics"),
]
