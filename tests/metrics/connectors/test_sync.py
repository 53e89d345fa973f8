"""The shared sync service, end to end against a local Mastodon server: posts, numbers,
inbound mentions, answers found, response metrics, and what failures leave behind."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from werkzeug import Response

from metrics.connectors.status import State, connector_status, due_connectors
from metrics.connectors.sync import connector_sync
from metrics.models import (
    Connector,
    InboundMention,
    MetricObservation,
    ObservationSource,
    Post,
)
from metrics.platforms import Platform
from metrics.selectors import SeriesRequest, series_for
from tests.factories import AccountFactory, ConnectorFactory
from tests.metrics.connectors.fake_mastodon import (
    HANDLE,
    NOTIFICATIONS,
    STATUSES,
    FakeMastodon,
    own_status,
    their_status,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def server(httpserver):
    """A conversation: two people answered (42 and 360 minutes), one overdue, one new."""
    fake = FakeMastodon(httpserver)
    launch = own_status(at(18, 10), "Our autumn pattern book is out! What should we knit next?")
    ana = their_status(at(18, 11), "ana", "Is it in print too?", reply_to=launch)
    ben = their_status(at(19, 8), "ben", "Do you ship to Norway?")
    cleo = their_status(at(17, 9), "cleo", "Loved the workshop!")
    dan = their_status(at(20, 10), "dan", "Any news on the Hafren restock?")
    fake.statuses = [
        launch,
        own_status(at(18, 11, 42), "@ana Yes, in print from December.", reply_to=ana),
        own_status(at(19, 14), "@ben We do, 5 days by post.", reply_to=ben),
    ]
    fake.mentions = [ana, ben, cleo, dan]
    return fake


def sync(connector, sleeps=None):
    sleeps = [] if sleeps is None else sleeps
    return connector_sync(connector_id=connector.pk, http_options={"sleep": sleeps.append})


def value(connector, metric, day):
    row = MetricObservation.objects.filter(
        account=connector.account, metric=metric, date=day
    ).first()
    return row.value if row else None


def test_it_writes_posts_numbers_and_mentions_and_finds_the_answers(connector, settings):
    settings.MENTION_ANSWER_WITHIN_HOURS = 72
    outcome = sync(connector)
    assert outcome.ok, outcome.message
    assert (outcome.posts, outcome.mentions) == (3, 4)

    posts = Post.objects.filter(account=connector.account)
    assert posts.count() == 3
    assert posts.filter(kind="reply").exclude(in_reply_to_id="").count() == 2

    mentions = {m.author_handle: m for m in InboundMention.objects.all()}
    assert set(mentions) == {
        "ana@fiber.example",
        "ben@fiber.example",
        "cleo@fiber.example",
        "dan@fiber.example",
    }
    assert mentions["ana@fiber.example"].response_minutes == 42
    assert mentions["ana@fiber.example"].is_reply is True
    assert mentions["ben@fiber.example"].response_minutes == 360
    assert mentions["cleo@fiber.example"].answered_at is None
    assert mentions["ana@fiber.example"].permalink.startswith("https://fiber.example/@ana/")

    followers = MetricObservation.objects.get(account=connector.account, metric="followers")
    assert (followers.value, followers.date, followers.source) == (
        Decimal(4821),
        date(2026, 11, 20),
        ObservationSource.API,
    )
    assert value(connector, "inbound_mentions", date(2026, 11, 18)) == 1
    assert value(connector, "answered_mentions", date(2026, 11, 19)) == 1
    # Cleo waited more than 72 hours: due and unanswered. Dan's two hours: not yet due.
    assert value(connector, "mentions_due", date(2026, 11, 17)) == 1
    assert value(connector, "mentions_due", date(2026, 11, 20)) == 0
    assert value(connector, "replies", date(2026, 11, 18)) == 1  # the rollup ran

    ids = (connector.account.pk,)
    start = date(2026, 11, 16)
    series = series_for(
        [
            SeriesRequest(1, "response_rate", ids, start, date(2026, 11, 20)),
            SeriesRequest(2, "median_response_minutes", ids, start, date(2026, 11, 20)),
            SeriesRequest(3, "p90_response_minutes", ids, start, date(2026, 11, 20)),
        ]
    )
    assert series[1].current == pytest.approx(200 / 3)  # 2 answered of 3 due
    assert series[2].current == 201.0  # median of 42 and 360
    assert series[3].current == pytest.approx(42 + 0.9 * 318)

    connector.refresh_from_db()
    assert connector.last_success_at == NOW and connector.last_error == ""
    # The lookup, then each stream pages back until an empty page: 1 + 2 + 2.
    assert connector.last_summary["requests"] == outcome.requests == 5
    assert connector.last_summary["posts"] == 3
    assert connector.cursor["statuses_newest_id"] and connector.cursor["mentions_newest_id"]
    assert connector_status(connector).state is State.OK


def test_running_it_again_changes_nothing(connector):
    assert sync(connector).ok
    before = {
        "posts": list(Post.objects.values_list("platform_id", "text", "in_reply_to_id")),
        "mentions": list(InboundMention.objects.values_list("platform_id", "response_minutes")),
        "numbers": list(MetricObservation.objects.values_list("metric", "date", "value")),
    }
    again = sync(connector)
    assert again.ok, again.message
    after = {
        "posts": list(Post.objects.values_list("platform_id", "text", "in_reply_to_id")),
        "mentions": list(InboundMention.objects.values_list("platform_id", "response_minutes")),
        "numbers": list(MetricObservation.objects.values_list("metric", "date", "value")),
    }
    assert after == before


def test_a_later_sync_asks_only_for_what_is_new(connector, server):
    assert sync(connector).ok
    newest = Connector.objects.get().cursor["statuses_newest_id"]
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        dan = server.mentions[-1]
        server.statuses.append(own_status(at(20, 13), "@dan Next week!", reply_to=dan))
        server.followers = 4830
        assert sync(connector).ok
    assert server.requests_to(STATUSES)[-1] == {"limit": "40"}
    assert Post.objects.count() == 4
    assert InboundMention.objects.get(author_handle="dan@fiber.example").response_minutes == 180
    assert Connector.objects.get().cursor["statuses_newest_id"] > newest
    assert value(connector, "followers", date(2026, 11, 20)) == 4830


def test_a_failure_mid_way_keeps_whole_pages_and_the_next_run_resumes(connector, server):
    # Enough old posts for a second page of statuses. First the first page comes back broken.
    for n in range(45):
        server.statuses.append(own_status(at(1, 8) + timedelta(minutes=n), f"Post {n}"))
    server.fail_once(STATUSES, Response(b'{"id": ', status=200))
    first = sync(connector)
    assert not first.ok and "not JSON" in first.message
    assert Post.objects.count() == 0  # the broken page was the first: nothing half-written
    assert Connector.objects.get().last_error.startswith("Mastodon GET /api/v1/accounts/")

    # Now the first page arrives and the second (older) one breaks.
    server.fail_once(STATUSES, Response(b"<html>", status=200), after=1)
    second = sync(connector)
    assert not second.ok
    assert second.pages == 1
    written = Post.objects.count()
    assert written == 40  # exactly the first page, never a part of the second
    cursor = Connector.objects.get().cursor
    assert cursor["statuses_backfill_max_id"]

    third = sync(connector)
    assert third.ok, third.message
    assert Post.objects.count() == 48  # 3 + 45, each once
    resumed = {"limit": "40", "max_id": cursor["statuses_backfill_max_id"]}
    assert server.requests_to(STATUSES).count(resumed) == 2  # the broken try, and the resume


def test_an_expired_token_stops_the_sync_without_retrying(connector, server):
    server.fail_once(
        NOTIFICATIONS,
        Response(
            '{"error": "The access token was revoked"}', status=401, content_type="application/json"
        ),
    )
    sleeps = []
    outcome = sync(connector, sleeps)
    assert not outcome.ok and not outcome.retry
    assert "The access token was revoked" in outcome.message
    assert len(server.requests_to(NOTIFICATIONS)) == 1 and sleeps == []
    connector.refresh_from_db()
    assert connector.credentials_refused is True
    assert connector_status(connector).state is State.REFUSED
    assert connector not in due_connectors(NOW + timedelta(days=1))
    # Statuses came before the mentions and were written: nothing is thrown away.
    assert Post.objects.count() == 3


def test_a_long_rate_limit_records_when_to_come_back(connector, server):
    Connector.objects.filter(pk=connector.pk).update(interval_minutes=5)
    server.fail_once(STATUSES, Response("slow down", status=429, headers={"Retry-After": "1800"}))
    outcome = sync(connector)
    assert not outcome.ok and outcome.retry
    connector.refresh_from_db()
    assert connector.retry_after == NOW + timedelta(seconds=1800)
    assert connector_status(connector).state is State.RATE_LIMITED
    assert connector not in due_connectors(NOW + timedelta(minutes=10))  # interval passed
    assert connector in due_connectors(NOW + timedelta(minutes=31))


def test_a_short_429_and_a_500_are_waited_out(connector, server):
    server.fail_once(STATUSES, Response("", status=429, headers={"Retry-After": "3"}))
    server.fail_once(NOTIFICATIONS, Response("", status=503))
    sleeps = []
    outcome = sync(connector, sleeps)
    assert outcome.ok, outcome.message
    assert sleeps == [3.0, 1.0]


def test_a_competitors_mentions_are_not_asked_for(connector, server):
    connector.account.is_competitor = True
    connector.account.save()
    assert sync(connector).ok
    assert server.requests_to(NOTIFICATIONS) == []
    assert not InboundMention.objects.exists()
    assert Post.objects.count() == 3


def test_a_missing_credential_is_a_clear_stop(team, httpserver):
    account = AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    connector = ConnectorFactory(account=account, kind="x", base_url=httpserver.url_for("/"))
    outcome = sync(connector)
    assert not outcome.ok
    assert outcome.message == "Enter the Bearer token to sync this connector."
    assert httpserver.log == []


def test_a_sync_already_running_is_not_started_again(connector, server):
    Connector.objects.filter(pk=connector.pk).update(running_since=NOW - timedelta(minutes=5))
    outcome = sync(connector)
    assert outcome.skipped and server.httpserver.log == []
    # A run that died long ago does not block for ever.
    Connector.objects.filter(pk=connector.pk).update(running_since=NOW - timedelta(hours=2))
    assert sync(connector).ok


def test_in_production_a_connector_may_not_reach_the_servers_own_network(
    connector, server, settings
):
    settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS = False
    outcome = sync(connector)
    assert not outcome.ok
    host = server.base_url.split("//")[1].split(":")[0]  # pytest-httpserver's "localhost"
    assert outcome.message == (
        f"{host} is a private or local address; connectors only reach public hosts."
    )
    assert server.httpserver.log == []  # refused before anything was sent


def test_the_admin_refuses_a_private_base_url_in_production(alice_client, team, settings):
    from django.urls import reverse

    from tests.admin_forms import errors_of, post_data

    settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS = False
    account = AccountFactory(team=team, platform=Platform.MASTODON, handle=HANDLE)
    add = reverse("admin:metrics_connector_add")
    data = post_data(
        alice_client.get(add),
        account=account.pk,
        kind="mastodon",
        base_url="http://169.254.169.254/latest",
    )
    response = alice_client.post(add, data)
    assert "private or local address" in str(errors_of(response))
    assert not Connector.objects.exists()


def test_dns_rebinding_cannot_send_the_token_to_the_servers_own_network(
    connector, server, settings, monkeypatch
):
    """A resolver that answers a public address to the check and 127.0.0.1 to the connection:
    the connection goes to the address that was checked, so the local server never hears the
    connector's bearer token."""
    import socket

    settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS = False
    port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
    connector.base_url = f"http://rebind.example:{port}"
    connector.save()
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"] + ["127.0.0.1"] * 50)
    asked = []

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            asked.append(host)
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    outcome = connector_sync(
        connector_id=connector.pk, http_options={"sleep": lambda _: None, "timeout": 1.0}
    )
    assert not outcome.ok
    assert asked  # the name was resolved, and checked
    assert server.httpserver.log == []  # nothing reached 127.0.0.1
