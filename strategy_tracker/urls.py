from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Strategy Tracker"
admin.site.site_title = "Strategy Tracker"
admin.site.index_title = "Strategy plans"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("", include("metrics.urls")),
]
