"""The X API v2 connector against recorded-shape answers (tests/metrics/connectors/responses/x)."""

from __future__ import annotations

import copy
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from metrics.connectors.base import (
    AuthFailed,
    BadResponse,
    NotFound,
    RateLimited,
    RequestRefused,
)
from metrics.connectors.x import SPEC
from metrics.ingest.records import PostKind
from tests.metrics.connectors.helpers import load, run

TOKEN = {"bearer_token": "AAAAAAAAAAAAAAAAAAAAAFernhillTest%2Fapp%3DQx7"}
BRAND_ID = "1458263092180066305"
LOOKUP = "/2/users/by/username/FernhillCoffee"
TWEETS = f"/2/users/{BRAND_ID}/tweets"
MENTIONS = f"/2/users/{BRAND_ID}/mentions"

# Post ids of the recorded answers (snowflakes: their time is in the id).
WINTER_BLEND = "2123457573028259768"  # 2026-11-19 16:45, original with a link and a photo
OAT_MILK_REPLY = "2123371371688988568"  # reply to Dana's question
QUOTE = "2122985663493495732"
RETWEET = "2122711376985925748"
REPLY_TO_DELETED = "2122390630171284095"  # the oldest of page 1
RIVERSIDE = "2105930784569880821"  # 2026-10-02, a long post (note_tweet)
THREAD_2 = "2088162454535283739"
THREAD_1 = "2088161196243716725"
DANA_QUESTION = "2123367689094100005"  # inbound mention
MARCO_REPLY = "2123466515281625746"  # inbound reply to WINTER_BLEND
TODAY = date(2026, 11, 20)  # the helpers' default ctx.today


def x_run(httpserver, **kwargs):
    kwargs.setdefault("credentials", TOKEN)
    return run(SPEC, httpserver.url_for("/"), handle="FernhillCoffee", **kwargs)


def serve(httpserver, path, name=None, *, body=None, status=200, headers=None):
    """One answer, in order: each expected request is answered once."""
    handler = httpserver.expect_ordered_request(path, method="GET")
    handler.respond_with_json(load(f"x/{name}") if name else body, status=status, headers=headers)


def queries(httpserver, path):
    return [dict(request.args) for request, _response in httpserver.log if request.path == path]


def paths(httpserver):
    return [request.path for request, _response in httpserver.log]


def serve_first_sync(httpserver, *, mentions=True):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "tweets_page1.json")
    serve(httpserver, TWEETS, "tweets_page2.json")
    if mentions:
        serve(httpserver, MENTIONS, "mentions.json")


# --- 1. mapping ---------------------------------------------------------------------------------


def test_it_maps_the_profile_and_the_follower_counts(httpserver):
    serve_first_sync(httpserver)

    result = x_run(httpserver)

    first = result.pages[0]
    assert first.profile is not None
    assert (first.profile.platform, first.profile.handle, first.profile.display_name) == (
        "x",
        "fernhillcoffee",
        "Fernhill Coffee",
    )
    assert {(o.metric, o.day, o.value) for o in result.observations} == {
        ("followers", TODAY, Decimal(18342)),
        ("following", TODAY, Decimal(611)),
    }
    assert queries(httpserver, LOOKUP) == [{"user.fields": "public_metrics,name,username,id"}]
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN['bearer_token']}"
    httpserver.check_assertions()


def test_it_maps_posts_kinds_counts_links_and_mentions(httpserver):
    serve_first_sync(httpserver)

    posts = {post.platform_id: post for post in x_run(httpserver).posts}

    assert list(posts) == [
        WINTER_BLEND,
        OAT_MILK_REPLY,
        QUOTE,
        RETWEET,
        REPLY_TO_DELETED,
        RIVERSIDE,
        THREAD_2,
        THREAD_1,
    ]

    original = posts[WINTER_BLEND]
    assert original.published_at == datetime(2026, 11, 19, 16, 45, 12, tzinfo=UTC)
    assert original.text.startswith("Our Winter Blend is back & better than ever ☕")
    assert original.permalink == f"https://x.com/FernhillCoffee/status/{WINTER_BLEND}"
    assert original.kind is None
    assert original.mentions == ("roastmaster_li",)
    # The photo's t.co link points back at the post itself: not a link out.
    assert original.links == ("https://fernhillcoffee.com/winter-blend",)
    assert (original.impressions, original.likes, original.replies) == (5230, 87, 4)
    assert original.reshares == 12 + 3  # reposts + quotes
    assert original.saves == 9
    assert (original.engagements, original.clicks, original.reach, original.video_views) == (
        None,
        None,
        None,
        None,
    )

    reply = posts[OAT_MILK_REPLY]
    assert reply.kind is PostKind.REPLY
    assert reply.in_reply_to_id == DANA_QUESTION
    assert reply.in_reply_to_handle == "dana_brews"
    assert reply.mentions == ("dana_brews",)
    assert reply.text == "@dana_brews Yes! All our cafés have oat milk at no extra charge 🌱"

    quote = posts[QUOTE]
    assert quote.kind is PostKind.QUOTE
    assert quote.reshared_handle == "citycafeguide"
    assert quote.links == ()  # the quoted post's link is not a link out
    assert quote.reshares == 6

    retweet = posts[RETWEET]
    assert retweet.kind is PostKind.RESHARE
    assert retweet.reshared_handle == "roastmaster_li"
    assert retweet.mentions == ()
    # X shows the original's numbers on a repost: they are not the account's.
    assert (retweet.impressions, retweet.likes, retweet.reshares, retweet.saves) == (
        None,
        None,
        None,
        None,
    )

    # The replied-to post was deleted (a partial error in a 200): the reply still maps.
    orphan = posts[REPLY_TO_DELETED]
    assert orphan.kind is PostKind.REPLY
    assert orphan.in_reply_to_id == "2122384200299966543"
    assert orphan.in_reply_to_handle == "sam_k"

    long_post = posts[RIVERSIDE]
    assert long_post.text.endswith(
        "Thanks to @riversidecouncil for the help with permits & planning. Opening hours and "
        "the full menu: https://t.co/RvS1deM3nu"
    )
    assert long_post.mentions == ("riversidecouncil",)
    assert long_post.links == ("https://fernhillcoffee.com/riverside",)
    assert long_post.reshares == 44 + 7

    thread = posts[THREAD_2]
    assert thread.kind is PostKind.REPLY
    assert thread.in_reply_to_id == THREAD_1
    assert thread.in_reply_to_handle == "fernhillcoffee"
    assert thread.links == ("https://fernhillcoffee.com/sourcing-report-2026",)
    assert posts[THREAD_1].kind is None
    assert all(post.published_at.tzinfo is UTC for post in posts.values())


# --- 2. pagination ------------------------------------------------------------------------------


def test_it_pages_back_to_since_on_a_first_sync(httpserver):
    serve_first_sync(httpserver)

    result = x_run(httpserver)

    first, second = queries(httpserver, TWEETS)
    assert first == {
        "max_results": "100",
        "tweet.fields": (
            "created_at,public_metrics,referenced_tweets,entities,in_reply_to_user_id,"
            "conversation_id,author_id,note_tweet"
        ),
        "expansions": (
            "author_id,referenced_tweets.id,referenced_tweets.id.author_id,in_reply_to_user_id"
        ),
        "user.fields": "username,name",
        "start_time": "2026-08-01T00:00:00Z",
    }
    assert second == {**first, "pagination_token": "7140dibdnow9c7btw4b1dn5pfzkbpvm4zx0cq5yyx6sho"}
    # Page 1 is written with the pass still open; page 2 closes it.
    assert result.pages[1].cursor == {
        "tweets_pass_top": WINTER_BLEND,
        "tweets_pass_until": REPLY_TO_DELETED,
    }
    assert result.cursor == {
        "user_id": BRAND_ID,
        "tweets_since_id": WINTER_BLEND,
        "mentions_since_id": MARCO_REPLY,
    }
    assert result.pages[0].cursor == {"user_id": BRAND_ID}
    httpserver.check_assertions()


def test_it_stops_at_since_even_when_x_sends_older_posts(httpserver):
    older = copy.deepcopy(load("x/tweets_page2.json"))
    older["data"][-1]["created_at"] = "2026-07-20T09:00:00.000Z"
    older["meta"]["next_token"] = "b26v89c19zqg8o3fpzbkjcqtiovyjhqgrhxd7vw5pzbxd"
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "tweets_page1.json")
    serve(httpserver, TWEETS, body=older)

    result = x_run(httpserver, fetch_mentions=False)

    assert len(queries(httpserver, TWEETS)) == 2  # the next page is not asked for
    assert THREAD_1 not in {post.platform_id for post in result.posts}
    assert result.cursor["tweets_since_id"] == WINTER_BLEND
    assert "tweets_pass_until" not in result.cursor


def test_it_leaves_the_cursor_empty_when_there_is_nothing_yet(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "timeline_empty.json")
    serve(httpserver, MENTIONS, "timeline_empty.json")

    result = x_run(httpserver)

    assert result.posts == [] and result.mentions == []
    assert result.cursor == {"user_id": BRAND_ID}


# --- 3. resuming ----------------------------------------------------------------------------------


def test_it_asks_only_for_newer_posts_and_mentions_on_a_later_sync(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "tweets_new.json")
    serve(httpserver, MENTIONS, "timeline_empty.json")
    # The last posts are older than the refresh window: nothing to re-read.
    cursor = {"user_id": BRAND_ID, "tweets_since_id": RIVERSIDE, "mentions_since_id": MARCO_REPLY}

    result = x_run(httpserver, cursor=cursor)

    (posts_query,) = queries(httpserver, TWEETS)
    assert posts_query["since_id"] == RIVERSIDE
    assert "start_time" not in posts_query and "until_id" not in posts_query
    (mentions_query,) = queries(httpserver, MENTIONS)
    assert mentions_query["since_id"] == MARCO_REPLY
    assert "start_time" not in mentions_query
    assert [post.platform_id for post in result.posts] == ["2123691564858136169"]
    assert result.cursor["tweets_since_id"] == "2123691564858136169"
    assert result.cursor["mentions_since_id"] == MARCO_REPLY


def test_it_rereads_the_last_two_days_to_refresh_recent_counts(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "tweets_new.json")

    result = x_run(
        httpserver,
        cursor={"user_id": BRAND_ID, "tweets_since_id": WINTER_BLEND},
        fetch_mentions=False,
    )

    (posts_query,) = queries(httpserver, TWEETS)
    assert posts_query["start_time"] == "2026-11-18T00:00:00Z"
    assert "since_id" not in posts_query
    assert result.cursor["tweets_since_id"] == "2123691564858136169"


def test_it_resumes_an_unfinished_pass_where_the_page_limit_stopped_it(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "tweets_page1.json")

    stopped = x_run(httpserver, max_pages=1, fetch_mentions=False)

    assert len(queries(httpserver, TWEETS)) == 1
    assert stopped.cursor == {
        "user_id": BRAND_ID,
        "tweets_pass_top": WINTER_BLEND,
        "tweets_pass_until": REPLY_TO_DELETED,
    }

    httpserver.clear()
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "tweets_page2.json")

    resumed = x_run(httpserver, cursor=stopped.cursor, fetch_mentions=False)

    (query,) = queries(httpserver, TWEETS)
    assert query["until_id"] == REPLY_TO_DELETED
    assert query["start_time"] == "2026-08-01T00:00:00Z"
    assert "pagination_token" not in query
    assert [post.platform_id for post in resumed.posts] == [RIVERSIDE, THREAD_2, THREAD_1]
    # The pass is complete: the mark is the newest post of the whole pass.
    assert resumed.cursor == {"user_id": BRAND_ID, "tweets_since_id": WINTER_BLEND}


def test_it_notes_when_the_page_limit_stops_a_sync(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "tweets_page1.json")
    result = run(
        SPEC,
        httpserver.url_for("/"),
        handle="FernhillCoffee",
        credentials=TOKEN,
        max_pages=1,
        fetch_mentions=False,
    )

    assert len(result.pages) == 2
    assert result.notes == [
        "X: this sync stopped after 1 pages of posts; the next sync continues with the older ones."
    ]


def test_it_starts_over_when_the_handle_names_another_account(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "tweets_new.json")

    result = x_run(
        httpserver,
        cursor={"user_id": "783214", "tweets_since_id": RIVERSIDE, "tweets_pass_until": THREAD_1},
        fetch_mentions=False,
    )

    (query,) = queries(httpserver, TWEETS)
    assert query["start_time"] == "2026-08-01T00:00:00Z"
    assert "since_id" not in query and "until_id" not in query
    assert result.cursor == {"user_id": BRAND_ID, "tweets_since_id": "2123691564858136169"}


# --- 4. inbound mentions --------------------------------------------------------------------------


def test_it_maps_inbound_mentions_and_links_the_brands_answers(httpserver):
    serve_first_sync(httpserver)

    result = x_run(httpserver)

    mentions = {mention.platform_id: mention for mention in result.mentions}
    # The repost of the brand's post and the brand's own post are left out.
    assert list(mentions) == [MARCO_REPLY, DANA_QUESTION]

    marco = mentions[MARCO_REPLY]
    assert marco.published_at == datetime(2026, 11, 19, 17, 20, 44, tzinfo=UTC)
    assert (marco.author_handle, marco.author_name) == ("marco_p", "Marco Pellegrini")
    assert marco.text == "@FernhillCoffee Winter Blend is 🔥 just picked up two bags"
    assert marco.permalink == f"https://x.com/marco_p/status/{MARCO_REPLY}"
    assert marco.is_reply is True
    assert marco.in_reply_to_id == WINTER_BLEND

    dana = mentions[DANA_QUESTION]
    assert dana.author_handle == "dana_brews"
    assert dana.text.endswith("Asking for a friend & me 😄")
    assert (dana.is_reply, dana.in_reply_to_id) == (False, "")
    # The brand's answer names the mention in the same id form.
    answer = next(post for post in result.posts if post.platform_id == OAT_MILK_REPLY)
    assert answer.in_reply_to_id == dana.platform_id

    (query,) = queries(httpserver, MENTIONS)
    assert query["start_time"] == "2026-08-01T00:00:00Z"
    assert query["expansions"].startswith("author_id,")
    assert result.pages[-1].cursor == {
        "mentions_pass_top": None,
        "mentions_pass_until": None,
        "mentions_since_id": MARCO_REPLY,
    }


def test_it_does_not_read_mentions_of_a_competitor(httpserver):
    serve_first_sync(httpserver, mentions=False)

    result = x_run(httpserver, fetch_mentions=False)

    assert MENTIONS not in paths(httpserver)
    assert result.mentions == []
    assert "mentions_since_id" not in result.cursor
    httpserver.check_assertions()


def test_it_asks_for_the_bearer_token_before_any_request(httpserver):
    with pytest.raises(AuthFailed, match="Enter the X API bearer token"):
        x_run(httpserver, credentials={})

    assert httpserver.log == []


def test_it_accepts_a_token_pasted_with_its_scheme(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "timeline_empty.json")

    x_run(httpserver, credentials={"bearer_token": " Bearer abc%3Ddef "}, fetch_mentions=False)

    assert httpserver.log[0][0].headers["Authorization"] == "Bearer abc%3Ddef"


# --- 5-7. HTTP errors -----------------------------------------------------------------------------


def test_it_waits_for_retry_after_on_a_429(httpserver):
    serve(
        httpserver,
        LOOKUP,
        "error_429.json",
        status=429,
        headers={"Retry-After": "7", "x-rate-limit-limit": "3", "x-rate-limit-remaining": "0"},
    )
    serve_first_sync(httpserver, mentions=False)

    result = x_run(httpserver, fetch_mentions=False)

    assert result.sleeps == [pytest.approx(7, abs=0.5)]
    assert len(result.posts) == 8
    httpserver.check_assertions()


def test_it_waits_for_the_rate_limit_reset_when_x_sends_no_retry_after(httpserver):
    reset = int(time.time()) + 5
    serve(
        httpserver,
        LOOKUP,
        "error_429.json",
        status=429,
        headers={
            "x-rate-limit-limit": "3",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "timeline_empty.json")

    result = x_run(httpserver, fetch_mentions=False)

    # One wait, until the reset: the 429's "nothing left" header is not waited for twice.
    assert len(result.sleeps) == 1
    assert 3 <= result.sleeps[0] <= 5
    assert result.pages[0].profile is not None


def test_it_retries_a_server_error(httpserver):
    serve(httpserver, LOOKUP, body={"title": "Service Unavailable"}, status=503)
    serve_first_sync(httpserver, mentions=False)

    result = x_run(httpserver, fetch_mentions=False)

    assert result.sleeps == [1.0]
    assert len(result.posts) == 8


def test_it_stops_at_once_on_an_invalid_token(httpserver):
    serve(httpserver, LOOKUP, "error_401.json", status=401)

    with pytest.raises(AuthFailed, match="enter new credentials"):
        x_run(httpserver)

    assert len(httpserver.log) == 1


def test_it_explains_a_token_whose_app_has_no_v2_access(httpserver):
    serve(httpserver, LOOKUP, "error_client_forbidden.json", status=403)

    with pytest.raises(AuthFailed, match="attached to a project"):
        x_run(httpserver)

    assert len(httpserver.log) == 1


def test_it_gives_up_until_tomorrow_when_the_usage_cap_is_used(httpserver):
    serve(
        httpserver,
        LOOKUP,
        "error_usage_capped.json",
        status=429,
        headers={"x-rate-limit-limit": "40000", "x-rate-limit-remaining": "39999"},
    )

    with pytest.raises(RateLimited, match="usage cap") as caught:
        x_run(httpserver)

    assert len(httpserver.log) == 1
    assert caught.value.retry_at > datetime.now(UTC) + timedelta(hours=23)


def test_it_reports_an_account_x_does_not_know(httpserver):
    serve(httpserver, LOOKUP, "user_not_found.json")

    with pytest.raises(NotFound, match="cannot find the account @FernhillCoffee"):
        x_run(httpserver)


def test_it_refuses_a_handle_that_cannot_be_on_x(httpserver):
    with pytest.raises(NotFound, match="not an X handle"):
        run(SPEC, httpserver.url_for("/"), handle="fernhill coffee", credentials=TOKEN)

    assert httpserver.log == []


def test_it_reports_a_timeline_x_will_not_show(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, "timeline_not_authorized.json")

    with pytest.raises(RequestRefused, match="protected or suspended"):
        x_run(httpserver)


# --- 8. unreadable answers ------------------------------------------------------------------------


def test_it_rejects_an_answer_that_is_not_json(httpserver):
    httpserver.expect_ordered_request(LOOKUP).respond_with_data(
        "<html>upstream connect error</html>", content_type="text/html"
    )

    with pytest.raises(BadResponse, match="not JSON"):
        x_run(httpserver)


def test_it_rejects_an_account_without_an_id(httpserver):
    body = copy.deepcopy(load("x/user_fernhillcoffee.json"))
    del body["data"]["id"]
    serve(httpserver, LOOKUP, body=body)

    with pytest.raises(BadResponse, match="“id”"):
        x_run(httpserver)


def test_it_rejects_a_post_without_its_time(httpserver):
    page = copy.deepcopy(load("x/tweets_page1.json"))
    del page["data"][1]["created_at"]
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, body=page)

    with pytest.raises(BadResponse, match="created_at"):
        x_run(httpserver)


def test_it_rejects_a_timeline_in_another_shape(httpserver):
    serve(httpserver, LOOKUP, "user_fernhillcoffee.json")
    serve(httpserver, TWEETS, body={"data": {"id": WINTER_BLEND}, "meta": {"result_count": 1}})

    with pytest.raises(BadResponse, match="unexpected shape"):
        x_run(httpserver)


def test_it_explains_a_developer_account_without_credits(httpserver):
    serve(
        httpserver,
        LOOKUP,
        body={
            "title": "CreditsDepleted",
            "detail": "Your enrolled account does not have any credits to fulfill this request.",
            "type": "https://api.twitter.com/2/problems/credits",
        },
        status=402,
    )

    with pytest.raises(RequestRefused, match="no API credits left"):
        x_run(httpserver)

    assert len(httpserver.log) == 1
