"""The Mastodon REST API connector against recorded-shape responses."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from metrics.connectors.base import AuthFailed, BadResponse, NotFound
from metrics.connectors.mastodon import SPEC, base_url_for_handle
from metrics.ingest.records import AccountInfo, ObservationRecord, PostKind
from tests.metrics.connectors.helpers import load, run

HANDLE = "loomwell@mastodon.example"
ACCOUNT_ID = "109412345678901234"
STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
NOTIFICATIONS = "/api/v1/notifications"
TOKEN = {"access_token": "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"}

LAUNCH = "117643817779200000"
REPLY_SAM = "117636878303232000"
THREAD_MORE = "117636783341568000"
THREAD_START = "117631667404800000"
BOOST = "117625140019200000"
QUOTE = "117621758361600000"
PRIVATE = "117619870924800000"
OCTOBER = "117370493337600000"
WINTER = "117647769600000000"
REPLY_PAT = "117647651635200000"
PAT_QUESTION = "117647592652800000"


def body(name: str) -> Any:
    return load(f"mastodon/{name}")


def serve_lookup(httpserver: HTTPServer, prefix: str = "") -> None:
    httpserver.expect_request(
        f"{prefix}/api/v1/accounts/lookup", query_string={"acct": HANDLE}
    ).respond_with_json(body("lookup.json"))


def statuses_query(**extra: str) -> dict[str, str]:
    return {"limit": "40", **extra}


def serve_statuses(httpserver: HTTPServer, name: str, prefix: str = "", **extra: str) -> None:
    httpserver.expect_request(
        f"{prefix}{STATUSES}", query_string=statuses_query(**extra)
    ).respond_with_json(body(name))


def serve_first_sync(httpserver: HTTPServer, prefix: str = "") -> None:
    serve_lookup(httpserver, prefix)
    serve_statuses(httpserver, "statuses_page1.json", prefix)
    serve_statuses(httpserver, "statuses_page2.json", prefix, max_id=PRIVATE)


def serve_notifications(httpserver: HTTPServer, answer: Any) -> None:
    httpserver.expect_request(
        NOTIFICATIONS, query_string={"types[]": "mention", "limit": "80"}
    ).respond_with_json(answer)


def requested(httpserver: HTTPServer, path: str) -> list[dict[str, str]]:
    return [request.args.to_dict() for request, _ in httpserver.log if request.path == path]


def test_it_maps_the_profile_observations_and_posts(httpserver: HTTPServer) -> None:
    serve_first_sync(httpserver)
    result = run(SPEC, httpserver.url_for("/"), handle=HANDLE)

    first = result.pages[0]
    assert first.profile == AccountInfo("mastodon", HANDLE, "Loomwell Yarns")
    assert first.observations == [
        ObservationRecord("followers", date(2026, 11, 20), Decimal(4821)),
        ObservationRecord("following", date(2026, 11, 20), Decimal(312)),
    ]
    assert all(page.profile is None and not page.observations for page in result.pages[1:])

    posts = {post.platform_id: post for post in result.posts}
    # The followers-only post and the one older than the first sync's reach are left out.
    assert list(posts) == [
        LAUNCH,
        REPLY_SAM,
        THREAD_MORE,
        THREAD_START,
        BOOST,
        QUOTE,
        OCTOBER,
    ]

    launch = posts[LAUNCH]
    assert launch.published_at == datetime(2026, 11, 19, 15, 30, tzinfo=UTC)
    assert launch.kind is None
    assert launch.permalink == f"https://mastodon.example/@loomwell/{LAUNCH}"
    assert launch.text.startswith("Our autumn pattern book is out: twelve designs")
    assert "@ravelry_rita for the test knits! #knitting #yarn" in launch.text
    assert "<" not in launch.text
    assert launch.mentions == ("ravelry_rita@knit.example",)
    assert launch.links == ("https://loomwell.example/autumn-book",)  # no mention/hashtag hrefs
    assert (launch.likes, launch.replies, launch.reshares) == (21, 3, 8)  # 7 boosts + 1 quote
    assert launch.impressions is None and launch.clicks is None and launch.in_reply_to_id == ""

    reply = posts[REPLY_SAM]
    assert reply.kind is PostKind.REPLY
    assert reply.in_reply_to_id == "117636739891200000"
    assert reply.in_reply_to_handle == "sam@mastodon.example"  # local acct, qualified
    assert reply.mentions == ("sam@mastodon.example",)

    # A thread: the source says reply, to the account itself; the classifier decides.
    thread = posts[THREAD_MORE]
    assert thread.kind is PostKind.REPLY
    assert thread.in_reply_to_id == THREAD_START
    assert thread.in_reply_to_handle == HANDLE

    boost = posts[BOOST]
    assert boost.kind is PostKind.RESHARE
    assert boost.reshared_handle == "yarnfest@fiber.example"
    assert boost.text == "" and boost.likes is None  # the wrapper's zeros are not its own
    assert boost.permalink == f"https://mastodon.example/users/loomwell/statuses/{BOOST}/activity"

    quote = posts[QUOTE]
    assert quote.kind is PostKind.QUOTE
    assert quote.reshared_handle == "dyeworks@mastodon.example"
    assert quote.links == ()  # the "RE:" link to the quoted post is not a shared link
    assert quote.text.endswith("We'll be there with gloves on. Who's coming along?")

    assert result.cursor == {"statuses_newest_id": LAUNCH}
    assert result.mentions == []  # no token: no notifications asked for
    assert requested(httpserver, NOTIFICATIONS) == []


def test_it_pages_back_to_since_on_a_first_sync(httpserver: HTTPServer) -> None:
    serve_first_sync(httpserver)
    result = run(SPEC, httpserver.url_for("/"), handle=HANDLE)

    assert requested(httpserver, STATUSES) == [
        statuses_query(),
        statuses_query(max_id=PRIVATE),
    ]
    assert [page.cursor for page in result.pages] == [
        {"statuses_newest_id": LAUNCH, "statuses_backfill_max_id": PRIVATE},
        {"statuses_backfill_max_id": None},
    ]
    assert [len(page.posts) for page in result.pages] == [6, 1]


def test_it_works_under_a_path_prefix(httpserver: HTTPServer) -> None:
    serve_first_sync(httpserver, prefix="/masto")
    result = run(SPEC, httpserver.url_for("/masto"), handle=HANDLE)
    assert len(result.posts) == 7


def test_it_resumes_an_interrupted_first_sync(httpserver: HTTPServer) -> None:
    serve_first_sync(httpserver)
    stopped = run(SPEC, httpserver.url_for("/"), handle=HANDLE, max_pages=1)
    assert stopped.cursor == {"statuses_newest_id": LAUNCH, "statuses_backfill_max_id": PRIVATE}
    assert len(requested(httpserver, STATUSES)) == 1

    httpserver.clear()
    serve_lookup(httpserver)
    serve_statuses(httpserver, "statuses_latest.json")
    serve_statuses(httpserver, "statuses_page2.json", max_id=PRIVATE)
    resumed = run(SPEC, httpserver.url_for("/"), handle=HANDLE, cursor=stopped.cursor)

    # New posts first (the latest page reaches the stored newest id), then the rest of the
    # walk back to since, from where the first run stopped.
    assert requested(httpserver, STATUSES) == [statuses_query(), statuses_query(max_id=PRIVATE)]
    assert resumed.cursor == {"statuses_newest_id": WINTER}
    assert [p.platform_id for p in resumed.posts] == [WINTER, REPLY_PAT, LAUNCH, OCTOBER]


def test_it_notes_when_it_stops_early(httpserver: HTTPServer) -> None:
    serve_first_sync(httpserver)
    result = run(SPEC, httpserver.url_for("/"), handle=HANDLE, max_pages=1)
    assert len(result.pages) == 1
    assert len(result.notes) == 1
    assert "next sync continues" in result.notes[0]


def test_it_asks_only_for_new_statuses_after_the_cursor(httpserver: HTTPServer) -> None:
    serve_lookup(httpserver)
    serve_statuses(httpserver, "statuses_latest.json")
    result = run(
        SPEC,
        httpserver.url_for("/"),
        handle=HANDLE,
        cursor={"statuses_newest_id": LAUNCH},
    )

    # One request: the latest page reaches down to the stored id, so nothing is missing;
    # the post already known comes back with fresh counts.
    assert requested(httpserver, STATUSES) == [statuses_query()]
    assert result.cursor == {"statuses_newest_id": WINTER}
    posts = {post.platform_id: post for post in result.posts}
    assert list(posts) == [WINTER, REPLY_PAT, LAUNCH]
    assert posts[LAUNCH].likes == 30
    assert posts[REPLY_PAT].in_reply_to_id == PAT_QUESTION
    assert posts[REPLY_PAT].in_reply_to_handle == "purl_pat@fiber.example"
    assert posts[REPLY_PAT].links == ("https://loomwell.example/newsletter",)


def test_it_walks_a_gap_forward_with_min_id(httpserver: HTTPServer) -> None:
    serve_lookup(httpserver)
    serve_statuses(httpserver, "statuses_latest.json")
    serve_statuses(httpserver, "statuses_gap.json", min_id=BOOST)
    serve_statuses(httpserver, "statuses_latest.json", min_id=REPLY_SAM)
    result = run(
        SPEC,
        httpserver.url_for("/"),
        handle=HANDLE,
        cursor={"statuses_newest_id": BOOST},
    )

    assert requested(httpserver, STATUSES) == [
        statuses_query(),
        statuses_query(min_id=BOOST),
        statuses_query(min_id=REPLY_SAM),
    ]
    # The newest id only moves up as the gap is closed, so a stop in between loses nothing.
    assert [page.cursor for page in result.pages] == [
        {"statuses_newest_id": REPLY_SAM},
        {"statuses_newest_id": WINTER},
    ]
    assert [p.platform_id for p in result.posts] == [
        REPLY_SAM,
        THREAD_MORE,
        THREAD_START,
        WINTER,
        REPLY_PAT,
        LAUNCH,
    ]


def test_it_maps_inbound_mentions(httpserver: HTTPServer) -> None:
    serve_first_sync(httpserver)
    serve_notifications(httpserver, body("notifications.json"))
    result = run(SPEC, httpserver.url_for("/"), handle=HANDLE, credentials=TOKEN)

    assert all(
        request.headers["Authorization"] == f"Bearer {TOKEN['access_token']}"
        for request, _ in httpserver.log
    )
    # A direct message is not public conversation; the July mention is before since.
    assert [m.platform_id for m in result.mentions] == [PAT_QUESTION, "117643943608320000"]
    question, aside = result.mentions
    assert question.published_at == datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
    assert question.author_handle == "purl_pat@fiber.example"
    assert question.author_name == "Pat (purls before swine)"
    assert question.text == "@loomwell Is the autumn book also available in print? 🧶"
    assert question.permalink == "https://fiber.example/@purl_pat/113512345678901234"
    assert question.in_reply_to_id == LAUNCH
    assert question.is_reply is True

    assert aside.author_handle == "sam@mastodon.example"
    assert aside.is_reply is False and aside.in_reply_to_id == ""

    assert result.cursor["mentions_newest_id"] == "48211"
    assert result.cursor.get("mentions_backfill_max_id") is None
    assert requested(httpserver, NOTIFICATIONS) == [{"types[]": "mention", "limit": "80"}]


def test_it_resumes_mentions_from_the_cursor(httpserver: HTTPServer) -> None:
    serve_lookup(httpserver)
    serve_statuses(httpserver, "statuses_latest.json")
    serve_notifications(httpserver, body("notifications.json"))
    result = run(
        SPEC,
        httpserver.url_for("/"),
        handle=HANDLE,
        credentials=TOKEN,
        cursor={"statuses_newest_id": LAUNCH, "mentions_newest_id": "48177"},
    )
    assert requested(httpserver, NOTIFICATIONS) == [{"types[]": "mention", "limit": "80"}]
    assert result.cursor["mentions_newest_id"] == "48211"


def test_it_skips_own_and_foreign_mentions(httpserver: HTTPServer) -> None:
    notifications = body("notifications.json")
    own = copy.deepcopy(notifications[0])
    own["id"] = "48300"
    own["status"]["id"] = "117648000000000000"
    own["status"]["account"] = body("lookup.json")
    foreign = copy.deepcopy(notifications[1])
    foreign["id"] = "48250"
    foreign["status"]["id"] = "117647900000000000"
    foreign["status"]["mentions"] = [
        {"id": "1", "username": "someone", "url": "https://x.example/@someone", "acct": "someone"}
    ]
    serve_first_sync(httpserver)
    serve_notifications(httpserver, [own, foreign, *notifications])
    result = run(SPEC, httpserver.url_for("/"), handle=HANDLE, credentials=TOKEN)
    mentions = [m.platform_id for m in result.mentions]
    assert mentions == [PAT_QUESTION, "117643943608320000"]
    assert len(result.notes) == 1 and "another account" in result.notes[0]


@pytest.mark.parametrize(
    ("credentials", "fetch_mentions"),
    [({}, True), (TOKEN, False)],
    ids=["without a token", "not asked for"],
)
def test_it_does_not_fetch_mentions_when_it_should_not(
    httpserver: HTTPServer, credentials: dict[str, str], fetch_mentions: bool
) -> None:
    serve_first_sync(httpserver)
    serve_notifications(httpserver, body("notifications.json"))
    result = run(
        SPEC,
        httpserver.url_for("/"),
        handle=HANDLE,
        credentials=credentials,
        fetch_mentions=fetch_mentions,
    )
    assert result.mentions == []
    assert requested(httpserver, NOTIFICATIONS) == []
    assert all("Authorization" not in r.headers for r, _ in httpserver.log) == (not credentials)


def test_it_waits_out_a_429_then_succeeds(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/api/v1/accounts/lookup", query_string={"acct": HANDLE}
    ).respond_with_json({"error": "Too many requests"}, status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request(
        "/api/v1/accounts/lookup", query_string={"acct": HANDLE}
    ).respond_with_json(body("lookup.json"))
    serve_statuses(httpserver, "statuses_page1.json")
    serve_statuses(httpserver, "statuses_page2.json", max_id=PRIVATE)
    result = run(SPEC, httpserver.url_for("/"), handle=HANDLE)

    assert result.sleeps == [pytest.approx(7, abs=1)]
    assert len(result.posts) == 7


def test_it_retries_a_500_then_succeeds(httpserver: HTTPServer) -> None:
    serve_lookup(httpserver)
    httpserver.expect_oneshot_request(STATUSES, query_string=statuses_query()).respond_with_data(
        "Internal Server Error", status=500
    )
    serve_statuses(httpserver, "statuses_page1.json")
    serve_statuses(httpserver, "statuses_page2.json", max_id=PRIVATE)
    result = run(SPEC, httpserver.url_for("/"), handle=HANDLE)

    assert result.sleeps == [1.0]
    assert len(result.posts) == 7


def test_it_refuses_an_invalid_token_without_retrying(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_json(
        {"error": "The access token is invalid"}, status=401
    )
    with pytest.raises(AuthFailed, match="The access token is invalid"):
        run(SPEC, httpserver.url_for("/"), handle=HANDLE, credentials=TOKEN)
    assert len(httpserver.log) == 1


def test_it_asks_for_a_token_when_the_server_hides_public_data(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_json(
        {"error": "This API requires an authenticated user"}, status=401
    )
    with pytest.raises(AuthFailed, match="Enter an access token"):
        run(SPEC, httpserver.url_for("/"), handle=HANDLE)
    assert len(httpserver.log) == 1


def test_it_reports_an_unknown_account(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_json(
        {"error": "Record not found"}, status=404
    )
    with pytest.raises(NotFound, match=r"@loomwell@mastodon\.example"):
        run(SPEC, httpserver.url_for("/"), handle=HANDLE)


def test_it_rejects_a_body_that_is_not_json(httpserver: HTTPServer) -> None:
    serve_lookup(httpserver)
    httpserver.expect_request(STATUSES).respond_with_data(
        "<html><body>Maintenance</body></html>", content_type="text/html"
    )
    with pytest.raises(BadResponse, match="not JSON"):
        run(SPEC, httpserver.url_for("/"), handle=HANDLE)


def test_it_rejects_a_body_missing_a_required_field(httpserver: HTTPServer) -> None:
    account = body("lookup.json")
    del account["id"]
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_json(account)
    with pytest.raises(BadResponse, match="“id”"):
        run(SPEC, httpserver.url_for("/"), handle=HANDLE)


def test_it_rejects_a_status_without_a_date(httpserver: HTTPServer) -> None:
    statuses = body("statuses_page1.json")
    del statuses[1]["created_at"]
    serve_lookup(httpserver)
    httpserver.expect_request(STATUSES).respond_with_json(statuses)
    with pytest.raises(BadResponse):
        run(SPEC, httpserver.url_for("/"), handle=HANDLE)


def test_it_rejects_statuses_that_are_not_a_list(httpserver: HTTPServer) -> None:
    serve_lookup(httpserver)
    httpserver.expect_request(STATUSES).respond_with_json({"error": None})
    with pytest.raises(BadResponse, match="not a list"):
        run(SPEC, httpserver.url_for("/"), handle=HANDLE)


def test_it_finds_the_instance_from_the_handle() -> None:
    assert base_url_for_handle("loomwell@mastodon.example") == "https://mastodon.example"
    assert base_url_for_handle("@Loomwell@Mastodon.Example") == "https://mastodon.example"
    assert base_url_for_handle("loomwell") is None
    assert base_url_for_handle("loomwell@not a host") is None
    assert SPEC.base_url_for_handle is base_url_for_handle
    assert SPEC.works_without_credentials is True
    assert SPEC.auth_headers({}) == {}
    assert SPEC.auth_headers(TOKEN) == {"Authorization": f"Bearer {TOKEN['access_token']}"}
