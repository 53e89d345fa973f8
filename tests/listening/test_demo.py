"""The demo's listening: a topic with posts, people to engage, a share-of-voice key result."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from goals.selectors import assess_key_results
from listening.demo import KR_NAME
from listening.models import Topic, TopicPost
from listening.selectors import State, people_to_engage
from teams.models import Team

TODAY = date(2026, 11, 25)


@pytest.mark.django_db
@time_machine.travel(TODAY)
def test_the_demo_has_a_topic_people_and_a_share_of_voice_key_result_with_data():
    call_command("load_demo", stdout=StringIO())
    team = Team.objects.get(slug="demo")
    topic = Topic.objects.get(team=team)
    posts = TopicPost.objects.filter(team=team)
    assert posts.count() > 150
    assert posts.filter(mentions_brand=True).exists()
    assert posts.filter(mentions_competitor=True).exists()
    rows = people_to_engage(team_ids=[team.pk], now=posts.first().published_at)
    assert len(rows) >= 10
    accounts = set(team.accounts.values_list("platform", "handle"))
    assert not accounts & {(r.platform, r.handle) for r in rows}
    assert any(r.state == State.ENGAGED for r in rows)
    from goals.models import KeyResult

    kr = KeyResult.objects.get(name=KR_NAME, objective__strategy__team=team)
    assessed = assess_key_results([kr], today=TODAY)[kr.pk].assessment
    assert assessed.current is not None and 10 < assessed.current < 90
    assert kr.objective.strategy.period_start <= TODAY <= kr.objective.strategy.period_end
    before = posts.count()
    call_command("load_demo", stdout=StringIO())
    assert TopicPost.objects.filter(team=team).count() == before
    assert topic.matches.count() == before
