"""The quarterly summary as HTML and PDF, rendered from a hand-made snapshot (no database).

The PDF's first page is saved as test-artifacts/summary-page1.png (pdftoppm, poppler-utils).
On CI a missing pdftoppm fails the test; elsewhere it is skipped, saying why.
"""

import base64
import copy
import io
import json
import os
import re
import shutil
import subprocess
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from goals.summaries.html import expected_percent, summary_html
from goals.summaries.pdf import pdf_url_fetcher, summary_pdf
from goals.summaries.static_charts import followers_chart_png, mix_chart_png, progress_chart_png

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
SCRIPT = "<script>alert(1)</script>"


def weekly(start, weeks, first, step):
    return [
        ((date.fromisoformat(start) + timedelta(weeks=i)).isoformat(), first + step * i)
        for i in range(weeks)
    ]


def key_result(id, name, **fields):
    kr = {
        "id": id,
        "name": name,
        "metric_key": "followers",
        "metric_label": "Followers",
        "unit": "followers",
        "direction": "increase",
        "baseline": 0.0,
        "target": 100.0,
        "band_low": None,
        "band_high": None,
        "start_date": "2026-07-01",
        "due_date": "2026-09-30",
        "weight": 1.0,
        "value_at_start": None,
        "value_at_end": None,
        "as_of": None,
        "previous_value": None,
        "change_vs_previous": None,
        "progress": None,
        "expected_at_end": None,
        "status": "no_data",
        "status_label": "No data",
        "forecast_at_due": None,
        "forecast_low": None,
        "forecast_high": None,
        "latest_check_in": None,
        "series": [],
    }
    kr.update(fields)
    return kr


def numbers(posts, mix, reply_share, with_at, people, new, questions):
    conversation, sharing, helpful, promotional = mix
    return {
        "posts": posts,
        "mix": {
            "conversation": conversation,
            "sharing": sharing,
            "helpful": helpful,
            "promotional": promotional,
        },
        "reply_share": reply_share,
        "with_at_ratio": with_at,
        "people_addressed": people,
        "new_people": new,
        "questions": questions,
    }


def post(account, published_at, text, permalink, engagements, likes, replies):
    return {
        "account": account,
        "published_at": published_at,
        "text": text,
        "permalink": permalink,
        "engagements": engagements,
        "likes": likes,
        "replies": replies,
    }


TIKTOK = "TikTok @loomwellroast"
X = "X (Twitter) @loomwellroast"
RIVAL = "X (Twitter) @grindhouse_coffee"

KEY_RESULTS = [
    key_result(
        1,
        "TikTok followers grow to 4,300",
        baseline=3000.0,
        target=4300.0,
        due_date="2026-12-31",
        weight=2.0,
        value_at_start=3050.0,
        value_at_end=3806.0,
        as_of="2026-09-30",
        previous_value=2980.0,
        change_vs_previous=826.0,
        progress=0.62,  # (3806 - 3000) / 1300
        expected_at_end=3650.0,
        status="on_track",
        status_label="On track",
        forecast_at_due=4410.0,
        forecast_low=4120.0,
        forecast_high=4700.0,
        latest_check_in={
            "date": "2026-09-24",
            "value": 3790.0,
            "confidence": "high",
            "note": "Barista duets keep working; two more planned.",
        },
        series=weekly("2026-07-01", 13, 3050.0, 58.0),
    ),
    key_result(
        2,
        "Reply share reaches 35%",
        metric_key="reply_share",
        metric_label="Reply share",
        unit="%",
        baseline=18.0,
        target=35.0,
        value_at_start=18.5,
        value_at_end=24.5,
        as_of="2026-09-29",
        previous_value=20.25,
        change_vs_previous=4.25,
        progress=0.3823529,
        expected_at_end=35.0,
        status="off_track",
        status_label="Off track",
    ),
    key_result(
        3,
        "Promotional posts stay within 10–20%",
        metric_key="promotional_share",
        metric_label="Promotional share",
        unit="%",
        direction="band",
        baseline=28.0,
        target=None,
        band_low=10.0,
        band_high=20.0,
        value_at_start=27.0,
        value_at_end=23.4,
        as_of="2026-09-30",
        previous_value=29.0,
        change_vs_previous=-5.6,
        status="at_risk",
        status_label="At risk",
        forecast_at_due=21.0,
        forecast_low=17.5,
        forecast_high=24.5,
    ),
    key_result(
        4,
        "Customer interviews published",
        metric_key="manual",
        metric_label="Manual",
        unit="interviews",
        target=6.0,
        status="no_data",
        status_label="No data",
        latest_check_in={
            "date": "2026-08-12",
            "value": None,
            "confidence": "low",
            "note": "First two recorded, <b>editing</b> pending & late.",
        },
    ),
    key_result(
        5,
        "Median response time under 2 h",
        metric_key="response_time",
        metric_label="Median response time",
        unit="h",
        direction="decrease",
        baseline=6.0,
        target=2.0,
        start_date="2026-04-01",
        value_at_start=3.4,
        value_at_end=1.8,
        as_of="2026-09-28",
        previous_value=3.4,
        change_vs_previous=-1.6,
        progress=1.05,
        expected_at_end=2.0,
        status="achieved",
        status_label="Achieved",
    ),
    key_result(
        6,
        "LinkedIn followers reach 1,200",
        baseline=700.0,
        target=1200.0,
        start_date="2026-04-01",
        value_at_start=810.0,
        value_at_end=915.0,
        as_of="2026-08-20",
        previous_value=810.0,
        change_vs_previous=105.0,
        progress=0.43,
        expected_at_end=1200.0,
        status="stale",
        status_label="Stale",
    ),
]


def make_summary():
    return {
        "version": 1,
        "team": "Loomwell Roasters",
        "team_slug": "loomwell",
        "time_zone": "Europe/Berlin",
        "quarter": {
            "code": "2026-Q3",
            "label": "2026 Q3",
            "start": "2026-07-01",
            "end": "2026-09-30",
        },
        "previous_quarter": {
            "code": "2026-Q2",
            "label": "2026 Q2",
            "start": "2026-04-01",
            "end": "2026-06-30",
        },
        "strategy_filter": None,
        "generated_at": "2026-10-02T07:15:00+00:00",
        "generated_by": "alice",
        "freshness": [
            {
                "account": TIKTOK,
                "platform": "tiktok",
                "competitor": False,
                "data_up_to": "2026-09-30",
            },
            {"account": X, "platform": "x", "competitor": False, "data_up_to": "2026-09-29"},
            {"account": RIVAL, "platform": "x", "competitor": True, "data_up_to": None},
        ],
        "strategies": [
            {
                "name": "Talk with coffee people, 2026 H2",
                "status": "active",
                "period_start": "2026-07-01",
                "period_end": "2026-12-31",
                "purpose": (
                    "Fewer broadcasts, more conversations:\nanswer every question within a day."
                ),
                "progress": 0.52,
                "objectives": [
                    {
                        "title": "Grow an audience that talks back",
                        "owner": "alice",
                        "weight": 2.0,
                        "progress": 0.54,
                        "key_results": copy.deepcopy(KEY_RESULTS[:2]),
                    },
                    {
                        "title": "Keep promotion in check",
                        "owner": "bob",
                        "weight": 1.0,
                        "progress": None,
                        "key_results": copy.deepcopy(KEY_RESULTS[2:4]),
                    },
                ],
            },
            {
                "name": "Wholesale launch",
                "status": "active",
                "period_start": "2026-04-01",
                "period_end": "2026-09-30",
                "purpose": "Win twenty café partners before the winter menu.",
                "progress": 0.74,
                "objectives": [
                    {
                        "title": "Be the roaster cafés can reach",
                        "owner": "",
                        "weight": 1.0,
                        "progress": 0.74,
                        "key_results": copy.deepcopy(KEY_RESULTS[4:]),
                    },
                ],
            },
        ],
        "conversation": {
            "planned_mix": {
                "conversation": 0.4,
                "sharing": 0.2,
                "helpful": 0.25,
                "promotional": 0.15,
            },
            "current": numbers(212, (0.31, 0.18, 0.28, 0.23), 0.245, 1.8, 96, 41, 23),
            "previous": numbers(187, (0.22, 0.15, 0.34, 0.29), 0.2025, 1.1, 71, 30, 12),
        },
        "top_posts": [
            post(
                TIKTOK,
                "2026-08-14T16:02:00+00:00",
                "Latte art fail compilation ☕",
                "https://www.tiktok.com/@loomwellroast/video/1",
                5120.0,
                4400.0,
                310.0,
            ),
            post(X, "2026-09-02T08:30:00+00:00", SCRIPT, "javascript:alert(1)", 880.0, 610.0, 95.0),
            post(
                X,
                "2026-07-21T12:00:00+00:00",
                "Which single origin should we roast next? Ethiopia or Colombia?",
                "",
                640.0,
                300.0,
                280.0,
            ),
        ],
        "threads": [
            post(
                X,
                "2026-07-21T12:00:00+00:00",
                "Which single origin should we roast next? Ethiopia or Colombia?",
                "https://x.com/loomwellroast/status/3",
                640.0,
                300.0,
                280.0,
            ),
            post(
                TIKTOK,
                "2026-08-14T16:02:00+00:00",
                "Latte art fail compilation ☕",
                "https://www.tiktok.com/@loomwellroast/video/1",
                5120.0,
                4400.0,
                310.0,
            ),
        ],
        "competitors": [
            {
                "account": TIKTOK,
                "competitor": False,
                "follower_growth": 0.248,
                "posts_per_week": 4.5,
                "engagement_per_post": 612.0,
            },
            {
                "account": X,
                "competitor": False,
                "follower_growth": None,
                "posts_per_week": 11.2,
                "engagement_per_post": 48.3,
            },
            {
                "account": RIVAL,
                "competitor": True,
                "follower_growth": 0.061,
                "posts_per_week": 20.0,
                "engagement_per_post": 12.75,
            },
        ],
        "follower_series": {
            TIKTOK: weekly("2026-07-01", 13, 3050.0, 58.0),
            X: weekly("2026-07-01", 13, 1500.0, 6.5),
            RIVAL: weekly("2026-07-01", 13, 5200.0, 24.0),
        },
    }


KEY_RESULT_NAMES = [kr["name"] for kr in KEY_RESULTS]


@pytest.fixture
def summary():
    return make_summary()


# --- HTML -------------------------------------------------------------------------------------


def test_html_holds_the_key_results_and_their_numbers(summary):
    html = summary_html(summary)

    assert html.startswith("<!doctype html>")
    assert "2026 Q3" in html and "Loomwell Roasters" in html
    for name in KEY_RESULT_NAMES:
        assert name in html
    assert "3,806" in html  # the TikTok key result's value at the quarter's end
    assert "62%" in html  # its progress
    assert "4,410" in html and "4,120 – 4,700" in html  # forecast at due with its interval
    assert "+826" in html  # change vs the previous quarter
    assert "10 – 20" in html  # the band
    assert "Latest check-in, 24 Sep 2026: 3,790 followers" in html
    assert 'class="status on_track"' in html and 'class="status off_track"' in html
    assert "data up to" in html.lower() and "30 Sep 2026" in html
    assert "@page" in html and "size: A4" in html and "counter(page)" in html


def test_html_escapes_snapshot_strings_and_links_only_http(summary):
    html = summary_html(summary)

    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;editing&lt;/b&gt; pending &amp; late" in html  # a check-in note
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", html, re.IGNORECASE)
    assert "javascript:" not in html
    assert 'href="https://www.tiktok.com/@loomwellroast/video/1"' in html


def test_html_charts_are_plotly_figures(summary):
    html = summary_html(summary)

    assert 'src="/static/plotly/plotly.min.js"' in html
    figures = re.findall(
        r'<script type="application/json" id="([\w-]+)-figure">(.*?)</script>', html
    )
    # a progress chart per strategy, the content mix, follower growth
    assert [key for key, _ in figures] == ["progress-1", "progress-2", "mix", "followers"]
    for _, figure in figures:
        assert figure.startswith('{"data":[')
        assert "<" not in figure  # the figure JSON cannot close its script element
    assert "<img" not in html


def empty_quarter(summary):
    summary["conversation"]["planned_mix"] = None
    summary["strategies"] = []
    summary["top_posts"] = summary["threads"] = summary["competitors"] = []
    summary["follower_series"] = {}
    return summary


def test_html_without_planned_mix_or_data(summary):
    html = summary_html(empty_quarter(summary))

    assert "No strategy was active in this quarter." in html
    assert "No strategy in this quarter sets a planned mix." in html
    assert "No posts in this quarter." in html
    mix = json.loads(re.search(r'id="mix-figure">(.*?)</script>', html).group(1))
    assert [(bar["name"], bar["marker"]["color"]) for bar in mix["data"]] == [
        ("2026 Q3", "#2f5bd3"),
        ("2026 Q2", "#b7c5ee"),
    ]


@pytest.mark.pdf
def test_pdf_of_an_empty_quarter(summary):
    pdf = summary_pdf(empty_quarter(summary))

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    assert "No strategy was active in this quarter." in pdf_text(reader)
    assert len(pdf_images(reader)) == 2  # content mix and follower growth; no key results


def test_expected_percent():
    assert expected_percent(KEY_RESULTS[0]) == pytest.approx(50.0)  # 3650 of 3000→4300
    assert expected_percent(KEY_RESULTS[4]) == pytest.approx(100.0)  # a decrease
    assert expected_percent(KEY_RESULTS[2]) is None  # a band
    assert expected_percent(KEY_RESULTS[3]) is None  # no expected value


# --- PDF --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf():
    return summary_pdf(make_summary())


def pdf_text(reader):
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def pdf_images(reader):
    """The document's distinct chart images (pages may share one resource dictionary).
    Emoji drawn with Noto Color Emoji are small bitmaps (136 × 128): left out."""
    return {
        image.name: image
        for page in reader.pages
        for image in page.images
        if image.image.width >= 300
    }


@pytest.mark.pdf
def test_pdf_pages_text_and_charts(pdf):
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert 2 <= len(reader.pages) <= 6

    text = pdf_text(reader)
    assert "2026 Q3" in text
    for name in KEY_RESULT_NAMES:
        assert name in text
    assert "3,806" in text and "62%" in text and "105%" in text
    assert "4,410" in text
    assert "<script>alert(1)</script>" in text  # shown as text, never run
    assert "Page 1 of" in text

    images = pdf_images(reader)
    assert len(images) >= 3  # progress (one per strategy), content mix, follower growth
    assert all(image.image.width >= 600 for image in images.values())


def test_pdf_html_references_nothing_remote(summary):
    html = summary_html(summary, for_pdf=True)

    assert "<script" not in html.replace("&lt;script", "")
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert len(sources) == 4  # progress for each of the two strategies, mix, followers
    assert all(source.startswith("data:image/png;base64,") for source in sources)
    for source in sources:
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG")
    assert not re.search(r"""(src|url)\s*[=(]\s*["']?\s*(https?:|//|file:)""", html)


def test_pdf_page_one_as_png(pdf, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        message = "pdftoppm is not installed (poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    source = tmp_path / "summary.pdf"
    source.write_bytes(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "summary-page1.png"
    target.unlink(missing_ok=True)

    page_one = ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([pdftoppm, *page_one, source, target.with_suffix("")], check=True, timeout=60)

    assert target.exists()
    assert target.read_bytes().startswith(b"\x89PNG")
    assert target.stat().st_size > 10_000


@pytest.mark.pdf
def test_pdf_splits_a_long_progress_chart_into_page_sized_images(summary):
    objective = summary["strategies"][1]["objectives"][0]
    objective["key_results"] = [
        key_result(100 + i, f"Key result number {i}", progress=i / 30, status="on_track")
        for i in range(30)
    ]
    summary["strategies"] = summary["strategies"][1:]

    reader = PdfReader(io.BytesIO(summary_pdf(summary)))

    assert len(pdf_images(reader)) == 4  # 15 + 15 key results, mix, followers
    text = pdf_text(reader)
    assert "Progress per key result (1 of 2)" in text
    assert "Progress per key result (2 of 2)" in text
    assert all(f"Key result number {i} " in text for i in range(30))


# --- the fetcher: data: URIs only -------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def http_server():
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_url_fetcher_refuses_anything_but_data_uris(http_server):
    fetcher = pdf_url_fetcher()

    for url in (f"{http_server}/logo.png", "https://example.com/logo.png", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher(url)
    png = mix_chart_png(["A", "B"], {"Planned": [50.0, 50.0]})
    response = fetcher("data:image/png;base64," + base64.b64encode(png).decode())
    assert response.read() == png
    assert _Recorder.requests == []


def test_pdf_renderer_does_not_fetch_an_http_image(http_server, caplog):
    from weasyprint import HTML

    html = f'<p>Logo</p><img src="{http_server}/logo.png"><img src="/static/x.png">'
    pdf = HTML(string=html, base_url="file:///nowhere/", url_fetcher=pdf_url_fetcher())
    assert pdf.write_pdf().startswith(b"%PDF")

    assert _Recorder.requests == []
    assert "disallowed protocol" in caplog.text


# --- static charts ----------------------------------------------------------------------------


def test_chart_functions_return_png_also_without_data():
    pngs = [
        progress_chart_png([("A $5 and $6 goal", 40.0, 50.0, "at_risk")]),
        progress_chart_png([]),
        mix_chart_png(["A", "B"], {"Planned": [None, None]}),
        followers_chart_png({}),
        followers_chart_png({"@a": [(date(2026, 7, 1), 10.0)]}),
    ]
    for png in pngs:
        assert png.startswith(b"\x89PNG")


# --- emoji ------------------------------------------------------------------------------------


def pdf_fonts(reader):
    """Each font of the PDF by its name without the subset prefix or hyphens
    ('NotoColorEmoji', 'DejaVuSansBold') -> the characters it draws (from its ToUnicode map)."""
    fonts: dict[str, set[str]] = {}
    for page in reader.pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            font = font.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1].replace("-", "")
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            drawn = fonts.setdefault(name, set())
            for target in re.findall(r"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]+)>", cmap):
                drawn.add(bytes.fromhex(target).decode("utf-16-be"))
    return fonts


def has_emoji_font():
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    families = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True).stdout
    return "Noto Color Emoji" in families


@pytest.mark.pdf
def test_pdf_draws_emoji_with_an_emoji_font(summary):
    """Post texts are full of emoji: the PDF draws them with Noto Color Emoji (Debian's
    fonts-noto-color-emoji, installed by scripts/install-system-packages.sh), not as empty
    boxes, and everything else (digits too) with the text font."""
    if not has_emoji_font():
        message = "the Noto Color Emoji font is not installed (fonts-noto-color-emoji)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    summary["top_posts"][0]["text"] = "Roast day 🚀🔥 — 2026 thank you all ❤️ #1"
    summary["top_posts"] = summary["top_posts"][:1]

    reader = PdfReader(io.BytesIO(summary_pdf(summary)))

    fonts = pdf_fonts(reader)
    assert {"🚀", "🔥", "❤️", "☕"} <= fonts["NotoColorEmoji"], fonts.keys()
    assert not any(character.isascii() for character in fonts["NotoColorEmoji"])
    assert {"R", "2", "#", "1"} <= fonts["DejaVuSans"]
    assert "Roast day 🚀🔥 — 2026 thank you all ❤️ #1" in pdf_text(reader)


def test_summary_html_falls_back_to_colour_emoji_on_screen(summary):
    html = summary_html(summary)
    screen = re.search(r"@media screen \{(.*?)\n    \}", html, re.S).group(1)
    stack = re.search(r"font-family: ([^;]*);", screen).group(1)
    # After the text fonts: emoji fonts only draw what those lack.
    assert stack.index('"DejaVu Sans"') < stack.index('"Noto Color Emoji"')
