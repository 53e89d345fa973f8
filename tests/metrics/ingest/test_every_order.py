"""Overlapping exports, imported in every order, give the same posts and the same numbers,
and importing any of them again changes nothing (metrics.ingest.precedence).

Each group is a set of sample exports (real layouts) that speak about the same posts or
days. For every order of its units a fresh account imports them all; the posts and daily
observations it ends with, with each field's evidence named by its source (format and
checksum, which do not depend on the order), must be the same for every order.
"""

from __future__ import annotations

import itertools
import random
import shutil
from datetime import date

import pytest

from metrics.models import Account, ImportStatus, MetricObservation, Post, Snapshot
from metrics.services import import_path
from tests.factories import TeamFactory
from tests.metrics.importers.helpers import FIXTURES

TODAY = date(2026, 10, 2)
X = FIXTURES / "x"
X_ARCHIVE = (
    X
    / "archive/twitter-2026-10-02-24bd266b1957d55c672c13e3f561581c072e58b3c4a0780ccd5489c725313c2f"
)
TIKTOK = FIXTURES / "tiktok"


def _folder(tmp_path, name, files):
    folder = tmp_path / name
    folder.mkdir()
    for file in files:
        shutil.copy(file, folder / file.name)
    return folder


def _overlapping_tiktok_export(tmp_path):
    """A TikTok export made on 31 July whose range starts two days early (29 and 30 May,
    which the 1 June export reported before they were complete) and whose Content.csv
    lists a May video again, with the counts it has grown to since."""
    export = tmp_path / "export_2026-07-31_overlap"
    overview = export / "Overview_2026-05-29_1785488591_loomwellroasters"
    content = export / "Content_loomwellroasters"
    overview.mkdir(parents=True)
    content.mkdir()
    later = TIKTOK / "export_2026-07-31"
    lines = (
        (later / "Overview_2026-05-31_1785488591_loomwellroasters/Overview.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()
    )
    overview_rows = [
        lines[0],
        '"May 29","7101","90","455","41","60"',
        '"May 30","7350","88","470","40","63"',
        *lines[1:],
    ]
    (overview / "Overview.csv").write_text("\ufeff" + "\n".join(overview_rows) + "\n", "utf-8")
    rows = (later / "Content_loomwellroasters/Content.csv").read_text("utf-8-sig").splitlines()
    early = (
        (TIKTOK / "export_2026-06-01/Content_loomwellroasters/Content.csv")
        .read_text("utf-8-sig")
        .splitlines()[1]
    )
    grown = early.replace('"June 1"', '"July 31"').replace(
        '"2255","75","223","27322"', '"2610","81","240","31090"'
    )
    (content / "Content.csv").write_text("\ufeff" + "\n".join([rows[0], grown, *rows[1:]]), "utf-8")
    return export


def _tiktok_units(export):
    """An export's files, as a user imports them one after the other."""
    zips = sorted(p for p in export.iterdir() if p.suffix == ".zip")
    units = [p for p in zips if not p.name.startswith("Viewers")]
    return units or sorted(p for p in export.iterdir() if p.is_dir())


def _dump(account):
    """Everything stored for the account, with snapshots named by their identity."""
    identity = {s.pk: s.identity for s in Snapshot.objects.filter(account=account)}
    posts = {}
    for post in Post.objects.filter(account=account).values():
        for key in ("id", "account_id"):
            post.pop(key)
        post["evidence"] = {group: identity[s] for group, s in post["evidence"].items()}
        post["sources"] = sorted(identity[s] for s in post["sources"])
        posts[post.pop("platform_id")] = post
    observations = {
        (o.metric, o.date): (o.value.normalize(), o.source, identity.get(o.snapshot_id))
        for o in MetricObservation.objects.filter(account=account)
    }
    return posts, observations


def _import_all(platform, handle, units, n):
    team = TeamFactory(slug=f"order-{n}", name=f"Order {n}", time_zone="Europe/London")
    account = Account.objects.create(
        team=team, platform=platform, handle=handle, own_domains="loomwell.example"
    )
    for unit in units:
        for path in unit:
            job = import_path(team=team, path=path, account=account, today=TODAY)
            assert job.status == ImportStatus.SUCCEEDED, (path.name, job.message, job.errors)
    return account


def _orders(units, files_shuffled):
    """Every order of the units, then a few seeded shuffles of all their files."""
    orders = [list(order) for order in itertools.permutations(units)]
    files = [[path] for unit in units for path in unit]
    rng = random.Random(11)  # noqa: S311 - a reproducible shuffle, not a secret
    for _ in range(files_shuffled):
        rng.shuffle(files)
        orders.append(list(files))
    return orders


def _assert_same_in_every_order(platform, handle, units, files_shuffled=4):
    orders = _orders(units, files_shuffled)
    results = []
    for n, order in enumerate(orders):
        account = _import_all(platform, handle, order, n)
        results.append(_dump(account))
    first_posts, first_observations = results[0]
    assert first_posts and first_observations
    for n, (posts, observations) in enumerate(results[1:], start=1):
        assert posts == first_posts, f"posts differ in order {n}"
        assert observations == first_observations, f"observations differ in order {n}"
    # Importing any file again changes nothing.
    for path in [path for unit in units for path in unit]:
        job = import_path(team=account.team, path=path, account=account, today=TODAY)
        assert (job.rows_created, job.rows_updated) == (0, 0), path.name
    assert _dump(account) == results[-1]
    return account


@pytest.mark.django_db
def test_x_archive_analytics_and_legacy_exports_agree_in_every_order(tmp_path):
    content = _folder(
        tmp_path, "x_content", sorted((X / "analytics").glob("account_analytics_content_*"))
    )
    legacy = _folder(tmp_path, "x_legacy", sorted((X / "analytics_legacy").iterdir()))
    overview = X / "analytics/account_overview_analytics.csv"
    account = _assert_same_in_every_order(
        "x", "loomwellroast", [[X_ARCHIVE], [content], [legacy], [overview]]
    )
    posts = Post.objects.filter(account=account)
    # The archive tells kinds; the CSVs, which cannot, never turn its reshares into posts.
    assert posts.filter(kind="reshare").count() == 4
    assert posts.filter(kind="quote").count() == 3
    # Impressions only the CSVs have stay known whatever came after them.
    assert posts.filter(impressions__isnull=False).count() > 40


@pytest.mark.django_db
def test_mastodon_archive_and_api_pages_agree_in_every_order():
    api = FIXTURES / "mastodon/api"
    _assert_same_in_every_order(
        "mastodon",
        "loomwell@mastodon.example",
        [
            [FIXTURES / "mastodon/archive-20261002081530-e47cbf75a1b68cc26b2e988b20be776d"],
            [api / "GET_api_v1_accounts_110245871234560001_statuses.page1.json"],
            [api / "GET_api_v1_accounts_110245871234560001_statuses.page2.json"],
        ],
        files_shuffled=0,
    )


@pytest.mark.django_db
def test_facebook_business_suite_and_legacy_exports_agree_in_every_order():
    facebook = FIXTURES / "facebook"
    account = _assert_same_in_every_order(
        "facebook",
        "loomwellroasters",
        [
            [facebook / "Apr-01-2026_Jun-30-2026_5358321145085006.csv"],
            [facebook / "Jul-01-2026_Sep-30-2026_8266685116939079.csv"],
            [next((facebook / "legacy").iterdir())],
            [facebook / "page_level"],
        ],
        files_shuffled=0,
    )
    # Business Suite says which posts are shares; the legacy export cannot say, so the
    # 7 shares stay shares in every order.
    assert Post.objects.filter(account=account, kind="reshare").count() == 7


@pytest.mark.django_db
def test_tiktok_exports_agree_in_every_order_and_the_later_export_wins(tmp_path):
    exports = [
        TIKTOK / "export_2026-06-01",
        TIKTOK / "export_2026-07-31",
        TIKTOK / "export_2026-09-29",
        _overlapping_tiktok_export(tmp_path),
    ]
    account = _assert_same_in_every_order(
        "tiktok", "loomwellroasters", [_tiktok_units(e) for e in exports]
    )
    views = MetricObservation.objects.get(
        account=account, metric="video_views", date=date(2026, 5, 30)
    )
    assert views.value == 7350  # the 31 July export's, not the 1 June export's partial day
    video = Post.objects.get(account=account, platform_id="7636492226850049165")
    assert (video.likes, video.video_views) == (2610, 31090)
