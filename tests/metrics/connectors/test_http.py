"""The HTTP client every connector uses: retries, rate limits, refusals, bad bodies."""

import json
import time
from datetime import UTC, datetime

import pytest
from werkzeug import Response

from metrics.connectors.base import (
    AuthFailed,
    BadResponse,
    HttpClient,
    NotFound,
    RateLimited,
    RequestRefused,
    TemporaryFailure,
    parse_time,
)


def client(httpserver, sleeps, **kwargs):
    return HttpClient(
        httpserver.url_for("/api"), platform="Testodon", sleep=sleeps.append, **kwargs
    )


def test_it_returns_the_json_body(httpserver):
    httpserver.expect_request("/api/v1/thing", query_string="a=1").respond_with_json({"ok": 1})
    assert client(httpserver, []).get("/v1/thing", params={"a": 1}) == {"ok": 1}


def test_it_retries_a_500_with_exponential_backoff_then_succeeds(httpserver):
    sleeps = []
    httpserver.expect_ordered_request("/api/x").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/api/x").respond_with_data("oops", status=502)
    httpserver.expect_ordered_request("/api/x").respond_with_json([1])
    assert client(httpserver, sleeps).get("/x") == [1]
    assert sleeps == [1.0, 2.0]


def test_it_gives_up_on_5xx_after_the_last_attempt_with_a_temporary_failure(httpserver):
    sleeps = []
    httpserver.expect_request("/api/x").respond_with_data("down", status=503)
    with pytest.raises(TemporaryFailure, match="answered 503 3 times") as caught:
        client(httpserver, sleeps, max_attempts=3).get("/x")
    assert caught.value.retry is True
    assert len(httpserver.log) == 3
    assert sleeps == [1.0, 2.0]


def test_it_retries_network_errors():
    sleeps = []
    # Nothing listens on port 9 of the loopback: the connection is refused at once.
    http = HttpClient("http://127.0.0.1:9", platform="Nowhere", sleep=sleeps.append)
    with pytest.raises(TemporaryFailure, match="no answer after 4 attempts"):
        http.get("/x")
    assert sleeps == [1.0, 2.0, 4.0]


def test_it_waits_for_retry_after_on_429_then_succeeds(httpserver):
    sleeps = []
    httpserver.expect_ordered_request("/api/x").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/api/x").respond_with_json({"ok": True})
    assert client(httpserver, sleeps).get("/x") == {"ok": True}
    assert len(sleeps) == 1 and 6 <= sleeps[0] <= 7


def test_it_reads_retry_after_as_an_http_date(httpserver):
    sleeps = []
    later = datetime.fromtimestamp(time.time() + 30, UTC)
    httpserver.expect_ordered_request("/api/x").respond_with_data(
        "", status=429, headers={"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")}
    )
    httpserver.expect_ordered_request("/api/x").respond_with_json({})
    client(httpserver, sleeps).get("/x")
    assert 28 <= sleeps[0] <= 31


def test_it_stops_with_rate_limited_when_the_wait_is_too_long(httpserver):
    sleeps = []
    httpserver.expect_request("/api/x").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    with pytest.raises(RateLimited) as caught:
        client(httpserver, sleeps).get("/x")
    assert sleeps == []
    assert len(httpserver.log) == 1
    assert 3500 < (caught.value.retry_at - datetime.now(UTC)).total_seconds() <= 3600
    assert caught.value.retry is True


def test_it_waits_before_the_next_request_when_the_rate_limit_is_used_up(httpserver):
    sleeps = []
    reset = int(time.time()) + 20
    httpserver.expect_ordered_request("/api/a").respond_with_json(
        {}, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
    )
    httpserver.expect_ordered_request("/api/b").respond_with_json({"b": 1})
    http = client(httpserver, sleeps)
    http.get("/a")
    assert sleeps == []
    assert http.get("/b") == {"b": 1}
    assert len(sleeps) == 1 and 15 < sleeps[0] <= 20


def test_it_reads_mastodons_iso_reset_header(httpserver):
    sleeps = []
    reset = datetime.fromtimestamp(time.time() + 7200, UTC).isoformat()
    httpserver.expect_request("/api/a").respond_with_json(
        {}, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    )
    http = client(httpserver, sleeps)
    http.get("/a")
    with pytest.raises(RateLimited, match="used up until"):
        http.get("/a")
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_it_stops_at_once_on_refused_credentials(httpserver, status):
    sleeps = []
    httpserver.expect_request("/api/me").respond_with_json(
        {"error": "The access token is invalid"}, status=status
    )
    with pytest.raises(AuthFailed, match="The access token is invalid") as caught:
        client(httpserver, sleeps).get("/me")
    assert caught.value.retry is False
    assert len(httpserver.log) == 1
    assert sleeps == []


def test_it_reports_a_body_that_is_not_json(httpserver):
    httpserver.expect_request("/api/x").respond_with_data("<html>gateway</html>", status=200)
    with pytest.raises(BadResponse, match="not JSON; nothing from this page was written"):
        client(httpserver, []).get("/x")


def test_it_names_the_path_but_never_the_query_string(httpserver):
    httpserver.expect_request("/api/x").respond_with_data("nope", status=404)
    with pytest.raises(NotFound) as caught:
        client(httpserver, []).get("/x?key=SECRET-KEY")
    assert "SECRET" not in str(caught.value)
    assert "/x" in str(caught.value)


def test_it_refuses_other_client_errors_with_the_platforms_reason(httpserver):
    httpserver.expect_request("/api/x").respond_with_json(
        {"errors": [{"message": "Invalid since_id"}]}, status=400
    )
    with pytest.raises(RequestRefused, match="Invalid since_id"):
        client(httpserver, []).get("/x")


def test_a_platform_specific_classification_wins_over_the_status_code(httpserver):
    def classify(response):
        if response.json().get("error", {}).get("code") == 190:
            return AuthFailed("token expired")
        return None

    httpserver.expect_request("/api/x").respond_with_json({"error": {"code": 190}}, status=400)
    with pytest.raises(AuthFailed, match="token expired"):
        client(httpserver, [], classify_error=classify).get("/x")


def test_it_sends_json_bodies_and_headers(httpserver):
    def handler(request):
        assert request.headers["Authorization"] == "Bearer abc"
        return Response(json.dumps(request.get_json()), content_type="application/json")

    httpserver.expect_request("/api/session", method="POST").respond_with_handler(handler)
    http = client(httpserver, [], headers={"Authorization": "Bearer abc"})
    assert http.post("/session", json={"a": 1}) == {"a": 1}


def test_parse_time_reads_the_platforms_forms():
    assert parse_time("2026-11-20T10:00:00Z") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert parse_time("2026-11-20T10:00:00+0000") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert parse_time("2026-11-20T11:00:00.123+01:00") == datetime(
        2026, 11, 20, 10, 0, 0, 123000, tzinfo=UTC
    )
    with pytest.raises(BadResponse):
        parse_time("yesterday")
    with pytest.raises(BadResponse):
        parse_time(None)


def test_it_never_sends_its_headers_to_a_host_named_in_a_response(httpserver):
    http = client(httpserver, [], headers={"Authorization": "Bearer secret"})
    with pytest.raises(BadResponse, match=r"another host \(evil.example\)"):
        http.get("https://evil.example/steal?after=abc")
    httpserver.expect_request("/api/next").respond_with_json({"ok": 1})
    # The API's own paging links, absolute, are fine.
    assert http.get(httpserver.url_for("/api/next")) == {"ok": 1}


def test_a_429_that_also_says_nothing_is_left_is_waited_for_once(httpserver):
    sleeps = []
    reset = int(time.time()) + 10
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
    httpserver.expect_ordered_request("/api/x").respond_with_data("", status=429, headers=headers)
    httpserver.expect_ordered_request("/api/x").respond_with_json({"ok": True})
    assert client(httpserver, sleeps).get("/x") == {"ok": True}
    assert len(sleeps) == 1 and 8 < sleeps[0] <= 10
