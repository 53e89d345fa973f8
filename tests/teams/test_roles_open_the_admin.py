"""Staff status follows membership: owners and editors reach the admin to write the strategy
plan without anyone ticking "staff"; viewers never do; superusers are left alone. In the
admin a non-superuser sees and changes only what their role in each team allows."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.urls import reverse

from goals.models import KeyResult
from teams.models import Membership, Role
from tests.admin_forms import errors_of, post_data
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    ObjectiveFactory,
    TeamFactory,
    UserFactory,
)


def is_staff(user) -> bool:
    return User.objects.get(pk=user.pk).is_staff


@pytest.fixture
def eve(team):
    """An editor of Loomwell who was never ticked "staff" by hand."""
    user = UserFactory(username="eve", is_staff=False)
    MembershipFactory(team=team, user=user, role=Role.EDITOR)
    return user


def test_an_editor_becomes_staff_when_the_membership_is_created(eve):
    assert is_staff(eve)


def test_an_owner_becomes_staff_too(alice):
    assert is_staff(alice)


def test_a_viewer_is_never_staff(team):
    user = UserFactory(username="vic", is_staff=True)  # even if someone ticked it
    MembershipFactory(team=team, user=user, role=Role.VIEWER)
    assert not is_staff(user)


def test_demoting_the_only_editing_role_takes_the_admin_away(eve):
    membership = Membership.objects.get(user=eve)
    membership.role = Role.VIEWER
    membership.save()
    assert not is_staff(eve)


def test_an_editor_loses_staff_when_removed_from_every_team(eve, other_team):
    MembershipFactory(team=other_team, user=eve, role=Role.EDITOR)
    Membership.objects.filter(user=eve, team__slug="loomwell").delete()
    assert is_staff(eve)  # still editing Rival
    Membership.objects.get(user=eve).delete()
    assert not is_staff(eve)


def test_deleting_the_team_takes_the_admin_away_from_its_editors(eve, team):
    team.delete()
    assert not is_staff(eve)


def test_a_viewer_who_edits_elsewhere_is_staff(bob, other_team):
    MembershipFactory(team=other_team, user=bob, role=Role.EDITOR)
    assert is_staff(bob)


def test_superusers_are_never_touched(root, team):
    User.objects.filter(pk=root.pk).update(is_staff=False)
    membership = MembershipFactory(team=team, user=root, role=Role.EDITOR)
    assert not is_staff(root)
    membership.delete()
    User.objects.filter(pk=root.pk).update(is_staff=True)
    MembershipFactory(team=team, user=root, role=Role.VIEWER)
    assert is_staff(root)


def test_the_migration_sets_staff_from_roles(team, other_team):
    owner = UserFactory(username="o", is_staff=False)
    viewer = UserFactory(username="v", is_staff=True)
    loner = UserFactory(username="l", is_staff=True)
    boss = UserFactory(username="s", is_staff=False, is_superuser=True)
    for user, role in [(owner, Role.OWNER), (viewer, Role.VIEWER), (boss, Role.VIEWER)]:
        MembershipFactory(team=team, user=user, role=role)
    # As before the migration: staff ticked by hand, whatever the role.
    User.objects.filter(pk=owner.pk).update(is_staff=False)
    User.objects.filter(pk=viewer.pk).update(is_staff=True)
    migration = importlib.import_module("teams.migrations.0004_staff_status_follows_membership")
    migration.forwards(django_apps, None)
    assert is_staff(owner)
    assert not is_staff(viewer)
    assert is_staff(loner)  # no team: left alone
    assert not is_staff(boss)  # superuser: left alone


# --- the admin for staff who are not superusers ---------------------------------------------


@pytest.fixture
def eve_client(client, eve):
    client.force_login(eve)
    return client


def test_the_editor_opens_the_admin_and_sees_only_team_apps(eve_client):
    response = eve_client.get(reverse("admin:index"))
    assert response.status_code == 200
    apps = {app["app_label"] for app in response.context["app_list"]}
    assert {"goals", "teams"} <= apps
    # Admin apps outside team scoping stay with superusers.
    assert not apps & {"auth", "django_celery_beat", "axes"}
    assert eve_client.get("/admin/django_celery_beat/periodictask/").status_code == 403
    assert eve_client.get("/admin/auth/user/").status_code == 403


def test_the_editor_adds_a_key_result_to_her_teams_objective(eve_client, team):
    objective = ObjectiveFactory(strategy__team=team)
    account = AccountFactory(team=team)
    url = reverse("admin:goals_keyresult_add")
    data = post_data(
        eve_client.get(url),
        objective=objective.pk,
        name="Followers",
        metric_key="followers",
        direction="increase",
        baseline="1000",
        target="1500",
        accounts=[account.pk],
        window="period",
        weight="1",
        order="1",
    )
    response = eve_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    assert objective.key_results.get().name == "Followers"


def test_the_editor_cannot_see_or_use_another_teams_rows(eve_client, other_team):
    rival = ObjectiveFactory(strategy__team=other_team)
    assert eve_client.get(reverse("admin:goals_objective_change", args=[rival.pk])).status_code in (
        302,
        404,
    )
    page = eve_client.get(reverse("admin:goals_keyresult_add"))
    assert rival not in page.context["adminform"].form.fields["objective"].queryset
    listing = eve_client.get(reverse("admin:goals_objective_changelist"))
    assert rival not in listing.context["cl"].result_list


def test_a_viewer_who_edits_elsewhere_only_reads_this_team_in_the_admin(client, bob, team):
    drafts = TeamFactory(slug="bobs-drafts", name="Bob's drafts")
    MembershipFactory(team=drafts, user=bob, role=Role.EDITOR)
    objective = ObjectiveFactory(strategy__team=team)
    client.force_login(bob)
    url = reverse("admin:goals_objective_change", args=[objective.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "Bob was here"}).status_code == 403
    page = client.get(reverse("admin:goals_keyresult_add"))
    assert objective not in page.context["adminform"].form.fields["objective"].queryset
    objective.refresh_from_db()
    assert objective.title != "Bob was here"
    assert not KeyResult.objects.exists()
