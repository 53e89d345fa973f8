"""Reading saved JSON files (API pages, archives): a clear ImportFailed when a file is
empty, cut off or not JSON, and the posts its list of items holds, a bad item reported by
its number. The values inside are read with metrics.platforms.jsonvalues, as the API
connectors read the same JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from metrics.importers.common import ImportFailed, Member
from metrics.importers.text import read_text
from metrics.ingest.records import PostRecord, Record, RowError
from metrics.platforms.jsonvalues import BadValue


def load_json(member: Member) -> object:
    text = read_text(member)
    if not text.strip():
        raise ImportFailed(f"{member.name}: the file is empty.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{member.name}: not valid JSON, or the file is cut off "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg}). Download it again."
        ) from None
    except RecursionError:
        raise ImportFailed(f"{member.name}: the JSON is nested too deeply to read.") from None


def read_items(
    items: Iterable[object],
    read: Callable[[dict[str, object]], PostRecord | None],
    *,
    member: str,
    seen: set[str],
    noun: str = "item",
    expected: str = "an object",
    name: Callable[[dict[str, object]], str] = lambda item: "",
) -> Iterator[Record]:
    """The posts a saved list of items holds, each numbered from 1, as `read` makes them
    (None: not a post of the account). Each post once: pages saved twice, or a pinned post
    shown again, repeat one (`seen` spans the files of an import). An item that is not an
    object, or that `read` cannot read (BadValue), is a RowError naming it by `name`."""
    for row, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield RowError(row, f"{noun} {row} is not {expected}.", member)
            continue
        try:
            post = read(item)
        except BadValue as exc:
            label = name(item)
            where = f"{noun} {row} ({label})" if label else f"{noun} {row}"
            yield RowError(row, f"{where}: {exc}.", member)
            continue
        if post is None or post.platform_id in seen:
            continue
        seen.add(post.platform_id)
        post.row = row
        yield post
