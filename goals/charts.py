"""Plotly figures from selector output. No ORM here: numbers in, figure JSON out.

Figures are built as the plain dicts Plotly.js reads ({"data": [traces], "layout": {...}}),
the JSON `plotly.graph_objects` would write for the same calls, default template included:
building and validating graph objects cost more CPU than anything else on the conversation
health and key result pages (tests/goals/test_charts.py holds the two to the same JSON)."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import plotly

from goals import progress
from goals.annotations.marks import Mark

# A figure: {"data": [trace, ...], "layout": {...}}, as Plotly.js takes it.
Figure = dict[str, Any]

_ACTUAL = "#2f5bd3"
_PACE = "#8a94a6"
_TARGET = "#1f7a4d"
_FORECAST = "#c2410c"

# The default template ("plotly") that graph objects put in every figure's layout; the
# package ships it as JSON.
_TEMPLATE_FILE = Path(plotly.__file__).resolve().parent / "package_data/templates/plotly.json"


@cache
def template() -> dict[str, Any]:
    """Plotly's default template, read once (never change the returned dict)."""
    loaded: dict[str, Any] = json.loads(_TEMPLATE_FILE.read_text(encoding="utf-8"))
    return loaded


def _figure() -> Figure:
    return {"data": [], "layout": {"template": template()}}


def _scatter(**props: Any) -> dict[str, Any]:
    return {**props, "type": "scatter"}


def _bar(**props: Any) -> dict[str, Any]:
    return {**props, "type": "bar"}


def _title(text: str | None) -> dict[str, Any]:
    """An axis title; graph objects write an empty one for no text."""
    return {"text": text} if text else {}


def _axis(fig: Figure, name: str, **props: Any) -> None:
    fig["layout"].setdefault(name, {}).update(props)


def _annotation_text(fig: Figure, text: str) -> None:
    """A message in the middle of the chart (no data)."""
    fig["layout"].setdefault("annotations", []).append(
        {"showarrow": False, "text": text, "x": 0.5, "xref": "paper", "y": 0.5, "yref": "paper"}
    )


def _layout(fig: Figure, *, unit: str, height: int = 380) -> None:
    fig["layout"].update(
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        height=height,
        plot_bgcolor="white",
        hovermode="x unified",
    )
    _axis(fig, "yaxis", title=_title(unit or None))
    _axis(fig, "xaxis", showgrid=True, gridcolor="#eef0f4")
    _axis(fig, "yaxis", showgrid=True, gridcolor="#eef0f4", zeroline=False)


def key_result_figure(
    *,
    points: Sequence[progress.Point],
    spec: progress.Spec,
    assessment: progress.Assessment,
    unit: str,
) -> Figure:
    """The actual series, the pacing line from baseline to target, the target (or band) and
    the forecast to the due date with its interval."""
    fig = _figure()
    data = fig["data"]
    judged = [p for p in points if p.day <= spec.due]
    after = [p for p in points if p.day > spec.due]
    if judged:
        data.append(
            _scatter(
                line={"color": _ACTUAL, "width": 2.5},
                mode="lines+markers" if len(judged) < 40 else "lines",
                name="Actual",
                x=[p.day for p in judged],
                y=[p.value for p in judged],
            )
        )
    if after:  # shown, greyed: data after the due date never changes a closed key result
        data.append(
            _scatter(
                line={"color": "#9ca3af", "width": 1.5},
                mode="lines+markers",
                name="After the due date (not counted)",
                x=[p.day for p in after],
                y=[p.value for p in after],
            )
        )
    if spec.direction is not progress.Direction.BAND and spec.target is not None:
        data.append(
            _scatter(
                line={"color": _PACE, "dash": "dot"},
                mode="lines",
                name="Pace (baseline → target)",
                x=[spec.start, spec.due],
                y=[spec.baseline, spec.target],
            )
        )
        data.append(
            _scatter(
                line={"color": _TARGET, "dash": "dash"},
                mode="lines",
                name="Target",
                x=[spec.start, spec.due],
                y=[spec.target, spec.target],
            )
        )
    elif spec.band_low is not None and spec.band_high is not None:
        # What graph objects' add_hrect draws: a band across the plot, labelled at its top.
        fig["layout"]["shapes"] = [
            {
                "fillcolor": _TARGET,
                "line": {"width": 0},
                "opacity": 0.12,
                "type": "rect",
                "x0": 0,
                "x1": 1,
                "xref": "x domain",
                "y0": spec.band_low,
                "y1": spec.band_high,
                "yref": "y",
            }
        ]
        fig["layout"]["annotations"] = [
            {
                "showarrow": False,
                "text": "Band",
                "x": 0,
                "xanchor": "left",
                "xref": "x domain",
                "y": spec.band_high,
                "yanchor": "top",
                "yref": "y",
            }
        ]
    forecast = assessment.forecast
    if forecast is not None and assessment.as_of is not None and assessment.current is not None:
        # From the last point judged (data after the due date does not count).
        last = progress.Point(assessment.as_of, assessment.current)
        data.append(
            _scatter(
                fill="toself",
                fillcolor="rgba(194,65,12,0.12)",
                hoverinfo="skip",
                line={"width": 0},
                mode="lines",
                name="Forecast interval (90%)",
                x=[last.day, spec.due, spec.due, last.day],
                y=[last.value, forecast.high, forecast.low, last.value],
            )
        )
        data.append(
            _scatter(
                line={"color": _FORECAST, "dash": "dash"},
                mode="lines",
                name="Forecast",
                x=[last.day, spec.due],
                y=[last.value, forecast.at_due],
            )
        )
    end = max([spec.due, *(p.day for p in after)])
    _axis(fig, "xaxis", range=[spec.start - timedelta(days=1), end + timedelta(days=1)])
    _layout(fig, unit=unit)
    return fig


def lines_figure(
    series: dict[str, Sequence[tuple[date, float]]], *, unit: str, height: int = 320
) -> Figure:
    """Several named series on one chart (conversation health, competitors)."""
    fig = _figure()
    for name, values in series.items():
        fig["data"].append(
            _scatter(
                mode="lines+markers",
                name=name,
                x=[d for d, _ in values],
                y=[v for _, v in values],
            )
        )
    _layout(fig, unit=unit, height=height)
    return fig


def bars_figure(
    categories: Sequence[str],
    groups: dict[str, Sequence[float]],
    *,
    unit: str,
    height: int = 320,
    colours: Sequence[str] = (),
) -> Figure:
    """Grouped bars: e.g. planned vs actual content mix, or accounts side by side. The
    groups take `colours` in order, where given (else the template's colour sequence)."""
    fig = _figure()
    for i, (name, values) in enumerate(groups.items()):
        bar = _bar(name=name, x=list(categories), y=list(values))
        if i < len(colours):
            bar["marker"] = {"color": colours[i]}
        fig["data"].append(bar)
    fig["layout"]["barmode"] = "group"
    _layout(fig, unit=unit, height=height)
    return fig


_ANNOTATION = "#7c3aed"
ANNOTATION_TRACE = "Annotations"


def add_annotations(fig: Figure, marks: Sequence[Mark]) -> Figure:
    """Mark dated annotations on a time chart: a vertical line for a day, a shaded band for
    a range. Shapes carry no hover text in Plotly, so an invisible-line marker at the top of
    each one (on a hidden 0–1 axis over the chart) says the title, dates and note."""
    if not marks:
        return fig
    shapes = fig["layout"].setdefault("shapes", [])
    for m in marks:
        if m.is_range:
            shapes.append(
                {
                    "fillcolor": _ANNOTATION,
                    "layer": "below",
                    "line": {"width": 0},
                    "name": m.title,
                    "opacity": 0.10,
                    "type": "rect",
                    "x0": m.day,
                    "x1": m.last_day,
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "paper",
                }
            )
        else:
            shapes.append(
                {
                    "line": {"color": _ANNOTATION, "dash": "dot", "width": 1.5},
                    "name": m.title,
                    "type": "line",
                    "x0": m.day,
                    "x1": m.day,
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "paper",
                }
            )
    fig["data"].append(
        _scatter(
            hovertemplate="%{hovertext}<extra></extra>",
            hovertext=[_hover_html(m.hover) for m in marks],
            marker={"color": _ANNOTATION, "size": 10, "symbol": "triangle-down"},
            mode="markers",
            name=ANNOTATION_TRACE,
            x=[m.day for m in marks],
            y=[1.0] * len(marks),
            yaxis="y2",
        )
    )
    _axis(fig, "yaxis2", overlaying="y", range=[0, 1.04], visible=False, fixedrange=True)
    return fig


def _hover_html(text: str) -> str:
    """Plotly reads hover text as a few HTML tags (links included): people's words are
    escaped, and only the line breaks become tags."""
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def _plain(value: Any) -> Any:
    """What Plotly's JSON encoder writes for the types a figure here holds."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in a figure")


def _strict(constant: str) -> None:
    """NaN and infinities: null, as Plotly writes them (no bar, no point)."""
    return None


def to_json(fig: Figure) -> str:
    """Figure JSON safe to put inside a <script type="application/json"> element."""
    text = json.dumps(fig, separators=(",", ":"), default=_plain)
    if "NaN" in text or "Infinity" in text:
        # Python writes the extended constants; JSON has none (maybe a false alarm, in a
        # title: then the round trip changes nothing).
        text = json.dumps(
            json.loads(text, parse_constant=_strict), separators=(",", ":"), default=_plain
        )
    # "<", ">", "&" and "/" only occur inside JSON strings, where the escapes mean the same.
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("/", "\\u002f")
        .replace("&", "\\u0026")
    )


_COMPETITOR = "#c2410c"


def accounts_bars_figure(bars: Sequence[tuple[str, bool, float | None]], *, unit: str) -> Figure:
    """One horizontal bar per account (long account names stay readable), own accounts and
    competitors in two colours, in the order given from the top.

    `bars` is (label, is_competitor, value); an account without a value keeps its place
    with no bar, rather than showing a misleading zero.
    """
    fig = _figure()
    for name, competitor, colour in (
        ("Own accounts", False, _ACTUAL),
        ("Competitors", True, _COMPETITOR),
    ):
        side = [
            (label, value) for label, is_competitor, value in bars if is_competitor is competitor
        ]
        if side:
            fig["data"].append(
                _bar(
                    marker={"color": colour},
                    name=name,
                    orientation="h",
                    x=[value for _, value in side],
                    y=[label for label, _ in side],
                )
            )
    if all(value is None for _, _, value in bars):
        _annotation_text(fig, "No data for these accounts in the period")
    _layout(fig, unit="", height=90 + 32 * max(len(bars), 1))
    # Each account has one bar: stacking disjoint traces keeps each bar centred on its label.
    fig["layout"].update(
        barmode="relative",
        hovermode="closest",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 20, "r": 20, "t": 30, "b": 40},
    )
    _axis(fig, "xaxis", title=_title(unit or None))
    _axis(
        fig,
        "yaxis",
        categoryorder="array",
        categoryarray=[label for label, _, _ in reversed(bars)],
        automargin=True,
        showgrid=False,
    )
    return fig


def accounts_lines_figure(
    series: dict[str, Sequence[tuple[date, float]]], *, unit: str, height: int = 320
) -> Figure:
    """One line per account, each named in the legend even when it is the only one."""
    fig = lines_figure(series, unit=unit, height=height)
    fig["layout"]["showlegend"] = True
    if not series:
        _annotation_text(fig, "No account has two follower levels in the period")
    return fig


_STATUS_COLOURS = {
    "achieved": "#1f7a4d",
    "on_track": "#2f5bd3",
    "at_risk": "#d97706",
    "off_track": "#b42318",
}
_NEUTRAL = "#98a2b3"


def status_colour(status: str) -> str:
    """The bar colour of a key result status (grey for no data, stale, not started)."""
    return _STATUS_COLOURS.get(status, _NEUTRAL)


def progress_bars_figure(
    rows: Sequence[tuple[str, float | None, float | None, str]],
) -> Figure:
    """One horizontal bar per key result, in the order given from the top: progress in
    percent (clamped to 0–100 for the bar, the label says the real number), a black mark at
    the percent expected by now, the bar coloured by status.

    `rows` is (label, percent, expected percent, status); a key result without a percent
    (a band, no data) keeps its row with no bar. Rows are placed by position, so two key
    results with the same name stay two rows.
    """
    positions = list(range(len(rows)))
    fig = _figure()
    fig["data"].append(
        _bar(
            cliponaxis=False,
            hovertemplate="%{hovertext}: %{text}<extra></extra>",
            hovertext=[label for label, _, _, _ in rows],
            marker={"color": [status_colour(status) for _, _, _, status in rows]},
            name="Progress",
            orientation="h",
            text=["—" if p is None else f"{p:.0f}%" for _, p, _, _ in rows],
            textposition="outside",
            x=[None if p is None else max(0.0, min(100.0, p)) for _, p, _, _ in rows],
            y=positions,
        )
    )
    marks = [(i, e) for i, (_, _, e, _) in enumerate(rows) if e is not None]
    if marks:
        fig["data"].append(
            _scatter(
                hovertemplate="Expected: %{x:.0f}%<extra></extra>",
                marker={"line": {"color": "#1d2433", "width": 3}, "size": 18, "symbol": "line-ns"},
                mode="markers",
                name="Expected at quarter end",
                x=[max(0.0, min(100.0, e)) for _, e in marks],
                y=[i for i, _ in marks],
            )
        )
    _layout(fig, unit="", height=110 + 30 * max(len(rows), 1))
    fig["layout"].update(
        hovermode="closest",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 20, "r": 40, "t": 30, "b": 40},
    )
    _axis(fig, "xaxis", title=_title("Progress toward target (%)"), range=[0, 112], ticksuffix="%")
    _axis(
        fig,
        "yaxis",
        tickvals=positions,
        ticktext=[label for label, _, _, _ in rows],
        autorange="reversed",
        automargin=True,
        ticklabelstandoff=6,
        showgrid=False,
    )
    return fig


def reply_share_weeks_figure(
    series: Sequence[tuple[str, bool, Sequence[tuple[date, float]]]], *, height: int = 340
) -> Figure:
    """Reply share per week, one line per account: own accounts solid, competitors dashed
    in the competitors' colour family, so the two postures read apart at a glance.

    `series` is (label, is_competitor, [(week's Monday, percent)]); accounts without posts
    in the period are left out.
    """
    fig = _figure()
    for label, competitor, points in series:
        if not points:
            continue
        trace = _scatter(
            mode="lines+markers",
            name=f"{label} (competitor)" if competitor else label,
            x=[day for day, _ in points],
            y=[value for _, value in points],
        )
        if competitor:
            trace = {"line": {"dash": "dash"}, **trace}
        fig["data"].append(trace)
    _layout(fig, unit="% of posts that are replies", height=height)
    fig["layout"]["showlegend"] = True
    if not fig["data"]:
        _annotation_text(fig, "No posts in the period")
    return fig
