"""The user's own API tokens; the team page (members, roles, invitations); accepting an
invitation. Rules live in teams.services and teams.access."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from teams import access
from teams.forms import InvitationForm, InvitationSignUpForm, RoleForm
from teams.models import ApiToken, Invitation, Membership, Role, Team
from teams.services import (
    api_token_create,
    api_token_revoke,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_problem,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    new_key = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        _, new_key = api_token_create(user=user, name=name)
    tokens = ApiToken.objects.filter(user=user)
    return render(request, "teams/api_tokens.html", {"tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    api_token_revoke(user=user, token=token)
    messages.info(request, f"Token “{token.name}” revoked.")
    return redirect("teams:api_tokens")


# --- The team page: members and invitations ------------------------------------------------


def _team_for(request: HttpRequest, slug: str) -> Team:
    # Another team's page is a 404, as if it did not exist (teams.access).
    return access.get_object_for_user(request.user, Team.objects.all(), slug=slug)


def _managed_team_for(request: HttpRequest, slug: str) -> Team:
    team = _team_for(request, slug)
    if not access.can_manage(request.user, team):
        raise PermissionDenied("Only the team's owners manage its members.")
    return team


def _refusal(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def team_home(request: HttpRequest) -> HttpResponse:
    """The "Team" link: straight to the user's team, or a choice when there are several."""
    teams = list(access.visible_teams(request.user).order_by("name"))
    if len(teams) == 1:
        return redirect("teams:team", slug=teams[0].slug)
    return render(request, "teams/team_list.html", {"teams": teams})


@login_required
@require_http_methods(["GET"])
def team_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Every member sees who belongs to the team and with which role; owners also see
    addresses and pending invitations, and change, remove and invite."""
    team = _team_for(request, slug)
    manages = access.can_manage(request.user, team)
    members = team.memberships.select_related("user").order_by("user__username")
    context = {
        "team": team,
        "manages": manages,
        "members": members,
        "roles": Role.choices,
        "invitations": (
            team.invitations.filter(
                accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
            ).select_related("invited_by")
            if manages
            else []
        ),
        "form": InvitationForm(),
    }
    return render(request, "teams/team.html", context)


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    team = _managed_team_for(request, slug)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("teams:team", slug=team.slug)
    try:
        invitation, _ = invitation_create(
            actor=cast(User, request.user),
            team=team,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect("teams:team", slug=team.slug)


@login_required
@require_POST
def invitation_revoke_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _managed_team_for(request, slug)
    invitation = get_object_or_404(Invitation, team=team, pk=pk)
    invitation_revoke(actor=cast(User, request.user), invitation=invitation)
    messages.info(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("teams:team", slug=team.slug)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _managed_team_for(request, slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), team=team, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a role.")
        return redirect("teams:team", slug=team.slug)
    try:
        membership_change_role(
            actor=cast(User, request.user), membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request, f"{membership.user.get_username()} is now {membership.get_role_display()}."
        )
    return redirect("teams:team", slug=team.slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _managed_team_for(request, slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), team=team, pk=pk)
    try:
        membership_remove(actor=cast(User, request.user), membership=membership)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"{membership.user.get_username()} removed from {team}.")
    if membership.user_id == request.user.pk and not access.can_view(request.user, team):
        return redirect("goals:dashboard")
    return redirect("teams:team", slug=team.slug)


# --- Accepting an invitation -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail. Signed in with the invited address: one click to join.
    Not signed in: a new account (username + password), or sign in first when the address
    already has one. Used, withdrawn or expired links say so (410)."""
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(
            request,
            "teams/invitation_invalid.html",
            {"problem": "This invitation link is not valid. Check that it was copied whole."},
            status=404,
        )
    problem = invitation_problem(invitation)
    if problem:
        return render(request, "teams/invitation_invalid.html", {"problem": problem}, status=410)

    user = request.user
    context: dict[str, Any] = {"invitation": invitation}
    if user.is_authenticated:
        if (user.email or "").lower() != invitation.email.lower():
            context["wrong_account"] = True
            return render(request, "teams/invitation_accept.html", context, status=403)
        if request.method == "POST":
            return _accepted(request, invitation, user=user)
        return render(request, "teams/invitation_accept.html", context)

    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        context["sign_in_first"] = True
        return render(request, "teams/invitation_accept.html", context)

    form = InvitationSignUpForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        return _accepted(
            request,
            invitation,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
        )
    context["form"] = form
    return render(request, "teams/invitation_accept.html", context)


def _accepted(
    request: HttpRequest,
    invitation: Invitation,
    *,
    user: User | None = None,
    username: str = "",
    password: str = "",
) -> HttpResponse:
    try:
        membership = invitation_accept(
            invitation=invitation, user=user, username=username, password=password
        )
    except ValidationError as exc:
        return render(
            request,
            "teams/invitation_invalid.html",
            {"problem": " ".join(exc.messages)},
            status=410,
        )
    if user is None:
        # The new account signs in at once; the backend is named because several are set.
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request, f"Welcome to {membership.team} ({membership.get_role_display().lower()})."
    )
    return redirect("goals:dashboard")
