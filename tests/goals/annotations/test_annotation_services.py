"""The one write path for annotations: who may write, and bad values refused with a clear
message and nothing written."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from goals.annotations.services import annotation_create, annotation_delete, annotation_update
from goals.models import Annotation
from tests.factories import AccountFactory, KeyResultFactory

pytestmark = pytest.mark.django_db


def _create(user, team, **overrides):
    fields = {"day": date(2026, 8, 3), "title": "Campaign launched"}
    fields.update(overrides)
    return annotation_create(user=user, team=team, **fields)


def test_it_records_an_annotation_and_its_author(alice, team):
    kr = KeyResultFactory(objective__strategy__team=team)
    account = AccountFactory(team=team)
    annotation = _create(
        alice,
        team,
        end_date=date(2026, 8, 5),
        note="Summer campaign",
        account=account,
        key_result=kr,
    )
    annotation.refresh_from_db()
    assert (annotation.team, annotation.account, annotation.key_result) == (team, account, kr)
    assert (annotation.date, annotation.end_date) == (date(2026, 8, 3), date(2026, 8, 5))
    assert (annotation.created_by, annotation.note) == (alice, "Summer campaign")


def test_it_trims_the_title(alice, team):
    assert _create(alice, team, title="  Outage  ").title == "Outage"


def test_a_viewer_may_not_add_one(bob, team):
    with pytest.raises(PermissionDenied):
        _create(bob, team)
    assert not Annotation.objects.exists()


def test_an_outsider_may_not_add_one_to_another_team(charlie, team):
    with pytest.raises(PermissionDenied):
        _create(charlie, team)
    assert not Annotation.objects.exists()


def test_it_refuses_an_end_before_the_start(alice, team):
    with pytest.raises(ValidationError) as exc:
        _create(alice, team, end_date=date(2026, 8, 1))
    assert exc.value.message_dict["end_date"] == [
        "The annotation cannot end (1 Aug 2026) before it starts (3 Aug 2026)."
    ]
    assert not Annotation.objects.exists()


def test_a_one_day_range_is_allowed(alice, team):
    assert _create(alice, team, end_date=date(2026, 8, 3)).end_date == date(2026, 8, 3)


@pytest.mark.parametrize("title", ["", "   "])
def test_it_refuses_an_empty_title(alice, team, title):
    with pytest.raises(ValidationError) as exc:
        _create(alice, team, title=title)
    assert exc.value.message_dict["title"] == [
        "Give the annotation a title, e.g. “Campaign launched”."
    ]
    assert not Annotation.objects.exists()


def test_it_refuses_a_title_too_long_for_a_chart(alice, team):
    with pytest.raises(ValidationError) as exc:
        _create(alice, team, title="x" * 121)
    assert exc.value.message_dict["title"] == [
        "Ensure this value has at most 120 characters (it has 121)."
    ]
    assert not Annotation.objects.exists()
    assert _create(alice, team, title="x" * 120).title == "x" * 120


def test_it_refuses_another_teams_account(alice, team, other_team):
    # alice edits both teams: the rule is the row's team, not only the user's rights.
    from teams.models import Membership, Role

    Membership.objects.create(team=other_team, user=alice, role=Role.OWNER)
    theirs = AccountFactory(team=other_team, handle="rivalbeans")
    with pytest.raises(ValidationError) as exc:
        _create(alice, team, account=theirs)
    assert exc.value.message_dict["account"] == [
        f"“{theirs}” is not an account of the team “Loomwell”."
    ]
    assert not Annotation.objects.exists()


def test_it_refuses_another_teams_key_result(alice, team, other_team):
    theirs = KeyResultFactory(objective__strategy__team=other_team, name="Their KR")
    with pytest.raises(ValidationError) as exc:
        _create(alice, team, key_result=theirs)
    assert exc.value.message_dict["key_result"] == [
        "“Their KR” is not a key result of the team “Loomwell”."
    ]
    assert not Annotation.objects.exists()


def _update(user, annotation, **changes):
    fields = {
        "team": annotation.team,
        "day": annotation.date,
        "title": annotation.title,
        "end_date": annotation.end_date,
        "note": annotation.note,
        "account": annotation.account,
        "key_result": annotation.key_result,
    }
    fields.update(changes)
    return annotation_update(user=user, annotation=annotation, **fields)


def test_an_editor_changes_one(alice, team):
    annotation = _create(alice, team)
    _update(alice, annotation, title="Outage", end_date=date(2026, 8, 9))
    annotation.refresh_from_db()
    assert (annotation.title, annotation.end_date) == ("Outage", date(2026, 8, 9))


def test_a_bad_change_leaves_the_row_as_it_was(alice, team):
    annotation = _create(alice, team)
    with pytest.raises(ValidationError):
        _update(alice, annotation, title="Changed", end_date=date(2026, 7, 1))
    annotation.refresh_from_db()
    assert (annotation.title, annotation.end_date) == ("Campaign launched", None)


def test_a_viewer_may_neither_change_nor_delete_one(alice, bob, team):
    annotation = _create(alice, team)
    with pytest.raises(PermissionDenied):
        _update(bob, annotation, title="Changed")
    with pytest.raises(PermissionDenied):
        annotation_delete(user=bob, annotation=annotation)
    annotation.refresh_from_db()
    assert annotation.title == "Campaign launched"


def test_an_outsider_may_not_move_one_to_their_team(alice, charlie, team, other_team):
    annotation = _create(alice, team)
    with pytest.raises(PermissionDenied):
        _update(charlie, annotation, team=other_team)
    annotation.refresh_from_db()
    assert annotation.team == team


def test_an_editor_deletes_one(alice, team):
    annotation = _create(alice, team)
    annotation_delete(user=alice, annotation=annotation)
    assert not Annotation.objects.exists()
