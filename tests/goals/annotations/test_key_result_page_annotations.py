"""Annotations on the key result page: the chart's shapes, the list, and the form for
owners and editors (viewers see them but cannot add; other teams get a 404)."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import Annotation
from metrics.models import MetricObservation
from tests.factories import AccountFactory, KeyResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(team):
    return AccountFactory(team=team, handle="loomwell")


@pytest.fixture
def kr(team, account):
    kr = KeyResultFactory(objective__strategy__team=team, name="Followers to 200")
    kr.accounts.set([account])
    for day, value in ((1, 100), (15, 130), (31, 160)):
        MetricObservation.objects.create(
            account=account, metric="followers", date=date(2026, 7, day), value=value
        )
    return kr


def page(kr):
    return reverse("goals:key_result", args=[kr.pk])


def add_url(kr):
    return reverse("goals:annotation_add", args=[kr.pk])


def _figure(response):
    return json.loads(response.context["figure_json"])


def test_the_chart_marks_a_day_with_a_line_and_a_range_with_a_band(
    alice_client, kr, team, account, other_team
):
    Annotation.objects.create(team=team, date=date(2026, 7, 10), title="Campaign launched")
    Annotation.objects.create(
        team=team,
        account=account,
        date=date(2026, 7, 20),
        end_date=date(2026, 7, 22),
        title="Platform <b>outage</b>",
        note="X was down",
    )
    Annotation.objects.create(team=other_team, date=date(2026, 7, 12), title="Not ours")
    other_kr = KeyResultFactory(objective=kr.objective)
    Annotation.objects.create(
        team=team, key_result=other_kr, date=date(2026, 7, 14), title="Other key result"
    )
    figure = _figure(alice_client.get(page(kr)))
    shapes = [s for s in figure["layout"]["shapes"] if s.get("name")]
    assert [(s["type"], s["name"], s["x0"], s["x1"]) for s in shapes] == [
        ("line", "Campaign launched", "2026-07-10", "2026-07-10"),
        ("rect", "Platform <b>outage</b>", "2026-07-20", "2026-07-22"),
    ]
    hover = next(t for t in figure["data"] if t["name"] == "Annotations")
    assert hover["x"] == ["2026-07-10", "2026-07-20"]
    # People's words are escaped in the hover text; only the line breaks are tags.
    assert hover["hovertext"][1] == (
        "Platform &lt;b&gt;outage&lt;/b&gt;<br>20 Jul 2026 – 22 Jul 2026 · "
        "Account: X (Twitter) @loomwell<br>X was down"
    )


def test_without_annotations_the_chart_has_no_annotation_trace(alice_client, kr):
    figure = _figure(alice_client.get(page(kr)))
    assert all(t["name"] != "Annotations" for t in figure["data"])


def test_an_owner_adds_one_from_the_page(alice_client, alice, kr, team):
    response = alice_client.post(
        add_url(kr),
        {
            "date": "2026-07-10",
            "end_date": "",
            "title": "Campaign launched",
            "note": "Summer",
            "show_on": "key_result",
        },
    )
    assert response.status_code == 302
    annotation = Annotation.objects.get()
    assert (annotation.team, annotation.key_result, annotation.created_by) == (team, kr, alice)
    assert "Campaign launched" in alice_client.get(page(kr)).content.decode()


def test_it_can_be_team_wide_or_for_an_account(alice_client, kr, account):
    for show_on in ("team", f"account:{account.pk}"):
        response = alice_client.post(
            add_url(kr), {"date": "2026-07-10", "title": show_on, "show_on": show_on}
        )
        assert response.status_code == 302
    team_wide, for_account = Annotation.objects.order_by("pk")
    assert (team_wide.account, team_wide.key_result) == (None, None)
    assert (for_account.account, for_account.key_result) == (account, None)


def test_an_end_before_the_start_is_shown_on_the_form_and_nothing_is_written(alice_client, kr):
    response = alice_client.post(
        add_url(kr),
        {"date": "2026-07-10", "end_date": "2026-07-01", "title": "Oops", "show_on": "team"},
    )
    assert response.status_code == 400
    assert response.context["annotation_form"].errors["end_date"] == [
        "The annotation cannot end (1 Jul 2026) before it starts (10 Jul 2026)."
    ]
    assert not Annotation.objects.exists()


def test_another_teams_account_is_not_a_choice(alice_client, kr, other_team):
    theirs = AccountFactory(team=other_team)
    response = alice_client.post(
        add_url(kr), {"date": "2026-07-10", "title": "x", "show_on": f"account:{theirs.pk}"}
    )
    assert response.status_code == 400
    assert "show_on" in response.context["annotation_form"].errors
    assert not Annotation.objects.exists()


def test_a_viewer_sees_annotations_but_no_form_and_cannot_add(bob_client, kr, team):
    Annotation.objects.create(team=team, date=date(2026, 7, 10), title="Campaign launched")
    response = bob_client.get(page(kr))
    content = response.content.decode()
    assert "Campaign launched" in content
    assert response.context["annotation_form"] is None
    assert add_url(kr) not in content
    response = bob_client.post(add_url(kr), {"date": "2026-07-10", "title": "x", "show_on": "team"})
    assert response.status_code == 403
    assert Annotation.objects.count() == 1


def test_another_team_gets_a_404(charlie_client, kr, team):
    annotation = Annotation.objects.create(team=team, date=date(2026, 7, 10), title="Ours")
    response = charlie_client.post(
        add_url(kr), {"date": "2026-07-10", "title": "x", "show_on": "team"}
    )
    assert response.status_code == 404
    for name in ("goals:annotation_edit", "goals:annotation_delete"):
        assert charlie_client.post(reverse(name, args=[kr.pk, annotation.pk])).status_code == 404
    assert list(Annotation.objects.values_list("title", flat=True)) == ["Ours"]


def test_an_annotation_of_another_team_is_a_404_even_through_ones_own_key_result(
    charlie_client, charlie, other_team, team
):
    own_kr = KeyResultFactory(objective__strategy__team=other_team)
    theirs = Annotation.objects.create(team=team, date=date(2026, 7, 10), title="Not yours")
    url = reverse("goals:annotation_delete", args=[own_kr.pk, theirs.pk])
    assert charlie_client.post(url).status_code == 404
    assert Annotation.objects.filter(pk=theirs.pk).exists()


def test_an_owner_edits_and_deletes_one(alice_client, kr, team):
    annotation = Annotation.objects.create(
        team=team, key_result=kr, date=date(2026, 7, 10), title="Campaign"
    )
    edit = reverse("goals:annotation_edit", args=[kr.pk, annotation.pk])
    form = alice_client.get(edit).context["form"]
    assert form.initial["show_on"] == "key_result"
    response = alice_client.post(
        edit,
        {
            "date": "2026-07-10",
            "end_date": "2026-07-12",
            "title": "Campaign week",
            "show_on": "team",
        },
    )
    assert response.status_code == 302
    annotation.refresh_from_db()
    assert (annotation.title, annotation.end_date, annotation.key_result) == (
        "Campaign week",
        date(2026, 7, 12),
        None,
    )
    bad = alice_client.post(edit, {"date": "2026-07-10", "title": "", "show_on": "team"})
    assert bad.status_code == 400
    annotation.refresh_from_db()
    assert annotation.title == "Campaign week"

    delete = reverse("goals:annotation_delete", args=[kr.pk, annotation.pk])
    assert alice_client.post(delete).status_code == 302
    assert not Annotation.objects.exists()


def test_a_viewer_may_not_edit_or_delete(bob_client, kr, team):
    annotation = Annotation.objects.create(team=team, date=date(2026, 7, 10), title="Campaign")
    for name in ("goals:annotation_edit", "goals:annotation_delete"):
        url = reverse(name, args=[kr.pk, annotation.pk])
        assert bob_client.post(url, {"title": "x"}).status_code == 403
    annotation.refresh_from_db()
    assert annotation.title == "Campaign"


def test_the_manual_key_result_page_keeps_its_check_in_form(alice_client, team):
    manual = KeyResultFactory(
        objective__strategy__team=team, metric_key="manual", baseline=Decimal(0), target=Decimal(2)
    )
    response = alice_client.get(page(manual))
    assert response.context["check_in_form"] is not None
    assert response.context["annotation_form"] is not None


def test_a_refused_annotation_keeps_the_check_in_form_of_a_manual_key_result(alice_client, team):
    manual = KeyResultFactory(
        objective__strategy__team=team, metric_key="manual", baseline=Decimal(0), target=Decimal(2)
    )
    response = alice_client.post(add_url(manual), {"date": "", "title": "x", "show_on": "team"})
    assert response.status_code == 400
    assert response.context["check_in_form"] is not None
    assert "date" in response.context["annotation_form"].errors
