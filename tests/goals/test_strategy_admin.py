from datetime import date

import pytest
import time_machine
from django.urls import reverse

from goals.models import KeyResult, Objective, Status, Strategy
from teams.models import Role
from tests.admin_forms import add_inline_rows, errors_of, post_data
from tests.factories import AccountFactory, KeyResultFactory, MembershipFactory, StrategyFactory

CHANGELIST = reverse("admin:goals_strategy_changelist")
ADD = reverse("admin:goals_strategy_add")


def change_url(strategy) -> str:
    return reverse("admin:goals_strategy_change", args=[strategy.pk])


@pytest.fixture
def strategy(team):
    return StrategyFactory(team=team, name="Conversation first — 2026 Q3")


@pytest.fixture
def rival_strategy(other_team):
    return StrategyFactory(team=other_team, name="Rival plan")


# --- the list ----------------------------------------------------------------------


def test_it_lists_only_the_users_teams_strategies(alice_client, strategy, rival_strategy):
    response = alice_client.get(CHANGELIST)
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [strategy]


def test_bob_lists_his_teams_strategies(bob_admin_client, strategy, rival_strategy):
    response = bob_admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [strategy]


def test_charlie_lists_only_his_own(charlie_client, strategy, rival_strategy):
    response = charlie_client.get(CHANGELIST)
    assert list(response.context["cl"].queryset) == [rival_strategy]


def test_the_team_filter_names_no_other_team(alice_client, strategy, rival_strategy):
    response = alice_client.get(CHANGELIST)
    assert b"Rival" not in response.content


def test_a_superuser_lists_everything(root_client, strategy, rival_strategy):
    response = root_client.get(CHANGELIST)
    assert set(response.context["cl"].queryset) == {strategy, rival_strategy}


# --- the change page ----------------------------------------------------------------


def test_alice_changes_her_teams_strategy(alice_client, strategy):
    page = alice_client.get(change_url(strategy))
    assert page.status_code == 200
    data = post_data(
        page, name="Conversation first, revised", mix_conversation=45, mix_promotional=10
    )
    response = alice_client.post(change_url(strategy), data)
    assert response.status_code == 302, errors_of(response)
    strategy.refresh_from_db()
    assert (strategy.name, strategy.mix_conversation, strategy.mix_promotional) == (
        "Conversation first, revised",
        45,
        10,
    )


def test_bob_may_look_but_not_change(bob_admin_client, strategy):
    page = bob_admin_client.get(change_url(strategy))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = bob_admin_client.post(change_url(strategy), {"name": "Bob was here"})
    assert response.status_code == 403
    strategy.refresh_from_db()
    assert strategy.name == "Conversation first — 2026 Q3"


def test_charlie_cannot_open_or_change_another_teams_strategy(charlie_client, strategy):
    response = charlie_client.get(change_url(strategy))
    # The admin answers as for a missing row: back to the index, no data shown.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    response = charlie_client.post(change_url(strategy), {"name": "Charlie was here"})
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.name == "Conversation first — 2026 Q3"


def test_charlie_cannot_delete_another_teams_strategy(charlie_client, strategy):
    url = reverse("admin:goals_strategy_delete", args=[strategy.pk])
    charlie_client.post(url, {"post": "yes"})
    assert Strategy.objects.filter(pk=strategy.pk).exists()


def test_bob_cannot_delete(bob_admin_client, strategy):
    url = reverse("admin:goals_strategy_delete", args=[strategy.pk])
    assert bob_admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Strategy.objects.filter(pk=strategy.pk).exists()


def test_a_mix_that_does_not_add_up_is_shown_next_to_the_mix(alice_client, strategy):
    data = post_data(alice_client.get(change_url(strategy)), mix_conversation=50)
    response = alice_client.post(change_url(strategy), data)
    assert response.status_code == 200
    assert errors_of(response) == {
        "mix_conversation": ["The planned content mix adds up to 110%; it must add up to 100%."]
    }


def test_the_page_lists_key_results_by_objective_with_links(alice_client, strategy):
    kr = KeyResultFactory(objective__strategy=strategy, name="Reply share at 35%")
    response = alice_client.get(change_url(strategy))
    content = response.content.decode()
    assert reverse("admin:goals_keyresult_change", args=[kr.pk]) in content
    assert "Reply share at 35%" in content
    assert f"{reverse('admin:goals_keyresult_add')}?objective={kr.objective.pk}" in content


# --- adding ---------------------------------------------------------------------------


@time_machine.travel(date(2026, 11, 25))
def test_alice_adds_a_strategy_for_a_quarter_with_objectives(alice_client, alice, team):
    page = alice_client.get(ADD)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert list(form.fields["team"].queryset) == [team]
    assert form.initial["team"] == team.pk
    assert ("2027-Q1", "2027 Q1 (1 Jan – 31 Mar 2027)") in form.fields["quick_period"].choices
    data = post_data(
        page,
        name="Conversation first — 2027 Q1",
        quick_period="2027-Q1",
        status=Status.ACTIVE,
        purpose="Talk with people.",
    )
    add_inline_rows(
        data,
        "objectives",
        [
            {"order": 1, "title": "Reply more", "owner": alice.pk, "weight": "2"},
            {"order": 2, "title": "Share others' work", "owner": "", "weight": "1"},
        ],
    )
    response = alice_client.post(ADD, data)
    assert response.status_code == 302, errors_of(response)
    strategy = Strategy.objects.get(name="Conversation first — 2027 Q1")
    assert (strategy.team, strategy.period_start, strategy.period_end) == (
        team,
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    assert [(o.title, o.owner, o.weight) for o in strategy.objectives.all()] == [
        ("Reply more", alice, 2),
        ("Share others' work", None, 1),
    ]


def test_custom_dates_work_without_a_quick_choice(alice_client, team):
    data = post_data(
        alice_client.get(ADD),
        name="Summer push",
        period_start="2026-06-15",
        period_end="2026-08-31",
    )
    response = alice_client.post(ADD, data)
    assert response.status_code == 302, errors_of(response)
    strategy = Strategy.objects.get(name="Summer push")
    assert (strategy.period_start, strategy.period_end) == (date(2026, 6, 15), date(2026, 8, 31))


def test_missing_dates_are_asked_for(alice_client, team):
    data = post_data(alice_client.get(ADD), name="No dates")
    response = alice_client.post(ADD, data)
    assert response.status_code == 200
    errors = errors_of(response)
    assert errors["period_start"] == ["Enter a date, or pick a quarter or half above."]
    assert not Strategy.objects.filter(name="No dates").exists()


def test_a_quick_choice_that_contradicts_the_dates_is_an_error(alice_client, team):
    data = post_data(
        alice_client.get(ADD),
        name="Confused",
        quick_period="2026-Q3",
        period_start="2026-01-01",
        period_end="2026-03-31",
    )
    response = alice_client.post(ADD, data)
    assert response.status_code == 200
    assert "does not match the dates entered" in errors_of(response)["quick_period"][0]


def test_an_objective_owner_from_another_team_is_not_offered(alice_client, charlie, team):
    page = alice_client.get(ADD)
    data = post_data(page, name="X", quick_period="2026-Q3")
    add_inline_rows(
        data, "objectives", [{"order": 1, "title": "T", "owner": charlie.pk, "weight": "1"}]
    )
    response = alice_client.post(ADD, data)
    assert response.status_code == 200
    assert "Select a valid choice" in errors_of(response)["objectives-0-owner"][0]
    assert not Objective.objects.exists()


def test_charlie_cannot_add_a_strategy_to_alices_team(charlie_client, team):
    data = post_data(charlie_client.get(ADD), name="Sneaky", quick_period="2026-Q3", team=team.pk)
    response = charlie_client.post(ADD, data)
    assert response.status_code == 200
    assert "Select a valid choice" in errors_of(response)["team"][0]
    assert not Strategy.objects.filter(name="Sneaky").exists()


def test_bob_cannot_add_strategies(bob_client, team):
    # A viewer is not staff: the admin sends him to its login.
    response = bob_client.get(ADD)
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_bob_staff_through_another_team_cannot_add_to_this_one(bob_admin_client, team):
    page = bob_admin_client.get(ADD)
    assert team not in page.context["adminform"].form.fields["team"].queryset


# --- copy to next period ---------------------------------------------------------------


def _copy(client, *strategies):
    return client.post(
        CHANGELIST,
        {
            "action": "copy_to_next_period",
            "_selected_action": [s.pk for s in strategies],
        },
        follow=True,
    )


def test_alice_copies_a_strategy_to_the_next_quarter(alice_client, strategy):
    KeyResultFactory(objective__strategy=strategy)
    response = _copy(alice_client, strategy)
    assert response.status_code == 200
    copy = Strategy.objects.get(name="Conversation first — 2026 Q4")
    assert (copy.status, copy.period_start, copy.period_end) == (
        Status.DRAFT,
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert KeyResult.objects.filter(objective__strategy=copy).count() == 1
    assert "Copied “Conversation first — 2026 Q3”" in response.content.decode()


def test_bob_cannot_copy_a_strategy_he_only_views(bob_admin_client, strategy):
    # He may copy his own team's strategies, so the action is offered; Loomwell's is skipped.
    _copy(bob_admin_client, strategy)
    assert Strategy.objects.count() == 1


def test_charlie_cannot_copy_another_teams_strategy(charlie_client, strategy, rival_strategy):
    _copy(charlie_client, strategy)
    assert Strategy.objects.count() == 2


# --- moving to another team ----------------------------------------------------------


def test_it_refuses_to_move_a_strategy_whose_key_results_count_this_teams_accounts(
    alice_client, alice, strategy, team, other_team
):
    MembershipFactory(team=other_team, user=alice, role=Role.EDITOR)
    kr = KeyResultFactory(objective__strategy=strategy)
    kr.accounts.set([AccountFactory(team=team, handle="loomwell")])
    data = post_data(alice_client.get(change_url(strategy)), team=other_team.pk)
    response = alice_client.post(change_url(strategy), data)
    assert response.status_code == 200
    assert errors_of(response)["team"] == [
        "Its key results count accounts of another team than “Rival”: X (Twitter) @loomwell. "
        "Remove them from the key results first."
    ]
    strategy.refresh_from_db()
    assert strategy.team == team


def test_alice_moves_a_strategy_whose_key_results_use_no_accounts(
    alice_client, alice, strategy, other_team
):
    MembershipFactory(team=other_team, user=alice, role=Role.EDITOR)
    KeyResultFactory(objective__strategy=strategy)
    data = post_data(alice_client.get(change_url(strategy)), team=other_team.pk)
    response = alice_client.post(change_url(strategy), data)
    assert response.status_code == 302, errors_of(response)
    strategy.refresh_from_db()
    assert strategy.team == other_team
