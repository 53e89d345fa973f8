from django.urls import path

from goals import views, views_health, views_summaries

app_name = "goals"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("key-results/<int:pk>/", views.key_result_detail, name="key_result"),
    path("conversation/", views_health.conversation_health, name="conversation"),
    path("competitors/", views_health.competitors, name="competitors"),
    path("summaries/", views_summaries.summary_list, name="summaries"),
    path("summaries/<int:pk>/", views_summaries.summary_detail, name="summary"),
    path("summaries/<int:pk>/status/", views_summaries.summary_status, name="summary_status"),
    path("summaries/<int:pk>/file/", views_summaries.summary_download, name="summary_file"),
    path(
        "summaries/<int:pk>/regenerate/",
        views_summaries.summary_regenerate,
        name="summary_regenerate",
    ),
]
