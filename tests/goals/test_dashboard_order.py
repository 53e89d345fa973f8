"""The dashboard's order (worst first across everything; plan order otherwise) and its
"as of": nothing after the chosen day is drawn."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from goals import progress
from goals.models import CheckIn, Status
from metrics.models import MetricObservation
from metrics.platforms import Platform
from teams.models import Role
from tests.factories import (
    AccountFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    StrategyFactory,
    TeamFactory,
)

DASHBOARD = reverse("goals:dashboard")
AS_OF = date(2026, 8, 16)  # 46 of 91 days into 2026 Q3: pace expects about half the way


def manual(objective, name, *check_ins, **fields):
    """A manual key result from 0 to 100 whose check-ins are (day, value)."""
    kr = KeyResultFactory(
        objective=objective,
        name=name,
        metric_key="manual",
        baseline=Decimal(0),
        target=Decimal(100),
        **fields,
    )
    for day, value in check_ins:
        CheckIn.objects.create(key_result=kr, date=day, value=value)
    return kr


@pytest.fixture
def two_strategies(team):
    """Two strategies under way in Q3, two objectives each, statuses scattered over them."""
    q3 = StrategyFactory(team=team, name="Q3 plan")
    h2 = StrategyFactory(
        team=team, name="H2 plan", period_start=date(2026, 7, 1), period_end=date(2026, 12, 31)
    )
    q3_reach, q3_talk = (ObjectiveFactory(strategy=q3, title=t) for t in ("Reach", "Talk"))
    h2_grow, h2_keep = (ObjectiveFactory(strategy=h2, title=t) for t in ("Grow", "Keep"))
    in_q3 = {"start_date": date(2026, 7, 1), "due_date": date(2026, 9, 30)}
    manual(q3_reach, "Achieved", (date(2026, 8, 10), 100))
    manual(q3_reach, "Off track", (date(2026, 8, 15), 10))  # 10% of the way, pace 51%
    manual(q3_talk, "No data")
    manual(q3_talk, "On track", (date(2026, 8, 15), 60))
    manual(h2_grow, "Not started", start_date=date(2026, 9, 1), due_date=date(2026, 9, 30))
    manual(h2_grow, "At risk", (date(2026, 8, 15), 45), **in_q3)  # 6 points behind pace
    manual(h2_keep, "Stale", (date(2026, 8, 1), 40), **in_q3)  # 15 days old
    return q3, h2


def test_worst_first_orders_every_key_result_by_severity_across_objectives_and_strategies(
    alice_client, two_strategies
):
    response = alice_client.get(DASHBOARD, {"as_of": AS_OF, "sort": "worst"})
    rows = response.context["worst_first"]
    assert [(r.key_result.name, r.status.value) for r in rows] == [
        ("Off track", "off_track"),
        ("At risk", "at_risk"),
        ("Stale", "stale"),
        ("No data", "no_data"),
        ("On track", "on_track"),
        ("Achieved", "achieved"),
        ("Not started", "not_started"),
    ]
    assert tuple(r.status for r in rows) == progress.SEVERITY
    html = response.content.decode()
    # Each row says where it belongs, since strategies and objectives are mixed.
    assert "Q3 plan · Reach" in html and "H2 plan · Keep" in html
    assert html.index("Off track</a>") < html.index("At risk</a>") < html.index("Stale</a>")


def test_without_worst_first_key_results_stay_in_plan_order(alice_client, two_strategies):
    response = alice_client.get(DASHBOARD, {"as_of": AS_OF})
    assert response.context["worst_first"] is None
    names = [[kr.key_result.name for kr in s.key_results] for s in response.context["strategies"]]
    # Both started on 1 Jul: by name, H2 before Q3.
    assert names == [
        ["Not started", "At risk", "Stale"],
        ["Achieved", "Off track", "No data", "On track"],
    ]


def test_strategies_under_way_come_before_future_ones_then_by_period_start_and_name(
    alice, alice_client, team
):
    # Another team of alice's whose name sorts first: the team no longer decides the order.
    aardvark = TeamFactory(name="Aardvark", slug="aardvark")
    MembershipFactory(team=aardvark, user=alice, role=Role.OWNER)
    StrategyFactory(
        team=aardvark,
        name="2027 plan",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 3, 31),
    )
    StrategyFactory(
        team=team,
        name="Next quarter",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
    )
    StrategyFactory(team=team, name="Q3 — social", status=Status.ACTIVE)
    StrategyFactory(team=aardvark, name="Q3 — community", status=Status.ACTIVE)
    StrategyFactory(
        team=team, name="Q2 leftovers", period_start=date(2026, 4, 1), period_end=date(2026, 6, 30)
    )
    response = alice_client.get(DASHBOARD, {"as_of": AS_OF})
    assert [s.strategy.name for s in response.context["strategies"]] == [
        "Q2 leftovers",
        "Q3 — community",
        "Q3 — social",
        "Next quarter",
        "2027 plan",
    ]
    html = response.content.decode()
    assert html.index("<h2>Q3 — social") < html.index("<h2>2027 plan")


@pytest.fixture
def followers(team):
    account = AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    kr = KeyResultFactory(
        objective__strategy__team=team,
        name="Followers to 200",
        baseline=Decimal(100),
        target=Decimal(200),
    )
    kr.accounts.set([account])
    for day, value in (
        (date(2026, 7, 1), 100),
        (date(2026, 7, 20), 120),
        (date(2026, 8, 10), 150),
        (date(2026, 8, 30), 120),
        (date(2026, 9, 20), 190),
    ):
        MetricObservation.objects.create(account=account, metric="followers", date=day, value=value)
    return kr


def _row(client, kr, as_of):
    response = client.get(DASHBOARD, {"as_of": as_of})
    return next(
        r for s in response.context["strategies"] for r in s.key_results if r.key_result.pk == kr.pk
    )


def test_the_sparkline_draws_only_the_points_up_to_as_of(alice_client, followers):
    middle = _row(alice_client, followers, AS_OF)
    full = _row(alice_client, followers, date(2026, 10, 15))
    assert [p.day for p in middle.sparkline_points] == [
        date(2026, 7, 1),
        date(2026, 7, 20),
        date(2026, 8, 10),
    ]
    assert len(middle.sparkline.split()) == 3 and len(full.sparkline.split()) == 5
    assert middle.sparkline != full.sparkline
    # Its highest point is 150 (the top of the box, y=2), not 190 from September.
    assert middle.sparkline.split()[-1] == "100.0,2.0"


def test_the_sparkline_of_a_manual_key_result_leaves_out_later_check_ins(alice_client, team):
    objective = ObjectiveFactory(strategy=StrategyFactory(team=team))
    kr = manual(
        objective,
        "Guides",
        (date(2026, 7, 10), 10),
        (date(2026, 8, 1), 30),
        (date(2026, 8, 20), 60),
        (date(2026, 10, 20), 100),  # after the due date: never drawn
    )
    middle = _row(alice_client, kr, AS_OF)
    assert [p.day for p in middle.sparkline_points] == [date(2026, 7, 10), date(2026, 8, 1)]
    full = _row(alice_client, kr, date(2026, 12, 1))
    assert [p.day for p in full.sparkline_points][-1] == date(2026, 8, 20)
    assert middle.sparkline != full.sparkline


def test_every_number_on_the_row_is_as_of_the_chosen_day(alice_client, followers):
    row = _row(alice_client, followers, AS_OF)
    assert (row.assessment.current, row.assessment.as_of) == (150.0, date(2026, 8, 10))
    html = alice_client.get(DASHBOARD, {"as_of": AS_OF}).content.decode()
    assert '<td class="num">150</td>' in html and '<td class="num">190</td>' not in html
    # The key result's page opens at the same day.
    assert f'/key-results/{followers.pk}/?as_of=2026-08-16"' in html
