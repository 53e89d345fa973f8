"""Annotations in the quarterly summary: stored in the snapshot, listed in a table (HTML,
PDF), a sheet of the XLSX, and marked on the follower chart (Plotly shapes in the HTML,
lines and bands in the PDF's image)."""

import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from goals import periods
from goals.annotations.marks import Mark
from goals.models import Annotation
from goals.summaries.html import summary_context, summary_html
from goals.summaries.pdf import summary_pdf
from goals.summaries.snapshot import build_summary
from goals.summaries.static_charts import followers_chart_png
from goals.summaries.tabular import annotation_rows, summary_xlsx
from metrics.models import MetricObservation
from tests.factories import AccountFactory, KeyResultFactory, StrategyFactory

Q3 = periods.parse("2026Q3")


@pytest.fixture
def snapshot(team, other_team):
    account = AccountFactory(team=team, handle="loomwell")
    for day, value in ((date(2026, 7, 1), 100), (date(2026, 8, 1), 130), (date(2026, 9, 1), 150)):
        MetricObservation.objects.create(
            account=account, metric="followers", date=day, value=Decimal(value)
        )
    strategy = StrategyFactory(team=team)
    kr = KeyResultFactory(objective__strategy=strategy, name="Followers to 200")
    Annotation.objects.create(
        team=team, date=date(2026, 7, 14), title="Campaign launched", note="Summer"
    )
    Annotation.objects.create(
        team=team,
        account=account,
        date=date(2026, 8, 10),
        end_date=date(2026, 8, 12),
        title="Platform outage",
    )
    Annotation.objects.create(team=team, key_result=kr, date=date(2026, 9, 2), title="KR note")
    Annotation.objects.create(team=team, date=date(2026, 6, 2), title="Last quarter")
    Annotation.objects.create(team=other_team, date=date(2026, 8, 1), title="Not ours")
    return build_summary(team=team, quarter=Q3, today=date(2026, 11, 25))


def test_the_snapshot_holds_the_teams_annotations_of_the_quarter(snapshot):
    assert [
        (a["date"], a["end_date"], a["title"], a["scope"]) for a in snapshot["annotations"]
    ] == [
        ("2026-07-14", None, "Campaign launched", "Team-wide"),
        ("2026-08-10", "2026-08-12", "Platform outage", "Account: X (Twitter) @loomwell"),
        ("2026-09-02", None, "KR note", "Key result: Followers to 200"),
    ]
    json.dumps(snapshot)  # stored as JSON


def test_the_html_lists_them_and_marks_the_follower_chart(snapshot):
    html = summary_html(snapshot)
    section = html.split('aria-label="Annotations"')[1].split("</section>")[0]
    assert re.findall(r"<td class=\"post-text\">([^<]*)</td>", section)[::2] == [
        "Campaign launched",
        "Platform outage",
        "KR note",
    ]
    assert "10 Aug 2026 – 12 Aug 2026" in section
    figure = json.loads(summary_context(snapshot)["charts"]["followers"].figure_json)
    # One key result's annotation stays off the accounts' chart.
    assert [(s["type"], s["name"]) for s in figure["layout"]["shapes"]] == [
        ("line", "Campaign launched"),
        ("rect", "Platform outage"),
    ]


def test_the_xlsx_has_a_sheet_of_them(snapshot):
    workbook = load_workbook(io.BytesIO(summary_xlsx(snapshot)))
    rows = list(workbook["Annotations"].iter_rows(values_only=True))
    assert rows[0] == ("Date", "End date", "Title", "Shown on", "Note")
    assert [(r[0].date(), r[1] and r[1].date(), r[2]) for r in rows[1:]] == [
        (date(2026, 7, 14), None, "Campaign launched"),
        (date(2026, 8, 10), date(2026, 8, 12), "Platform outage"),
        (date(2026, 9, 2), None, "KR note"),
    ]
    assert len(list(annotation_rows(snapshot))) == 3


def test_a_title_a_spreadsheet_would_run_stays_text(snapshot):
    snapshot["annotations"][0]["title"] = '=HYPERLINK("http://evil.example")'
    workbook = load_workbook(io.BytesIO(summary_xlsx(snapshot)))
    assert workbook["Annotations"]["C2"].value == '\'=HYPERLINK("http://evil.example")'


def test_a_snapshot_stored_before_annotations_still_renders(snapshot):
    del snapshot["annotations"]
    assert "No annotations in this quarter." in summary_html(snapshot)
    workbook = load_workbook(io.BytesIO(summary_xlsx(snapshot)))
    assert workbook["Annotations"].max_row == 1


@pytest.mark.pdf
def test_the_pdf_lists_them(snapshot):
    reader = PdfReader(io.BytesIO(summary_pdf(snapshot)))
    text = re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))
    assert "Campaign launched" in text and "Platform outage" in text


def test_the_pdf_follower_chart_draws_the_marks():
    series = {"X @loomwell": [(date(2026, 7, 1), 100.0), (date(2026, 9, 1), 150.0)]}
    plain = followers_chart_png(series)
    marks = [
        Mark(date(2026, 7, 14), None, "Campaign launched"),
        Mark(date(2026, 8, 10), date(2026, 8, 12), "Platform outage"),
    ]
    marked = followers_chart_png(series, marks)
    assert marked != plain
    # A mark outside the data's days is left to the table: the image is as without it.
    outside = followers_chart_png(series, [Mark(date(2026, 9, 20), None, "Later")])
    assert outside == plain
