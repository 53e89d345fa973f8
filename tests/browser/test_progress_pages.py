"""The progress pages in a real browser: Debian's Chromium driven by Playwright.

Chromium comes from `scripts/install-system-packages.sh` (CI runs it); nothing downloads a browser.
On CI a missing Chromium fails the test; elsewhere it is skipped, saying why.
Screenshots are saved in test-artifacts/: dashboard.png (worst first, with the change against
last quarter), dashboard-plan-order.png, key-result.png.
"""

import os
import re
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from goals.models import KeyResult
from teams.models import Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The closed network refuses Chromium's background connections; these flags keep it quiet.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = "Chromium is not installed (scripts/install-system-packages.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # happen between browser steps, never inside them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


DEMO_DAY = "2026-11-25"  # the demo is loaded as on this day: its check-ins are relative to it


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(f"{DEMO_DAY} 12:00:00Z", tick=True):
        call_command("load_demo", stdout=StringIO())
    return KeyResult.objects.get(name="TikTok followers grow to 4,300")


def _log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_the_demo_user_opens_the_dashboard_and_a_key_result_chart(browser, live_server, demo):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, live_server, "demo", "demo")
    assert page.locator("h1").first.inner_text().startswith("Goal progress")
    assert page.locator("span.status").count() >= 13

    # As on the day the demo was loaded, in plan order: the quarter that ended, then the
    # one under way.
    page.goto(f"{live_server.url}/?as_of={DEMO_DAY}")
    headings = page.locator("section.strategy h2").all_inner_texts()
    assert len(headings) == 2 and "2026 Q3" in headings[0] and "2026 Q4" in headings[1]
    page.screenshot(path=str(ARTIFACTS / "dashboard-plan-order.png"), full_page=True)

    # Worst first: one list across both strategies, off track on top, not started last.
    page.click('a:text("Worst first")')
    page.wait_for_url(re.compile(r"sort=worst"))
    rows = page.locator("section.worst-first tbody tr")
    assert rows.count() >= 13
    assert rows.first.get_attribute("data-status") == "off_track"
    assert rows.last.get_attribute("data-status") == "not_started"
    # Each row names its strategy and objective; the change against last quarter shows.
    assert "Conversation first" in rows.first.inner_text()
    change = page.locator(f'tr[data-key-result="{demo.pk}"] [data-change]')
    assert re.fullmatch(r"\([+-][\d,]+ vs same day last quarter\)", change.inner_text())
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.click(f"text={demo.name}")
    page.wait_for_url(re.compile(rf"/key-results/{demo.pk}/\?as_of={DEMO_DAY}"))
    # Plotly drew the chart: an SVG with the actual series as a line.
    page.wait_for_selector("#kr-chart svg.main-svg .scatterlayer .trace path.js-line")
    traces = page.locator("#kr-chart .scatterlayer .trace").count()
    assert traces >= 3  # actual, pace, target (and the forecast)
    legend = page.locator("#kr-chart .legendtext").all_text_contents()
    assert "Actual" in legend and "Target" in legend
    numbers = page.locator("div.card", has_text="The numbers")
    assert "vs same day last quarter" in numbers.inner_text()
    assert "3,500 → 4,300" in page.locator("p.muted").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "key-result.png"), full_page=True)
    page.close()


def test_charlie_of_another_team_gets_a_404(browser, live_server, demo):
    other = TeamFactory(slug="rival", name="Rival")
    charlie = UserFactory(username="charlie", password="charlie-pass")
    MembershipFactory(team=other, user=charlie, role=Role.OWNER)
    page = browser.new_page()
    _log_in(page, live_server, "charlie", "charlie-pass")
    response = page.goto(f"{live_server.url}/key-results/{demo.pk}/")
    assert response is not None and response.status == 404
    assert page.locator("span.status").count() == 0
    page.close()


def test_the_api_docs_render_without_the_internet(browser, live_server, db):
    page = browser.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=15000)
    # Swagger UI comes from the installed package: every operation shows, nothing failed.
    assert page.locator(".opblock").count() >= 40
    assert failed == []
    page.close()


def test_the_connector_form_shows_the_chosen_platforms_credentials_only(
    browser, live_server, transactional_db
):
    team = TeamFactory(slug="loomwell", name="Loomwell")
    alice = UserFactory(username="alice", password="alice-pass")
    MembershipFactory(team=team, user=alice, role=Role.OWNER)
    page = browser.new_page()
    _log_in(page, live_server, "alice", "alice-pass")
    page.goto(f"{live_server.url}/admin/metrics/connector/add/")
    page.select_option("#id_kind", "youtube")
    assert page.locator("#id_credential_youtube_api_key").is_visible()
    assert not page.locator("#id_credential_x_bearer_token").is_visible()
    page.select_option("#id_kind", "x")
    assert page.locator("#id_credential_x_bearer_token").is_visible()
    assert not page.locator("#id_credential_youtube_api_key").is_visible()
    page.close()
