from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Strategy Tracker"
admin.site.site_title = "Strategy Tracker"
admin.site.index_title = "Strategy plans"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("strategy_tracker.api_urls")),
    # Sign-in, sign-out, password change and reset for every member (templates/registration/).
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("teams.urls")),
    path("", include("goals.urls")),
    path("", include("metrics.urls")),
    path("", include("listening.urls")),
]
