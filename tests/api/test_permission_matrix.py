"""Every API endpoint and method for alice (owner), bob (viewer), charlie (other team) and an
anonymous client. The endpoints come from the URL list: a new endpoint without a row in
ROUTES fails `test_every_endpoint_is_in_the_matrix`."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from goals.models import Annotation, CheckIn, SummaryExport
from listening.models import Topic, TopicPost
from metrics.models import ImportJob, MetricObservation, Post
from tests.factories import (
    AccountFactory,
    ConnectorFactory,
    InboundMentionFactory,
    KeyResultFactory,
)
from tests.listening.helpers import found, write

# route name -> kind of endpoint: "crud" (list/create, detail/update/delete), "read" (list and
# detail only), "upload"/"summary" (create with 202, read), or an action.
ROUTES = {
    "team-list": "read-list",
    "team-detail": "read-detail",
    "account-list": "crud-list",
    "account-detail": "crud-detail",
    "strategy-list": "crud-list",
    "strategy-detail": "crud-detail",
    "strategy-progress": "read-detail",
    "objective-list": "crud-list",
    "objective-detail": "crud-detail",
    "objective-progress": "read-detail",
    "keyresult-list": "crud-list",
    "keyresult-detail": "crud-detail",
    "keyresult-progress": "read-detail",
    "checkin-list": "crud-list",
    "checkin-detail": "crud-detail",
    "post-list": "read-list",
    "post-detail": "read-detail",
    "observation-list": "read-list",
    "observation-detail": "read-detail",
    "observation-bulk": "bulk",
    "importjob-list": "create-list",
    "importjob-detail": "read-detail",
    "summary-list": "member-create-list",
    "summary-detail": "read-detail",
    "summary-file": "file",
    "connector-list": "read-list",
    "connector-detail": "read-detail",
    "connector-sync": "sync",
    "mention-list": "read-list",
    "mention-detail": "read-detail",
    "annotation-list": "crud-list",
    "annotation-detail": "crud-detail",
    "topic-list": "crud-list",
    "topic-detail": "crud-detail",
    "topicpost-list": "read-list",
    "topicpost-detail": "read-detail",
    "topicperson-list": "read-list",
    "topicperson-detail": "read-detail",
}


def _api_route_names() -> set[str]:
    resolver = get_resolver()
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif (
                isinstance(p, URLPattern)
                and namespace == "api"
                and p.name
                and not p.name.startswith("api-root")
                and "format" not in str(p.pattern)
            ):
                names.add(p.name)

    walk(resolver.url_patterns)
    return names


def test_every_endpoint_is_in_the_matrix():
    assert _api_route_names() == set(ROUTES)


@pytest.fixture
def rows(team, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    kr = KeyResultFactory(
        objective__strategy__team=team,
        objective__owner=alice,
        metric_key="manual",
        baseline=Decimal(0),
        target=Decimal(2),
    )
    account = AccountFactory(team=team, handle="loomwell")
    check_in = CheckIn.objects.create(key_result=kr, date=date(2026, 8, 1), value=1)
    post = Post.objects.create(
        account=account,
        platform_id="1",
        local_date=date(2026, 8, 1),
        published_at="2026-08-01T09:00:00Z",
        text="hi",
    )
    observation = MetricObservation.objects.create(
        account=account, metric="followers", date=date(2026, 8, 1), value=10
    )
    job = ImportJob.objects.create(team=team, file_name="x.csv", checksum="0" * 64)
    summary = SummaryExport.objects.create(
        team=team, quarter="2026-Q3", format="csv", status="failed"
    )
    connector = ConnectorFactory(
        account=AccountFactory(team=team, platform="mastodon", handle="loomwell@c.example"),
        enabled=False,  # "sync now" is queued, and fails fast: no instance answers there
        base_url="http://127.0.0.1:9",
    )
    mention = InboundMentionFactory(account=account)
    topic = Topic.objects.create(team=team, name="Brewing", keywords="espresso")
    write(topic, found("x", "dara", datetime(2026, 8, 1, 9, tzinfo=UTC), "espresso"))
    topic_post = TopicPost.objects.get()
    annotation = Annotation.objects.create(team=team, date=date(2026, 8, 3), title="Launch")
    return {
        "annotation": annotation,
        "topic": topic,
        "topicpost": topic_post,
        "topicperson": topic_post.author,
        "connector": connector,
        "mention": mention,
        "team": team,
        "account": account,
        "strategy": kr.objective.strategy,
        "objective": kr.objective,
        "keyresult": kr,
        "checkin": check_in,
        "post": post,
        "observation": observation,
        "importjob": job,
        "summary": summary,
    }


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _url(name, rows):
    from django.urls import reverse

    basename = name.split("-", 1)[0]
    if name.endswith("-list") or name == "observation-bulk":
        return reverse(f"api:{name}")
    return reverse(f"api:{name}", args=[rows[basename].pk])


# (kind, method) -> expected status for (alice, bob, charlie, anonymous)
EXPECTED = {
    ("read-list", "get"): (200, 200, 200, 401),
    ("read-list", "post"): (405, 405, 405, 401),
    ("read-detail", "get"): (200, 200, 404, 401),
    ("read-detail", "patch"): (405, 405, 405, 401),
    ("read-detail", "delete"): (405, 405, 405, 401),
    ("crud-list", "get"): (200, 200, 200, 401),
    ("crud-list", "post"): (400, 403, 400, 401),
    ("crud-detail", "get"): (200, 200, 404, 401),
    ("crud-detail", "patch"): (200, 403, 404, 401),
    ("crud-detail", "delete"): (204, 403, 404, 401),
    ("create-list", "get"): (200, 200, 200, 401),
    ("create-list", "post"): (400, 403, 400, 401),
    ("member-create-list", "get"): (200, 200, 200, 401),
    ("member-create-list", "post"): (400, 400, 400, 401),
    ("bulk", "post"): (400, 403, 400, 401),
    ("file", "get"): (404, 404, 404, 401),  # the summary fixture is not ready: 404 for all
    ("sync", "post"): (202, 403, 404, 401),
    ("sync", "get"): (405, 405, 405, 401),
}


def _cases():
    for name, kind in ROUTES.items():
        for (k, method), statuses in EXPECTED.items():
            if k == kind:
                yield pytest.param(name, method, statuses, id=f"{name}-{method}")


@pytest.mark.parametrize(("name", "method", "statuses"), list(_cases()))
def test_the_permission_matrix(name, method, statuses, rows, alice, bob, charlie):
    users = [alice, bob, charlie, None]
    # The upload endpoint takes multipart forms; the others JSON.
    body_format = "multipart" if ROUTES[name] == "create-list" else "json"
    for user, expected in zip(users, statuses, strict=True):
        url = _url(name, rows)
        response = getattr(_client(user), method)(url, {}, format=body_format)
        who = user.username if user else "anonymous"
        assert response.status_code == expected, f"{who} {method.upper()} {url}"
