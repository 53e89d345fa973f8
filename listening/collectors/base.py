"""What the listening collectors share: the records they yield and the context they read.

Collectors are pure (httpx through the connectors' guarded HttpClient, no Django, no
database): each reads one platform's public search or timeline API and yields batches of
FoundPost with the cursor keys to store once the batch is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from listening.terms import Terms
from metrics.connectors.base import HttpClient


@dataclass(frozen=True)
class FoundAuthor:
    platform: str
    handle: str  # canonical (metrics.platforms.identity.canonical_handle)
    display_name: str = ""
    profile_url: str = ""


@dataclass
class FoundPost:
    platform: str
    platform_id: str  # the same whatever instance or query found it
    author: FoundAuthor
    published_at: datetime  # aware, UTC
    text: str
    permalink: str
    language: str = ""
    tags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()  # canonical handles
    likes: int = 0
    replies: int = 0
    reshares: int = 0


@dataclass
class Batch:
    posts: list[FoundPost] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)  # keys to set once written


@dataclass
class Listen:
    """Everything a collector may use for one topic."""

    http: HttpClient
    terms: Terms
    cursor: dict[str, Any]  # what earlier runs stored for the topic
    since: datetime  # nothing older is collected (the retention period, or less)
    now: datetime
    notes: list[str]  # what the user should know (an instance asking to sign in, ...)
    max_pages: int = 20  # per query and run


def items(value: object) -> list[Any]:
    """A JSON list, or [] for anything else (a missing or malformed field)."""
    return value if isinstance(value, list) else []


def number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(value, 0)
