"""The YouTube Data API v3 connector against recorded-shape responses."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from metrics.connectors import youtube
from metrics.connectors.base import (
    AuthFailed,
    BadResponse,
    NotFound,
    RateLimited,
    RequestRefused,
)
from metrics.connectors.youtube import SPEC
from metrics.ingest.records import AccountInfo, ObservationRecord
from tests.metrics.connectors.helpers import Run, context, load, run

KEY = "AIzaSyD-test-key-0123456789abcdefghij"
CREDENTIALS = {"api_key": KEY}
PREFIX = "/youtube/v3"
UPLOADS = "UUx9Qw3mZ1bT7kLpN4sVd2Ah"
PAGE_2 = "EAAaBlBUOkNBUQ"
PAGE_1_IDS = ["q7Xk2LmN9pA", "Hd3vR8sTq1Z", "Bn5wE0yUi4O", "Zp9oL6kJh2G"]
PAGE_2_IDS = ["Mc4xT7aQw8E", "Ks2dF5gHj8L"]


def body(name: str) -> Any:
    return load(f"youtube/{name}")


def channel_query(**lookup: str) -> dict[str, str]:
    return {"part": "snippet,statistics,contentDetails", "key": KEY, **lookup}


def playlist_query(token: str | None = None, playlist: str = UPLOADS) -> dict[str, str]:
    query = {
        "part": "contentDetails,snippet",
        "playlistId": playlist,
        "maxResults": "50",
        "key": KEY,
    }
    if token:
        query["pageToken"] = token
    return query


def videos_query(ids: list[str]) -> dict[str, str]:
    return {"part": "snippet,statistics", "id": ",".join(ids), "key": KEY}


def videos_body(name: str, ids: list[str]) -> dict[str, Any]:
    """A recorded /videos answer holding only the videos asked for, as the API answers."""
    recorded: dict[str, Any] = body(name)
    recorded["items"] = [item for item in recorded["items"] if item["id"] in ids]
    return recorded


def serve_channel(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        f"{PREFIX}/channels", query_string=channel_query(forHandle="@northwindcoffee")
    ).respond_with_json(body("channel.json"))


def serve_first_sync(httpserver: HTTPServer) -> None:
    serve_channel(httpserver)
    httpserver.expect_request(
        f"{PREFIX}/playlistItems", query_string=playlist_query()
    ).respond_with_json(body("playlist_items_page1.json"))
    httpserver.expect_request(
        f"{PREFIX}/playlistItems", query_string=playlist_query(PAGE_2)
    ).respond_with_json(body("playlist_items_page2.json"))
    httpserver.expect_request(
        f"{PREFIX}/videos", query_string=videos_query(PAGE_1_IDS)
    ).respond_with_json(body("videos_page1.json"))
    httpserver.expect_request(
        f"{PREFIX}/videos", query_string=videos_query(PAGE_2_IDS)
    ).respond_with_json(body("videos_page2.json"))


def sync(httpserver: HTTPServer, **kwargs: Any) -> Run:
    kwargs.setdefault("handle", "northwindcoffee")
    kwargs.setdefault("credentials", CREDENTIALS)
    return run(SPEC, httpserver.url_for(PREFIX), **kwargs)


def requests_to(httpserver: HTTPServer, path: str) -> list[dict[str, str]]:
    return [dict(request.args) for request, _response in httpserver.log if request.path == path]


def error(httpserver: HTTPServer, path: str, name: str, status: int) -> None:
    httpserver.expect_oneshot_request(f"{PREFIX}{path}").respond_with_data(
        json.dumps(body(name)), status=status, content_type="application/json"
    )


# --- mapping and paging -----------------------------------------------------------------------


def test_it_maps_the_channel_and_its_videos_back_to_the_start_of_the_first_sync(
    httpserver: HTTPServer,
) -> None:
    serve_first_sync(httpserver)

    result = sync(httpserver)

    assert len(result.pages) == 2
    first = result.pages[0]
    assert first.profile == AccountInfo(
        platform="youtube", handle="northwindcoffee", display_name="Northwind Coffee Roasters"
    )
    assert first.observations == [
        ObservationRecord(metric="followers", day=date(2026, 11, 20), value=Decimal(48200))
    ]
    assert result.pages[1].profile is None
    assert result.pages[1].observations == []

    # The private video and the one published before `since` are left out.
    assert [post.platform_id for post in result.posts] == PAGE_1_IDS + PAGE_2_IDS
    cold_brew, ethiopia, latte_art, *_ = result.posts
    assert cold_brew.published_at == datetime(2026, 11, 18, 16, 0, 5, tzinfo=UTC)
    assert cold_brew.text == "Cold brew at home: 3 mistakes to avoid"
    assert cold_brew.permalink == "https://www.youtube.com/watch?v=q7Xk2LmN9pA"
    assert cold_brew.kind is None
    assert cold_brew.in_reply_to_id == ""
    assert cold_brew.reshared_handle == ""
    assert cold_brew.mentions == ()
    # Links come from the title only, as the file importer reads them.
    assert cold_brew.links == ()
    assert (cold_brew.video_views, cold_brew.likes, cold_brew.replies) == (18234, 912, 143)
    assert (cold_brew.impressions, cold_brew.reshares) == (None, None)
    assert ethiopia.links == ("https://northwind.example/ethiopia",)
    assert (ethiopia.video_views, ethiopia.likes, ethiopia.replies) == (7410, None, 57)
    assert (latte_art.video_views, latte_art.likes, latte_art.replies) == (52877, 3120, None)

    # YouTube comments are out of scope: nothing is asked besides these three endpoints.
    assert result.mentions == []
    assert {request.path for request, _ in httpserver.log} == {
        f"{PREFIX}/channels",
        f"{PREFIX}/playlistItems",
        f"{PREFIX}/videos",
    }
    # The walk stops at the page holding a video older than `since`.
    assert [
        query.get("pageToken") for query in requests_to(httpserver, f"{PREFIX}/playlistItems")
    ] == [
        None,
        PAGE_2,
    ]
    assert result.pages[0].cursor == {
        "pending_token": PAGE_2,
        "pending_newest": "2026-11-18T16:00:05Z",
        "pending_until": "2026-08-01T00:00:00Z",
    }
    assert result.cursor == {"newest_published": "2026-11-18T16:00:05Z"}


def test_it_never_asks_for_comments_when_mentions_are_not_wanted(httpserver: HTTPServer) -> None:
    serve_first_sync(httpserver)

    result = sync(httpserver, fetch_mentions=False)

    assert result.mentions == []
    assert len(result.posts) == 6
    assert {request.path for request, _ in httpserver.log} == {
        f"{PREFIX}/channels",
        f"{PREFIX}/playlistItems",
        f"{PREFIX}/videos",
    }


def test_it_reads_only_new_and_recent_videos_on_a_later_sync(httpserver: HTTPServer) -> None:
    serve_channel(httpserver)
    httpserver.expect_request(
        f"{PREFIX}/playlistItems", query_string=playlist_query()
    ).respond_with_json(body("playlist_items_page1.json"))
    recent = PAGE_1_IDS[:3]
    httpserver.expect_request(
        f"{PREFIX}/videos", query_string=videos_query(recent)
    ).respond_with_json(videos_body("videos_page1.json", recent))

    # The newest video seen last time is from Nov 10; counts of the last 28 days (from
    # Oct 23) are refreshed too, so the walk reads down to Oct 23 and no further.
    result = sync(httpserver, cursor={"newest_published": "2026-11-10T15:30:00Z"})

    assert [post.platform_id for post in result.posts] == recent
    playlist_requests = requests_to(httpserver, f"{PREFIX}/playlistItems")
    assert playlist_requests == [playlist_query()]
    assert requests_to(httpserver, f"{PREFIX}/videos") == [videos_query(recent)]
    assert result.pages[0].profile is not None
    assert result.cursor == {"newest_published": "2026-11-18T16:00:05Z"}


def test_it_stops_at_max_pages_and_resumes_the_walk_on_the_next_run(
    httpserver: HTTPServer,
) -> None:
    serve_first_sync(httpserver)

    first = sync(httpserver, max_pages=1)

    assert [post.platform_id for post in first.posts] == PAGE_1_IDS
    assert first.cursor == {
        "pending_token": PAGE_2,
        "pending_newest": "2026-11-18T16:00:05Z",
        "pending_until": "2026-08-01T00:00:00Z",
    }
    httpserver.clear_log()

    second = sync(httpserver, cursor=first.cursor)

    assert [post.platform_id for post in second.posts] == PAGE_2_IDS
    assert second.pages[0].profile is not None
    assert requests_to(httpserver, f"{PREFIX}/playlistItems") == [playlist_query(PAGE_2)]
    # Only a finished walk moves newest_published, so a new walk would now stop there.
    assert second.cursor == {"newest_published": "2026-11-18T16:00:05Z"}


def test_it_notes_when_max_pages_stops_the_walk(httpserver: HTTPServer) -> None:
    serve_first_sync(httpserver)
    result = run(
        SPEC,
        httpserver.url_for(PREFIX),
        handle="northwindcoffee",
        credentials=CREDENTIALS,
        max_pages=1,
    )
    assert len(result.pages) == 1
    assert len(result.notes) == 1
    assert "next sync" in result.notes[0]


def test_it_walks_again_from_the_top_when_a_stored_page_token_is_refused(
    httpserver: HTTPServer,
) -> None:
    serve_first_sync(httpserver)
    error(httpserver, "/playlistItems", "error_invalid_page_token.json", 400)
    cursor = {
        "pending_token": "stale-token",
        "pending_newest": "2026-11-18T16:00:05Z",
        "pending_until": "2026-08-01T00:00:00Z",
    }

    result = sync(httpserver, cursor=cursor)

    assert [post.platform_id for post in result.posts] == PAGE_1_IDS + PAGE_2_IDS
    tokens = [
        query.get("pageToken") for query in requests_to(httpserver, f"{PREFIX}/playlistItems")
    ]
    assert tokens == ["stale-token", None, PAGE_2]
    assert result.cursor == {"newest_published": "2026-11-18T16:00:05Z"}


def test_it_looks_a_channel_id_up_by_id_and_skips_a_hidden_subscriber_count(
    httpserver: HTTPServer,
) -> None:
    channel_id = "UCa1Bc2De3Fg4Hi5Jk6Lm7No"
    httpserver.expect_request(
        f"{PREFIX}/channels", query_string=channel_query(id=channel_id)
    ).respond_with_json(body("channel_hidden_subscribers.json"))
    # A channel without public uploads: playlistItems does not know its uploads playlist.
    httpserver.expect_request(
        f"{PREFIX}/playlistItems", query_string=playlist_query(playlist="UUa1Bc2De3Fg4Hi5Jk6Lm7No")
    ).respond_with_data(
        json.dumps(body("error_playlist_not_found.json")),
        status=404,
        content_type="application/json",
    )

    result = sync(httpserver, handle=channel_id)

    assert len(result.pages) == 1
    assert result.pages[0].profile == AccountInfo(
        platform="youtube", handle=channel_id, display_name="Harbor Street Espresso"
    )
    assert result.observations == []
    assert result.posts == []
    assert result.cursor == {}


def test_it_raises_not_found_for_an_unknown_handle(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{PREFIX}/channels").respond_with_json(body("channel_none.json"))

    with pytest.raises(NotFound, match="no channel @nobody"):
        sync(httpserver, handle="@nobody")

    assert requests_to(httpserver, f"{PREFIX}/channels") == [channel_query(forHandle="@nobody")]


# --- HTTP trouble -----------------------------------------------------------------------------


def test_it_waits_for_retry_after_on_a_429_then_goes_on(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"{PREFIX}/channels").respond_with_data(
        "", status=429, headers={"Retry-After": "7"}
    )
    serve_first_sync(httpserver)

    result = sync(httpserver)

    assert result.sleeps == [pytest.approx(7.0, abs=0.5)]
    assert len(result.posts) == 6


def test_it_retries_a_500_then_goes_on(httpserver: HTTPServer) -> None:
    serve_channel(httpserver)
    httpserver.expect_oneshot_request(f"{PREFIX}/playlistItems").respond_with_data(
        "backend error", status=500
    )
    serve_first_sync(httpserver)

    result = sync(httpserver)

    assert result.sleeps == [1.0]
    assert len(result.posts) == 6


def test_it_refuses_an_invalid_api_key_without_retrying(httpserver: HTTPServer) -> None:
    error(httpserver, "/channels", "error_key_invalid.json", 400)

    with pytest.raises(AuthFailed, match="API key"):
        sync(httpserver)

    assert len(httpserver.log) == 1


def test_it_refuses_a_forbidden_request_without_retrying(httpserver: HTTPServer) -> None:
    error(httpserver, "/channels", "error_forbidden.json", 403)

    with pytest.raises(AuthFailed):
        sync(httpserver)

    assert len(httpserver.log) == 1


def test_it_asks_for_the_api_key_when_none_is_stored(httpserver: HTTPServer) -> None:
    with pytest.raises(AuthFailed, match="Enter a YouTube Data API v3 key"):
        sync(httpserver, credentials={})

    assert len(httpserver.log) == 0


def test_it_stops_until_midnight_pacific_when_the_daily_quota_is_used_up(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 02:00 in Los Angeles (PST, UTC-8)
    monkeypatch.setattr(youtube, "_now", lambda: now)
    error(httpserver, "/channels", "error_quota_exceeded.json", 403)
    sleeps: list[float] = []
    ctx = context(
        SPEC,
        httpserver.url_for(PREFIX),
        handle="northwindcoffee",
        credentials=CREDENTIALS,
        sleeps=sleeps,
    )
    ctx.http.clock = now.timestamp

    try:
        with pytest.raises(RateLimited, match="quota") as raised:
            list(SPEC.fetch(ctx))
    finally:
        ctx.http.close()

    assert raised.value.retry_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    # A wait of 22 hours is longer than HttpClient waits in-process: one request, no sleep.
    assert len(httpserver.log) == 1
    assert sleeps == []


def test_it_waits_in_process_when_the_quota_resets_within_a_minute(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 21, 7, 59, tzinfo=UTC)  # 23:59 in Los Angeles
    monkeypatch.setattr(youtube, "_now", lambda: now)
    error(httpserver, "/channels", "error_quota_exceeded.json", 403)
    serve_first_sync(httpserver)
    sleeps: list[float] = []
    ctx = context(
        SPEC,
        httpserver.url_for(PREFIX),
        handle="northwindcoffee",
        credentials=CREDENTIALS,
        sleeps=sleeps,
    )
    ctx.http.clock = now.timestamp

    try:
        pages = list(SPEC.fetch(ctx))
    finally:
        ctx.http.close()

    assert sleeps == [60.0]
    assert len(pages) == 2


def test_it_knows_when_the_quota_resets_in_summer_time() -> None:
    # 23:30 on July 1 in Los Angeles (PDT, UTC-7): the reset is 07:00 UTC on July 2.
    assert youtube._next_quota_reset(datetime(2026, 7, 2, 6, 30, tzinfo=UTC)) == datetime(
        2026, 7, 2, 7, 0, tzinfo=UTC
    )


def test_it_waits_a_minute_on_a_short_term_rate_limit(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    monkeypatch.setattr(youtube, "_now", lambda: now)
    error(httpserver, "/playlistItems", "error_rate_limit_exceeded.json", 403)
    serve_first_sync(httpserver)
    sleeps: list[float] = []
    ctx = context(
        SPEC,
        httpserver.url_for(PREFIX),
        handle="northwindcoffee",
        credentials=CREDENTIALS,
        sleeps=sleeps,
    )
    ctx.http.clock = now.timestamp

    try:
        pages = list(SPEC.fetch(ctx))
    finally:
        ctx.http.close()

    assert sleeps == [60.0]
    assert sum(len(page.posts) for page in pages) == 6


# --- unreadable answers -----------------------------------------------------------------------


def test_it_rejects_an_answer_that_is_not_json(httpserver: HTTPServer) -> None:
    serve_channel(httpserver)
    httpserver.expect_request(f"{PREFIX}/playlistItems").respond_with_data(
        "<html>Service temporarily unavailable</html>", status=200, content_type="text/html"
    )

    with pytest.raises(BadResponse, match="not JSON"):
        sync(httpserver)


def test_it_rejects_a_channel_without_its_uploads_playlist(httpserver: HTTPServer) -> None:
    channel = body("channel.json")
    del channel["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    httpserver.expect_request(f"{PREFIX}/channels").respond_with_json(channel)

    with pytest.raises(BadResponse, match="uploads"):
        sync(httpserver)


def test_it_rejects_an_uploads_entry_without_a_video_id(httpserver: HTTPServer) -> None:
    serve_channel(httpserver)
    page = body("playlist_items_page1.json")
    del page["items"][1]["contentDetails"]["videoId"]
    httpserver.expect_request(f"{PREFIX}/playlistItems").respond_with_json(page)

    with pytest.raises(BadResponse, match="videoId"):
        sync(httpserver)


def test_it_rejects_a_video_without_a_publish_time(httpserver: HTTPServer) -> None:
    serve_channel(httpserver)
    httpserver.expect_request(
        f"{PREFIX}/playlistItems", query_string=playlist_query()
    ).respond_with_json(body("playlist_items_page1.json"))
    videos = body("videos_page1.json")
    del videos["items"][0]["snippet"]["publishedAt"]
    httpserver.expect_request(f"{PREFIX}/videos").respond_with_json(videos)

    with pytest.raises(BadResponse, match="publish time"):
        sync(httpserver)


def test_it_does_not_swallow_other_refusals(httpserver: HTTPServer) -> None:
    serve_channel(httpserver)
    error(httpserver, "/playlistItems", "error_invalid_page_token.json", 400)

    with pytest.raises(RequestRefused):
        sync(httpserver)
