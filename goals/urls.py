from django.urls import path

from goals import views, views_health

app_name = "goals"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("key-results/<int:pk>/", views.key_result_detail, name="key_result"),
    path("conversation/", views_health.conversation_health, name="conversation"),
    path("competitors/", views_health.competitors, name="competitors"),
]
