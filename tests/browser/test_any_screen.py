"""The pages on any screen: on a phone (390 × 844) and on a desktop (1400 × 900) no page is
wider than the window — the navigation folds into a menu, tables scroll inside their cards,
long file names and @handles break, charts take their container's width.

Screenshots go to test-artifacts/: mobile-<page>.png and desktop-<page>.png (whole pages),
mobile-menu-open.png and mobile-user-menu-open.png.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.models import Account, ImportJob, ImportStatus
from tests.browser.test_content_security_policy import html_summary  # noqa: F401 (fixture)
from tests.browser.test_progress_pages import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    _log_in,
    browser,
    demo,
)
from tests.factories import InboundMentionFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
LONG_FILE_NAME = "x" * 196 + ".csv"  # 200 characters, no space to break at
LONG_HANDLE = "someone_with_a_very_long_handle_" * 3

# The elements sticking out past the window's right edge, to say what widened a page.
WIDE_ELEMENTS = """() => {
  const width = window.innerWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .filter(e => !e.closest(".card") || e.classList.contains("card"))  // a card scrolls
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === "string"
      ? "." + e.className.trim().replace(/\\s+/g, ".") : "")
      + " right=" + Math.round(e.getBoundingClientRect().right));
}"""


def _pages(demo, summary):  # noqa: F811
    pages = {
        "dashboard": "/",
        "key-result": f"/key-results/{demo.pk}/",
        "conversation": "/conversation/",
        "competitors": "/competitors/",
        "people-waiting": "/people-waiting/",
        "listening": "/listening/",
        "listening-topics": "/listening/topics/",
        "imports": "/imports/",
        "summaries": "/summaries/",
        "summary-document": f"/summaries/{summary.pk}/file/",
    }
    pages["team"] = reverse("teams:team", args=["demo"])  # members and invitations
    return pages


@pytest.fixture
def wide_content(demo):  # noqa: F811
    """What used to widen pages: a 200-character file name without spaces, a long @handle
    and a long word in a mention's text."""
    team = demo.objective.strategy.team
    ImportJob.objects.create(
        team=team,
        file_name=LONG_FILE_NAME,
        checksum="0" * 64,
        status=ImportStatus.FAILED,
        message="Not a file Strategy Tracker reads.",
        finished_at=timezone.now(),
    )
    account = Account.objects.filter(team=team, is_competitor=False).first()
    published = timezone.now() - timedelta(hours=30)
    InboundMentionFactory(
        account=account,
        published_at=published,
        local_date=published.date(),
        author_handle=LONG_HANDLE,
        text="Look: " + "y" * 150 + " 🚀",
    )


@pytest.mark.parametrize(
    "name, viewport", [("mobile", PHONE), ("desktop", DESKTOP)], ids=["390px", "1400px"]
)
def test_no_page_is_wider_than_the_window(
    browser,  # noqa: F811
    live_server,
    demo,  # noqa: F811
    html_summary,  # noqa: F811
    wide_content,
    name,
    viewport,
):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=viewport)
    _log_in(page, live_server, "demo", "demo")
    drawn = 0
    for key, path in _pages(demo, html_summary).items():
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{key}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        inner_width = page.evaluate("window.innerWidth")
        assert scroll_width <= inner_width, (path, scroll_width, page.evaluate(WIDE_ELEMENTS))
        # Charts follow their container: none is wider than the card it is in.
        for chart in page.locator(".js-plotly-plot").all():
            drawn += 1
            box = chart.bounding_box()
            assert box is not None and box["x"] + box["width"] <= inner_width, (path, box)
        if key == "imports":
            # The long file name breaks: its table fits its card, nothing to scroll.
            cell = page.locator("td.break", has_text="xxxx")
            assert cell.count() == 1
            card = page.locator(".card", has=cell)
            if name == "desktop":
                widths = card.evaluate("c => [c.scrollWidth, c.clientWidth]")
                assert widths[0] <= widths[1], widths
        if key == "people-waiting":
            assert page.get_by_text("@" + LONG_HANDLE).count() == 1
    assert drawn >= 5  # key result, conversation (3), competitors, the summary's charts


def test_the_navigation_folds_into_a_menu_on_a_phone(browser, live_server, demo):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=PHONE)
    _log_in(page, live_server, "demo", "demo")

    menu = page.locator("details.nav-menu")
    button = menu.locator("summary")
    assert button.is_visible()
    assert page.locator("nav.site-nav").is_hidden()
    links = menu.locator("a")
    assert links.count() == 8  # with Listening
    assert all(link.is_hidden() for link in links.all())

    button.click()
    assert all(link.is_visible() for link in links.all())
    current = menu.locator('a[aria-current="page"]')
    assert current.count() == 1 and current.inner_text() == "Dashboard"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "mobile-menu-open.png"))

    menu.locator("a", has_text="Imports").click()
    page.wait_for_url(f"{live_server.url}/imports/")
    menu = page.locator("details.nav-menu")
    assert menu.get_attribute("open") is None  # a new page starts with the menu closed
    assert menu.locator('a[aria-current="page"]').text_content() == "Imports"  # hidden: closed

    user_menu = page.locator("details.user-menu")
    user_menu.locator("summary").click()
    for label in ("API tokens", "API docs", "Team"):
        assert user_menu.get_by_role("link", name=label).is_visible()
    assert user_menu.get_by_role("button", name="Sign out").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "mobile-user-menu-open.png"))


def test_the_current_page_is_highlighted_on_a_desktop(browser, live_server, demo):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    _log_in(page, live_server, "demo", "demo")

    nav = page.locator("nav.site-nav")
    assert nav.is_visible()
    assert page.locator("details.nav-menu > summary").is_hidden()
    current = nav.locator('a[aria-current="page"]')
    assert current.count() == 1 and current.inner_text() == "Dashboard"
    highlight = current.evaluate("a => getComputedStyle(a).backgroundColor")
    other = nav.locator("a", has_text="Competitors").evaluate(
        "a => getComputedStyle(a).backgroundColor"
    )
    assert highlight != other  # it looks different, not only to screen readers

    # A page under a section marks that section (aria-current="true": not that very page).
    page.goto(f"{live_server.url}/key-results/{demo.pk}/")
    assert nav.locator("a[aria-current]").all_inner_texts() == ["Dashboard"]
    assert nav.locator('a[aria-current="true"]').count() == 1
    page.goto(f"{live_server.url}/conversation/")
    assert nav.locator('a[aria-current="page"]').all_inner_texts() == ["Conversation health"]

    # The favicon is served, as SVG.
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    response = page.request.get(live_server.url + icon)
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")

    # The user menu: API tokens, API docs, Team; signing out works from it.
    user_menu = page.locator("details.user-menu")
    user_menu.locator("summary").click()
    user_menu.get_by_role("link", name="API docs").click()
    page.wait_for_url(f"{live_server.url}/api/docs/")
    page.go_back()
    page.locator("details.user-menu summary").click()
    page.locator("details.user-menu").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
