"""Every kind of page works under the Content-Security-Policy: Chromium reports no violation
(no blocked inline script, style or resource) on the app's pages, the admin and Swagger UI,
and the charts are drawn."""

import pytest

from goals.models import SummaryExport
from goals.summaries.services import summary_export_create, summary_export_run
from tests.browser.test_progress_pages import _log_in, browser, demo  # noqa: F401 (fixtures)

PAGES = [
    "/",
    "/key-results/{kr}/",
    "/conversation/",
    "/competitors/",
    "/summaries/",
    "/summaries/{summary}/file/",
    "/imports/",
    "/admin/",
    "/admin/goals/keyresult/{kr}/change/",
    "/admin/metrics/connector/add/",
    "/api/docs/",
]


@pytest.fixture
def html_summary(demo):  # noqa: F811
    from datetime import date

    from goals import periods

    export = summary_export_create(
        user=None,
        team=demo.objective.strategy.team,
        quarter=periods.parse("2026Q3"),
        fmt="html",
        enqueue=False,
    )
    return summary_export_run(export_id=export.pk, today=date(2026, 11, 25))


def test_no_page_breaks_the_content_security_policy(browser, live_server, demo, html_summary):  # noqa: F811
    assert SummaryExport.objects.get(pk=html_summary.pk).status == "ready"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective"
        " + ' ' + e.blockedURI));"
    )
    _log_in(page, live_server, "demo", "demo")
    drawn = 0
    for path in PAGES:
        url = live_server.url + path.format(kr=demo.pk, summary=html_summary.pk)
        response = page.goto(url)
        assert response is not None and response.status == 200, path
        assert "Content-Security-Policy" in response.headers or "content-security-policy" in {
            k.lower() for k in response.headers
        }, path
        page.wait_for_load_state("networkidle")
        drawn += page.locator(".js-plotly-plot").count()
        if path == "/api/docs/":
            page.wait_for_selector(".swagger-ui .info", timeout=10_000)
    assert violations == []
    assert drawn > 0  # Plotly drew charts under the policy
