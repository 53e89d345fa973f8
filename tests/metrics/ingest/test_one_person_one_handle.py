"""One person, one handle, whatever the source writes: a Mastodon archive and saved API
pages that name the same people in both forms ("dara_rides", "@dara_rides@…") count each
person once."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import UTC, date, datetime

import pytest

from metrics.ingest.precedence import SourceProfile
from metrics.ingest.records import MentionRecord
from metrics.ingest.session import ingest_records
from metrics.ingest.snapshots import SourceRef
from metrics.models import InboundMention, MetricObservation, Post, SnapshotKind
from metrics.services import import_path
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

ARCHIVE = FIXTURES / "mastodon/archive-20261002081530-e47cbf75a1b68cc26b2e988b20be776d"
PAGE = FIXTURES / "mastodon/api/GET_api_v1_accounts_110245871234560001_statuses.page1.json"
BRAND = "https://mastodon.example/users/loomwell"
# How Mastodon renders mentions in HTML: the user name only, wherever the person lives.
HTML = (
    '<p><span class="h-card"><a href="https://mastodon.example/@dara_rides" '
    'class="u-url mention">@<span>dara_rides</span></a></span> '
    '<span class="h-card"><a href="https://fedi.example/@tova_pours" class="u-url mention">'
    "@<span>tova_pours</span></a></span> {words}</p>"
)
PEOPLE = ["dara_rides@mastodon.example", "tova_pours@fedi.example"]


def _archive(tmp_path):
    """The sample archive with one post: a local person (tag "@dara_rides") and a remote
    one (tag "@tova_pours@fedi.example"), both written bare in the text."""
    folder = tmp_path / ARCHIVE.name
    shutil.copytree(ARCHIVE, folder)
    outbox = json.loads((folder / "outbox.json").read_text())
    item = copy.deepcopy(next(i for i in outbox["orderedItems"] if i["type"] == "Create"))
    note = item["object"]
    note["id"] = note["atomUri"] = f"{BRAND}/statuses/1001"
    item["id"] = f"{BRAND}/statuses/1001/activity"
    note["url"] = "https://mastodon.example/@loomwell/1001"
    note["content"] = HTML.format(words="thank you both!")
    note["contentMap"] = {"en": note["content"]}
    note["tag"] = [
        {
            "type": "Mention",
            "href": "https://mastodon.example/users/dara_rides",
            "name": "@dara_rides",
        },
        {
            "type": "Mention",
            "href": "https://fedi.example/users/tova_pours",
            "name": "@tova_pours@fedi.example",
        },
    ]
    outbox["orderedItems"] = [item]
    (folder / "outbox.json").write_text(json.dumps(outbox))
    return folder


def _page(tmp_path):
    """A saved statuses page: the same post, and another one, with API mentions (a local
    account's acct has no instance)."""
    template = next(s for s in json.loads(PAGE.read_text()) if s["mentions"])
    statuses = []
    for status_id, words in (("1001", "thank you both!"), ("1002", "see you on Saturday?")):
        status = copy.deepcopy(template)
        status.update(
            id=status_id,
            in_reply_to_id=None,
            in_reply_to_account_id=None,
            uri=f"{BRAND}/statuses/{status_id}",
            url=f"https://mastodon.example/@loomwell/{status_id}",
            content=HTML.format(words=words),
            mentions=[
                {
                    "id": "1",
                    "username": "dara_rides",
                    "acct": "dara_rides",
                    "url": "https://mastodon.example/@dara_rides",
                },
                {
                    "id": "2",
                    "username": "tova_pours",
                    "acct": "tova_pours@fedi.example",
                    "url": "https://fedi.example/@tova_pours",
                },
            ],
        )
        statuses.append(status)
    path = tmp_path / PAGE.name
    path.write_text(json.dumps(statuses))
    return path


@pytest.fixture
def account(team):
    return AccountFactory(team=team, platform="mastodon", handle="loomwell@mastodon.example")


@pytest.mark.parametrize("archive_first", [True, False])
def test_an_archive_and_api_pages_naming_people_both_ways_count_each_person_once(
    tmp_path, account, archive_first
):
    sources = [_archive(tmp_path), _page(tmp_path)]
    for path in sources if archive_first else sources[::-1]:
        job = import_path(team=account.team, path=path, account=account)
        assert job.status == "succeeded", job.message
    for post in Post.objects.filter(account=account, platform_id__in=["1001", "1002"]):
        assert sorted(post.addressed) == PEOPLE
    day = Post.objects.get(account=account, platform_id="1001").local_date
    people = MetricObservation.objects.get(account=account, metric="people_addressed", date=day)
    assert people.value == len({*PEOPLE})


def test_a_mentions_author_is_stored_by_canonical_handle(account):
    ingest_records(
        account=account,
        source=SourceRef(
            kind=SnapshotKind.API,
            format_key="api:mastodon",
            key="run-1",
            profile=SourceProfile(),
            observed_at=datetime(2026, 11, 2, tzinfo=UTC),
        ),
        records=[
            MentionRecord("m1", datetime(2026, 11, 1, tzinfo=UTC), author_handle="@Dara_Rides"),
            MentionRecord("m2", datetime(2026, 11, 1, tzinfo=UTC), "tova_pours@Fedi.Example"),
        ],
    )
    authors = set(InboundMention.objects.values_list("author_handle", flat=True))
    assert authors == {"dara_rides@mastodon.example", "tova_pours@fedi.example"}
    assert date(2026, 11, 1) in set(InboundMention.objects.values_list("local_date", flat=True))
