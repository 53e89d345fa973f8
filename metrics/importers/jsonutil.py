"""Reading a saved JSON file (API pages, archives): a clear ImportFailed when it is empty,
cut off or not JSON. The values inside are read with metrics.platforms.jsonvalues, as the
API connectors read the same JSON."""

from __future__ import annotations

import json

from metrics.importers.common import ImportFailed, Member, read_text


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
