"""Every member signs in at the app's own page (/accounts/login/), staff or not: viewers use
every page their role allows, sign out, change their password and reset a forgotten one by
e-mail. The app's sign-in is throttled like the admin's."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import KeyResultFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def viewer(bob):
    # bob is a viewer of Loomwell: staff status follows membership, so he is not staff.
    bob.refresh_from_db()
    bob.set_password(PASSWORD)
    bob.save()
    return bob


def sign_in(client, username, password, address="203.0.113.7", next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


def test_it_sends_anonymous_visitors_to_the_apps_sign_in_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"
    page = client.get(response.url)
    assert page.status_code == 200
    assert "staff account" not in page.content.decode()


def test_a_viewer_who_is_not_staff_signs_in_and_sees_the_dashboard(viewer):
    assert not viewer.is_staff
    client = Client()
    response = sign_in(client, "bob", PASSWORD, next_url="/")
    assert response.status_code == 302 and response.url == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert dashboard.context["user"] == viewer


def test_without_next_it_lands_on_the_dashboard(viewer):
    response = sign_in(Client(), "bob", PASSWORD)
    assert response.url == reverse("goals:dashboard")


def test_a_wrong_password_shows_the_form_again(viewer):
    client = Client()
    response = sign_in(client, "bob", "wrong")
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_teams_key_result_is_404_for_the_signed_in_viewer(viewer, other_team):
    rival_kr = KeyResultFactory(objective__strategy__team=other_team)
    client = Client()
    sign_in(client, "bob", PASSWORD)
    assert client.get(reverse("goals:key_result", args=[rival_kr.pk])).status_code == 404


def test_the_viewer_does_not_reach_the_admin(viewer):
    client = Client()
    sign_in(client, "bob", PASSWORD)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert "Strategy plans (admin)" not in client.get("/").content.decode()


def test_it_signs_out_with_a_post(viewer):
    client = Client()
    sign_in(client, "bob", PASSWORD)
    assert client.get(reverse("logout")).status_code == 405  # a link cannot sign anyone out
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_it_changes_the_password(viewer):
    client = Client()
    sign_in(client, "bob", PASSWORD)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a much longer new secret",
            "new_password2": "a much longer new secret",
        },
    )
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    viewer.refresh_from_db()
    assert viewer.check_password("a much longer new secret")
    assert client.get("/").status_code == 200  # still signed in


def test_a_wrong_old_password_changes_nothing(viewer):
    client = Client()
    sign_in(client, "bob", PASSWORD)
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "x1y2z3w4v5u6", "new_password2": "x1y2z3w4v5u6"},
    )
    assert response.status_code == 200
    viewer.refresh_from_db()
    assert viewer.check_password(PASSWORD)


def test_a_forgotten_password_is_reset_through_the_link_in_the_e_mail(viewer):
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "bob@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bob@example.org"]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert link, message.body

    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "fresh and long secret", "new_password2": "fresh and long secret"},
    )
    assert response.status_code == 302 and response.url == reverse("password_reset_complete")
    assert sign_in(Client(), "bob", "fresh and long secret").status_code == 302
    # The link worked once.
    assert not client.get(link.group(1), follow=True).context["validlink"]


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(db):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_the_app_sign_in_is_throttled_too(viewer, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "bob", "wrong")
    locked = sign_in(client, "bob", PASSWORD)
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_user_without_a_team_signs_in_and_sees_no_rows(db):
    UserFactory(username="erin", password=PASSWORD, is_staff=False)
    client = Client()
    assert sign_in(client, "erin", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_the_admins_password_change_link_opens_the_same_page(alice_client):
    # The admin's "Change password" renders templates/registration/ too, and still works.
    response = alice_client.get(reverse("admin:password_change"))
    assert response.status_code == 200
    assert "Change password" in response.content.decode()
