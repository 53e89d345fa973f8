from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from metrics.ingest.records import PostKind
from metrics.platforms import Platform
from teams.models import Team

_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"
)


def normalise_domain(raw: str) -> str:
    """'https://www.Example.com/shop' -> 'example.com'; raises ValidationError if not a domain."""
    value = raw.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    value = value.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    value = value.removeprefix("www.")
    if not _DOMAIN_RE.match(value):
        raise ValidationError(
            "“%(raw)s” is not a domain name such as example.com.", params={"raw": raw.strip()}
        )
    return value


def parse_domains(text: str) -> list[str]:
    """Split a comma/space/newline separated list into unique normalised domains."""
    domains: list[str] = []
    errors: list[ValidationError] = []
    for item in re.split(r"[\s,;]+", text or ""):
        if not item:
            continue
        try:
            domain = normalise_domain(item)
        except ValidationError as exc:
            errors.append(exc)
            continue
        if domain not in domains:
            domains.append(domain)
    if errors:
        raise ValidationError(errors)
    return domains


class AccountQuerySet(models.QuerySet["Account"]):
    def own(self) -> AccountQuerySet:
        return self.filter(is_competitor=False)

    def competitors(self) -> AccountQuerySet:
        return self.filter(is_competitor=True)


class Account(models.Model):
    """A social media account the team tracks: its own, or a competitor's."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="accounts")
    platform = models.CharField(max_length=20, choices=Platform.choices())
    handle = models.CharField(
        max_length=200,
        help_text="As on the platform, without the leading @ (Mastodon: user@instance; "
        "YouTube: the @handle or the channel id).",
    )
    display_name = models.CharField(max_length=200, blank=True)
    own_domains = models.TextField(
        blank=True,
        help_text="The account's own websites, one per line or comma-separated "
        "(example.com also covers shop.example.com). Posts linking only here count as "
        "promotional.",
    )
    is_competitor = models.BooleanField(
        default=False, help_text="A competitor's account, tracked for comparison."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "platform", "handle"]
        constraints = [
            models.UniqueConstraint(
                "team",
                "platform",
                Lower("handle"),
                name="account_unique_handle_per_team_platform",
                violation_error_message="This team already has an account with this handle "
                "on this platform.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} @{self.handle}"

    def clean(self) -> None:
        self.handle = (self.handle or "").strip().lstrip("@").strip()
        if not self.handle:
            raise ValidationError({"handle": "Enter the account's handle."})
        if any(ch.isspace() for ch in self.handle):
            raise ValidationError({"handle": "A handle cannot contain spaces."})
        try:
            self.own_domains = "\n".join(parse_domains(self.own_domains))
        except ValidationError as exc:
            raise ValidationError({"own_domains": exc.messages}) from None
        self._check_key_results_stay_in_team()

    def _check_key_results_stay_in_team(self) -> None:
        """Key results count their accounts' numbers: an account moved to another team would
        show its new team's numbers to the old team (and the other way round)."""
        if self.pk is None or not self.team_id:
            return
        used = list(
            self.key_results.exclude(objective__strategy__team_id=self.team_id)
            .order_by("name")
            .values_list("name", flat=True)[:11]
        )
        if used:
            names = ", ".join(used[:10]) + (", …" if len(used) > 10 else "")
            raise ValidationError(
                {
                    "team": f"The account is used by key results: {names}. Remove it from "
                    "them before moving it to another team."
                }
            )

    @property
    def own_domain_list(self) -> list[str]:
        return parse_domains(self.own_domains)


class Post(models.Model):
    """A post by one of the team's accounts: the evidence behind the daily numbers."""

    TEAM_PATH = "account__team"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="posts")
    platform_id = models.CharField(max_length=300)
    published_at = models.DateTimeField()
    # The team's calendar day of publication, fixed at import: daily rollups group by it
    # without per-row time zone arithmetic in SQL.
    local_date = models.DateField()
    text = models.TextField(blank=True)
    permalink = models.CharField(max_length=500, blank=True)
    kind = models.CharField(
        max_length=10, choices=PostKind.choices(), default=PostKind.ORIGINAL.value
    )
    in_reply_to_handle = models.CharField(max_length=200, blank=True)
    # The platform id of the post answered: links the brand's replies to inbound mentions.
    in_reply_to_id = models.CharField(max_length=300, blank=True)
    reshared_handle = models.CharField(max_length=200, blank=True)
    addressed = models.JSONField(
        default=list, blank=True, help_text="Other accounts replied to or @mentioned."
    )
    is_question = models.BooleanField(default=False)
    link_domains = models.JSONField(default=list, blank=True)
    is_promotional = models.BooleanField(default=False)
    shares_others_link = models.BooleanField(default=False)
    impressions = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    engagements = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    replies = models.BigIntegerField(null=True, blank=True)
    reshares = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    video_views = models.BigIntegerField(null=True, blank=True)
    # What the sources said, as merged (metrics.ingest.precedence); the fields above that
    # the classifier derives (kind, addressed, ...) are computed from these.
    claimed_kind = models.CharField(
        max_length=10,
        choices=PostKind.choices(),
        blank=True,
        help_text="The kind the strongest source gave; blank when no source could tell.",
    )
    mentions = models.JSONField(
        default=list, blank=True, help_text="Handles the post's own entities or text name."
    )
    links = models.JSONField(default=list, blank=True, help_text="Full URLs in the post.")
    evidence = models.JSONField(
        default=dict,
        blank=True,
        help_text="For each field, the snapshot its value came from.",
    )
    sources = models.JSONField(
        default=list, blank=True, help_text="Every snapshot that said something about the post."
    )

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform_id"], name="post_unique_platform_id_per_account"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "local_date"], name="post_account_day"),
            models.Index(
                fields=["account", "in_reply_to_id"],
                name="post_account_reply_to",
                condition=~models.Q(in_reply_to_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.published_at:%Y-%m-%d %H:%M}: {self.text[:60]}"


class FollowerActivity(models.Model):
    """How many of an account's followers were online in one hour of one day. TikTok Studio
    shows only the last 7 days, so each week's export keeps what the previous one lost:
    the material a "best time to post" is worked out from."""

    TEAM_PATH = "account__team"

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="follower_activity", db_index=False
    )
    date = models.DateField()
    hour = models.PositiveSmallIntegerField(help_text="0-23, as the platform shows it.")
    active_followers = models.PositiveIntegerField()
    snapshot_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["account", "date", "hour"]
        verbose_name_plural = "follower activity"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "date", "hour"], name="follower_activity_unique_hour"
            ),
            models.CheckConstraint(
                condition=models.Q(hour__lte=23), name="follower_activity_hour_of_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.date} {self.hour:02d}h: {self.active_followers}"


class ObservationSource(models.TextChoices):
    FILE = "file", "Imported"
    API = "api", "From the platform's API"
    BULK = "bulk", "Sent over the bulk API"
    ROLLUP = "rollup", "Derived from posts"


class MetricObservation(models.Model):
    """One number for one account, metric and day (a level for stocks, a count for flows)."""

    TEAM_PATH = "account__team"

    # The unique (account, metric, date) index serves lookups by account too; a second
    # index on account alone would only slow the bulk writes down.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="observations", db_index=False
    )
    metric = models.CharField(max_length=40)
    date = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=4)
    source = models.CharField(
        max_length=10, choices=ObservationSource.choices, default=ObservationSource.FILE
    )
    # The snapshot the number came from (None when derived from posts): it decides
    # between two sources of the same day. A plain id (no foreign key check and no index on
    # each of millions of rows).
    snapshot_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["account", "metric", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "metric", "date"], name="observation_unique_account_metric_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.metric} {self.date}: {self.value}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Importing"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Failed"


def _import_upload_path(job: ImportJob, filename: str) -> str:
    """imports/<team>/<checksum>-<name>, the name shortened to fit any file system (255
    bytes a name): the job keeps the full name in `file_name`."""
    return f"imports/{job.team_id}/{job.checksum[:16]}-{short_file_name(filename)}"


def short_file_name(name: str, limit: int = 120) -> str:
    """`name` cut to at most `limit` UTF-8 bytes, keeping its extension (.csv, .zip)."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    budget = limit - len(suffix.encode())
    cut = stem.encode()[:budget].decode(errors="ignore")
    return cut + suffix


class ImportJob(models.Model):
    """One run of one file through the importer: who, what, how it went."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="import_jobs")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=_import_upload_path, blank=True, max_length=400)
    file_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField(default=0)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file.")
    format_key = models.CharField(max_length=40, blank=True)
    format_label = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    message = models.TextField(blank=True, help_text="Why the import failed, in one sentence.")
    rows_read = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=255, blank=True)
    # The claim: each run of the job (a retry after its worker died) takes the next number.
    attempt = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the run (while running)."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["team", "-created_at"], name="importjob_team_recent")]

    def __str__(self) -> str:
        return f"Import #{self.pk} {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SnapshotKind(models.TextChoices):
    FILE = "file", "Imported file"
    API = "api", "Platform API sync"
    BULK = "bulk", "Bulk API request"


class SnapshotTime(models.TextChoices):
    """How a snapshot's time is known."""

    EXPORT = "export", "the export's own date"
    DATA = "data", "the latest date in the data"
    FETCH = "fetch", "the time of the fetch"
    REQUEST = "request", "the time of the request"
    UNKNOWN = "unknown", "unknown (recorded before snapshots were)"


class Snapshot(models.Model):
    """One look at one account's data by one source: an imported file, an API sync run, a
    bulk API request. Posts and daily numbers remember the snapshot behind each value, and
    the snapshots' times decide between sources (the later look wins, not the later import).
    Importing the same file again is the same snapshot."""

    TEAM_PATH = "account__team"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="snapshots")
    kind = models.CharField(max_length=10, choices=SnapshotKind.choices)
    format_key = models.CharField(
        max_length=40, help_text="The export format, “api:<connector>” or “bulk”."
    )
    label = models.CharField(max_length=255, blank=True, help_text="The file or source name.")
    key = models.CharField(
        max_length=100,
        help_text="Files: SHA-256 of the content. Syncs and bulk requests: unique per run.",
    )
    observed_at = models.DateTimeField(help_text="When the source looked at the data.")
    observed_from = models.CharField(max_length=10, choices=SnapshotTime.choices)
    # The source's SourceProfile (metrics.ingest.precedence) as it was when it looked: how
    # its word on a post's kind, text and time ranks against other sources'.
    profile = models.JSONField(default=dict)
    import_job = models.ForeignKey(
        ImportJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="snapshots",
        help_text="The import that first brought it.",
    )
    connector = models.ForeignKey(
        "Connector", on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-observed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "format_key", "key"], name="snapshot_unique_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.format_key} ({self.observed_at:%Y-%m-%d %H:%M})"

    @property
    def identity(self) -> str:
        """Stable across databases and import orders: breaks ties between snapshots."""
        return f"{self.format_key}/{self.key}"


class InboundMentionQuerySet(models.QuerySet["InboundMention"]):
    def waiting(self) -> InboundMentionQuerySet:
        """Mentions that still need an answer: the brand's conversation debt."""
        return self.filter(needs_answer=True, answered_at__isnull=True)


class InboundMention(models.Model):
    """Someone else's post mentioning or replying to one of the team's accounts."""

    TEAM_PATH = "account__team"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mentions")
    platform_id = models.CharField(max_length=300)
    published_at = models.DateTimeField()
    local_date = models.DateField(help_text="The team's calendar day the mention arrived.")
    author_handle = models.CharField(max_length=200)
    author_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True, help_text="Plain text; HTML was converted on the way in.")
    permalink = models.CharField(max_length=500, blank=True)
    in_reply_to_id = models.CharField(max_length=300, blank=True)
    is_reply = models.BooleanField(
        default=False, help_text="A reply to one of the account's posts (else a mention)."
    )
    needs_answer = models.BooleanField(
        default=True,
        help_text="Cleared for the team's own accounts, and when someone marks it as needing "
        "no answer.",
    )
    answered_by = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="answered_mentions"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    response_minutes = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InboundMentionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform_id"], name="mention_unique_platform_id_per_account"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "local_date"], name="mention_account_day"),
            models.Index(
                fields=["account", "published_at"],
                name="mention_waiting",
                condition=models.Q(needs_answer=True, answered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.author_handle} → {self.account} {self.published_at:%Y-%m-%d %H:%M}"


class ConnectorKind(models.TextChoices):
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    X = "x", "X API v2"
    YOUTUBE = "youtube", "YouTube Data API v3"
    META = "meta", "Meta Graph API (Facebook, Instagram)"


CONNECTOR_PLATFORMS: dict[str, tuple[str, ...]] = {
    ConnectorKind.MASTODON: (Platform.MASTODON,),
    ConnectorKind.BLUESKY: (Platform.BLUESKY,),
    ConnectorKind.X: (Platform.X,),
    ConnectorKind.YOUTUBE: (Platform.YOUTUBE,),
    ConnectorKind.META: (Platform.FACEBOOK, Platform.INSTAGRAM),
}


class Connector(models.Model):
    """A scheduled sync of one account from its platform's API."""

    TEAM_PATH = "account__team"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="connectors")
    kind = models.CharField(max_length=20, choices=ConnectorKind.choices)
    base_url = models.URLField(
        blank=True,
        help_text="The API host. Blank: the platform's own (Mastodon: the instance in the "
        "handle). Set it for another Mastodon instance or a proxy.",
    )
    # Fernet tokens (metrics.connectors.secrets); never shown back anywhere.
    credentials_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(
        default=60, help_text="How often it syncs (minutes, at least 5)."
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    cursor = models.JSONField(default=dict, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    credentials_refused = models.BooleanField(
        default=False,
        editable=False,
        help_text="The platform refused the credentials: scheduled syncs wait for new ones.",
    )
    retry_after = models.DateTimeField(null=True, blank=True, editable=False)
    running_since = models.DateTimeField(null=True, blank=True, editable=False)
    # Written with each page: a run whose heartbeat stopped is presumed dead.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_summary = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account__team__name", "account__platform", "account__handle", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind"],
                name="connector_unique_kind_per_account",
                violation_error_message="This account already has a connector of this kind.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.account}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.interval_minutes is not None and self.interval_minutes < 5:
            errors["interval_minutes"] = "Sync at most every 5 minutes."
        if self.kind and self.account_id is not None:
            platforms = CONNECTOR_PLATFORMS.get(self.kind, ())
            if self.account.platform not in platforms:
                errors["kind"] = (
                    f"A {self.get_kind_display()} connector reads "
                    f"{' or '.join(Platform(p).label for p in platforms)} accounts, and "
                    f"this account is on {self.account.get_platform_display()}."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)

    @property
    def is_failing(self) -> bool:
        return bool(self.last_error) and (
            self.last_success_at is None
            or (self.last_error_at is not None and self.last_error_at > self.last_success_at)
        )
