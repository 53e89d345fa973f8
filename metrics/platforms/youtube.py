"""YouTube conventions, the same in YouTube Studio exports and in the Data API:

- a video's id is 11 characters of [A-Za-z0-9_-], and its address for people is
  https://www.youtube.com/watch?v=<id>;
- a video's text is its title: the Studio export has no description, so the links a video
  counts are the ones typed in its title (metrics.platforms.text.typed_links), whichever
  way it came in.

Pure Python: no Django.
"""

from __future__ import annotations

from metrics.platforms import Platform

PLATFORM = Platform.YOUTUBE


def watch_url(video_id: str) -> str:
    """Where a person opens the video."""
    return f"https://www.youtube.com/watch?v={video_id}"
