"""Competitors' accounts synced from what the platforms publish, without the competitor's
credentials, through the same sync service and ingest path as the team's own accounts:
Mastodon and Bluesky with no token at all, YouTube and X with the team's own key or token.
Every request goes to a local server answering in the documented shapes
(tests/metrics/connectors/responses/*/SOURCES.md)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from werkzeug import Request, Response

from metrics.connectors import credentials as vault
from metrics.connectors.services import connector_save
from metrics.connectors.status import State, connector_status
from metrics.connectors.sync import connector_sync
from metrics.forms import ConnectorAdminForm
from metrics.ingest.records import PostKind
from metrics.models import Connector, InboundMention, MetricObservation, Post
from metrics.platforms import Platform
from tests.factories import AccountFactory, ConnectorFactory
from tests.metrics.connectors.fake_mastodon import (
    HANDLE,
    NOTIFICATIONS,
    STATUSES,
    FakeMastodon,
    own_status,
    their_status,
)
from tests.metrics.connectors.helpers import load

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def competitor(team, platform, handle, kind, base_url, **credentials):
    account = AccountFactory(team=team, platform=platform, handle=handle, is_competitor=True)
    return ConnectorFactory(
        account=account,
        kind=kind,
        base_url=base_url,
        credentials_encrypted=vault.encrypt(credentials),
    )


def sync(connector, sleeps=None):
    sleeps = [] if sleeps is None else sleeps
    return connector_sync(connector_id=connector.pk, http_options={"sleep": sleeps.append})


def nothing_written(account) -> bool:
    return not Post.objects.filter(account=account).exists() and not (
        MetricObservation.objects.filter(account=account).exists()
    )


# --- Mastodon: public statuses, no token ------------------------------------------------------


@pytest.fixture
def mastodon(httpserver):
    fake = FakeMastodon(httpserver)
    question = their_status(at(16), "ana", "Which yarn for a first sweater?")
    fake.statuses = [
        own_status(at(1) + timedelta(hours=n), f"New colourway number {n} is in the shop")
        for n in range(45)  # more than one page of 40
    ] + [own_status(at(17), "@ana Try the aran weight.", reply_to=question)]
    fake.mentions = [question]
    return fake


def test_a_mastodon_competitor_syncs_its_public_posts_page_by_page_without_a_token(team, mastodon):
    connector = competitor(team, Platform.MASTODON, HANDLE, "mastodon", mastodon.base_url)
    outcome = sync(connector)
    assert outcome.ok, outcome.message
    account = connector.account
    # 46 statuses: the latest page of 40, then the older ones by max_id.
    assert Post.objects.filter(account=account).count() == 46
    pages = mastodon.requests_to(STATUSES)
    assert len(pages) >= 2 and "max_id" not in pages[0] and "max_id" in pages[1]
    # No token was sent, and a competitor's inbox is not read.
    assert all("Authorization" not in request.headers for request, _ in mastodon.httpserver.log)
    assert mastodon.requests_to(NOTIFICATIONS) == []
    assert not InboundMention.objects.filter(account=account).exists()
    # The same classifier as own posts: the answer to ana is a reply that addresses her.
    reply = Post.objects.get(account=account, text__startswith="@ana")
    assert reply.kind == PostKind.REPLY and reply.addressed == ["ana@fiber.example"]
    # Stored history: the followers level of the day, like an own account's.
    level = MetricObservation.objects.get(account=account, metric="followers", date=NOW.date())
    assert level.value == Decimal(mastodon.followers)
    connector.refresh_from_db()
    assert connector_status(connector).state == State.OK


def test_a_later_sync_keeps_a_post_the_competitor_deleted(team, mastodon):
    connector = competitor(team, Platform.MASTODON, HANDLE, "mastodon", mastodon.base_url)
    assert sync(connector).ok
    deleted = mastodon.statuses.pop(-2)  # deleted: gone from the public timeline
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        outcome = sync(connector)
    assert outcome.ok, outcome.message
    # The evidence stays: what was published and counted then is still history.
    assert Post.objects.filter(account=connector.account, platform_id=deleted["id"]).exists()
    assert Post.objects.filter(account=connector.account).count() == 46


def test_it_waits_for_retry_after_on_a_429_and_goes_on(team, mastodon):
    connector = competitor(team, Platform.MASTODON, HANDLE, "mastodon", mastodon.base_url)
    mastodon.fail_once(
        STATUSES,
        Response(
            json.dumps({"error": "Too many requests"}),
            status=429,
            headers={"Retry-After": "7"},
            content_type="application/json",
        ),
    )
    sleeps: list[float] = []
    outcome = sync(connector, sleeps)
    assert outcome.ok, outcome.message
    assert sleeps and sleeps[0] == pytest.approx(7, abs=1)
    assert Post.objects.filter(account=connector.account).count() == 46


def test_a_long_retry_after_stops_the_run_until_then_and_keeps_whole_pages(team, mastodon):
    connector = competitor(team, Platform.MASTODON, HANDLE, "mastodon", mastodon.base_url)
    mastodon.fail_once(
        STATUSES,
        Response(
            json.dumps({"error": "Too many requests"}),
            status=429,
            headers={"Retry-After": "3600"},
            content_type="application/json",
        ),
        after=1,  # the first page goes through; the second is refused
    )
    outcome = sync(connector)
    assert not outcome.ok and outcome.retry
    connector.refresh_from_db()
    assert connector.retry_after == NOW + timedelta(hours=1)
    assert connector_status(connector).state == State.RATE_LIMITED
    assert Post.objects.filter(account=connector.account).count() == 40  # one whole page


def test_an_account_that_does_not_exist_is_a_clear_error_and_nothing_is_written(team, httpserver):
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_json(
        {"error": "Record not found"}, status=404
    )
    connector = competitor(
        team, Platform.MASTODON, "nobody@mastodon.example", "mastodon", httpserver.url_for("/")
    )
    outcome = sync(connector)
    assert not outcome.ok
    assert "knows no account @nobody@mastodon.example" in outcome.message
    assert nothing_written(connector.account)
    connector.refresh_from_db()
    assert connector.last_error == outcome.message and connector.cursor == {}
    assert connector_status(connector).state == State.FAILING


@pytest.mark.parametrize(
    "answer",
    [
        Response("<html><body>Not Found</body></html>", status=404, content_type="text/html"),
        Response("<!doctype html><title>Shop</title>", status=200, content_type="text/html"),
        Response(json.dumps({"data": []}), status=200, content_type="application/json"),
    ],
    ids=["web-404", "web-page", "other-json-api"],
)
def test_a_server_that_is_not_mastodon_is_named_as_such_and_nothing_is_written(
    team, httpserver, answer
):
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_response(answer)
    connector = competitor(
        team, Platform.MASTODON, "rival@shop.example", "mastodon", httpserver.url_for("/")
    )
    outcome = sync(connector)
    assert not outcome.ok
    assert "does not answer as a Mastodon server" in outcome.message
    assert nothing_written(connector.account)


# --- Bluesky: the public AppView, no token ----------------------------------------------------

PROFILE = "/xrpc/app.bsky.actor.getProfile"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
PAGE2 = "2026-10-02T07:45:00.000Z"  # the cursor feed_page1.json hands out


def _feed_server(httpserver, first_page):
    httpserver.expect_request(PROFILE).respond_with_json(load("bluesky/profile.json"))
    pages = {None: first_page, PAGE2: load("bluesky/feed_page2.json")}

    def handler(request: Request) -> Response:
        if request.headers.get("Authorization"):
            return Response(json.dumps({"error": "unexpected token"}), status=400)
        page = pages.get(request.args.get("cursor"))
        if page is None:
            return Response(json.dumps({"error": "InvalidRequest"}), status=400)
        return Response(json.dumps(page), content_type="application/json")

    httpserver.expect_request(FEED).respond_with_handler(handler)


def test_a_bluesky_competitor_syncs_from_the_public_appview_with_cursor_paging(team, httpserver):
    _feed_server(httpserver, load("bluesky/feed_page1.json"))
    connector = competitor(
        team, Platform.BLUESKY, "lumencoffee.bsky.social", "bluesky", httpserver.url_for("/")
    )
    outcome = sync(connector)
    assert outcome.ok, outcome.message
    cursors = [r.args.get("cursor") for r, _ in httpserver.log if r.path == FEED]
    assert cursors[:2] == [None, PAGE2]  # the second page asked for by the first's cursor
    posts = Post.objects.filter(account=connector.account)
    assert posts.exists() and posts.filter(kind=PostKind.REPLY).exists()
    assert MetricObservation.objects.filter(
        account=connector.account, metric="followers", date=NOW.date()
    ).exists()
    assert not any(r.path.endswith("createSession") for r, _ in httpserver.log)


def test_a_reply_to_a_deleted_post_is_kept_as_a_reply(team, httpserver):
    page = load("bluesky/feed_page1.json")
    replies = [item for item in page["feed"] if item.get("reply")]
    assert replies, "the recorded page holds a reply"
    item = replies[0]
    gone = item["reply"]["parent"]["uri"]
    # As the AppView shows a deleted parent: a notFoundPost in the thread context.
    item["reply"]["parent"] = {
        "$type": "app.bsky.feed.defs#notFoundPost",
        "uri": gone,
        "notFound": True,
    }
    item["reply"]["root"] = copy.deepcopy(item["reply"]["parent"])
    _feed_server(httpserver, page)
    connector = competitor(
        team, Platform.BLUESKY, "lumencoffee.bsky.social", "bluesky", httpserver.url_for("/")
    )
    outcome = sync(connector)
    assert outcome.ok, outcome.message
    post = Post.objects.get(account=connector.account, platform_id=item["post"]["uri"])
    assert post.kind == PostKind.REPLY and post.in_reply_to_id == gone


def test_an_unknown_bluesky_account_is_a_clear_error_and_nothing_is_written(team, httpserver):
    httpserver.expect_request(PROFILE).respond_with_json(
        {"error": "InvalidRequest", "message": "Profile not found"}, status=400
    )
    connector = competitor(
        team, Platform.BLUESKY, "nobody.bsky.social", "bluesky", httpserver.url_for("/")
    )
    outcome = sync(connector)
    assert not outcome.ok and "Bluesky has no such account" in outcome.message
    assert nothing_written(connector.account)


# --- YouTube and X: the team's own key or token -----------------------------------------------

YT = "/youtube/v3"
TEAM_KEY = "AIzaSyD-team-key-0123456789abcdefghij"


def _youtube_server(httpserver):
    httpserver.expect_request(f"{YT}/channels").respond_with_json(load("youtube/channel.json"))
    empty = {"kind": "youtube#playlistItemListResponse", "items": [], "pageInfo": {}}
    httpserver.expect_request(f"{YT}/playlistItems").respond_with_json(empty)


def test_a_youtube_competitor_uses_the_team_s_own_api_key(team, httpserver):
    own = AccountFactory(team=team, platform=Platform.YOUTUBE, handle="ourchannel")
    ConnectorFactory(
        account=own, kind="youtube", credentials_encrypted=vault.encrypt({"api_key": TEAM_KEY})
    )
    _youtube_server(httpserver)
    connector = competitor(
        team, Platform.YOUTUBE, "northwindcoffee", "youtube", httpserver.url_for(YT)
    )
    outcome = sync(connector)
    assert outcome.ok, outcome.message
    keys = {r.args.get("key") for r, _ in httpserver.log}
    assert keys == {TEAM_KEY}
    assert MetricObservation.objects.filter(account=connector.account, metric="followers").exists()


def test_another_team_s_key_is_never_used(team, other_team, httpserver):
    theirs = AccountFactory(team=other_team, platform=Platform.YOUTUBE, handle="theirs")
    ConnectorFactory(
        account=theirs, kind="youtube", credentials_encrypted=vault.encrypt({"api_key": "x"})
    )
    _youtube_server(httpserver)
    connector = competitor(
        team, Platform.YOUTUBE, "northwindcoffee", "youtube", httpserver.url_for(YT)
    )
    outcome = sync(connector)
    assert not outcome.ok
    assert "publishes nothing without the team's own API key" in outcome.message
    assert httpserver.log == []  # refused before any request
    assert nothing_written(connector.account)
    connector.refresh_from_db()
    assert connector_status(connector).state == State.REFUSED


def test_an_x_competitor_syncs_only_with_the_team_s_bearer_token(team, alice, httpserver):
    connector = competitor(team, Platform.X, "FernhillCoffee", "x", httpserver.url_for("/"))
    refused = sync(connector)
    assert not refused.ok and "X API v2 publishes nothing without the team's own" in (
        refused.message
    )
    assert httpserver.log == []

    connector.refresh_from_db()
    assert connector.credentials_refused  # scheduled syncs wait for a token

    # The team enters its own token on its own X connector: the competitor's stop is lifted.
    own = AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")
    connector_save(
        user=alice,
        connector=Connector(account=own, kind="x"),
        credentials={"bearer_token": "team-tok"},
    )
    connector.refresh_from_db()
    assert not connector.credentials_refused
    httpserver.expect_request("/2/users/by/username/FernhillCoffee").respond_with_json(
        load("x/user_fernhillcoffee.json")
    )
    httpserver.expect_request("/2/users/1458263092180066305/tweets").respond_with_json(
        load("x/timeline_empty.json")
    )
    outcome = sync(connector)
    assert outcome.ok, outcome.message
    assert {r.headers.get("Authorization") for r, _ in httpserver.log} == {"Bearer team-tok"}
    assert not any("mentions" in r.path for r, _ in httpserver.log)


def test_the_x_form_says_only_the_team_s_own_token_works():
    form = ConnectorAdminForm()
    field = form.fields[ConnectorAdminForm.credential_field_name("x", "bearer_token")]
    assert "team's own" in field.help_text and "competitors" in field.help_text


def test_the_form_lets_a_competitor_s_connector_use_the_team_s_key(team, alice):
    rival = AccountFactory(team=team, platform=Platform.YOUTUBE, handle="rival", is_competitor=True)
    data = {"account": rival.pk, "kind": "youtube", "enabled": "on", "interval_minutes": 60}
    assert not ConnectorAdminForm(data).is_valid()  # no key anywhere yet
    own = AccountFactory(team=team, platform=Platform.YOUTUBE, handle="ours")
    ConnectorFactory(
        account=own, kind="youtube", credentials_encrypted=vault.encrypt({"api_key": TEAM_KEY})
    )
    form = ConnectorAdminForm(data)
    assert form.is_valid(), form.errors
    # An own account still needs its key entered.
    other = AccountFactory(team=team, platform=Platform.YOUTUBE, handle="second")
    assert not ConnectorAdminForm({**data, "account": other.pk}).is_valid()


def test_a_competitor_s_stale_sync_says_so(team, mastodon):
    connector = competitor(team, Platform.MASTODON, HANDLE, "mastodon", mastodon.base_url)
    assert sync(connector).ok
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        status = connector_status(Connector.objects.get(pk=connector.pk))
    assert status.state == State.STALE and "20 Nov 2026" in status.label
