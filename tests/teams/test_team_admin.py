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
    add_inline_rows(
        data, "memberships", [{"user": "", "username_or_email": "dora", "role": Role.EDITOR}]
    )
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


def test_bob_sees_his_team_but_cannot_change_it(bob_admin_client, team):
    assert bob_admin_client.get(change_url(team)).status_code == 200
    assert bob_admin_client.post(change_url(team), {"name": "Bob's"}).status_code == 403
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


# --- whom an owner may pick as a member ---------------------------------------------------


def _member_choices(response) -> set[str]:
    formset = response.context["inline_admin_formsets"][0].formset
    return {u.username for u in formset.empty_form.fields["user"].queryset}


def test_an_owners_member_list_names_only_people_of_her_teams(
    alice_client, alice, bob, charlie, team
):
    UserFactory(username="dora")  # in no team
    response = alice_client.get(change_url(team))
    assert _member_choices(response) == {"alice", "bob"}
    assert b"charlie" not in response.content and b"dora" not in response.content


def test_a_superuser_lists_everyone(root_client, alice, charlie, team):
    UserFactory(username="dora")
    response = root_client.get(change_url(team))
    assert {"alice", "charlie", "dora", "root"} <= _member_choices(response)


def test_alice_adds_a_member_by_exact_e_mail(alice_client, team):
    dora = UserFactory(username="dora", email="dora@example.org")
    data = post_data(alice_client.get(change_url(team)))
    add_inline_rows(
        data,
        "memberships",
        [{"user": "", "username_or_email": "Dora@Example.org", "role": Role.VIEWER}],
    )
    response = alice_client.post(change_url(team), data)
    assert response.status_code == 302, errors_of(response)
    assert Membership.objects.get(user=dora).team == team


def test_an_unknown_username_is_refused(alice_client, team):
    UserFactory(username="dora")
    data = post_data(alice_client.get(change_url(team)))
    add_inline_rows(
        data, "memberships", [{"user": "", "username_or_email": "dor", "role": Role.VIEWER}]
    )
    response = alice_client.post(change_url(team), data)
    assert response.status_code == 200
    assert errors_of(response)["memberships-1-username_or_email"] == [
        "No user has this username or e-mail address."
    ]
    assert not Membership.objects.filter(user__username="dora").exists()


def test_alice_cannot_pick_an_outsider_by_id(alice_client, alice, charlie, team):
    data = post_data(alice_client.get(change_url(team)))
    add_inline_rows(data, "memberships", [{"user": charlie.pk, "role": Role.VIEWER}])
    response = alice_client.post(change_url(team), data)
    assert response.status_code == 200
    assert "memberships-1-user" in errors_of(response)
    assert not Membership.objects.filter(user=charlie, team=team).exists()
