"""Signing in and joining a team in a real browser (Debian's Chromium, as in
test_progress_pages): a viewer who is not staff signs in at the app's own page; an invited
editor follows the link, sets a password and writes a key result in the admin."""

import pytest

from goals.models import KeyResult
from teams.models import Role
from teams.services import invitation_create, invitation_link
from tests.browser.test_progress_pages import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    ObjectiveFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_viewer_who_is_not_staff_signs_in_and_sees_the_dashboard(browser, live_server):  # noqa: F811
    team = TeamFactory(slug="loomwell", name="Loomwell")
    bob = UserFactory(username="bob", password="bob-pass-1234", is_staff=False)
    MembershipFactory(team=team, user=bob, role=Role.VIEWER)
    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}/accounts/login/?next=/")
    assert "staff account" not in page.content()
    page.fill("#id_username", "bob")
    page.fill("#id_password", "bob-pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").first.inner_text().startswith("Goal progress")
    page.locator("details.user-menu summary").click()  # the user menu holds Sign out
    assert page.locator("header").get_by_text("Sign out").is_visible()
    assert page.locator("header").get_by_text("Strategy plans (admin)").count() == 0
    page.close()


def test_an_invited_editor_sets_a_password_and_writes_a_key_result(browser, live_server):  # noqa: F811
    team = TeamFactory(slug="loomwell", name="Loomwell")
    alice = UserFactory(username="alice")
    MembershipFactory(team=team, user=alice, role=Role.OWNER)
    objective = ObjectiveFactory(strategy__team=team, title="Talk with people")
    AccountFactory(team=team)
    _, token = invitation_create(
        actor=alice, team=team, email="dora@example.org", role=Role.EDITOR, base_url="http://x"
    )
    link = invitation_link(base_url=live_server.url, token=token)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(link)
    assert "Join Loomwell" in page.locator("h1").inner_text()
    page.fill("#id_username", "dora")
    page.fill("#id_password1", "a fine long password")
    page.fill("#id_password2", "a fine long password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "Welcome to Loomwell" in page.content()

    page.goto(f"{live_server.url}/admin/goals/keyresult/add/?objective={objective.pk}")
    page.fill("#id_name", "Replies per week")
    page.select_option("#id_metric_key", "followers")
    page.fill("#id_baseline", "100")
    page.fill("#id_target", "150")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/goals/keyresult/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "invited-editor-key-result.png"), full_page=True)
    key_result = KeyResult.objects.get(name="Replies per week")
    assert key_result.objective == objective
    page.close()
