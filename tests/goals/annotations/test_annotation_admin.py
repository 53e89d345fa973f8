"""The annotation admin: scoped like the other goals admins, and writes through the
service (the author is recorded; the model's rules are the form's errors)."""

from datetime import date

import pytest
from django.urls import reverse

from goals.models import Annotation
from tests.admin_forms import errors_of
from tests.factories import AccountFactory, KeyResultFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:goals_annotation_add")
LIST = reverse("admin:goals_annotation_changelist")


def change(annotation):
    return reverse("admin:goals_annotation_change", args=[annotation.pk])


def _data(team, **changes):
    data = {
        "team": team.pk,
        "date": "2026-08-03",
        "end_date": "",
        "title": "Campaign launched",
        "note": "",
        "account": "",
        "key_result": "",
    }
    data.update(changes)
    return data


def test_alice_adds_one_and_is_its_author(alice_client, alice, team):
    response = alice_client.post(ADD, _data(team, end_date="2026-08-05"))
    assert response.status_code == 302, errors_of(response)
    annotation = Annotation.objects.get()
    assert (annotation.created_by, annotation.end_date) == (alice, date(2026, 8, 5))


def test_an_end_before_the_start_is_a_form_error(alice_client, team):
    response = alice_client.post(ADD, _data(team, end_date="2026-08-01"))
    assert response.status_code == 200
    assert errors_of(response)["end_date"] == [
        "The annotation cannot end (1 Aug 2026) before it starts (3 Aug 2026)."
    ]
    assert not Annotation.objects.exists()


def test_another_teams_account_and_key_result_are_not_choices(alice_client, team, other_team):
    account = AccountFactory(team=other_team)
    kr = KeyResultFactory(objective__strategy__team=other_team)
    form = alice_client.get(ADD).context["adminform"].form
    assert account not in form.fields["account"].queryset
    assert kr not in form.fields["key_result"].queryset
    response = alice_client.post(ADD, _data(team, account=account.pk, key_result=kr.pk))
    assert response.status_code == 200
    assert set(errors_of(response)) == {"account", "key_result"}
    assert not Annotation.objects.exists()


def test_the_list_shows_only_the_users_teams(alice_client, charlie_client, team, other_team):
    Annotation.objects.create(team=team, date=date(2026, 8, 3), title="Loomwell launch")
    Annotation.objects.create(team=other_team, date=date(2026, 8, 3), title="Rival launch")
    assert [str(a.title) for a in alice_client.get(LIST).context["cl"].result_list] == [
        "Loomwell launch"
    ]
    assert [str(a.title) for a in charlie_client.get(LIST).context["cl"].result_list] == [
        "Rival launch"
    ]


def test_another_team_cannot_open_or_delete_it(charlie_client, team):
    annotation = Annotation.objects.create(team=team, date=date(2026, 8, 3), title="Ours")
    response = charlie_client.get(change(annotation))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    delete = reverse("admin:goals_annotation_delete", args=[annotation.pk])
    charlie_client.post(delete, {"post": "yes"})
    assert Annotation.objects.filter(pk=annotation.pk).exists()


def test_a_viewer_sees_it_read_only(bob_admin_client, team):
    annotation = Annotation.objects.create(team=team, date=date(2026, 8, 3), title="Ours")
    response = bob_admin_client.get(change(annotation))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    bob_admin_client.post(change(annotation), _data(team, title="Changed"))
    annotation.refresh_from_db()
    assert annotation.title == "Ours"


def test_alice_deletes_one(alice_client, team):
    annotation = Annotation.objects.create(team=team, date=date(2026, 8, 3), title="Ours")
    delete = reverse("admin:goals_annotation_delete", args=[annotation.pk])
    assert alice_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Annotation.objects.exists()
