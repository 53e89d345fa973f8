"""The admin shows where a post's values came from, and the snapshots behind them."""

import pytest
from django.urls import reverse

from metrics.models import Post, Snapshot
from metrics.services import import_path
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

CONTENT = FIXTURES / "x/analytics/account_analytics_content_2026-09-28_2026-10-01.csv"


@pytest.fixture
def job(team):
    account = AccountFactory(team=team, platform="x", handle="loomwellroast")
    return import_path(team=team, path=CONTENT, account=account)


def test_a_posts_page_links_the_import_that_brought_it(alice_client, job):
    post = Post.objects.get(account=job.account)
    response = alice_client.get(reverse("admin:metrics_post_change", args=[post.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("admin:metrics_importjob_change", args=[job.pk]) in page
    assert "the export&#x27;s own date" in page  # how the snapshot's time is known (its name)
    assert "impressions: account_analytics_content_2026-09-28_2026-10-01.csv" in page


def test_snapshots_are_listed_for_their_team_only(alice_client, charlie_client, job):
    url = reverse("admin:metrics_snapshot_changelist")
    assert list(alice_client.get(url).context["cl"].queryset) == list(
        Snapshot.objects.filter(account=job.account)
    )
    snapshot = Snapshot.objects.get(account=job.account)
    other = charlie_client.get(reverse("admin:metrics_snapshot_change", args=[snapshot.pk]))
    assert other.status_code == 302  # the admin's "does not exist" redirect


def test_follower_activity_is_listed_for_its_team_only(alice_client, charlie_client, team):
    account = AccountFactory(team=team, platform="tiktok", handle="loomwellroasters")
    path = FIXTURES / "tiktok/export_2026-09-29/Followers_loomwellroasters/FollowerActivity.csv"
    import_path(team=team, path=path, account=account)
    url = reverse("admin:metrics_followeractivity_changelist")
    assert alice_client.get(url).context["cl"].result_count == 7 * 24
    assert charlie_client.get(url).context["cl"].result_count == 0
