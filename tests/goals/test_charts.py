"""goals.charts builds figures as plain dicts: each must be the JSON Plotly's graph objects
write for it (validated by them, unchanged by their round trip, default template included)."""

import json
from datetime import date, timedelta
from decimal import Decimal

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from goals import charts, progress
from goals.annotations.marks import Mark

START, DUE = date(2026, 7, 1), date(2026, 9, 30)
MARKS = [
    Mark(date(2026, 7, 10), None, "Launch </script>", "line one\n<b>& two</b>"),
    Mark(date(2026, 8, 3), date(2026, 8, 9), "Campaign", "", "@loomwell"),
]


def _spec(**changes):
    fields = {
        "baseline": 100.0,
        "target": 200.0,
        "direction": progress.Direction.INCREASE,
        "start": START,
        "due": DUE,
    }
    return progress.Spec(**{**fields, **changes})


def _points(days, step=2.0):
    return [progress.Point(START + timedelta(days=d), 100.0 + step * d) for d in range(days)]


def _key_result(spec, points, today):
    return charts.key_result_figure(
        points=points, spec=spec, assessment=progress.assess(spec, points, today), unit="Followers"
    )


FIGURES = {
    "key result, forecast": lambda: _key_result(_spec(), _points(30), date(2026, 7, 30)),
    "key result, closed, data after": lambda: _key_result(
        _spec(), _points(100), date(2026, 10, 20)
    ),
    "key result, band": lambda: _key_result(
        _spec(direction=progress.Direction.BAND, target=None, band_low=1.0, band_high=2.5),
        _points(20, step=0.01),
        date(2026, 7, 20),
    ),
    "key result, no data, annotated": lambda: charts.add_annotations(
        _key_result(_spec(), [], date(2026, 7, 2)), MARKS
    ),
    "lines, annotated": lambda: charts.add_annotations(
        charts.lines_figure({"Reply share": [(START, 12.5), (DUE, 20.0)]}, unit="%"), MARKS
    ),
    "grouped bars, coloured": lambda: charts.bars_figure(
        ["Conversation", "Helpful"],
        # A Decimal, as a selector may hand one over: written as a number.
        {"Planned": [40.0, 60.0], "Actual": [Decimal("37.5"), float("nan")]},  # type: ignore[list-item]
        unit="% of posts",
        colours=["#98a2b3"],
    ),
    "account bars": lambda: charts.accounts_bars_figure(
        [("@own", False, 3.5), ("@rival", True, None)], unit="posts"
    ),
    "account bars, no data": lambda: charts.accounts_bars_figure([("@own", False, None)], unit=""),
    "account lines, none": lambda: charts.accounts_lines_figure({}, unit="followers"),
    "progress bars": lambda: charts.progress_bars_figure(
        [("Followers", 130.0, 40.0, "achieved"), ("Band", None, None, "no_data")]
    ),
    "reply share weeks": lambda: charts.reply_share_weeks_figure(
        [("@own", False, [(START, 30.0)]), ("@rival", True, [(START, 5.0)]), ("@quiet", True, [])]
    ),
    "reply share weeks, none": lambda: charts.reply_share_weeks_figure([]),
}


def _without_empty(value):
    """The figure less its empty objects (an axis title without text, `{}`: graph objects
    write one for `yaxis_title=None` and drop it when reading a figure back)."""
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if v != {}}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


@pytest.mark.parametrize("name", FIGURES)
def test_it_writes_the_json_plotlys_graph_objects_write_for_the_figure(name):
    ours = json.loads(charts.to_json(FIGURES[name]()))
    # Graph objects validate every property (an unknown one or a bad value raises) and
    # write back the figure as they would have built it.
    theirs = json.loads(pio.to_json(go.Figure(ours)))
    assert _without_empty(ours) == _without_empty(theirs)


def test_the_figure_carries_plotlys_default_template():
    assert charts.template() == go.Figure().to_dict()["layout"]["template"]
    figure = json.loads(charts.to_json(charts.lines_figure({}, unit="")))
    assert figure["layout"]["template"] == go.Figure().to_dict()["layout"]["template"]


def test_it_draws_the_key_result_as_graph_objects_did():
    """The figure the key result page drew with graph objects before, call for call."""
    spec = _spec()
    points = _points(30)
    assessment = progress.assess(spec, points, date(2026, 7, 30))
    assert assessment.forecast is not None and assessment.as_of is not None
    reference = go.Figure()
    reference.add_trace(
        go.Scatter(
            x=[p.day for p in points],
            y=[p.value for p in points],
            mode="lines+markers",
            name="Actual",
            line={"color": "#2f5bd3", "width": 2.5},
        )
    )
    for name, ys, style in (
        ("Pace (baseline → target)", [100.0, 200.0], {"color": "#8a94a6", "dash": "dot"}),
        ("Target", [200.0, 200.0], {"color": "#1f7a4d", "dash": "dash"}),
    ):
        reference.add_trace(go.Scatter(x=[START, DUE], y=ys, mode="lines", name=name, line=style))
    last, forecast = assessment.as_of, assessment.forecast
    reference.add_trace(
        go.Scatter(
            x=[last, DUE, DUE, last],
            y=[assessment.current, forecast.high, forecast.low, assessment.current],
            mode="lines",
            fill="toself",
            fillcolor="rgba(194,65,12,0.12)",
            line={"width": 0},
            name="Forecast interval (90%)",
            hoverinfo="skip",
        )
    )
    reference.add_trace(
        go.Scatter(
            x=[last, DUE],
            y=[assessment.current, forecast.at_due],
            mode="lines",
            name="Forecast",
            line={"color": "#c2410c", "dash": "dash"},
        )
    )
    reference.update_xaxes(range=[START - timedelta(days=1), DUE + timedelta(days=1)])
    reference.update_layout(
        height=380,
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        yaxis_title="Followers",
        plot_bgcolor="white",
        hovermode="x unified",
    )
    reference.update_xaxes(showgrid=True, gridcolor="#eef0f4")
    reference.update_yaxes(showgrid=True, gridcolor="#eef0f4", zeroline=False)

    ours = charts.key_result_figure(
        points=points, spec=spec, assessment=assessment, unit="Followers"
    )
    assert json.loads(charts.to_json(ours)) == json.loads(reference.to_json())


def test_missing_numbers_are_null_and_the_json_cannot_close_its_script_element():
    text = charts.to_json(
        charts.add_annotations(
            charts.bars_figure(["A", "B"], {"Actual": [float("nan"), float("inf")]}, unit="%"),
            MARKS,
        )
    )
    assert "<" not in text and ">" not in text and "&" not in text
    figure = json.loads(text)
    assert figure["data"][0]["y"] == [None, None]
    hover = next(t for t in figure["data"] if t["name"] == charts.ANNOTATION_TRACE)
    assert hover["hovertext"][0].startswith("Launch &lt;/script&gt;<br>10 Jul 2026")
