"""The posts API names every source that said something about a post, and which source
each field's value came from."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from metrics.models import Post, Snapshot
from metrics.services import import_path
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

X = FIXTURES / "x"


@pytest.fixture
def imported(team):
    account = AccountFactory(team=team, platform="x", handle="loomwellroast")
    archive = import_path(team=team, path=next((X / "archive").glob("twitter-*")), account=account)
    content = import_path(
        team=team,
        path=X / "analytics/account_analytics_content_2026-06-30_2026-09-28.csv",
        account=account,
    )
    return account, archive, content


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_lists_the_imports_behind_a_post(alice, imported, django_assert_max_num_queries):
    account, archive, content = imported
    both = next(p for p in Post.objects.filter(account=account) if len(p.sources) == 2)
    with django_assert_max_num_queries(8):  # the page's sources in one query
        body = api(alice).get(reverse("api:post-list"), {"page_size": 50}).json()
    post = next(p for p in body["results"] if p["id"] == both.pk)
    assert {s["import_job"] for s in post["sources"]} == {archive.pk, content.pk}
    assert {s["format"] for s in post["sources"]} == {"x_archive", "x_content"}
    csv = Snapshot.objects.get(import_job=content)
    assert post["evidence"]["impressions"] == csv.pk


def test_another_teams_member_sees_no_post_and_no_source(charlie, imported):
    body = api(charlie).get(reverse("api:post-list")).json()
    assert body["count"] == 0
