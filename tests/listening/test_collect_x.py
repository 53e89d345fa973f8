"""X recent search through the listening collection, only with the team's own bearer token."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from werkzeug import Response

from listening.collectors.x import queries
from listening.models import ListeningSettings, Topic, TopicPost
from listening.terms import parse
from tests.listening.conftest import collect
from tests.listening.fakes import load, x_post

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def quiet(team):
    return ListeningSettings.objects.create(team=team)


def test_without_a_token_x_is_never_asked(quiet, topic, fake_x):
    assert collect(topic.team).ok
    assert fake_x.requests() == []


def test_it_searches_with_the_teams_token_and_ignores_partial_errors(
    quiet, topic, fake_x, x_connector
):
    page = load("x/search_recent.json")
    fake_x.posts = [(page["data"][0], page["includes"]["users"][0])]
    fake_x.with_partial_errors = True  # a post deleted between the search and the answer
    outcome = collect(topic.team)
    assert outcome.ok, outcome.notes
    request = fake_x.requests()[0]
    assert request.headers["Authorization"] == "Bearer team-token"
    assert request.args["query"] == (
        '("pour over" OR espresso OR #pourover OR #coffee) -is:retweet -giveaway'
    )
    assert request.args["start_time"] == "2026-11-13T12:05:00Z"  # recent search: 7 days
    post = TopicPost.objects.get()
    assert post.author.handle == "morganmakescoffee"  # one person, one handle
    assert post.permalink == "https://x.com/morganmakescoffee/status/1859211111111111111"
    assert post.mentions == ["kettle_and_crumb"]
    assert post.mentions_competitor is False  # the competitor is not an account of this team


def test_it_pages_with_next_token_then_reads_since_the_newest_id(quiet, topic, fake_x, x_connector):
    fake_x.page_size = 10
    fake_x.posts = [
        x_post(NOW - timedelta(minutes=i), str(1859300000000000000 - i), f"u{i}", "espresso!")
        for i in range(25)
    ]
    assert collect(topic.team).ok
    tokens = [r.args.get("next_token") for r in fake_x.requests()]
    assert tokens == [None, "10", "20"]
    assert TopicPost.objects.count() == 25
    fake_x.server.clear_log()
    assert collect(topic.team).ok
    assert fake_x.requests()[0].args["since_id"] == "1859300000000000000"


def test_a_429_is_waited_out_until_the_reset(quiet, topic, fake_x, x_connector):
    fake_x.posts = [x_post(NOW - timedelta(hours=1), "1859300000000000001", "u", "espresso")]
    reset = int(NOW.timestamp()) + 5
    fake_x.failures.append(Response("", status=429, headers={"x-rate-limit-reset": str(reset)}))
    sleeps = []
    assert collect(topic.team, sleeps).ok
    assert 5.0 in sleeps
    assert TopicPost.objects.count() == 1


def test_long_term_lists_are_split_into_queries_of_at_most_512_characters(team):
    terms = parse(
        keywords="\n".join(f"single origin coffee number {i}" for i in range(60)),
        hashtags="",
        excluded="",
        languages="en",
    )
    found = queries(terms)
    assert len(found) > 1
    assert all(len(q) <= 512 and q.endswith("-is:retweet lang:en") for q in found)
    joined = " ".join(found)
    assert all(f'"single origin coffee number {i}"' in joined for i in range(60))


def test_a_topic_in_one_language_asks_x_for_it(quiet, fake_x, x_connector, team):
    Topic.objects.create(team=team, name="Kaffee", keywords="kaffee", languages="de")
    assert collect(team).ok
    assert fake_x.requests()[0].args["query"] == "(kaffee) -is:retweet lang:de"
