"""The conversation charts (reply share, with:at by week) show the team-wide annotations and
those of the chosen accounts, never another team's or one key result's."""

import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from goals.models import Annotation
from metrics.platforms import Platform
from tests.factories import AccountFactory, KeyResultFactory, StrategyFactory
from tests.goals.test_conversation_page import make_post

pytestmark = pytest.mark.django_db
PAGE = reverse("goals:conversation")


@pytest.fixture(autouse=True)
def _in_october_2026():
    with time_machine.travel(datetime(2026, 10, 15, 12, tzinfo=UTC), tick=False):
        yield


def test_the_weekly_charts_carry_the_teams_annotations(alice_client, team, other_team):
    own = AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    other_own = AccountFactory(team=team, platform=Platform.MASTODON, handle="lw@m.example")
    strategy = StrategyFactory(team=team)
    make_post(own, date(2026, 7, 8), text="hello")
    kr = KeyResultFactory(objective__strategy=strategy)
    Annotation.objects.create(team=team, date=date(2026, 7, 6), title="Campaign launched")
    Annotation.objects.create(
        team=team,
        account=own,
        date=date(2026, 8, 3),
        end_date=date(2026, 8, 5),
        title="X outage",
    )
    Annotation.objects.create(team=team, account=other_own, date=date(2026, 8, 4), title="M")
    Annotation.objects.create(team=team, key_result=kr, date=date(2026, 8, 4), title="KR only")
    Annotation.objects.create(team=other_team, date=date(2026, 8, 4), title="Not ours")

    response = alice_client.get(PAGE, {"strategy": strategy.pk, "team": team.pk, "account": own.pk})
    assert response.status_code == 200
    for key in ("reply_share_json", "with_at_json"):
        figure = json.loads(response.context[key])
        shapes = [(s["type"], s["name"]) for s in figure["layout"]["shapes"]]
        assert shapes == [("line", "Campaign launched"), ("rect", "X outage")], key
    mix = json.loads(response.context["mix_json"])  # categories, not dates: no marks
    assert "shapes" not in mix["layout"]
