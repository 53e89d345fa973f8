from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
