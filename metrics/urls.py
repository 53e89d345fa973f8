from django.urls import path

from metrics import views, views_mentions

app_name = "metrics"

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("people-waiting/", views_mentions.people_waiting, name="people_waiting"),
    path(
        "people-waiting/<int:pk>/no-answer-needed/",
        views_mentions.mention_needs_no_answer,
        name="mention_no_answer",
    ),
]
