"""YouTube conventions, the same in YouTube Studio exports and in the Data API:

- a video's id is 11 characters of [A-Za-z0-9_-], and its address for people is
  https://www.youtube.com/watch?v=<id>;
- a video's text is its title: the Studio export has no description, so the links a video
  counts are the ones typed in its title, whichever way it came in.

Pure Python: no Django.
"""

from __future__ import annotations

import re

from metrics.platforms import Platform

PLATFORM = Platform.YOUTUBE

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def watch_url(video_id: str) -> str:
    """Where a person opens the video."""
    return f"https://www.youtube.com/watch?v={video_id}"


def title_links(title: str) -> tuple[str, ...]:
    """The links typed in a video's title, each once."""
    found: list[str] = []
    for match in _URL.finditer(title):
        url = match.group(0).rstrip(".,;:!?)]}…")
        if url not in found:
            found.append(url)
    return tuple(found)
