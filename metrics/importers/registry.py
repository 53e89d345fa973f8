"""Every file format Strategy Tracker reads, and detection from content."""

from __future__ import annotations

from metrics.importers import bluesky, linkedin, mastodon, meta, tiktok, x, youtube
from metrics.importers.common import Format, ImportFailed, Member, Source
from metrics.importers.describe import unreadable_message

FORMATS: list[Format] = [
    *x.FORMATS,
    *mastodon.FORMATS,
    *bluesky.FORMATS,
    *meta.FORMATS,
    *linkedin.FORMATS,
    *youtube.FORMATS,
    *tiktok.FORMATS,
]

BY_KEY: dict[str, Format] = {fmt.key: fmt for fmt in FORMATS}
# The full list is long: the message points at where it is kept.
FORMATS_POINTER = (
    "Supported formats are listed on the import page and in the README (“Importing export files”)."
)


def supported_formats() -> list[str]:
    return [fmt.label for fmt in FORMATS]


def detect(source: Source, *, platform: str | None = None) -> Format:
    """The one format whose signature the content carries; an error naming what is supported.

    Some files fit two platforms (Meta's daily "Views" file is the same for a Facebook page
    and an Instagram account): the chosen account's platform then decides.
    """
    if not source.members or all(m.size == 0 for m in source.members):
        raise ImportFailed(f"{source.name} is empty.")
    matches = [fmt for fmt in FORMATS if _safe_sniff(fmt, source)]
    if not matches:
        raise ImportFailed(f"{unreadable_message(source, FORMATS)} {FORMATS_POINTER}")
    if len(matches) > 1 and platform is not None:
        matches = [fmt for fmt in matches if fmt.platform == platform] or matches
    if len(matches) > 1 and len({fmt.platform for fmt in matches}) > 1:
        raise ImportFailed(
            f"{source.name} could be a "
            + " or a ".join(fmt.label for fmt in matches)
            + ": choose the account it belongs to."
        )
    if len(matches) > 1:
        raise ImportFailed(
            f"{source.name} holds more than one kind of export ("
            + ", ".join(fmt.label for fmt in matches)
            + "); import them one at a time."
        )
    return matches[0]


def detect_parts(source: Source, *, platform: str | None = None) -> list[tuple[Format, Source]]:
    """The source's format, or, for a zip of export zips (TikTok hands out one zip per
    section and users zip them together), each inner zip's format: one part per kind of
    export, in the order they appear. Raises the single-format error when the source does
    not split into parts that each have exactly one format."""
    try:
        return [(detect(source, platform=platform), source)]
    except ImportFailed as whole:
        groups: dict[str, list[Member]] = {}
        for member in source.members:
            head, sep, _ = member.name.partition(".zip/")
            groups.setdefault(head + sep if sep else "", []).append(member)
        if len(groups) < 2 or "" in groups:
            raise
        parts: dict[str, tuple[Format, list[Member]]] = {}
        for prefix, members in groups.items():
            part = Source(prefix.removesuffix("/"), members)
            try:
                fmt = detect(part, platform=platform)
            except ImportFailed as exc:
                raise ImportFailed(f"{source.name}: {exc}") from whole
            parts.setdefault(fmt.key, (fmt, []))[1].extend(members)
        return [(fmt, Source(source.name, members)) for fmt, members in parts.values()]


def _safe_sniff(fmt: Format, source: Source) -> bool:
    try:
        return fmt.sniff(source)
    except Exception:  # a sniff must never take the import down; it just does not match
        return False
