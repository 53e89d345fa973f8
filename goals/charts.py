"""Plotly figures from selector output. No ORM here: numbers in, figure JSON out."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, timedelta

import plotly.graph_objects as go

from goals import progress
from goals.annotations.marks import Mark

_ACTUAL = "#2f5bd3"
_PACE = "#8a94a6"
_TARGET = "#1f7a4d"
_FORECAST = "#c2410c"


def _layout(fig: go.Figure, *, unit: str, height: int = 380) -> None:
    fig.update_layout(
        height=height,
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        yaxis_title=unit or None,
        plot_bgcolor="white",
        hovermode="x unified",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eef0f4")
    fig.update_yaxes(showgrid=True, gridcolor="#eef0f4", zeroline=False)


def key_result_figure(
    *,
    points: Sequence[progress.Point],
    spec: progress.Spec,
    assessment: progress.Assessment,
    unit: str,
) -> go.Figure:
    """The actual series, the pacing line from baseline to target, the target (or band) and
    the forecast to the due date with its interval."""
    fig = go.Figure()
    judged = [p for p in points if p.day <= spec.due]
    after = [p for p in points if p.day > spec.due]
    if judged:
        fig.add_trace(
            go.Scatter(
                x=[p.day for p in judged],
                y=[p.value for p in judged],
                mode="lines+markers" if len(judged) < 40 else "lines",
                name="Actual",
                line={"color": _ACTUAL, "width": 2.5},
            )
        )
    if after:  # shown, greyed: data after the due date never changes a closed key result
        fig.add_trace(
            go.Scatter(
                x=[p.day for p in after],
                y=[p.value for p in after],
                mode="lines+markers",
                name="After the due date (not counted)",
                line={"color": "#9ca3af", "width": 1.5},
            )
        )
    if spec.direction is not progress.Direction.BAND and spec.target is not None:
        fig.add_trace(
            go.Scatter(
                x=[spec.start, spec.due],
                y=[spec.baseline, spec.target],
                mode="lines",
                name="Pace (baseline → target)",
                line={"color": _PACE, "dash": "dot"},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[spec.start, spec.due],
                y=[spec.target, spec.target],
                mode="lines",
                name="Target",
                line={"color": _TARGET, "dash": "dash"},
            )
        )
    elif spec.band_low is not None and spec.band_high is not None:
        fig.add_hrect(
            y0=spec.band_low,
            y1=spec.band_high,
            fillcolor=_TARGET,
            opacity=0.12,
            line_width=0,
            annotation_text="Band",
            annotation_position="top left",
        )
    forecast = assessment.forecast
    if forecast is not None and assessment.as_of is not None and assessment.current is not None:
        # From the last point judged (data after the due date does not count).
        last = progress.Point(assessment.as_of, assessment.current)
        fig.add_trace(
            go.Scatter(
                x=[last.day, spec.due, spec.due, last.day],
                y=[last.value, forecast.high, forecast.low, last.value],
                mode="lines",
                fill="toself",
                fillcolor="rgba(194,65,12,0.12)",
                line={"width": 0},
                name="Forecast interval (90%)",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[last.day, spec.due],
                y=[last.value, forecast.at_due],
                mode="lines",
                name="Forecast",
                line={"color": _FORECAST, "dash": "dash"},
            )
        )
    end = max([spec.due, *(p.day for p in after)])
    fig.update_xaxes(range=[spec.start - timedelta(days=1), end + timedelta(days=1)])
    _layout(fig, unit=unit)
    return fig


def lines_figure(
    series: dict[str, Sequence[tuple[date, float]]], *, unit: str, height: int = 320
) -> go.Figure:
    """Several named series on one chart (conversation health, competitors)."""
    fig = go.Figure()
    for name, values in series.items():
        fig.add_trace(
            go.Scatter(
                x=[d for d, _ in values], y=[v for _, v in values], mode="lines+markers", name=name
            )
        )
    _layout(fig, unit=unit, height=height)
    return fig


def bars_figure(
    categories: Sequence[str], groups: dict[str, Sequence[float]], *, unit: str, height: int = 320
) -> go.Figure:
    """Grouped bars: e.g. planned vs actual content mix, or accounts side by side."""
    fig = go.Figure()
    for name, values in groups.items():
        fig.add_trace(go.Bar(x=list(categories), y=list(values), name=name))
    fig.update_layout(barmode="group")
    _layout(fig, unit=unit, height=height)
    return fig


_ANNOTATION = "#7c3aed"
ANNOTATION_TRACE = "Annotations"


def add_annotations(fig: go.Figure, marks: Sequence[Mark]) -> go.Figure:
    """Mark dated annotations on a time chart: a vertical line for a day, a shaded band for
    a range. Shapes carry no hover text in Plotly, so an invisible-line marker at the top of
    each one (on a hidden 0–1 axis over the chart) says the title, dates and note."""
    if not marks:
        return fig
    for m in marks:
        if m.is_range:
            fig.add_shape(
                type="rect",
                name=m.title,
                xref="x",
                yref="paper",
                x0=m.day,
                x1=m.last_day,
                y0=0,
                y1=1,
                fillcolor=_ANNOTATION,
                opacity=0.10,
                line_width=0,
                layer="below",
            )
        else:
            fig.add_shape(
                type="line",
                name=m.title,
                xref="x",
                yref="paper",
                x0=m.day,
                x1=m.day,
                y0=0,
                y1=1,
                line={"color": _ANNOTATION, "width": 1.5, "dash": "dot"},
            )
    fig.add_trace(
        go.Scatter(
            x=[m.day for m in marks],
            y=[1.0] * len(marks),
            yaxis="y2",
            mode="markers",
            name=ANNOTATION_TRACE,
            marker={"color": _ANNOTATION, "symbol": "triangle-down", "size": 10},
            hovertext=[_hover_html(m.hover) for m in marks],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.update_layout(
        yaxis2={
            "overlaying": "y",
            "range": [0, 1.04],
            "visible": False,
            "fixedrange": True,
        }
    )
    return fig


def _hover_html(text: str) -> str:
    """Plotly reads hover text as a few HTML tags (links included): people's words are
    escaped, and only the line breaks become tags."""
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def to_json(fig: go.Figure) -> str:
    """Figure JSON safe to put inside a <script type="application/json"> element."""
    # "<", ">" and "&" only occur inside JSON strings, where the escapes mean the same.
    text: str = fig.to_json()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_COMPETITOR = "#c2410c"


def accounts_bars_figure(bars: Sequence[tuple[str, bool, float | None]], *, unit: str) -> go.Figure:
    """One horizontal bar per account (long account names stay readable), own accounts and
    competitors in two colours, in the order given from the top.

    `bars` is (label, is_competitor, value); an account without a value keeps its place
    with no bar, rather than showing a misleading zero.
    """
    fig = go.Figure()
    for name, competitor, colour in (
        ("Own accounts", False, _ACTUAL),
        ("Competitors", True, _COMPETITOR),
    ):
        side = [
            (label, value) for label, is_competitor, value in bars if is_competitor is competitor
        ]
        if side:
            fig.add_trace(
                go.Bar(
                    y=[label for label, _ in side],
                    x=[value for _, value in side],
                    name=name,
                    orientation="h",
                    marker_color=colour,
                )
            )
    if all(value is None for _, _, value in bars):
        fig.add_annotation(
            text="No data for these accounts in the period",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
        )
    _layout(fig, unit="", height=90 + 32 * max(len(bars), 1))
    # Each account has one bar: stacking disjoint traces keeps each bar centred on its label.
    fig.update_layout(
        barmode="relative",
        hovermode="closest",
        xaxis_title=unit or None,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 20, "r": 20, "t": 30, "b": 40},
    )
    fig.update_yaxes(
        categoryorder="array",
        categoryarray=[label for label, _, _ in reversed(bars)],
        automargin=True,
        showgrid=False,
    )
    return fig


def accounts_lines_figure(
    series: dict[str, Sequence[tuple[date, float]]], *, unit: str, height: int = 320
) -> go.Figure:
    """One line per account, each named in the legend even when it is the only one."""
    fig = lines_figure(series, unit=unit, height=height)
    fig.update_layout(showlegend=True)
    if not series:
        fig.add_annotation(
            text="No account has two follower levels in the period",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
        )
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
) -> go.Figure:
    """One horizontal bar per key result, in the order given from the top: progress in
    percent (clamped to 0–100 for the bar, the label says the real number), a black mark at
    the percent expected by now, the bar coloured by status.

    `rows` is (label, percent, expected percent, status); a key result without a percent
    (a band, no data) keeps its row with no bar. Rows are placed by position, so two key
    results with the same name stay two rows.
    """
    positions = list(range(len(rows)))
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=positions,
            x=[None if p is None else max(0.0, min(100.0, p)) for _, p, _, _ in rows],
            orientation="h",
            marker_color=[status_colour(status) for _, _, _, status in rows],
            text=["—" if p is None else f"{p:.0f}%" for _, p, _, _ in rows],
            textposition="outside",
            cliponaxis=False,
            name="Progress",
            hovertext=[label for label, _, _, _ in rows],
            hovertemplate="%{hovertext}: %{text}<extra></extra>",
        )
    )
    marks = [(i, e) for i, (_, _, e, _) in enumerate(rows) if e is not None]
    if marks:
        fig.add_trace(
            go.Scatter(
                y=[i for i, _ in marks],
                x=[max(0.0, min(100.0, e)) for _, e in marks],
                mode="markers",
                marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": "#1d2433"}},
                name="Expected at quarter end",
                hovertemplate="Expected: %{x:.0f}%<extra></extra>",
            )
        )
    _layout(fig, unit="", height=110 + 30 * max(len(rows), 1))
    fig.update_layout(
        hovermode="closest",
        xaxis_title="Progress toward target (%)",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 20, "r": 40, "t": 30, "b": 40},
    )
    fig.update_xaxes(range=[0, 112], ticksuffix="%")
    fig.update_yaxes(
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
) -> go.Figure:
    """Reply share per week, one line per account: own accounts solid, competitors dashed
    in the competitors' colour family, so the two postures read apart at a glance.

    `series` is (label, is_competitor, [(week's Monday, percent)]); accounts without posts
    in the period are left out.
    """
    fig = go.Figure()
    for label, competitor, points in series:
        if not points:
            continue
        fig.add_trace(
            go.Scatter(
                x=[day for day, _ in points],
                y=[value for _, value in points],
                mode="lines+markers",
                name=f"{label} (competitor)" if competitor else label,
                line={"dash": "dash"} if competitor else {},
            )
        )
    _layout(fig, unit="% of posts that are replies", height=height)
    fig.update_layout(showlegend=True)
    if not fig.data:
        fig.add_annotation(
            text="No posts in the period",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
        )
    return fig
