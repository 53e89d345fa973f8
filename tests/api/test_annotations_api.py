"""/api/v1/annotations/: CRUD through the one service, scoped to the user's teams."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import Annotation
from tests.factories import AccountFactory, KeyResultFactory

pytestmark = pytest.mark.django_db
LIST = reverse("api:annotation-list")


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def detail(annotation):
    return reverse("api:annotation-detail", args=[annotation.pk])


def test_alice_creates_reads_changes_and_deletes_one(alice, team):
    kr = KeyResultFactory(objective__strategy__team=team)
    api = client_for(alice)
    created = api.post(
        LIST,
        {
            "team": team.pk,
            "key_result": kr.pk,
            "date": "2026-08-03",
            "end_date": "2026-08-05",
            "title": "Platform outage",
            "note": "Three days",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["created_by"], body["key_result"], body["end_date"]) == (
        alice.pk,
        kr.pk,
        "2026-08-05",
    )
    annotation = Annotation.objects.get()
    assert api.get(LIST).json()["results"][0]["title"] == "Platform outage"

    patched = api.patch(detail(annotation), {"title": "Outage"}, format="json")
    assert patched.status_code == 200
    annotation.refresh_from_db()
    assert (annotation.title, annotation.end_date, annotation.key_result) == (
        "Outage",
        date(2026, 8, 5),
        kr,
    )
    assert api.delete(detail(annotation)).status_code == 204
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"end_date": "2026-08-01"},
            "end_date",
            "The annotation cannot end (1 Aug 2026) before it starts (3 Aug 2026).",
        ),
        ({"title": "   "}, "title", "Give the annotation a title, e.g. “Campaign launched”."),
        (
            {"title": "x" * 121},
            "title",
            "Ensure this value has at most 120 characters (it has 121).",
        ),
    ],
)
def test_bad_values_are_a_400_naming_the_field(alice, team, changes, field, message):
    data = {"team": team.pk, "date": "2026-08-03", "title": "Launch", **changes}
    response = client_for(alice).post(LIST, data, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not Annotation.objects.exists()


def test_another_teams_key_result_or_account_is_refused(alice, team, other_team):
    kr = KeyResultFactory(objective__strategy__team=other_team)
    account = AccountFactory(team=other_team)
    data = {"team": team.pk, "date": "2026-08-03", "title": "x"}
    api = client_for(alice)
    for extra in ({"key_result": kr.pk}, {"account": account.pk}):
        response = api.post(LIST, {**data, **extra}, format="json")
        assert response.status_code == 400
        (field,) = extra
        assert "does not exist" in response.json()[field][0]
    assert not Annotation.objects.exists()


def test_an_account_of_another_team_one_also_edits_is_a_clear_400(alice, team, other_team):
    from teams.models import Membership, Role

    Membership.objects.create(team=other_team, user=alice, role=Role.EDITOR)
    account = AccountFactory(team=other_team, handle="rivalbeans")
    response = client_for(alice).post(
        LIST,
        {"team": team.pk, "account": account.pk, "date": "2026-08-03", "title": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["account"] == [f"“{account}” is not an account of the team “Loomwell”."]
    assert not Annotation.objects.exists()


def test_a_viewer_reads_but_cannot_write(bob, team):
    annotation = Annotation.objects.create(team=team, date=date(2026, 8, 3), title="Ours")
    api = client_for(bob)
    assert api.get(detail(annotation)).status_code == 200
    created = api.post(LIST, {"team": team.pk, "date": "2026-08-03", "title": "x"}, format="json")
    assert created.status_code == 403
    assert api.patch(detail(annotation), {"title": "x"}, format="json").status_code == 403
    assert api.delete(detail(annotation)).status_code == 403
    annotation.refresh_from_db()
    assert annotation.title == "Ours"
    assert Annotation.objects.count() == 1


def test_another_team_sees_nothing_and_cannot_write(charlie, team):
    annotation = Annotation.objects.create(team=team, date=date(2026, 8, 3), title="Ours")
    api = client_for(charlie)
    assert api.get(LIST).json()["count"] == 0
    assert api.get(detail(annotation)).status_code == 404
    assert api.patch(detail(annotation), {"title": "x"}, format="json").status_code == 404
    assert api.delete(detail(annotation)).status_code == 404
    created = api.post(LIST, {"team": team.pk, "date": "2026-08-03", "title": "x"}, format="json")
    assert created.status_code == 400
    assert "does not exist" in created.json()["team"][0]
    assert Annotation.objects.count() == 1


def test_the_list_filters_by_key_result(alice, team):
    kr = KeyResultFactory(objective__strategy__team=team)
    Annotation.objects.create(team=team, date=date(2026, 8, 3), title="Team-wide")
    Annotation.objects.create(team=team, key_result=kr, date=date(2026, 8, 4), title="KR")
    body = client_for(alice).get(LIST, {"key_result": kr.pk}).json()
    assert [row["title"] for row in body["results"]] == ["KR"]
