"""The summary's charts as PNG images, for the PDF (no script runs there): numbers in, PNG
bytes out.

Drawn with matplotlib's object-oriented API (no pyplot: no global figure registry, safe in
threads); `png_uri` makes a `data:` URI the PDF renderer may embed.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from goals import charts
from goals.annotations.marks import Mark

_DPI: Final = 120
_CHART_WIDTH_IN: Final = 7.0  # A4 less the page margins, about 180 mm
_INK: Final = "#1d2433"
_MUTED: Final = "#5d6678"
_GRID: Final = "#eef0f4"
_LINE_COLOURS: Final = ("#2f5bd3", "#c2410c", "#1f7a4d", "#7c3aed", "#0e7490", "#a16207")

ProgressRow = tuple[str, float | None, float | None, str]  # label, %, expected %, status


def png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _text(label: str, limit: int = 48) -> str:
    """A label as matplotlib should print it: shortened, with `$` kept literal (no mathtext)."""
    if len(label) > limit:
        label = label[: limit - 1].rstrip() + "…"
    return label.replace("$", r"\$")


def _figure(height_in: float) -> tuple[Figure, Any]:
    fig = Figure(figsize=(_CHART_WIDTH_IN, height_in), dpi=_DPI, layout="constrained")
    ax = fig.subplots()
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=_MUTED, labelsize=8)
    return fig, ax


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, facecolor="white")
    fig.clear()
    return buffer.getvalue()


def _empty(ax: Any, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", color=_MUTED, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def progress_chart_png(rows: Sequence[ProgressRow]) -> bytes:
    """Horizontal bars, one per key result from the top: progress in percent (the bar clamped
    to 0–100, the label unclamped), a black mark at the expected percent, status colours.

    `rows` is (label, percent, expected percent, status), as `charts.progress_bars_figure`.
    """
    fig, ax = _figure(0.7 + 0.32 * max(len(rows), 1))
    if not rows:
        _empty(ax, "No key results in this quarter")
        return _png(fig)
    positions = list(range(len(rows)))
    widths = [0.0 if p is None else max(0.0, min(100.0, p)) for _, p, _, _ in rows]
    ax.barh(
        positions,
        widths,
        height=0.6,
        color=[charts.status_colour(status) for _, _, _, status in rows],
    )
    for y, (width, (_, percent, expected, _)) in enumerate(zip(widths, rows, strict=True)):
        label = "—" if percent is None else f"{percent:.0f}%"
        ax.text(width + 1.5, y, label, va="center", fontsize=8, color=_INK)
        if expected is not None:
            x = max(0.0, min(100.0, expected))
            ax.plot([x, x], [y - 0.42, y + 0.42], color=_INK, linewidth=2, solid_capstyle="butt")
    ax.set_yticks(positions, [_text(label) for label, _, _, _ in rows], fontsize=8, color=_INK)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.grid(axis="x", color=_GRID)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Progress toward target; black mark: expected at quarter end", fontsize=8)
    return _png(fig)


def mix_chart_png(
    categories: Sequence[str],
    groups: Mapping[str, Sequence[float | None]],
    colours: Sequence[str] = (),
) -> bytes:
    """Grouped bars: one group per category, one bar per series (planned, quarters), in %,
    the series coloured in order by `colours` (then Matplotlib's cycle). A missing value has
    no bar (not a zero)."""
    fig, ax = _figure(2.6)
    padded = [*colours, *[None] * max(0, len(groups) - len(colours))]
    drawn = [
        (name, values, colour)
        for (name, values), colour in zip(groups.items(), padded, strict=False)
        if any(v is not None for v in values)
    ]
    if not drawn:
        _empty(ax, "No posts in these quarters")
        return _png(fig)
    width = 0.8 / len(drawn)
    for i, (name, values, colour) in enumerate(drawn):
        xs = [c - 0.4 + width * (i + 0.5) for c in range(len(categories))]
        bars = ax.bar(
            [x for x, v in zip(xs, values, strict=True) if v is not None],
            [v for v in values if v is not None],
            width=width * 0.92,
            color=colour,
            label=_text(name),
        )
        ax.bar_label(bars, fmt="%.0f%%", fontsize=7, color=_MUTED, padding=1)
    ax.set_xticks(range(len(categories)), [_text(c) for c in categories], fontsize=8)
    ax.set_ylabel("% of posts", fontsize=8, color=_MUTED)
    ax.grid(axis="y", color=_GRID)
    ax.set_axisbelow(True)
    ax.margins(y=0.15)
    fig.legend(fontsize=8, frameon=False, ncols=len(drawn), loc="outside upper right")
    return _png(fig)


_ANNOTATION: Final = "#7c3aed"


def _draw_marks(ax: Any, marks: Sequence[Mark]) -> None:
    """Annotations on a time axis: a dotted line for a day, a shaded band for a range, the
    title written up along it (the PDF has no hover; its table gives the notes)."""
    for m in marks:
        if m.is_range:
            ax.axvspan(m.day, m.last_day, color=_ANNOTATION, alpha=0.10, linewidth=0, zorder=0)
        else:
            ax.axvline(m.day, color=_ANNOTATION, linewidth=1, linestyle=":", zorder=1)
        ax.annotate(
            _text(m.title, 32),
            xy=(mdates.date2num(m.day), 0.98),  # type: ignore[no-untyped-call]
            xycoords=ax.get_xaxis_transform(),
            xytext=(-2, 0),  # just left of the line, never over it
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="right",
            fontsize=6.5,
            color=_ANNOTATION,
        )


def followers_chart_png(
    series: Mapping[str, Sequence[tuple[date, float]]], marks: Sequence[Mark] = ()
) -> bytes:
    """One line per account (followers by day), each named in the legend; annotations
    (`marks`) as lines and bands."""
    fig, ax = _figure(2.8)
    drawn = {name: points for name, points in series.items() if points}
    if not drawn:
        _empty(ax, "No follower data for these accounts")
        return _png(fig)
    for i, (name, points) in enumerate(drawn.items()):
        ax.plot(
            [d for d, _ in points],
            [v for _, v in points],
            color=_LINE_COLOURS[i % len(_LINE_COLOURS)],
            linewidth=1.6,
            marker="o" if len(points) < 20 else None,
            markersize=3,
            label=_text(name, 40),
        )
    days = [d for points in drawn.values() for d, _ in points]
    if min(days) == max(days):  # one day only: give the axis some width around it
        ax.set_xlim(min(days) - timedelta(days=3), max(days) + timedelta(days=3))
    # Only what falls within the data: an annotation elsewhere is in the summary's table.
    _draw_marks(ax, [m for m in marks if m.last_day >= min(days) and m.day <= max(days)])
    locator = mdates.AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.yaxis.set_major_formatter(lambda value, _pos: f"{value:,.0f}")
    ax.set_ylabel("Followers", fontsize=8, color=_MUTED)
    ax.grid(color=_GRID)
    ax.set_axisbelow(True)
    ax.xaxis.get_offset_text().set_fontsize(7)
    fig.legend(fontsize=7, frameon=False, ncols=min(len(drawn), 3), loc="outside upper left")
    return _png(fig)


def reply_share_chart_png(
    series: Sequence[tuple[str, bool, Sequence[tuple[date, float]]]],
) -> bytes:
    """Reply share per week, one line per account; competitors dashed (as on the page)."""
    fig, ax = _figure(2.8)
    drawn = [(name, competitor, points) for name, competitor, points in series if points]
    if not drawn:
        _empty(ax, "No posts in the period")
        return _png(fig)
    for i, (name, competitor, points) in enumerate(drawn):
        ax.plot(
            [d for d, _ in points],
            [v for _, v in points],
            color=_LINE_COLOURS[i % len(_LINE_COLOURS)],
            linewidth=1.6,
            linestyle="--" if competitor else "-",
            marker="o" if len(points) < 20 else None,
            markersize=3,
            label=_text(f"{name} (competitor)" if competitor else name, 40),
        )
    days = [d for _, _, points in drawn for d, _ in points]
    if min(days) == max(days):
        ax.set_xlim(min(days) - timedelta(days=3), max(days) + timedelta(days=3))
    locator = mdates.AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.yaxis.set_major_formatter(lambda value, _pos: f"{value:.0f}%")
    ax.set_ylabel("Replies (% of posts)", fontsize=8, color=_MUTED)
    ax.grid(color=_GRID)
    ax.set_axisbelow(True)
    fig.legend(fontsize=7, frameon=False, ncols=min(len(drawn), 3), loc="outside upper left")
    return _png(fig)
