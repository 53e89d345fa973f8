"""Every file format Strategy Tracker reads, and detection from content."""

from __future__ import annotations

from metrics.importers import bluesky, linkedin, mastodon, meta, tiktok, x, youtube
from metrics.importers.common import Format, ImportFailed, Source

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
        raise ImportFailed(
            f"{source.name} is not an export Strategy Tracker can read. Supported: "
            + "; ".join(supported_formats())
            + "."
        )
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


def _safe_sniff(fmt: Format, source: Source) -> bool:
    try:
        return fmt.sniff(source)
    except Exception:  # a sniff must never take the import down; it just does not match
        return False
