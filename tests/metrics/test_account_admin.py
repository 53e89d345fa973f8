import pytest
from django.urls import reverse

from metrics.models import Account
from teams.models import Role
from tests.admin_forms import errors_of, post_data
from tests.factories import AccountFactory, KeyResultFactory, MembershipFactory

CHANGELIST = reverse("admin:metrics_account_changelist")
ADD = reverse("admin:metrics_account_add")


@pytest.fixture
def account(team):
    return AccountFactory(team=team, handle="loomwellroast")


@pytest.fixture
def rival_account(other_team):
    return AccountFactory(team=other_team, handle="rival")


def change_url(account) -> str:
    return reverse("admin:metrics_account_change", args=[account.pk])


def test_it_lists_the_teams_accounts_only(alice_client, account, rival_account):
    response = alice_client.get(CHANGELIST)
    assert list(response.context["cl"].queryset) == [account]


def test_alice_adds_an_account_with_its_domains(alice_client, team):
    data = post_data(
        alice_client.get(ADD),
        platform="mastodon",
        handle="@loomwell@mastodon.example",
        display_name="Loomwell",
        own_domains="https://www.loomwell.example/",
        is_competitor="",
    )
    response = alice_client.post(ADD, data)
    assert response.status_code == 302, errors_of(response)
    account = Account.objects.get()
    assert (account.team, account.handle, account.own_domains, account.is_competitor) == (
        team,
        "loomwell@mastodon.example",
        "loomwell.example",
        False,
    )


def test_alice_adds_a_competitor(alice_client, team):
    data = post_data(
        alice_client.get(ADD), platform="x", handle="kettle_and_crumb", is_competitor="on"
    )
    assert alice_client.post(ADD, data).status_code == 302
    assert Account.objects.competitors().get().handle == "kettle_and_crumb"


def test_a_bad_domain_is_shown_on_the_field(alice_client, team):
    data = post_data(alice_client.get(ADD), platform="x", handle="a", own_domains="not a domain")
    response = alice_client.post(ADD, data)
    assert response.status_code == 200
    assert errors_of(response)["own_domains"] == [
        "“not” is not a domain name such as example.com.",
        "“a” is not a domain name such as example.com.",
        "“domain” is not a domain name such as example.com.",
    ]


def test_bob_sees_accounts_but_cannot_change_them(bob_admin_client, account):
    assert bob_admin_client.get(change_url(account)).status_code == 200
    assert bob_admin_client.post(change_url(account), {"handle": "x"}).status_code == 403
    add_page = bob_admin_client.get(ADD)
    assert account.team not in add_page.context["adminform"].form.fields["team"].queryset
    account.refresh_from_db()
    assert account.handle == "loomwellroast"


def test_charlie_cannot_see_or_change_alices_account(charlie_client, account):
    assert charlie_client.get(change_url(account)).status_code == 302
    charlie_client.post(change_url(account), {"handle": "hijacked", "platform": "x"})
    account.refresh_from_db()
    assert account.handle == "loomwellroast"


def test_charlie_cannot_create_an_account_in_alices_team(charlie_client, team):
    data = post_data(charlie_client.get(ADD), team=team.pk, platform="x", handle="sneaky")
    response = charlie_client.post(ADD, data)
    assert response.status_code == 200
    assert "Select a valid choice" in errors_of(response)["team"][0]
    assert not Account.objects.exists()


def test_it_refuses_to_move_an_account_key_results_use(alice_client, alice, account, other_team):
    MembershipFactory(team=other_team, user=alice, role=Role.EDITOR)
    kr = KeyResultFactory(objective__strategy__team=account.team, name="Followers")
    kr.accounts.set([account])
    data = post_data(alice_client.get(change_url(account)), team=other_team.pk)
    response = alice_client.post(change_url(account), data)
    assert response.status_code == 200
    assert errors_of(response)["team"] == [
        "The account is used by key results: Followers. Remove it from them before moving it "
        "to another team."
    ]
    account.refresh_from_db()
    assert account.team != other_team


def test_alice_moves_an_account_no_key_result_uses(alice_client, alice, account, other_team):
    MembershipFactory(team=other_team, user=alice, role=Role.EDITOR)
    data = post_data(alice_client.get(change_url(account)), team=other_team.pk)
    response = alice_client.post(change_url(account), data)
    assert response.status_code == 302, errors_of(response)
    account.refresh_from_db()
    assert account.team == other_team
