"""Owners invite people by e-mail with a role. The link works once, until it expires or is
withdrawn, and creates the account or attaches the existing one. Owners manage members on
the team page; a team always keeps an owner. Editors and viewers see the member list only."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teams.models import Invitation, Membership, Role
from teams.services import (
    LAST_OWNER_MESSAGE,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "a long enough password"


def team_url(team) -> str:
    return reverse("teams:team", args=[team.slug])


def invite(client, team, email="dora@example.org", role=Role.EDITOR):
    return client.post(
        reverse("teams:invite", args=[team.slug]), {"email": email, "role": role}, follow=True
    )


def link_in(message) -> str:
    found = re.search(r"http://testserver(/accounts/invitation/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def sign_up(path, username="dora", password=PASSWORD):
    client = Client()
    response = client.post(
        path, {"username": username, "password1": password, "password2": password}
    )
    return client, response


@pytest.fixture
def sent(alice_client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(alice_client, team)
    return link_in(mail.outbox[0])


# --- inviting ---------------------------------------------------------------------------------


def test_alice_invites_by_e_mail_and_the_message_carries_the_link(
    alice_client, alice, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = invite(alice_client, team)
    assert "Invitation sent to dora@example.org." in page.content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.team, invitation.email, invitation.role, invitation.invited_by) == (
        team,
        "dora@example.org",
        Role.EDITOR,
        alice,
    )
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        timedelta(days=7), abs=timedelta(seconds=5)
    )
    (message,) = mail.outbox
    assert message.to == ["dora@example.org"]
    assert "Loomwell" in message.subject
    path = link_in(message)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    # Only the hash is stored: the link is the only copy of the token.
    assert token not in invitation.token_hash and invitation.token_hash == Invitation.hash(token)
    assert "dora@example.org" in page.content.decode()  # listed as pending


def test_the_invitation_lifetime_comes_from_the_setting(alice, team, settings):
    settings.INVITATION_DAYS = 2
    invitation, _ = invitation_create(
        actor=alice, team=team, email="e@example.org", role=Role.VIEWER, base_url="http://x"
    )
    assert invitation.expires_at - timezone.now() == pytest.approx(
        timedelta(days=2), abs=timedelta(seconds=5)
    )


def test_bob_the_viewer_cannot_invite(bob_client, bob, team):
    response = bob_client.post(
        reverse("teams:invite", args=[team.slug]), {"email": "x@example.org", "role": "owner"}
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=bob, team=team, email="x@example.org", role=Role.OWNER, base_url="http://x"
        )
    assert not Invitation.objects.exists()


def test_an_editor_cannot_invite(team):
    editor = MembershipFactory(team=team, role=Role.EDITOR).user
    client = Client()
    client.force_login(editor)
    response = client.post(
        reverse("teams:invite", args=[team.slug]), {"email": "x@example.org", "role": "viewer"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_charlie_of_another_team_gets_a_404(charlie_client, team):
    assert charlie_client.get(team_url(team)).status_code == 404
    response = charlie_client.post(
        reverse("teams:invite", args=[team.slug]), {"email": "x@example.org", "role": "owner"}
    )
    assert response.status_code == 404


def test_a_member_cannot_be_invited_again(alice_client, bob, team):
    page = invite(alice_client, team, email="BOB@example.org")
    assert "already a member" in page.content.decode()
    assert not Invitation.objects.exists()


def test_a_new_invitation_to_the_same_address_replaces_the_pending_one(alice, team):
    first, first_token = invitation_create(
        actor=alice, team=team, email="dora@example.org", role=Role.VIEWER, base_url="http://x"
    )
    invitation_create(
        actor=alice, team=team, email="dora@example.org", role=Role.EDITOR, base_url="http://x"
    )
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert Client().get(reverse("teams:invitation_accept", args=[first_token])).status_code == 410


# --- accepting ----------------------------------------------------------------------------


def test_accepting_creates_the_account_with_the_role(sent, team):
    client, response = sign_up(sent)
    assert response.status_code == 302 and response.url == reverse("goals:dashboard")
    membership = Membership.objects.get(user__username="dora")
    assert (membership.team, membership.role) == (team, Role.EDITOR)
    assert membership.user.email == "dora@example.org"
    assert membership.user.is_staff  # editors reach the admin
    assert client.get("/").context["user"] == membership.user  # signed in at once
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None and invitation.accepted_by == membership.user


def test_the_link_works_once(sent):
    sign_up(sent)
    _, again = sign_up(sent, username="mallory")
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert not Membership.objects.filter(user__username="mallory").exists()


def test_an_expired_link_is_refused(sent):
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        _, response = sign_up(sent)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user__username="dora").exists()


def test_a_withdrawn_link_is_refused(sent, alice_client, team):
    invitation = Invitation.objects.get()
    response = alice_client.post(
        reverse("teams:invitation_revoke", args=[team.slug, invitation.pk])
    )
    assert response.status_code == 302
    _, response = sign_up(sent)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert not Membership.objects.filter(user__username="dora").exists()


def test_only_owners_withdraw_invitations(sent, bob, bob_client, team):
    invitation = Invitation.objects.get()
    url = reverse("teams:invitation_revoke", args=[team.slug, invitation.pk])
    assert bob_client.post(url).status_code == 403
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=bob, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_an_unknown_token_is_404(db):
    assert Client().get("/accounts/invitation/not-a-token/").status_code == 404


def test_the_new_account_obeys_the_password_rules(sent):
    _, response = sign_up(sent, password="dora")
    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not Membership.objects.filter(user__username="dora").exists()


def test_an_existing_user_with_the_address_signs_in_first_and_is_attached(sent, team):
    dora = UserFactory(username="dora", email="Dora@Example.org", password=PASSWORD)
    client = Client()
    page = client.get(sent)
    assert "sign in" in page.content.decode().lower()
    _, refused = sign_up(sent, username="dora2")
    # No second account for the address: the page asks to sign in instead.
    assert "An account with the address" in refused.content.decode()
    assert not Membership.objects.filter(user__username="dora2").exists()
    response = client.post(
        reverse("login"), {"username": "dora", "password": PASSWORD, "next": sent}
    )
    assert response.url == sent
    assert client.get(sent).status_code == 200
    assert client.post(sent).status_code == 302
    assert Membership.objects.get(user=dora).role == Role.EDITOR
    assert Invitation.objects.get().accepted_by == dora


def test_someone_signed_in_with_another_address_cannot_accept(sent, charlie_client):
    response = charlie_client.post(sent)
    assert response.status_code == 403
    assert not Membership.objects.filter(team__slug="loomwell", user__username="charlie").exists()
    assert Invitation.objects.get().accepted_at is None


def test_the_service_refuses_a_used_invitation(alice, team):
    invitation, _ = invitation_create(
        actor=alice, team=team, email="e@example.org", role=Role.VIEWER, base_url="http://x"
    )
    invitation_accept(invitation=invitation, username="erin", password=PASSWORD)
    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, username="erin2", password=PASSWORD)


# --- the team page: roles and removal -------------------------------------------------------


def test_every_member_sees_the_member_list_but_only_owners_manage(alice_client, bob_client, team):
    owner_page = alice_client.get(team_url(team)).content.decode()
    viewer_page = bob_client.get(team_url(team)).content.decode()
    for page in (owner_page, viewer_page):
        assert 'data-member="alice"' in page and 'data-member="bob"' in page
    assert "Send invitation" in owner_page and "Remove" in owner_page
    assert "Send invitation" not in viewer_page and "Remove" not in viewer_page
    assert "bob@example.org" not in viewer_page  # addresses are for owners


def test_the_team_link_leads_to_the_users_team(bob_client, team):
    response = bob_client.get(reverse("teams:team_home"))
    assert response.status_code == 302 and response.url == team_url(team)


def test_alice_changes_bobs_role(alice_client, bob, team):
    membership = Membership.objects.get(user=bob)
    response = alice_client.post(
        reverse("teams:member_role", args=[team.slug, membership.pk]), {"role": "editor"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR


def test_bob_cannot_change_roles(bob_client, alice, team):
    membership = Membership.objects.get(user=alice)
    response = bob_client.post(
        reverse("teams:member_role", args=[team.slug, membership.pk]), {"role": "viewer"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_alice_removes_bob(alice_client, bob, team):
    membership = Membership.objects.get(user=bob)
    response = alice_client.post(reverse("teams:member_remove", args=[team.slug, membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(user=bob).exists()


def test_the_last_owner_cannot_be_demoted(alice_client, alice, team):
    membership = Membership.objects.get(user=alice)
    page = alice_client.post(
        reverse("teams:member_role", args=[team.slug, membership.pk]),
        {"role": "editor"},
        follow=True,
    )
    assert LAST_OWNER_MESSAGE in page.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_the_last_owner_cannot_be_removed(alice_client, alice, team):
    membership = Membership.objects.get(user=alice)
    page = alice_client.post(
        reverse("teams:member_remove", args=[team.slug, membership.pk]), follow=True
    )
    assert LAST_OWNER_MESSAGE in page.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    with pytest.raises(ValidationError):
        membership_remove(actor=alice, membership=membership)
    with pytest.raises(ValidationError):
        membership_change_role(actor=alice, membership=membership, role=Role.VIEWER)


def test_with_a_second_owner_the_first_may_step_down(alice, bob, team):
    bobs = Membership.objects.get(user=bob)
    membership_change_role(actor=alice, membership=bobs, role=Role.OWNER)
    alices = Membership.objects.get(user=alice)
    membership_change_role(actor=alice, membership=alices, role=Role.VIEWER)
    alices.refresh_from_db()
    assert alices.role == Role.VIEWER


def test_the_team_admin_keeps_the_last_owner_too(alice_client, alice, team):
    from tests.admin_forms import errors_of, post_data

    url = reverse("admin:teams_team_change", args=[team.pk])
    data = post_data(alice_client.get(url))
    (index,) = [k.split("-")[1] for k, v in data.items() if k.endswith("-role") and v == Role.OWNER]
    data[f"memberships-{index}-role"] = Role.EDITOR
    response = alice_client.post(url, data)
    assert response.status_code == 200, errors_of(response)
    assert LAST_OWNER_MESSAGE in response.content.decode()
    assert Membership.objects.get(user=alice).role == Role.OWNER
