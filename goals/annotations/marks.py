"""What a chart needs to draw an annotation: plain data, no ORM (goals.charts and
goals.summaries.static_charts take these)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Mark:
    day: date
    end: date | None  # the last day of a range; None for a single day
    title: str
    note: str = ""
    scope: str = "Team-wide"

    @property
    def is_range(self) -> bool:
        return self.end is not None and self.end > self.day

    @property
    def last_day(self) -> date:
        return self.end or self.day

    @property
    def when(self) -> str:
        """'3 Aug 2026' or '3 Aug 2026 – 5 Aug 2026'."""
        if self.is_range:
            assert self.end is not None  # noqa: S101  (is_range says so)
            return f"{self.day:%-d %b %Y} – {self.end:%-d %b %Y}"
        return f"{self.day:%-d %b %Y}"

    @property
    def hover(self) -> str:
        """The text shown when pointing at the annotation: title, dates, scope, note."""
        lines = [self.title, f"{self.when} · {self.scope}"]
        if self.note:
            lines.append(self.note if len(self.note) <= 200 else self.note[:199] + "…")
        return "\n".join(lines)
