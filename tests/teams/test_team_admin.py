from django.urls import reverse

from teams.models import Membership, Role
from tests.admin_forms import add_inline_rows, errors_of, post_data
from tests.factories import UserFactory


def change_url(team) -> str:
    return reverse("admin:teams_team_change", args=[team.pk])


def test_alice_as_owner_renames_the_team_and_adds_a_member(alice_client, alice, team):
    dora = UserFactory(username="dora")
    data = post_data(
        alice_client.get(change_url(team)), name="Loomwell Roasters", time_zone="Europe/Berlin"
    )
    add_inline_rows(data, "memberships", [{"user": dora.pk, "role": Role.EDITOR}])
    response = alice_client.post(change_url(team), data)
    assert response.status_code == 302, errors_of(response)
    team.refresh_from_db()
    assert (team.name, team.time_zone) == ("Loomwell Roasters", "Europe/Berlin")
    assert Membership.objects.get(user=dora).role == Role.EDITOR


def test_an_unknown_time_zone_is_refused(alice_client, team):
    data = post_data(alice_client.get(change_url(team)), time_zone="Mars/Olympus")
    response = alice_client.post(change_url(team), data)
    assert response.status_code == 200
    assert errors_of(response)["time_zone"] == [
        "“Mars/Olympus” is not a known time zone; use an IANA name such as Europe/Berlin."
    ]


def test_bob_sees_his_team_but_cannot_change_it(bob_client, team):
    assert bob_client.get(change_url(team)).status_code == 200
    assert bob_client.post(change_url(team), {"name": "Bob's"}).status_code == 403
    team.refresh_from_db()
    assert team.name == "Loomwell"


def test_charlie_cannot_see_alices_team(charlie_client, team, other_team):
    assert charlie_client.get(change_url(team)).status_code == 302
    response = charlie_client.get(reverse("admin:teams_team_changelist"))
    assert list(response.context["cl"].queryset) == [other_team]


def test_only_superusers_create_or_delete_teams(alice_client, root_client, team):
    assert alice_client.get(reverse("admin:teams_team_add")).status_code == 403
    assert (
        alice_client.post(
            reverse("admin:teams_team_delete", args=[team.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert root_client.get(reverse("admin:teams_team_add")).status_code == 200


def test_a_staff_user_without_a_team_sees_an_empty_admin(db, client):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []
