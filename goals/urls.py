from django.urls import path

from goals import views
from goals.alerts import views as alert_views
from goals.summaries import views as summary_views

app_name = "goals"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("key-results/<int:pk>/", views.key_result_detail, name="key_result"),
    path("key-results/<int:pk>/annotations/", views.annotation_add, name="annotation_add"),
    path(
        "key-results/<int:pk>/annotations/<int:annotation_pk>/edit/",
        views.annotation_edit,
        name="annotation_edit",
    ),
    path(
        "key-results/<int:pk>/annotations/<int:annotation_pk>/delete/",
        views.annotation_delete,
        name="annotation_delete",
    ),
    path("conversation/", views.conversation_health, name="conversation"),
    path("competitors/", views.competitors, name="competitors"),
    path("teams/<slug:slug>/alerts/", alert_views.alert_log, name="alert_log"),
    path(
        "teams/<slug:slug>/alerts/preferences/",
        alert_views.alert_preferences,
        name="alert_preferences",
    ),
    path("key-results/<int:pk>/mute/", alert_views.key_result_mute, name="key_result_mute"),
    path("summaries/", summary_views.summary_list, name="summaries"),
    path("summaries/<int:pk>/", summary_views.summary_detail, name="summary"),
    path("summaries/<int:pk>/status/", summary_views.summary_status, name="summary_status"),
    path("summaries/<int:pk>/file/", summary_views.summary_download, name="summary_file"),
    path(
        "summaries/<int:pk>/regenerate/",
        summary_views.summary_regenerate,
        name="summary_regenerate",
    ),
]
