"""Give the posts and daily numbers stored before snapshots existed the snapshot they came from.

- Each import job that wrote rows becomes a file snapshot (one per account, format and file
  checksum: a file imported twice is one snapshot). When the export was made was not
  recorded, so the job's start time stands for it ("unknown" in the admin).
- Rows an API connector wrote become the account's "before snapshots" API snapshot, observed
  at the connector's last success; numbers sent over the bulk API, a "before snapshots" bulk
  snapshot observed now. Posts with no job (their job was deleted) get an "unknown" file
  snapshot that ranks lowest.
- A post's facts take their evidence from that snapshot, and the merge inputs the ingest path
  needs are filled from what was stored: the kind it was given (blank for an original from a
  source that cannot tell kinds), the people it addresses as its mentions, its link domains
  as links.

The source profiles are frozen here as they were when this migration was written.
"""

from django.db import migrations
from django.utils import timezone

NUMBERS_ONLY = {"kind": 0, "text": 2, "entities": False, "time": 2}
API = {"kind": 2, "text": 2, "entities": True, "time": 2}
PROFILES = {
    "x_tweet_activity": {"kind": 1, "text": 2, "entities": False, "time": 1},
    "x_content": {"kind": 1, "text": 1, "entities": False, "time": 2},
    "x_archive": {"kind": 2, "text": 2, "entities": True, "time": 2},
    "mastodon_archive": {"kind": 2, "text": 2, "entities": True, "time": 2},
    "mastodon_api_statuses": {"kind": 2, "text": 2, "entities": True, "time": 2},
    "bluesky_author_feed": {"kind": 2, "text": 2, "entities": True, "time": 2},
    "facebook_content": {"kind": 2, "text": 2, "entities": False, "time": 1},
    "instagram_content": {"kind": 1, "text": 2, "entities": False, "time": 1},
    "facebook_legacy": {"kind": 0, "text": 2, "entities": False, "time": 1},
    "linkedin_content": {"kind": 0, "text": 2, "entities": False, "time": 2},
    "youtube_content": {"kind": 2, "text": 2, "entities": False, "time": 0},
    "tiktok_content": {"kind": 1, "text": 1, "entities": False, "time": 2},
}
BEFORE = "before-snapshots"
GROUPS_ALWAYS = ("published_at", "kind")
TARGETS = ("in_reply_to_handle", "in_reply_to_id", "reshared_handle")
COUNTS = (
    "impressions",
    "reach",
    "engagements",
    "likes",
    "replies",
    "reshares",
    "clicks",
    "saves",
    "video_views",
)


def forwards(apps, schema_editor):
    Snapshot = apps.get_model("metrics", "Snapshot")
    ImportJob = apps.get_model("metrics", "ImportJob")
    Post = apps.get_model("metrics", "Post")
    Observation = apps.get_model("metrics", "MetricObservation")
    Connector = apps.get_model("metrics", "Connector")
    now = timezone.now()

    job_snapshot: dict[int, int] = {}
    snapshot_profile: dict[int, dict] = {}
    for job in ImportJob.objects.exclude(account=None).exclude(format_key="").order_by("pk"):
        snapshot, _ = Snapshot.objects.get_or_create(
            account_id=job.account_id,
            format_key=job.format_key,
            key=job.checksum or f"job-{job.pk}",
            defaults={
                "kind": "file",
                "label": job.file_name[:255],
                "observed_at": job.started_at or job.created_at,
                "observed_from": "unknown",
                "profile": PROFILES.get(job.format_key, NUMBERS_ONLY),
                "import_job_id": job.pk,
            },
        )
        job_snapshot[job.pk] = snapshot.pk
        snapshot_profile[snapshot.pk] = snapshot.profile
    for job_id, snapshot_id in job_snapshot.items():
        Observation.objects.filter(import_job_id=job_id).update(snapshot_id=snapshot_id)

    before: dict[tuple[int, str], int] = {}

    def before_snapshot(account_id: int, kind: str) -> int:
        """The account's snapshot for rows written before snapshots, by kind of source."""
        if (account_id, kind) not in before:
            connector = Connector.objects.filter(account_id=account_id).order_by("pk").first()
            if kind == "api":
                format_key = f"api:{connector.kind}" if connector else "api:unknown"
                observed_at = (connector.last_success_at if connector else None) or now
                profile = API
            elif kind == "bulk":
                format_key, observed_at, profile = "bulk", now, NUMBERS_ONLY
            else:
                format_key, observed_at, profile = "unknown", now, NUMBERS_ONLY
            snapshot, _ = Snapshot.objects.get_or_create(
                account_id=account_id,
                format_key=format_key,
                key=BEFORE,
                defaults={
                    "kind": "file" if kind == "unknown" else kind,
                    "label": "Rows stored before snapshots were recorded",
                    "observed_at": observed_at,
                    "observed_from": "unknown",
                    "profile": profile,
                    "connector_id": connector.pk if connector and kind == "api" else None,
                },
            )
            before[(account_id, kind)] = snapshot.pk
            snapshot_profile[snapshot.pk] = snapshot.profile
        return before[(account_id, kind)]

    unsourced = Observation.objects.filter(snapshot_id=None).exclude(source="rollup")
    for account_id, source in unsourced.values_list("account_id", "source").distinct():
        kind = "api" if source == "api" else "bulk"
        unsourced.filter(account_id=account_id, source=source).update(
            snapshot_id=before_snapshot(account_id, kind),
            source="bulk" if kind == "bulk" else source,
        )

    has_connector = set(Connector.objects.values_list("account_id", flat=True))
    batch = []
    for post in Post.objects.order_by("pk").iterator(chunk_size=2000):
        if post.import_job_id in job_snapshot:
            snapshot_id = job_snapshot[post.import_job_id]
        else:
            kind = "api" if post.account_id in has_connector else "unknown"
            snapshot_id = before_snapshot(post.account_id, kind)
        told = snapshot_profile[snapshot_id].get("kind") == 2
        post.claimed_kind = post.kind if (post.kind != "original" or told) else ""
        post.mentions = list(post.addressed or [])
        post.links = [f"https://{domain}/" for domain in post.link_domains or []]
        groups = list(GROUPS_ALWAYS)
        groups += ["permalink"] if post.permalink else []
        groups += [name for name in TARGETS if getattr(post, name)]
        groups += ["content"] if post.text or post.mentions or post.links else []
        groups += [name for name in COUNTS if getattr(post, name) is not None]
        post.evidence = dict.fromkeys(groups, snapshot_id)
        post.sources = [snapshot_id]
        batch.append(post)
        if len(batch) >= 1000:
            _save(Post, batch)
    _save(Post, batch)


def _save(Post, batch):  # noqa: N803 - the historical model
    Post.objects.bulk_update(
        batch, ["claimed_kind", "mentions", "links", "evidence", "sources"], batch_size=1000
    )
    batch.clear()


def backwards(apps, schema_editor):
    Snapshot = apps.get_model("metrics", "Snapshot")
    Post = apps.get_model("metrics", "Post")
    Observation = apps.get_model("metrics", "MetricObservation")
    for snapshot in Snapshot.objects.exclude(import_job=None):
        Observation.objects.filter(snapshot_id=snapshot.pk).update(
            import_job_id=snapshot.import_job_id
        )
    jobs = dict(Snapshot.objects.values_list("pk", "import_job_id"))
    batch = []
    for post in Post.objects.order_by("pk").iterator(chunk_size=2000):
        post.import_job_id = next((jobs[s] for s in post.sources if jobs.get(s)), None)
        batch.append(post)
        if len(batch) >= 1000:
            Post.objects.bulk_update(batch, ["import_job"], batch_size=1000)
            batch.clear()
    Post.objects.bulk_update(batch, ["import_job"], batch_size=1000)
    Observation.objects.filter(source="bulk").update(source="file")
    Observation.objects.update(snapshot_id=None)
    Snapshot.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0004_snapshots"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
