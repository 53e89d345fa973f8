"""Listening: the topics a team follows, the public posts on them and the people behind them.

Topic posts are other people's posts, not the brand's: they live here, apart from
metrics.Post (the evidence behind the brand's own numbers), and are deleted after the
team's retention period (ListeningSettings.retention_days).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from listening import terms as topic_terms
from metrics.platforms import Platform
from teams.models import Team

DEFAULT_RETENTION_DAYS = 180
MAX_INSTANCES = 20

# The platforms topics are collected from.
LISTENED_PLATFORMS = (Platform.MASTODON, Platform.BLUESKY, Platform.X)


def listened_platform_choices() -> list[tuple[str, str]]:
    return [(p.value, p.label) for p in LISTENED_PLATFORMS]


def parse_instances(raw: str) -> list[str]:
    """'mastodon.social\\nhttps://fosstodon.org/' → ['https://mastodon.social',
    'https://fosstodon.org']; ValidationError names the first entry that is no server."""
    found: dict[str, None] = {}
    for entry in topic_terms.split_terms(raw):
        text = entry if "://" in entry else f"https://{entry}"
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        if (
            parts.scheme not in ("https", "http")
            or not host
            or ("." not in host.strip(".") and host != "localhost")
            or parts.path.strip("/")
            or parts.query
            or parts.username
        ):
            raise ValidationError(
                f"“{entry[:60]}” is not a server address; enter one instance per line, such "
                "as mastodon.social or https://fosstodon.org."
            )
        port = f":{parts.port}" if parts.port else ""
        found.setdefault(f"{parts.scheme}://{host}{port}", None)
    if len(found) > MAX_INSTANCES:
        raise ValidationError(f"At most {MAX_INSTANCES} Mastodon instances.")
    return list(found)


class ListeningSettings(models.Model):
    """A team's listening settings: where to listen, what to keep and for how long."""

    TEAM_PATH = "team"

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="listening")
    mastodon_instances = models.TextField(
        blank=True,
        help_text="Mastodon servers whose hashtag timelines are read, one per line "
        "(e.g. mastodon.social). Each server only knows the posts that reached it.",
    )
    retention_days = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Topic posts older than this are deleted every day.",
    )
    bluesky_identifier = models.CharField(
        max_length=200,
        blank=True,
        help_text="Handle or email of a Bluesky account, for search where Bluesky asks to sign in.",
    )
    bluesky_pds_url = models.CharField(
        max_length=200,
        blank=True,
        help_text="The server hosting that Bluesky account; empty for https://bsky.social.",
    )
    # {"app_password": ...}, encrypted as connector credentials are.
    credentials_encrypted = models.TextField(blank=True, editable=False)
    running_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_notes = models.JSONField(default=list, blank=True, editable=False)
    last_summary = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = "listening settings"
        verbose_name_plural = "listening settings"

    def __str__(self) -> str:
        return f"Listening settings of {self.team}"

    def clean(self) -> None:
        try:
            self.mastodon_instances = "\n".join(parse_instances(self.mastodon_instances))
        except ValidationError as exc:
            raise ValidationError({"mastodon_instances": exc.messages}) from None
        pds = self.bluesky_pds_url.strip().rstrip("/")
        if pds:
            parts = urlsplit(pds if "://" in pds else f"https://{pds}")
            if parts.scheme not in ("https", "http") or not parts.hostname or parts.path:
                raise ValidationError(
                    {"bluesky_pds_url": "Enter the server's address, such as https://bsky.social."}
                )
            self.bluesky_pds_url = f"{parts.scheme}://{parts.netloc}"

    @property
    def instance_list(self) -> list[str]:
        return parse_instances(self.mastodon_instances)

    @property
    def has_bluesky_password(self) -> bool:
        return bool(self.credentials_encrypted)


class Topic(models.Model):
    """What a team listens for: keywords, hashtags, excluded words, languages."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=120)
    keywords = models.TextField(
        blank=True, help_text="Words or phrases, one per line or comma-separated."
    )
    hashtags = models.TextField(blank=True, help_text="Without or with #, one per line or comma.")
    excluded_words = models.TextField(
        blank=True, help_text="Posts containing any of these are left out."
    )
    languages = models.CharField(
        max_length=200,
        blank=True,
        help_text="ISO 639-1 codes (en, de, ...); empty for every language.",
    )
    is_active = models.BooleanField(default=True, help_text="Collected on the schedule.")
    # Where each source's collection stopped: {"mastodon:<instance>:<tag>": newest id, ...}.
    cursor = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="topic_unique_name_per_team")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.terms()
        except topic_terms.TermsInvalid as exc:
            raise ValidationError(str(exc)) from None

    def terms(self) -> topic_terms.Terms:
        return topic_terms.parse(
            keywords=self.keywords,
            hashtags=self.hashtags,
            excluded=self.excluded_words,
            languages=self.languages,
        )


class TopicAuthor(models.Model):
    """A person who wrote topic posts: one per team, platform and canonical handle."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="topic_authors")
    platform = models.CharField(max_length=20, choices=listened_platform_choices())
    handle = models.CharField(
        max_length=200, help_text="Canonical handle (one person, one handle)."
    )
    display_name = models.CharField(max_length=200, blank=True)
    profile_url = models.CharField(max_length=500, blank=True)
    followed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a follow check first saw the brand follow them."
    )
    unfollowed_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "platform", "handle"], name="topic_author_unique_handle"
            )
        ]

    def __str__(self) -> str:
        return f"@{self.handle} ({self.get_platform_display()})"

    @property
    def is_followed(self) -> bool:
        return self.followed_at is not None and self.unfollowed_at is None


class TopicPost(models.Model):
    """A public post on one of the team's topics, deduplicated by its platform id (Mastodon:
    the status URI, the same on every instance; Bluesky: the at:// URI; X: the post id)."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="topic_posts")
    author = models.ForeignKey(TopicAuthor, on_delete=models.CASCADE, related_name="posts")
    platform = models.CharField(max_length=20, choices=listened_platform_choices())
    platform_id = models.CharField(max_length=300)
    published_at = models.DateTimeField()
    local_date = models.DateField(help_text="The team's calendar day of publication.")
    text = models.TextField(blank=True)
    permalink = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=20, blank=True)
    likes = models.BigIntegerField(default=0)
    replies = models.BigIntegerField(default=0)
    reshares = models.BigIntegerField(default=0)
    mentions = models.JSONField(default=list, blank=True, help_text="Canonical handles named.")
    mentions_brand = models.BooleanField(default=False)
    mentions_competitor = models.BooleanField(default=False)
    # The most terms one topic matched in the post (its ranking weight; kept here so that
    # ranking reads plain columns, not each match's term list).
    term_count = models.PositiveSmallIntegerField(default=1)
    topics: models.ManyToManyField[Topic, TopicMatch] = models.ManyToManyField(
        Topic, through="TopicMatch", related_name="posts"
    )
    collected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "platform", "platform_id"], name="topic_post_unique_per_team"
            )
        ]
        indexes = [
            models.Index(fields=["team", "published_at"], name="topic_post_team_time"),
            models.Index(fields=["team", "local_date"], name="topic_post_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.author} {self.published_at:%Y-%m-%d %H:%M}: {self.text[:60]}"

    @property
    def engagement(self) -> int:
        return self.likes + self.replies + self.reshares


class TopicMatch(models.Model):
    """Which topic a post matched, and through which of its terms."""

    TEAM_PATH = "topic__team"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="matches")
    post = models.ForeignKey(TopicPost, on_delete=models.CASCADE, related_name="matches")
    terms = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "post"], name="topic_match_unique")]

    def __str__(self) -> str:
        return f"{self.topic}: {', '.join(self.terms)}"
