from __future__ import annotations

import re

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
