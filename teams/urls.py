from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path(
        "accounts/invitation/<str:token>/", views.invitation_accept_view, name="invitation_accept"
    ),
    path("team/", views.team_home, name="team_home"),
    path("teams/<slug:slug>/", views.team_page, name="team"),
    path("teams/<slug:slug>/invitations/", views.invite, name="invite"),
    path(
        "teams/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("teams/<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("teams/<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
]
