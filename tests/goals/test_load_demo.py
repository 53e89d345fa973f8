from datetime import date
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from goals.demo import DEMO_EXPORTS
from goals.models import CheckIn, KeyResult, Objective, Strategy
from metrics.models import (
    Account,
    ImportJob,
    ImportStatus,
    MetricObservation,
    ObservationSource,
    Post,
)
from teams.models import Membership, Team

MODELS = [
    Team,
    Membership,
    Account,
    Strategy,
    Objective,
    KeyResult,
    CheckIn,
    get_user_model(),
    Post,
    MetricObservation,
    ImportJob,
]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
@time_machine.travel(date(2026, 11, 25))
def test_it_loads_a_complete_demo_plan():
    out = StringIO()
    call_command("load_demo", stdout=out)
    team = Team.objects.get(slug="demo")
    q3, q4 = team.strategies.order_by("period_start")
    assert (q3.name, q4.name) == ("Conversation first — 2026 Q3", "Conversation first — 2026 Q4")
    assert q3.objectives.count() == 3 and q4.objectives.count() == 2
    assert KeyResult.objects.filter(objective__strategy=q3).count() == 7
    # Six from the plan, and the listening demo's share of voice (listening/demo.py).
    assert KeyResult.objects.filter(objective__strategy=q4).count() == 7
    assert team.accounts.own().count() == 8 and team.accounts.competitors().count() == 2
    assert "login: demo / demo" in out.getvalue()
    # Everything the loader wrote passes the same validation as the admin.
    for row in [
        q3,
        q4,
        *Objective.objects.all(),
        *KeyResult.objects.all(),
        *CheckIn.objects.all(),
        *Account.objects.all(),
    ]:
        row.full_clean()


@pytest.mark.django_db
@time_machine.travel(date(2026, 11, 25))
def test_the_demo_dashboard_shows_every_status():
    from goals.progress import Status
    from goals.selectors import dashboard

    call_command("load_demo", stdout=StringIO())
    user = get_user_model().objects.get(username="demo")
    rows = dashboard(user, today=date(2026, 11, 25))
    statuses = {kr.status for s in rows for kr in s.key_results}
    assert statuses == set(Status)


@pytest.mark.django_db
def test_running_it_twice_adds_nothing():
    call_command("load_demo", stdout=StringIO())
    before = _counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == before
    assert "already complete; nothing to add" in out.getvalue()


@pytest.mark.django_db
def test_it_reports_what_each_import_created_updated_and_left_unchanged():
    first = StringIO()
    call_command("load_demo", stdout=first)
    lines = [line for line in first.getvalue().splitlines() if "imported " in line]
    assert len(lines) == len(DEMO_EXPORTS)
    assert all(" created, " in line and " unchanged" in line for line in lines)
    assert " rows" not in "".join(lines)
    # A later X file of the same account updates the posts an earlier one stored.
    assert any("X " in line and ", 0 updated" not in line for line in lines)
    # Forgetting the imports makes the loader import every file again: all unchanged.
    ImportJob.objects.all().delete()
    second = StringIO()
    call_command("load_demo", stdout=second)
    again = [line for line in second.getvalue().splitlines() if "imported " in line]
    assert len(again) == len(DEMO_EXPORTS)
    for line in again:
        assert ": 0 created, 0 updated, " in line and " unchanged" in line, line
        assert ", 0 unchanged" not in line, line


@pytest.mark.django_db
def test_it_completes_a_partly_deleted_demo():
    call_command("load_demo", stdout=StringIO())
    before = _counts()
    KeyResult.objects.filter(metric_key="manual").delete()
    call_command("load_demo", stdout=StringIO())
    assert _counts() == before


@pytest.mark.django_db
def test_the_demo_login_opens_the_admin_on_the_demo_team():
    call_command("load_demo", stdout=StringIO())
    client = Client()
    signed_in = client.post(
        reverse("admin:login"), {"username": "demo", "password": "demo", "next": "/admin/"}
    )
    assert signed_in.status_code == 302
    response = client.get(reverse("admin:goals_strategy_changelist"))
    assert response.status_code == 200
    assert {s.team.slug for s in response.context["cl"].queryset} == {"demo"}


@pytest.mark.django_db
@override_settings(DEMO_DATA_ALLOWED=False)
def test_it_refuses_outside_development_mode():
    with pytest.raises(CommandError, match="only be loaded in development mode"):
        call_command("load_demo", stdout=StringIO())
    assert not get_user_model().objects.filter(username="demo").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("today", [date(2026, 5, 10), date(2028, 1, 3)])
def test_the_demo_plan_covers_the_quarter_of_its_sample_data_whatever_the_date(today):
    with time_machine.travel(today):
        call_command("load_demo", stdout=StringIO())
    strategy = Strategy.objects.order_by("period_start").first()
    assert (strategy.period_start, strategy.period_end) == (date(2026, 7, 1), date(2026, 9, 30))
    # TikTok dates have no year; they must still land in 2026.
    tiktok = Post.objects.filter(account__platform="tiktok")
    assert tiktok.count() == 45
    assert {p.published_at.year for p in tiktok} == {2026}


@pytest.mark.django_db
def test_the_sample_exports_are_imported_through_the_pipeline():
    call_command("load_demo", stdout=StringIO())
    jobs = ImportJob.objects.filter(team__slug="demo")
    assert jobs.count() == len(DEMO_EXPORTS)
    assert set(jobs.values_list("status", flat=True)) == {ImportStatus.SUCCEEDED}
    # Every platform has posts, and the conversation rollup has data in the demo quarter.
    platforms = set(Post.objects.values_list("account__platform", flat=True))
    assert platforms == {
        "x",
        "mastodon",
        "bluesky",
        "facebook",
        "instagram",
        "linkedin",
        "youtube",
        "tiktok",
    }
    assert MetricObservation.objects.filter(
        metric="reply_share",
        source=ObservationSource.ROLLUP,
        date__range=(date(2026, 7, 1), date(2026, 9, 30)),
    ).exists()
    assert ImportJob.objects.filter(team__slug="demo").count() == len(DEMO_EXPORTS)
    call_command("load_demo", stdout=StringIO())
    assert ImportJob.objects.filter(team__slug="demo").count() == len(DEMO_EXPORTS)


@pytest.mark.django_db
@time_machine.travel(date(2026, 11, 25))
def test_the_demo_tiktok_followers_are_forecast_upwards_and_reached_when_the_data_did():
    from goals.selectors import assess_key_results, key_results_with_relations

    call_command("load_demo", stdout=StringIO())
    kr = key_results_with_relations(KeyResult.objects.filter(name__startswith="TikTok")).get()
    row = assess_key_results([kr], today=date(2026, 9, 25))[kr.pk]
    a = row.assessment
    assert a.reached_on == date(2026, 9, 20)  # 4,300 first on 20 Sep, and it stayed
    assert a.forecast.at_due >= a.current  # rising all quarter: never forecast below today
    final = assess_key_results([kr], today=date(2026, 11, 25))[kr.pk].assessment
    assert final.current == 4370
    assert final.forecast.at_due >= 4370
