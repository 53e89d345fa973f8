"""The listening API beyond the permission matrix (tests/api/test_permission_matrix.py):
what it answers, and bad input as a 400 that changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from listening.models import Topic, TopicPost
from tests.factories import AccountFactory
from tests.listening.helpers import found, write

NOW = datetime.now(UTC)


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_an_editor_creates_a_topic_and_bad_terms_are_a_400(api, team):
    bad = api.post("/api/v1/topics/", {"team": team.pk, "name": "Empty"}, format="json")
    assert bad.status_code == 400
    assert "at least one keyword or hashtag" in str(bad.json())
    huge = api.post(
        "/api/v1/topics/",
        {"team": team.pk, "name": "Huge", "keywords": ",".join(f"w{i}" for i in range(10_000))},
        format="json",
    )
    assert huge.status_code == 400 and "10,000 terms" in str(huge.json())
    assert not Topic.objects.exists()
    good = api.post(
        "/api/v1/topics/",
        {"team": team.pk, "name": "Brewing", "hashtags": "coffee", "languages": "en"},
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert Topic.objects.get().hashtags == "coffee"


def test_people_to_engage_are_ranked_and_filtered(api, topic, team, other_team):
    AccountFactory(team=team, platform="x", handle="loomwellroast")
    write(
        topic,
        found("x", "dara", NOW - timedelta(hours=1), "espresso and pour over", likes=5),
        found("x", "sam", NOW - timedelta(days=5), "espresso"),
        found("x", "loomwellroast", NOW, "espresso from us"),
    )
    theirs = Topic.objects.create(team=other_team, name="Theirs", keywords="espresso")
    write(theirs, found("x", "secret", NOW, "espresso"))
    body = api.get("/api/v1/people-to-engage/").json()
    assert [p["handle"] for p in body["results"]] == ["dara", "sam"]
    assert body["results"][0]["state"] == "new" and body["results"][0]["posts"] == 1
    assert api.get("/api/v1/people-to-engage/", {"platform": "bluesky"}).json()["count"] == 0
    assert api.get("/api/v1/people-to-engage/", {"topic": theirs.pk}).status_code == 404
    posts = api.get("/api/v1/topic-posts/", {"topics": topic.pk}).json()
    assert posts["count"] == 3
    assert posts["results"][0]["topics"] == [topic.pk]
    own = TopicPost.objects.get(author__handle="loomwellroast").author
    assert api.get(f"/api/v1/people-to-engage/{own.pk}/").status_code == 404
