from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from nexus_site import config, health, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/", include("common.accounts.api.urls")),
    path("api/", include("graph.api.urls")),
    path("api/", include("insights.api.urls")),
    path("api/", include("conversations.api.urls")),
    path("api/", include("graph.realtime.urls")),
    path("api/health", health.HealthView.as_view(), name="health"),
    path("api/config", config.ConfigView.as_view(), name="config"),
    re_path(r"^api/", views.api_not_found),
    path("", views.frontend_index, name="frontend"),
]

handler404 = "nexus_site.views.not_found"
handler500 = "nexus_site.errors.json_500"
