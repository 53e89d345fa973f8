"""What Strategy Tracker knows about the platforms themselves, shared by the file importers
and the API connectors: which platforms there are, one handle per person (identity.py),
and each platform's own conventions (how a retweet or a mention is written, how ids carry
time) in a module of its own.

Pure Python: no Django, no database. Model choices are built from these enums.
"""

from __future__ import annotations

import enum


class Platform(enum.StrEnum):
    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    LINKEDIN = "linkedin"
    YOUTUBE = "youtube"
    TIKTOK = "tiktok"

    @property
    def label(self) -> str:
        return PLATFORM_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a model field's choices."""
        return [(member.value, member.label) for member in cls]


PLATFORM_LABELS: dict[Platform, str] = {
    Platform.X: "X (Twitter)",
    Platform.MASTODON: "Mastodon",
    Platform.BLUESKY: "Bluesky",
    Platform.FACEBOOK: "Facebook",
    Platform.INSTAGRAM: "Instagram",
    Platform.LINKEDIN: "LinkedIn",
    Platform.YOUTUBE: "YouTube",
    Platform.TIKTOK: "TikTok",
}
