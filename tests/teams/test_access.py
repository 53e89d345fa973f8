import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from goals.models import KeyResult, Strategy
from metrics.models import Account
from teams import access
from tests.factories import AccountFactory, KeyResultFactory, UserFactory


@pytest.fixture
def rows(team, other_team):
    return {
        "mine": KeyResultFactory(objective__strategy__team=team),
        "theirs": KeyResultFactory(objective__strategy__team=other_team),
    }


def test_it_shows_members_only_their_teams(alice, bob, charlie, team, other_team):
    assert list(access.visible_teams(alice)) == [team]
    assert list(access.visible_teams(bob)) == [team]
    assert list(access.visible_teams(charlie)) == [other_team]


def test_it_lets_owners_edit_but_not_viewers(alice, bob, team):
    assert access.can_edit(alice, team)
    assert access.can_view(bob, team)
    assert not access.can_edit(bob, team)


def test_it_hides_another_teams_rows(rows, alice, charlie):
    assert list(access.visible_to(alice, KeyResult.objects.all())) == [rows["mine"]]
    assert list(access.visible_to(charlie, KeyResult.objects.all())) == [rows["theirs"]]
    assert not access.can_view(charlie, rows["mine"].objective.strategy.team)


def test_it_shows_superusers_everything(rows, root):
    assert access.visible_to(root, KeyResult.objects.all()).count() == 2
    assert access.editable_by(root, Strategy.objects.all()).count() == 2


def test_it_shows_anonymous_and_inactive_users_nothing(rows, alice):
    assert not access.visible_to(AnonymousUser(), KeyResult.objects.all()).exists()
    alice.is_active = False
    alice.save()
    assert not access.visible_to(alice, KeyResult.objects.all()).exists()


def test_it_shows_a_user_without_membership_nothing(rows):
    stranger = UserFactory(username="stranger")
    assert not access.visible_to(stranger, KeyResult.objects.all()).exists()


def test_viewers_may_not_edit_rows(rows, bob):
    assert access.visible_to(bob, KeyResult.objects.all()).count() == 1
    assert not access.editable_by(bob, KeyResult.objects.all()).exists()


def test_it_follows_team_path_to_the_team(rows, team):
    assert access.team_of(rows["mine"]) == team
    assert access.team_of(team) == team


def test_get_object_for_user_gives_404_for_another_teams_row(team, alice, charlie):
    account = AccountFactory(team=team)
    assert access.get_object_for_user(alice, Account.objects.all(), pk=account.pk) == account
    with pytest.raises(Http404):
        access.get_object_for_user(charlie, Account.objects.all(), pk=account.pk)


def test_it_refuses_models_that_are_not_team_owned():
    from django.contrib.auth.models import User

    with pytest.raises(TypeError, match="TEAM_PATH"):
        access.team_path(User)
