from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from teams.models import Team


class Platform(models.TextChoices):
    X = "x", "X (Twitter)"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    LINKEDIN = "linkedin", "LinkedIn"
    YOUTUBE = "youtube", "YouTube"
    TIKTOK = "tiktok", "TikTok"


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
    platform = models.CharField(max_length=20, choices=Platform.choices)
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

    @property
    def own_domain_list(self) -> list[str]:
        return parse_domains(self.own_domains)


class PostKind(models.TextChoices):
    ORIGINAL = "original", "Original post"
    REPLY = "reply", "Reply"
    RESHARE = "reshare", "Reshare"
    QUOTE = "quote", "Quote"


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
    kind = models.CharField(max_length=10, choices=PostKind.choices, default=PostKind.ORIGINAL)
    in_reply_to_handle = models.CharField(max_length=200, blank=True)
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
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform_id"], name="post_unique_platform_id_per_account"
            ),
        ]
        indexes = [models.Index(fields=["account", "local_date"], name="post_account_day")]

    def __str__(self) -> str:
        return f"{self.account} {self.published_at:%Y-%m-%d %H:%M}: {self.text[:60]}"


class ObservationSource(models.TextChoices):
    FILE = "file", "Imported"
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
    # Which import last wrote the number: provenance only, so a plain id (no foreign key
    # check and no index on each of millions of rows).
    import_job_id = models.BigIntegerField(null=True, blank=True)

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
    return f"imports/{job.team_id}/{job.checksum[:16]}-{filename}"


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
