"""The Meta Graph API connector against recorded-shape Graph responses (responses/meta/)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug import Request, Response

from metrics.connectors.base import (
    AuthFailed,
    BadResponse,
    NotFound,
    RateLimited,
    RequestRefused,
    TemporaryFailure,
)
from metrics.connectors.meta import SPEC, classify_error
from metrics.importers.meta import FORMATS
from metrics.ingest.records import PostKind
from tests.metrics.connectors.helpers import RESPONSES, Run, run
from tests.metrics.importers.helpers import FIXTURES, parse

BASE = "/v26.0"
TOKEN = "EAAGtestPageToken0ZCZAloomwell"
PAGE_ID = "100089412345678"
IG_ID = "17841452638104977"
SINCE = datetime(2026, 8, 1, tzinfo=UTC)
NEWEST = datetime(2026, 10, 14, 9, 5, tzinfo=UTC)


# --- serving recorded bodies ---------------------------------------------------------------------


def body(httpserver, name: str) -> Any:
    """A recorded body, its absolute paging links pointed at the test server."""
    text = (RESPONSES / "meta" / name).read_text(encoding="utf-8")
    return json.loads(
        text.replace("https://graph.facebook.com", httpserver.url_for("").rstrip("/"))
    )


def json_response(httpserver, name: str, status: int = 200, headers=None) -> Response:
    return Response(
        json.dumps(body(httpserver, name)),
        status=status,
        headers=headers or {},
        content_type="application/json",
    )


def serve_facebook_lists(httpserver) -> None:
    def posts(request: Request) -> Response:
        # Page 2 is what the next link (or a resumed walk's until=) asks for.
        older = "__paging_token" in request.args or "until" in request.args
        return json_response(httpserver, "fb_posts_2.json" if older else "fb_posts_1.json")

    httpserver.expect_request(f"{BASE}/{PAGE_ID}").respond_with_json(
        body(httpserver, "fb_page.json")
    )
    httpserver.expect_request(f"{BASE}/{PAGE_ID}/posts").respond_with_handler(posts)


def serve_facebook(httpserver) -> None:
    serve_facebook_lists(httpserver)
    for post, name in (
        ("8521390055408988", "fb_insights_photo.json"),
        ("3660408954384298", "fb_insights_link.json"),
    ):
        httpserver.expect_request(f"{BASE}/{PAGE_ID}_{post}/insights").respond_with_json(
            body(httpserver, name)
        )
    httpserver.expect_request(re.compile(rf"{BASE}/{PAGE_ID}_\d+/insights")).respond_with_json(
        body(httpserver, "fb_insights.json")
    )


def serve_instagram_lists(httpserver) -> None:
    def media(request: Request) -> Response:
        older = "after" in request.args
        return json_response(httpserver, "ig_media_2.json" if older else "ig_media_1.json")

    httpserver.expect_request(f"{BASE}/{IG_ID}").respond_with_json(body(httpserver, "ig_user.json"))
    httpserver.expect_request(f"{BASE}/{IG_ID}/media").respond_with_handler(media)


def serve_instagram(httpserver) -> None:
    serve_instagram_lists(httpserver)
    httpserver.expect_request(f"{BASE}/17255983487431397/insights").respond_with_json(
        body(httpserver, "ig_insights_reel.json")
    )
    httpserver.expect_request(re.compile(rf"{BASE}/\d+/insights")).respond_with_json(
        body(httpserver, "ig_insights.json")
    )


# --- running ----------------------------------------------------------------------------------


def sync(httpserver, *, platform: str = "facebook", credentials=None, **kwargs) -> Run:
    if credentials is None:
        object_id = PAGE_ID if platform == "facebook" else IG_ID
        credentials = {"access_token": TOKEN, "object_id": object_id}
    return run(
        SPEC,
        httpserver.url_for(BASE),
        handle="loomwellroasters",
        platform=platform,
        credentials=credentials,
        **kwargs,
    )


def requests_to(httpserver, path: str) -> list[Request]:
    return [request for request, _ in httpserver.log if request.path == f"{BASE}{path}"]


def by_id(run: Run) -> dict[str, Any]:
    return {post.platform_id: post for post in run.posts}


# --- Facebook -----------------------------------------------------------------------------------


def test_it_maps_the_facebook_page_its_followers_and_its_posts(httpserver):
    serve_facebook(httpserver)

    run = sync(httpserver)

    first = run.pages[0]
    assert first.profile is not None
    assert (first.profile.platform, first.profile.handle, first.profile.display_name) == (
        "facebook",
        "loomwellroasters",
        "Loomwell Roasters",
    )
    assert [(o.metric, o.day, o.value) for o in run.observations] == [
        ("followers", run.pages[0].observations[0].day, Decimal(4218))
    ]
    assert run.observations[0].day.isoformat() == "2026-11-20"
    posts = by_id(run)
    # Graph's "<page id>_<post id>" is kept as the post id alone, the export's "Post ID".
    recap = posts["8521390055408988"]
    assert recap.published_at == datetime(2026, 9, 29, 13, 20, tzinfo=UTC)
    assert recap.text == "Festival recap: 2,000 tasting cups poured and one very tired team."
    assert recap.permalink == (
        "https://www.facebook.com/loomwellroasters/posts/"
        "pfbid0nXXBbiVj93e7KMP2N9BtnPm6ertLWsjyKjDg29oSwMj3A8ucT4l"
    )
    assert recap.kind is None
    assert recap.links == ()  # the photo attachment is Facebook's own page, not a link
    assert (recap.likes, recap.replies, recap.reshares, recap.engagements) == (62, 7, 8, 77)
    assert (recap.impressions, recap.reach, recap.clicks) == (3065, 2275, 0)
    assert (recap.saves, recap.video_views) == (None, None)

    thanks = posts["1048213370551862"]
    assert thanks.mentions == ("harbourcoffeefest",)
    # unshimmed_url rather than the l.facebook.com redirect.
    assert thanks.links == ("https://www.loomwell.example/blog/harbour-festival-2026",)
    assert (thanks.impressions, thanks.reach, thanks.clicks) == (1240, 903, 18)

    shop = posts["3660408954384298"]
    assert shop.links == ("https://www.loomwell.example/shop/kenya-nyeri-aa",)
    assert shop.clicks == 31

    shared = posts["9645610210769786"]
    assert shared.kind == PostKind.RESHARE  # parent_id: a share of another Page's post
    assert shared.reshared_handle == ""
    assert shared.reshares == 0  # Graph leaves `shares` out when nobody shared it
    assert shared.links == ("https://www.originnotes.example/features/high-altitude-climate",)
    assert all(post.in_reply_to_id == "" and post.in_reply_to_handle == "" for post in run.posts)
    assert run.mentions == []


def test_it_sends_the_token_in_a_header_and_asks_for_the_documented_fields(httpserver):
    serve_facebook(httpserver)

    sync(httpserver)

    profile = requests_to(httpserver, f"/{PAGE_ID}")[0]
    assert profile.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in profile.args
    assert profile.args["fields"] == "id,name,username,followers_count,fan_count"
    posts = requests_to(httpserver, f"/{PAGE_ID}/posts")[0]
    assert posts.args["limit"] == "100"
    assert "reactions.summary(total_count).limit(0)" in posts.args["fields"]
    assert "attachments{url,unshimmed_url,type}" in posts.args["fields"]
    insights = requests_to(httpserver, f"/{PAGE_ID}_8521390055408988/insights")[0]
    assert insights.args["metric"] == (
        "post_media_view,post_total_media_view_unique,post_clicks_by_type"
    )


def test_it_gives_the_same_post_ids_times_and_permalinks_as_the_business_suite_export(
    httpserver,
):
    serve_facebook(httpserver)
    fmt = next(f for f in FORMATS if f.key == "facebook_content")
    exported = parse(
        fmt,
        FIXTURES / "facebook" / "Jul-01-2026_Sep-30-2026_8266685116939079.csv",
        tz="Europe/London",
    )
    from_file = {post.platform_id: post for post in exported.posts}

    run = sync(httpserver)

    shared = [post for post in run.posts if post.platform_id in from_file]
    assert len(shared) == 7
    for post in shared:
        twin = from_file[post.platform_id]
        assert (post.published_at, post.permalink, post.text) == (
            twin.published_at,
            twin.permalink,
            twin.text,
        )
        assert post.kind == twin.kind


def test_it_pages_facebook_posts_and_stops_at_the_first_sync_threshold(httpserver):
    serve_facebook(httpserver)

    run = sync(httpserver)

    posts = requests_to(httpserver, f"/{PAGE_ID}/posts")
    assert len(posts) == 2  # page 2 holds a post older than ctx.since: no third page
    assert posts[0].args["since"] == str(int(SINCE.timestamp()))
    assert "until" not in posts[0].args
    assert "__paging_token" in posts[1].args  # the next link, followed as it is
    assert [len(page.posts) for page in run.pages] == [5, 3]
    assert "8789177730040041" not in by_id(run)  # 31 July, before ctx.since
    assert min(post.published_at for post in run.posts) >= SINCE
    assert run.pages[1].profile is None and run.pages[1].observations == []
    # The first page leaves a walk to resume; the last one finishes it.
    assert run.pages[0].cursor["pending_since"] == SINCE.isoformat()
    assert run.pages[0].cursor["pending_until"] == "2026-09-08T16:20:01+00:00"
    assert run.cursor == {"newest_published": NEWEST.isoformat()}


def test_it_asks_only_for_posts_since_the_newest_one_less_three_days(httpserver):
    serve_facebook(httpserver)

    run = sync(httpserver, cursor={"newest_published": NEWEST.isoformat()})

    posts = requests_to(httpserver, f"/{PAGE_ID}/posts")
    assert len(posts) == 1
    assert posts[0].args["since"] == str(int((NEWEST - timedelta(days=3)).timestamp()))
    assert "until" not in posts[0].args
    assert [post.platform_id for post in run.posts] == ["1048213370551862"]
    assert run.cursor == {"newest_published": NEWEST.isoformat()}
    assert run.pages[0].profile is not None


def test_it_stops_at_max_pages_with_a_note_and_resumes_the_older_posts_next_time(httpserver):
    serve_facebook(httpserver)

    first = sync(httpserver, max_pages=1)

    assert len(requests_to(httpserver, f"/{PAGE_ID}/posts")) == 1
    assert len(first.posts) == 5
    assert first.notes == [
        "Stopped after 1 page of Facebook posts in this sync; the next sync continues with "
        "older ones."
    ]
    assert first.cursor == {
        "pending_since": SINCE.isoformat(),
        "pending_until": "2026-09-08T16:20:01+00:00",
        "pending_newest": NEWEST.isoformat(),
    }
    httpserver.clear_log()

    second = sync(httpserver, cursor=first.cursor)

    resumed, fresh = requests_to(httpserver, f"/{PAGE_ID}/posts")
    assert resumed.args["since"] == str(int(SINCE.timestamp()))
    assert resumed.args["until"] == str(
        int(datetime(2026, 9, 8, 16, 20, 1, tzinfo=UTC).timestamp())
    )
    assert fresh.args["since"] == str(int((NEWEST - timedelta(days=3)).timestamp()))
    assert "until" not in fresh.args
    assert [post.platform_id for post in second.pages[0].posts] == [
        "4900698235154150",
        "7467066746882259",
        "9925372372657082",
    ]
    assert second.cursor == {"newest_published": NEWEST.isoformat()}
    assert second.notes == []


def test_it_falls_back_to_fan_count_and_to_the_handle_as_the_page_node(httpserver):
    httpserver.expect_request(f"{BASE}/loomwellroasters").respond_with_json(
        {"id": PAGE_ID, "name": "Loomwell Roasters", "fan_count": 3987}
    )
    httpserver.expect_request(f"{BASE}/loomwellroasters/posts").respond_with_json({"data": []})

    run = sync(httpserver, credentials={"access_token": TOKEN})

    assert [(o.metric, o.value) for o in run.observations] == [("followers", Decimal(3987))]
    assert run.pages[0].profile is not None
    assert run.pages[0].profile.handle == "loomwellroasters"
    assert run.posts == []
    assert run.cursor == {}


# --- Instagram ----------------------------------------------------------------------------------


def test_it_maps_the_instagram_account_its_followers_and_its_media(httpserver):
    serve_instagram(httpserver)

    run = sync(httpserver, platform="instagram")

    profile = run.pages[0].profile
    assert profile is not None
    assert (profile.platform, profile.handle, profile.display_name) == (
        "instagram",
        "loomwellroasters",
        "Loomwell Roasters",
    )
    assert {o.metric: o.value for o in run.observations} == {
        "followers": Decimal(8123),
        "following": Decimal(312),
    }
    posts = by_id(run)
    reel = posts["17255983487431397"]
    assert reel.published_at == datetime(2026, 9, 11, 10, 50, tzinfo=UTC)
    assert reel.permalink == "https://www.instagram.com/reel/DNTMxXb_yuQ/"
    assert reel.kind is None
    assert (reel.likes, reel.replies) == (196, 22)
    assert (reel.impressions, reel.video_views, reel.reach, reel.saves, reel.reshares) == (
        5914,
        5914,
        3382,
        91,
        26,
    )
    assert reel.engagements == 196 + 22 + 26 + 91

    photo = posts["18375715997953215"]
    assert (photo.impressions, photo.video_views, photo.reach, photo.saves) == (978, None, 658, 2)

    thanks = posts["18049327716520934"]
    assert thanks.mentions == ("harbourcoffeefest",)
    assert thanks.links == ("https://loomwell.example/blog/harbour-festival-2026",)

    credited = posts["17634371169427007"]
    assert credited.kind == PostKind.RESHARE
    assert credited.reshared_handle == "origin_notes_mag"
    assert credited.mentions == ()
    assert run.mentions == []
    media = requests_to(httpserver, f"/{IG_ID}/media")[0]
    assert media.args["fields"] == (
        "id,caption,timestamp,permalink,like_count,comments_count,media_type,media_product_type"
    )
    insights = requests_to(httpserver, "/17255983487431397/insights")[0]
    assert insights.args["metric"] == "reach,saved,views,shares"


def test_it_gives_the_same_instagram_ids_as_the_business_suite_export(httpserver):
    serve_instagram(httpserver)
    fmt = next(f for f in FORMATS if f.key == "instagram_content")
    exported = parse(
        fmt,
        FIXTURES / "instagram" / "Jul-01-2026_Sep-30-2026_5095666080943481.csv",
        tz="Europe/London",
    )
    from_file = {post.platform_id: post for post in exported.posts}

    run = sync(httpserver, platform="instagram")

    shared = [post for post in run.posts if post.platform_id in from_file]
    assert len(shared) == 8
    for post in shared:
        twin = from_file[post.platform_id]
        assert (post.published_at, post.permalink, post.text, post.kind) == (
            twin.published_at,
            twin.permalink,
            twin.text,
            twin.kind,
        )
        assert (post.mentions, post.links, post.reshared_handle) == (
            twin.mentions,
            twin.links,
            twin.reshared_handle,
        )


def test_it_pages_instagram_media_by_cursor_and_resumes_with_it(httpserver):
    serve_instagram(httpserver)

    first = sync(httpserver, platform="instagram", max_pages=1)

    assert first.cursor["pending_after"].startswith("QVFIUmZAXNWdJd0")
    assert first.cursor["pending_until"] == "2026-09-08T16:20:01+00:00"
    httpserver.clear_log()

    second = sync(httpserver, platform="instagram", cursor=first.cursor)

    resumed, fresh = requests_to(httpserver, f"/{IG_ID}/media")
    assert resumed.args["after"] == first.cursor["pending_after"]
    assert "after" not in fresh.args
    assert [post.platform_id for post in second.pages[0].posts] == [
        "18991022706736763",
        "18220805172900413",
        "17411235758012566",
    ]  # 31 July is before ctx.since
    assert second.cursor == {"newest_published": NEWEST.isoformat()}


def test_it_walks_from_the_top_when_meta_refuses_a_stored_cursor(httpserver):
    httpserver.expect_oneshot_request(f"{BASE}/{IG_ID}/media").respond_with_json(
        body(httpserver, "error_bad_cursor.json"), status=400
    )
    serve_instagram(httpserver)
    cursor = {
        "pending_since": SINCE.isoformat(),
        "pending_until": "2026-09-08T16:20:01+00:00",
        "pending_newest": NEWEST.isoformat(),
        "pending_after": "stale",
    }

    run = sync(httpserver, platform="instagram", cursor=cursor)

    refused, from_top, older, fresh = requests_to(httpserver, f"/{IG_ID}/media")
    assert refused.args["after"] == "stale"
    assert "after" not in from_top.args
    assert older.args["after"].startswith("QVFIUmZAXNWdJd0")
    assert "after" not in fresh.args
    # The posts above the interrupted walk's until are skipped; the one on it is read again.
    assert [post.platform_id for post in run.pages[0].posts] == ["17634371169427007"]
    assert [post.platform_id for post in run.pages[1].posts] == [
        "18991022706736763",
        "18220805172900413",
        "17411235758012566",
    ]
    assert run.cursor == {"newest_published": NEWEST.isoformat()}


def test_it_follows_the_instagram_next_link_down_to_the_threshold(httpserver):
    serve_instagram(httpserver)

    run = sync(httpserver, platform="instagram")

    media = requests_to(httpserver, f"/{IG_ID}/media")
    assert len(media) == 2
    assert "after" in media[1].args
    assert [len(page.posts) for page in run.pages] == [6, 3]
    assert run.cursor == {"newest_published": NEWEST.isoformat()}


def test_it_needs_the_instagram_account_id(httpserver):
    with pytest.raises(AuthFailed, match="Instagram account ID"):
        sync(httpserver, platform="instagram", credentials={"access_token": TOKEN})
    assert httpserver.log == []


# --- insights where the token allows them ---------------------------------------------------------


def test_it_completes_without_insights_when_the_token_lacks_the_permission(httpserver):
    serve_facebook_lists(httpserver)
    httpserver.expect_request(re.compile(rf"{BASE}/{PAGE_ID}_\d+/insights")).respond_with_json(
        body(httpserver, "error_insights_permission.json"), status=400
    )

    run = sync(httpserver)

    assert len(run.posts) == 8
    assert all(p.impressions is None and p.reach is None and p.clicks is None for p in run.posts)
    assert by_id(run)["8521390055408988"].likes == 62  # the post's own counts are kept
    insight_calls = [r for r, _ in httpserver.log if r.path.endswith("/insights")]
    assert len(insight_calls) == 1  # off for the rest of the run
    assert run.notes == [
        "Meta did not let this access token read post insights (“(#10) Application does not "
        "have permission for this action”), so impressions, reach and link clicks were left "
        "empty in this sync; a token with the read_insights and pages_read_engagement "
        "permissions fills them in."
    ]
    assert run.cursor == {"newest_published": NEWEST.isoformat()}


def test_it_skips_instagram_insights_after_an_unsupported_metric(httpserver):
    serve_instagram_lists(httpserver)
    httpserver.expect_request(re.compile(rf"{BASE}/\d+/insights")).respond_with_json(
        body(httpserver, "error_invalid_metric.json"), status=400
    )

    run = sync(httpserver, platform="instagram")

    assert len(run.posts) == 9
    assert all(p.reach is None and p.saves is None and p.engagements is None for p in run.posts)
    assert [r for r, _ in httpserver.log if r.path.endswith("/insights")][1:] == []
    assert run.notes == [
        "Meta refused the post insights this connector asks for (“(#100) The value must be a "
        "valid insights metric”), so views, reach, saves and shares were left empty in this "
        "sync; Meta may have renamed these metrics again, and the connector needs updating."
    ]


def test_it_skips_only_the_instagram_media_too_few_people_saw(httpserver):
    serve_instagram_lists(httpserver)
    httpserver.expect_request(f"{BASE}/18049327716520934/insights").respond_with_json(
        body(httpserver, "error_not_enough_viewers.json"), status=400
    )
    httpserver.expect_request(re.compile(rf"{BASE}/\d+/insights")).respond_with_json(
        body(httpserver, "ig_insights.json")
    )

    run = sync(httpserver, platform="instagram")

    posts = by_id(run)
    assert posts["18049327716520934"].reach is None
    assert posts["18375715997953215"].reach == 658
    assert run.notes == []


# --- mentions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fetch_mentions", [True, False])
def test_it_reads_no_mentions_in_this_version(httpserver, fetch_mentions):
    serve_facebook(httpserver)

    run = sync(httpserver, fetch_mentions=fetch_mentions)

    assert run.mentions == []
    paths = {request.path for request, _ in httpserver.log}
    assert not any(p.endswith(("/comments", "/tagged", "/feed", "/mentioned_media")) for p in paths)


# --- HTTP trouble ---------------------------------------------------------------------------------


def test_it_waits_out_a_429_with_retry_after_then_goes_on(httpserver):
    httpserver.expect_oneshot_request(f"{BASE}/{PAGE_ID}").respond_with_response(
        json_response(httpserver, "error_app_limit.json", status=429, headers={"Retry-After": "7"})
    )
    serve_facebook(httpserver)

    run = sync(httpserver)

    assert run.sleeps == [pytest.approx(7, abs=1)]
    assert len(requests_to(httpserver, f"/{PAGE_ID}")) == 2
    assert len(run.posts) == 8


def test_it_retries_after_a_500(httpserver):
    httpserver.expect_oneshot_request(f"{BASE}/{PAGE_ID}/posts").respond_with_response(
        json_response(httpserver, "error_unknown.json", status=500)
    )
    serve_facebook(httpserver)

    run = sync(httpserver)

    assert run.sleeps == [1.0]
    assert len(run.posts) == 8


def test_it_refuses_an_expired_token_sent_as_a_400_without_retrying(httpserver):
    httpserver.expect_request(f"{BASE}/{PAGE_ID}").respond_with_json(
        body(httpserver, "error_token_expired.json"), status=400
    )

    with pytest.raises(AuthFailed) as raised:
        sync(httpserver)

    assert "expired or been revoked" in str(raised.value)
    assert "new access token" in str(raised.value)
    assert len(httpserver.log) == 1


def test_it_refuses_a_401_without_retrying(httpserver):
    httpserver.expect_request(f"{BASE}/{PAGE_ID}").respond_with_data("Unauthorized", status=401)

    with pytest.raises(AuthFailed):
        sync(httpserver)

    assert len(httpserver.log) == 1


def test_it_comes_back_in_an_hour_when_the_app_limit_is_reached(httpserver):
    httpserver.expect_request(f"{BASE}/{PAGE_ID}").respond_with_json(
        body(httpserver, "error_app_limit.json"), status=400, headers={"X-App-Usage": "{}"}
    )
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as raised:
        sync(httpserver)

    assert len(httpserver.log) == 1
    wait = raised.value.retry_at - before
    assert timedelta(minutes=59) < wait < timedelta(minutes=61)


def test_it_comes_back_when_the_usage_header_says_access_returns(httpserver):
    usage = {
        PAGE_ID: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 12,
                "total_time": 18,
                "estimated_time_to_regain_access": 14,
            }
        ]
    }
    httpserver.expect_request(f"{BASE}/{PAGE_ID}/posts").respond_with_json(
        body(httpserver, "error_page_limit.json"),
        status=403,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    serve_facebook(httpserver)
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as raised:
        sync(httpserver)

    wait = raised.value.retry_at - before
    assert timedelta(minutes=13) < wait < timedelta(minutes=15)
    assert "rate limit" in str(raised.value)


def test_it_reports_a_body_that_is_not_json(httpserver):
    httpserver.expect_request(f"{BASE}/{PAGE_ID}").respond_with_json(
        body(httpserver, "fb_page.json")
    )
    httpserver.expect_request(f"{BASE}/{PAGE_ID}/posts").respond_with_data(
        "<html><body>Sorry, something went wrong.</body></html>", content_type="text/html"
    )

    with pytest.raises(BadResponse):
        sync(httpserver)


def test_it_reports_a_post_without_its_creation_time(httpserver):
    listed = body(httpserver, "fb_posts_1.json")
    del listed["data"][1]["created_time"]
    httpserver.expect_request(f"{BASE}/{PAGE_ID}").respond_with_json(
        body(httpserver, "fb_page.json")
    )
    httpserver.expect_request(f"{BASE}/{PAGE_ID}/posts").respond_with_json(listed)

    with pytest.raises(BadResponse, match="created_time"):
        sync(httpserver)


def test_it_reports_a_list_without_data(httpserver):
    httpserver.expect_request(f"{BASE}/{IG_ID}").respond_with_json(body(httpserver, "ig_user.json"))
    httpserver.expect_request(f"{BASE}/{IG_ID}/media").respond_with_json({"paging": {}})

    with pytest.raises(BadResponse, match="data"):
        sync(httpserver, platform="instagram")


def test_it_needs_an_access_token(httpserver):
    with pytest.raises(AuthFailed, match="access token"):
        sync(httpserver, credentials={"object_id": PAGE_ID})
    assert httpserver.log == []


def test_it_refuses_an_account_id_that_could_change_the_path(httpserver):
    with pytest.raises(AuthFailed, match="not a Page or Instagram account ID"):
        sync(httpserver, credentials={"access_token": TOKEN, "object_id": "123/feed?x=1"})
    assert httpserver.log == []


# --- classify_error -----------------------------------------------------------------------------


def graph_response(status: int, name: str, headers=None) -> httpx.Response:
    return httpx.Response(
        status,
        json=json.loads((RESPONSES / "meta" / name).read_text(encoding="utf-8")),
        headers=headers,
    )


def test_it_classifies_graph_error_bodies():
    assert isinstance(classify_error(graph_response(400, "error_token_expired.json")), AuthFailed)
    assert isinstance(classify_error(graph_response(400, "error_app_limit.json")), RateLimited)
    assert isinstance(classify_error(graph_response(400, "error_page_limit.json")), RateLimited)
    assert isinstance(classify_error(graph_response(500, "error_unknown.json")), TemporaryFailure)
    refused = classify_error(graph_response(403, "error_insights_permission.json"))
    assert isinstance(refused, RequestRefused) and not isinstance(refused, AuthFailed)
    assert "permission" in str(refused)
    missing = httpx.Response(
        400,
        json={
            "error": {
                "message": "Unsupported get request. Object with ID '42' does not exist.",
                "type": "GraphMethodException",
                "code": 100,
                "error_subcode": 33,
                "fbtrace_id": "AxYz",
            }
        },
    )
    assert isinstance(classify_error(missing), NotFound)
    assert classify_error(httpx.Response(502, text="<html>Bad gateway</html>")) is None
    assert classify_error(httpx.Response(400, json={"error": "invalid_request"})) is None


def test_it_prefers_retry_after_then_the_usage_header_then_an_hour():
    usage = json.dumps({"call_count": 100, "estimated_time_to_regain_access": 3})
    start = datetime.now(UTC)
    with_retry_after = classify_error(
        graph_response(400, "error_app_limit.json", {"Retry-After": "30", "X-App-Usage": usage})
    )
    with_usage = classify_error(graph_response(400, "error_app_limit.json", {"X-App-Usage": usage}))
    bare = classify_error(graph_response(400, "error_app_limit.json"))
    assert isinstance(with_retry_after, RateLimited)
    assert isinstance(with_usage, RateLimited)
    assert isinstance(bare, RateLimited)
    assert 29 <= (with_retry_after.retry_at - start).total_seconds() <= 32
    assert 179 <= (with_usage.retry_at - start).total_seconds() <= 182
    assert 3599 <= (bare.retry_at - start).total_seconds() <= 3602


def test_it_keeps_the_recorded_bodies_next_to_their_sources():
    sources = (RESPONSES / "meta" / "SOURCES.md").read_text(encoding="utf-8")
    for path in sorted(Path(RESPONSES / "meta").glob("*.json")):
        assert f"`{path.name}`" in sources
