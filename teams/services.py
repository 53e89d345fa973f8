"""Writes with rules for teams and users: API tokens, members, invitations, staff status."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from teams import access
from teams.models import EDITING_ROLES, ApiToken, Invitation, Membership, Role, Team

LAST_OWNER_MESSAGE = (
    "A team needs at least one owner: make someone else an owner first, "
    "then change or remove this one."
)


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; the key is returned once and never stored."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        prefix=key[:8],
        key_hash=ApiToken.hash(key),
    )
    return token, key


def api_token_revoke(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk and not user.is_superuser:
        raise PermissionDenied("This is not your token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


# --- Staff status ------------------------------------------------------------------------


def user_staff_sync(*, user_id: int) -> None:
    """Staff status follows membership: owners and editors of at least one team reach the
    admin (where they write the strategy plan), everybody else does not. Superusers are never
    touched. Called for every membership written or deleted (teams.signals), so no one ticks
    "staff status" by hand and a removed editor loses the admin at once."""
    editing = Membership.objects.filter(user=OuterRef("pk"), role__in=EDITING_ROLES)
    get_user_model().objects.filter(pk=user_id, is_superuser=False).update(is_staff=Exists(editing))


# --- Members -----------------------------------------------------------------------------


def _require_manager(actor: User, team: Team) -> None:
    if not access.can_manage(actor, team):
        raise PermissionDenied("Only the team's owners manage its members.")


def _other_owners_exist(membership: Membership) -> bool:
    # Lock the team's owner rows so two owners demoting each other at once cannot both pass.
    owners = list(
        Membership.objects.select_for_update()
        .filter(team_id=membership.team_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    return any(pk != membership.pk for pk in owners)


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    _require_manager(actor, membership.team)
    if role not in Role.values:
        raise ValidationError(f"“{role}” is not a role.")
    if membership.role == Role.OWNER and role != Role.OWNER and not _other_owners_exist(membership):
        raise ValidationError(LAST_OWNER_MESSAGE)
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    _require_manager(actor, membership.team)
    if membership.role == Role.OWNER and not _other_owners_exist(membership):
        raise ValidationError(LAST_OWNER_MESSAGE)
    membership.delete()


def leaves_no_owner(*, team: Team, roles_after: list[str]) -> bool:
    """Would a team that has an owner have none if its members' roles became `roles_after`?
    For forms that change several members at once (the team admin's member list)."""
    had_owner = Membership.objects.filter(team=team, role=Role.OWNER).exists()
    return had_owner and Role.OWNER not in roles_after


# --- Invitations ---------------------------------------------------------------------------


def invitation_link(*, base_url: str, token: str) -> str:
    return base_url.rstrip("/") + reverse("teams:invitation_accept", args=[token])


@transaction.atomic
def invitation_create(
    *, actor: User, team: Team, email: str, role: str, base_url: str
) -> tuple[Invitation, str]:
    """Invite `email` to the team with `role` and mail them the link (built on `base_url`,
    e.g. "https://tracker.example.com"). Returns the invitation and its token, which is
    stored only as a hash. A pending invitation to the same address is replaced."""
    _require_manager(actor, team)
    email = get_user_model().objects.normalize_email(email.strip())
    if role not in Role.values:
        raise ValidationError(f"“{role}” is not a role.")
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise ValidationError(
            f"{email} is already a member of {team}: change their role in the list instead."
        )
    now = timezone.now()
    Invitation.objects.filter(
        team=team, email__iexact=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        team=team,
        email=email,
        role=role,
        token_hash=Invitation.hash(token),
        invited_by=actor,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
    )
    link = invitation_link(base_url=base_url, token=token)
    inviter = actor.get_full_name() or actor.get_username()
    body = (
        f"{inviter} invites you to the team “{team}” on Strategy Tracker as "
        f"{invitation.get_role_display().lower()}.\n\n"
        f"Open this link to accept (it works once, until "
        f"{timezone.localtime(invitation.expires_at):%d %B %Y %H:%M %Z}):\n\n{link}\n\n"
        "If you did not expect this invitation, ignore this message.\n"
    )
    # Sent after the commit: a rolled-back invitation must not reach anyone's inbox.
    transaction.on_commit(
        lambda: send_mail(
            f"Invitation to {team} on Strategy Tracker",
            body,
            None,
            [email],
        )
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team").filter(token_hash=Invitation.hash(token)).first()
    )


class InvitationUnusable(ValidationError):
    """The link was used, revoked or has expired."""


def invitation_problem(invitation: Invitation) -> str | None:
    """Why the invitation cannot be accepted, or None."""
    if invitation.accepted_at is not None:
        return "This invitation has already been used."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn by the team's owner."
    if timezone.now() >= invitation.expires_at:
        return "This invitation has expired: ask the team's owner for a new one."
    return None


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    username: str = "",
    password: str = "",
) -> Membership:
    """Join the invitation's team: as `user` (signed in, with the invited address), or as a
    new account `username`/`password` with the invited address. Works once."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(invitation)
    if problem:
        raise InvitationUnusable(problem)
    users = get_user_model().objects
    if user is None:
        if users.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                "An account with this e-mail address exists: sign in to accept the invitation."
            )
        user = users.create_user(username, email=invitation.email, password=password)
    elif (user.email or "").lower() != invitation.email.lower():
        raise PermissionDenied(
            "This invitation was sent to another e-mail address than your account's."
        )
    membership, _ = Membership.objects.get_or_create(
        team=invitation.team, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    _require_manager(actor, invitation.team)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
