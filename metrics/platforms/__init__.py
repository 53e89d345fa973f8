"""What Strategy Tracker knows about the platforms themselves, shared by the file importers
and the API connectors: which platforms there are, one handle per person (identity.py),
and each platform's own conventions (how a retweet or a mention is written, how ids carry
time, how an API entity that a saved page holds too becomes a post) in a module of its own:
x.py, mastodon.py, bluesky.py, meta.py, youtube.py. Beside them, jsonvalues.py reads values
out of platform JSON and text.py turns post HTML into text.

Whatever an importer and a connector both need to know lives here, so that a post reads the
same whichever way it came in. This package imports nothing from metrics.importers or
metrics.connectors: they build on it.

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
