"""The Bluesky connector against recorded-shape AppView and PDS responses."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from metrics.connectors.base import AuthFailed, BadResponse, NotFound
from metrics.connectors.bluesky import SPEC
from metrics.ingest.records import AccountInfo, ObservationRecord, PostKind
from tests.metrics.connectors.helpers import load, run

PROFILE = "/xrpc/app.bsky.actor.getProfile"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
SESSION = "/xrpc/com.atproto.server.createSession"
NOTIFICATIONS = "/xrpc/app.bsky.notification.listNotifications"

BRAND = "did:plc:lumncoffeebrandacct23456"
HANDLE = "lumencoffee.bsky.social"
JORDAN_POST = "at://did:plc:jordanreyesxq7kmw2pl4bvt/app.bsky.feed.post/3m5wp3xhq4k2c"
QUEUE_POST = f"at://{BRAND}/app.bsky.feed.post/3m5v2kqzt6c2d"
PAGE2 = "2026-10-02T07:45:00.000Z"  # the cursor feed_page1.json hands out
NOTES2 = "2026-11-13T07:12:00.015Z"  # the cursor notifications_page1.json hands out
CREDENTIALS = {"identifier": HANDLE, "app_password": "abcd-efgh-ijkl-mnop"}


def body(name: str) -> Any:
    return load(f"bluesky/{name}")


def by_cursor(pages: dict[str | None, Any]):
    """A handler answering each API cursor (None: the first page) with its page."""

    def handler(request: Request) -> Response:
        page = pages.get(request.args.get("cursor"))
        if page is None:
            return Response(json.dumps({"error": "InvalidRequest"}), status=400)
        return Response(json.dumps(page), content_type="application/json")

    return handler


def serve(
    httpserver: HTTPServer,
    *,
    feed: dict[str | None, Any] | None = None,
    notifications: dict[str | None, Any] | None = None,
    session: Any = None,
) -> None:
    httpserver.expect_request(PROFILE, method="GET").respond_with_json(body("profile.json"))
    pages: dict[str | None, Any] = {None: body("feed_page1.json"), **(feed or {})}
    pages.setdefault(PAGE2, body("feed_page2.json"))
    httpserver.expect_request(FEED, method="GET").respond_with_handler(by_cursor(pages))
    httpserver.expect_request(SESSION, method="POST").respond_with_json(
        session if session is not None else body("session.json")
    )
    notes: dict[str | None, Any] = notifications or {
        None: body("notifications_page1.json"),
        NOTES2: body("notifications_page2.json"),
    }
    httpserver.expect_request(NOTIFICATIONS, method="GET").respond_with_handler(by_cursor(notes))


def base(httpserver: HTTPServer) -> str:
    return httpserver.url_for("/")


def credentials(httpserver: HTTPServer) -> dict[str, str]:
    return {**CREDENTIALS, "pds_url": httpserver.url_for("/")}


def requests(httpserver: HTTPServer, path: str) -> list[Request]:
    return [request for request, _response in httpserver.log if request.path == path]


# --- mapping ---------------------------------------------------------------------------


def test_it_maps_the_profile_observations_and_posts(httpserver: HTTPServer) -> None:
    serve(httpserver)
    result = run(SPEC, base(httpserver), handle="@LumenCoffee.bsky.social")

    first = result.pages[0]
    assert first.profile == AccountInfo("bluesky", HANDLE, "Lumen Coffee Roasters")
    assert first.observations == [
        ObservationRecord("followers", date(2026, 11, 20), Decimal(1987)),
        ObservationRecord("following", date(2026, 11, 20), Decimal(212)),
    ]
    assert all(page.profile is None for page in result.pages[1:])

    reply, repost, quote, original, later = result.posts
    assert reply.platform_id == f"at://{BRAND}/app.bsky.feed.post/3m5wq7rkd2s2k"
    assert reply.published_at == datetime(2026, 11, 18, 15, 2, 11, 482000, tzinfo=UTC)
    assert reply.kind is PostKind.REPLY
    assert reply.in_reply_to_handle == "jordanreyes.bsky.social"
    assert reply.in_reply_to_id == JORDAN_POST
    assert reply.mentions == ("jordanreyes.bsky.social",)
    assert reply.text.startswith("@jordanreyes.bsky.social Sorry about the wait")
    assert reply.permalink == f"https://bsky.app/profile/{HANDLE}/post/3m5wq7rkd2s2k"
    assert (reply.likes, reply.replies, reply.reshares) == (4, 1, 0)
    assert reply.impressions is None and reply.clicks is None

    guild_post = "at://did:plc:roastersguildh5tq2vz6kp7/app.bsky.feed.post/3m5rk4vfa7c2x"
    assert repost.platform_id == f"repost:{guild_post}"
    assert repost.kind is PostKind.RESHARE
    assert repost.published_at == datetime(2026, 11, 15, 10, 4, 33, 210000, tzinfo=UTC)
    assert repost.reshared_handle == "roastersguild.org"
    assert repost.permalink == "https://bsky.app/profile/roastersguild.org/post/3m5rk4vfa7c2x"
    assert (repost.likes, repost.replies, repost.reshares) == (None, None, None)
    assert repost.in_reply_to_id == ""

    assert quote.kind is PostKind.QUOTE
    assert quote.reshared_handle == "baristadaily.bsky.social"
    assert quote.in_reply_to_id == ""
    assert (quote.likes, quote.replies, quote.reshares) == (18, 2, 5)  # reposts 3 + quotes 2

    assert original.kind is None
    assert original.published_at == datetime(2026, 10, 2, 7, 45, tzinfo=UTC)
    # The mentioned DID has no profile view in the feed: the handle comes from the text.
    assert original.mentions == ("mikalindqvist.bsky.social",)
    assert original.links == (
        "https://lumencoffee.com/autumn-blend-2026?utm_source=bluesky",
        "https://lumencoffee.com/autumn-blend-2026",
    )
    assert (original.likes, original.replies, original.reshares) == (42, 7, 10)

    assert later.text.startswith("Latte art Thursday")
    assert result.mentions == []  # no credentials: no notifications


def test_it_pages_back_to_since_on_a_first_sync(httpserver: HTTPServer) -> None:
    serve(httpserver)
    result = run(SPEC, base(httpserver), handle=HANDLE)

    asked = [dict(request.args) for request in requests(httpserver, FEED)]
    assert asked == [
        {"actor": BRAND, "limit": "100", "filter": "posts_with_replies"},
        {"actor": BRAND, "limit": "100", "filter": "posts_with_replies", "cursor": PAGE2},
    ]
    # The July post on page 2 is older than since: left out, and no third page is asked for.
    assert all(post.published_at >= datetime(2026, 8, 1, tzinfo=UTC) for post in result.posts)
    assert len(result.posts) == 5
    assert result.pages[0].cursor == {
        "feed_walk": {
            "cursor": PAGE2,
            "top": "2026-11-18T15:02:11.482000+00:00",
            "floor": ("2026-08-01T00:00:00+00:00"),
        }
    }
    assert result.cursor == {"feed_mark": "2026-11-18T15:02:11.482000+00:00"}
    assert requests(httpserver, SESSION) == []


def test_it_asks_only_for_new_posts_after_a_completed_sync(httpserver: HTTPServer) -> None:
    serve(httpserver, feed={None: body("feed_new.json")})
    result = run(
        SPEC,
        base(httpserver),
        handle=HANDLE,
        cursor={"feed_mark": "2026-11-18T15:02:11.482000+00:00"},
    )

    asked = requests(httpserver, FEED)
    assert len(asked) == 1 and "cursor" not in asked[0].args
    # The new post, and the day before the mark again (fresh counts); the older repost is not.
    new, refreshed = result.posts
    assert new.text.startswith("Thank you all")
    assert refreshed.in_reply_to_id == JORDAN_POST and refreshed.likes == 6
    assert result.cursor == {"feed_mark": "2026-11-19T08:00:00+00:00"}


def test_it_resumes_a_walk_stopped_by_max_pages(httpserver: HTTPServer) -> None:
    serve(httpserver, feed={None: body("feed_page1.json")})
    first = run(SPEC, base(httpserver), handle=HANDLE, max_pages=1)
    assert len(requests(httpserver, FEED)) == 1
    assert "feed_mark" not in first.cursor
    assert first.cursor["feed_walk"]["cursor"] == PAGE2
    assert len(first.posts) == 4

    httpserver.clear()  # a later run: new posts have arrived since
    serve(httpserver, feed={None: body("feed_new.json")})
    second = run(SPEC, base(httpserver), handle=HANDLE, cursor=first.cursor)

    # The walk under way goes on from its cursor, then one new walk starts at the newest.
    assert [request.args.get("cursor") for request in requests(httpserver, FEED)] == [
        PAGE2,
        None,
    ]
    texts = [post.text[:20] for post in second.posts]
    assert texts == ["Latte art Thursday i", "Thank you all: 2,000", "@jordanreyes.bsky.so"]
    assert second.cursor == {"feed_mark": "2026-11-19T08:00:00+00:00"}


def test_it_notes_when_it_stops_early(httpserver: HTTPServer) -> None:
    serve(httpserver)
    result = run(SPEC, base(httpserver), handle=HANDLE, max_pages=1)
    assert len(result.pages) == 1
    assert result.notes == [
        "Bluesky: stopped after 1 page of posts; the next sync continues where this one stopped."
    ]


# --- mentions --------------------------------------------------------------------------


def test_it_maps_inbound_mentions(httpserver: HTTPServer) -> None:
    serve(httpserver)
    result = run(SPEC, base(httpserver), handle=HANDLE, credentials=credentials(httpserver))

    [login] = requests(httpserver, SESSION)
    assert login.get_json() == {"identifier": HANDLE, "password": "abcd-efgh-ijkl-mnop"}
    listed = requests(httpserver, NOTIFICATIONS)
    assert [request.args.get("cursor") for request in listed] == [None, NOTES2]
    assert listed[0].args.getlist("reasons") == ["mention", "reply", "quote"]
    assert listed[0].args.get("limit") == "100"
    assert all(r.headers["Authorization"].startswith("Bearer eyJ0eXAiOiJhdCtqd3Qi") for r in listed)
    # The public AppView never sees the token.
    assert all("Authorization" not in r.headers for r in requests(httpserver, FEED))

    reply, mention, quote, older = result.mentions
    assert reply.platform_id == JORDAN_POST
    assert reply.author_handle == "jordanreyes.bsky.social"
    assert reply.author_name == "Jordan Reyes"
    assert reply.text.startswith("Waited 25 minutes")
    assert reply.published_at == datetime(2026, 11, 18, 14, 40, 1, 120000, tzinfo=UTC)
    assert reply.permalink == "https://bsky.app/profile/jordanreyes.bsky.social/post/3m5wp3xhq4k2c"
    assert reply.in_reply_to_id == QUEUE_POST
    assert reply.is_reply is True
    # The brand's answer cites the mention by the same id.
    assert result.posts[0].in_reply_to_id == reply.platform_id

    assert mention.author_handle == "samokafor.bsky.social"
    assert mention.is_reply is False and mention.in_reply_to_id == ""
    assert quote.author_handle == "baristadaily.bsky.social" and quote.is_reply is False
    # A mention inside someone else's thread: a reply, but not to the brand.
    assert older.author_handle == "priyanair.bsky.social"
    assert older.in_reply_to_id.startswith("at://did:plc:jordanreyes")
    assert older.is_reply is False
    # The July reply is older than since.
    assert len(result.mentions) == 4

    assert result.cursor["mentions_mark"] == "2026-11-18T14:40:02.331000+00:00"
    assert "mentions_walk" not in result.cursor


def test_it_asks_only_for_new_mentions_after_a_completed_sync(httpserver: HTTPServer) -> None:
    serve(httpserver)
    result = run(
        SPEC,
        base(httpserver),
        handle=HANDLE,
        credentials=credentials(httpserver),
        cursor={
            "feed_mark": "2026-11-18T15:02:11.482000+00:00",
            "mentions_mark": "2026-11-16T19:05:40.002000+00:00",
        },
    )

    listed = requests(httpserver, NOTIFICATIONS)
    assert len(listed) == 1 and "cursor" not in listed[0].args
    assert [m.author_handle for m in result.mentions] == [
        "jordanreyes.bsky.social",
        "samokafor.bsky.social",  # at the mark: seen again, harmless
    ]


def test_it_skips_the_accounts_own_posts_and_other_reasons(httpserver: HTTPServer) -> None:
    page = body("notifications_page1.json")
    own = copy.deepcopy(page["notifications"][1])
    own["author"] = body("profile.json")
    own["uri"] = f"at://{BRAND}/app.bsky.feed.post/3m5tg7aaaaa2a"
    like = copy.deepcopy(page["notifications"][0])
    like.update(reason="like", record={"$type": "app.bsky.feed.like", "createdAt": "x"})
    like["uri"] = "at://did:plc:samokaforzt3wq6nr2hdkye5/app.bsky.feed.like/3m5wr2aaaaa2a"
    page["notifications"][1:1] = [own, like]
    serve(httpserver, notifications={None: page, NOTES2: body("notifications_page2.json")})

    result = run(SPEC, base(httpserver), handle=HANDLE, credentials=credentials(httpserver))

    assert [m.author_handle for m in result.mentions] == [
        "jordanreyes.bsky.social",
        "samokafor.bsky.social",
        "baristadaily.bsky.social",
        "priyanair.bsky.social",
    ]


def test_it_does_not_read_mentions_for_competitors_or_without_credentials(
    httpserver: HTTPServer,
) -> None:
    serve(httpserver)
    competitor = run(
        SPEC,
        base(httpserver),
        handle=HANDLE,
        credentials=credentials(httpserver),
        fetch_mentions=False,
    )
    public = run(SPEC, base(httpserver), handle=HANDLE)

    assert competitor.mentions == [] and public.mentions == []
    assert competitor.posts and public.posts
    assert requests(httpserver, SESSION) == []
    assert requests(httpserver, NOTIFICATIONS) == []


@pytest.mark.parametrize(
    ("given", "missing"),
    [({"identifier": HANDLE}, "app password"), ({"app_password": "abcd"}, "identifier")],
)
def test_it_refuses_half_entered_credentials(
    httpserver: HTTPServer, given: dict[str, str], missing: str
) -> None:
    serve(httpserver)
    with pytest.raises(AuthFailed, match=f"Enter the (Bluesky )?{missing}"):
        run(SPEC, base(httpserver), handle=HANDLE, credentials=given)
    assert httpserver.log == []


def test_it_refuses_a_session_of_another_account(httpserver: HTTPServer) -> None:
    other = {**body("session.json"), "did": "did:plc:samokaforzt3wq6nr2hdkye5"}
    other["handle"] = "samokafor.bsky.social"
    serve(httpserver, session=other)
    with pytest.raises(AuthFailed, match=r"sign in as samokafor\.bsky\.social"):
        run(SPEC, base(httpserver), handle=HANDLE, credentials=credentials(httpserver))
    assert requests(httpserver, NOTIFICATIONS) == []


# --- HTTP failures -----------------------------------------------------------------------


def test_it_waits_out_a_429_with_retry_after(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(PROFILE).respond_with_json(
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        status=429,
        headers={"Retry-After": "3", "RateLimit-Limit": "3000", "RateLimit-Remaining": "0"},
    )
    serve(httpserver)
    result = run(SPEC, base(httpserver), handle=HANDLE)

    assert len(requests(httpserver, PROFILE)) == 2
    assert result.sleeps == [pytest.approx(3, abs=0.5)]
    assert result.pages[0].profile is not None


def test_it_retries_a_500(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(FEED).respond_with_data("upstream failure", status=500)
    serve(httpserver)
    result = run(SPEC, base(httpserver), handle=HANDLE)

    assert result.sleeps == [1.0]
    assert len(requests(httpserver, FEED)) == 3  # the failed one, then pages 1 and 2
    assert len(result.posts) == 5


def test_it_stops_at_a_refused_app_password(httpserver: HTTPServer) -> None:
    httpserver.expect_request(SESSION, method="POST").respond_with_json(
        {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
        status=401,
    )
    serve(httpserver)
    with pytest.raises(AuthFailed, match="refused the identifier or app password"):
        run(SPEC, base(httpserver), handle=HANDLE, credentials=credentials(httpserver))
    assert len(requests(httpserver, SESSION)) == 1
    assert requests(httpserver, NOTIFICATIONS) == []


def test_it_stops_at_an_expired_token(httpserver: HTTPServer) -> None:
    expired = Response(
        json.dumps({"error": "ExpiredToken", "message": "Token has expired"}),
        status=400,
        content_type="application/json",
    )
    httpserver.expect_request(NOTIFICATIONS).respond_with_response(expired)
    serve(httpserver)
    with pytest.raises(AuthFailed, match="ExpiredToken"):
        run(SPEC, base(httpserver), handle=HANDLE, credentials=credentials(httpserver))
    assert len(requests(httpserver, NOTIFICATIONS)) == 1


def test_it_reports_an_unknown_handle(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PROFILE).respond_with_json(
        {"error": "InvalidRequest", "message": "Profile not found"}, status=400
    )
    with pytest.raises(NotFound, match="Check the handle"):
        run(SPEC, base(httpserver), handle="nobody.bsky.social")
    assert len(httpserver.log) == 1


def test_it_refuses_a_body_that_is_not_json(httpserver: HTTPServer) -> None:
    httpserver.expect_request(FEED).respond_with_data(
        "<html>Bad gateway</html>", content_type="text/html"
    )
    serve(httpserver)
    with pytest.raises(BadResponse, match="not JSON"):
        run(SPEC, base(httpserver), handle=HANDLE)


def test_it_refuses_a_profile_without_did(httpserver: HTTPServer) -> None:
    profile = body("profile.json")
    del profile["did"]
    httpserver.expect_request(PROFILE).respond_with_json(profile)
    with pytest.raises(BadResponse, match="“did”"):
        run(SPEC, base(httpserver), handle=HANDLE)


def test_it_refuses_a_feed_item_without_post(httpserver: HTTPServer) -> None:
    page = body("feed_page1.json")
    del page["feed"][1]["post"]
    serve(httpserver, feed={None: page})
    with pytest.raises(BadResponse, match="“post”"):
        run(SPEC, base(httpserver), handle=HANDLE)


def test_it_refuses_notifications_without_the_list(httpserver: HTTPServer) -> None:
    serve(httpserver, notifications={None: {"cursor": "x"}})
    with pytest.raises(BadResponse, match="“notifications”"):
        run(SPEC, base(httpserver), handle=HANDLE, credentials=credentials(httpserver))


def test_it_walks_again_when_a_stored_cursor_is_refused(httpserver: HTTPServer) -> None:
    serve(httpserver)  # answers 400 to any cursor it does not know
    walk = {"cursor": "stale", "top": None, "floor": "2026-08-01T00:00:00+00:00"}
    result = run(SPEC, base(httpserver), handle=HANDLE, cursor={"feed_walk": walk})

    assert [request.args.get("cursor") for request in requests(httpserver, FEED)] == [
        "stale",
        None,
        PAGE2,
    ]
    assert len(result.posts) == 5
    assert result.cursor == {"feed_mark": "2026-11-18T15:02:11.482000+00:00"}
