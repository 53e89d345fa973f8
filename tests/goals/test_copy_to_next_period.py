from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import KeyResult, Status, Strategy
from goals.services import AlreadyCopied, strategy_copy_to_next_period
from metrics.models import MetricObservation
from tests.admin_forms import errors_of, post_data
from tests.factories import AccountFactory, CheckInFactory, KeyResultFactory, StrategyFactory


@pytest.fixture
def strategy(team, alice):
    strategy = StrategyFactory(
        team=team,
        name="Conversation first — 2026 Q3",
        status=Status.ACTIVE,
        mix_conversation=50,
        mix_sharing=20,
        mix_helpful=20,
        mix_promotional=10,
    )
    account = AccountFactory(team=team)
    whole = KeyResultFactory(
        objective__strategy=strategy,
        objective__owner=alice,
        objective__weight=Decimal("2"),
        name="Whole quarter",
    )
    whole.accounts.set([account])
    KeyResultFactory(
        objective=whole.objective,
        name="Mid-quarter",
        metric_key="manual",
        start_date=date(2026, 8, 1),
        due_date=date(2026, 8, 31),
    )
    CheckInFactory(key_result=whole.objective.key_results.get(name="Mid-quarter"))
    return strategy


def test_it_copies_the_plan_into_the_next_quarter_as_a_draft(strategy, alice):
    result = strategy_copy_to_next_period(strategy=strategy, user=alice)
    copy = result.strategy
    assert (result.objectives, result.key_results) == (1, 2)
    assert (copy.name, copy.status, copy.period_start, copy.period_end) == (
        "Conversation first — 2026 Q4",
        Status.DRAFT,
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert copy.mix == strategy.mix
    objective = copy.objectives.get()
    assert (objective.owner, objective.weight) == (alice, Decimal("2"))
    whole = objective.key_results.get(name="Whole quarter")
    assert (whole.start_date, whole.due_date) == (date(2026, 10, 1), date(2026, 12, 31))
    assert list(whole.accounts.all()) == list(
        strategy.objectives.get().key_results.get(name="Whole quarter").accounts.all()
    )
    mid = objective.key_results.get(name="Mid-quarter")
    assert (mid.start_date, mid.due_date) == (date(2026, 11, 1), date(2026, 12, 1))
    assert not mid.check_ins.exists()
    # The original is untouched.
    strategy.refresh_from_db()
    assert strategy.status == Status.ACTIVE


def test_every_copy_is_valid(strategy, alice):
    copy = strategy_copy_to_next_period(strategy=strategy, user=alice).strategy
    copy.full_clean()
    for objective in copy.objectives.all():
        objective.full_clean()
        for kr in objective.key_results.all():
            kr.full_clean()


def test_a_name_without_the_period_gets_the_new_one_appended(team, alice):
    strategy = StrategyFactory(
        team=team,
        name="Always be talking",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    copy = strategy_copy_to_next_period(strategy=strategy, user=alice).strategy
    assert copy.name == "Always be talking (2026 H2)"


def test_a_viewer_may_not_copy(strategy, bob):
    with pytest.raises(PermissionDenied):
        strategy_copy_to_next_period(strategy=strategy, user=bob)
    assert Strategy.objects.count() == 1


def test_an_outsider_may_not_copy(strategy, charlie):
    with pytest.raises(PermissionDenied):
        strategy_copy_to_next_period(strategy=strategy, user=charlie)
    assert Strategy.objects.count() == 1


# --- baselines roll forward -------------------------------------------------------------------

Q3_END = date(2026, 9, 30)


@pytest.fixture
def q3(team):
    return StrategyFactory(team=team, name="Grow — 2026 Q3")


def observe(account, metric, values):
    for day, value in values.items():
        MetricObservation.objects.create(account=account, metric=metric, date=day, value=value)


def copied(strategy, user, name):
    copy = strategy_copy_to_next_period(strategy=strategy, user=user).strategy
    return KeyResult.objects.get(objective__strategy=copy, name=name)


def test_a_level_starts_where_the_quarter_ended_and_a_beaten_target_is_flagged(q3, alice, team):
    tiktok = AccountFactory(team=team, platform="tiktok", handle="loomwellroasters")
    observe(tiktok, "followers", {date(2026, 7, 1): 3500, date(2026, 8, 15): 3990, Q3_END: 4370})
    kr = KeyResultFactory(
        objective__strategy=q3,
        name="TikTok followers grow to 4,300",
        baseline=Decimal("3500"),
        target=Decimal("4300"),
    )
    kr.accounts.set([tiktok])
    q4 = copied(q3, alice, "TikTok followers grow to 4,300")
    assert (q4.baseline, q4.target, q4.needs_review) == (Decimal("4370"), Decimal("4300"), True)
    assert q4.review_note == (
        "Baseline rebased from 3,500 to 4,370 (value on 30 Sep 2026); target kept at 4,300: "
        "already beaten — review it."
    )
    q4.full_clean()  # a draft under review may start past its target


def test_a_level_short_of_its_target_is_rebased_and_flagged_without_beaten(q3, alice, team):
    account = AccountFactory(team=team)
    observe(account, "followers", {date(2026, 9, 20): 150})
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    q4 = copied(q3, alice, "Followers")
    assert (q4.baseline, q4.needs_review) == (Decimal("150"), True)
    assert q4.review_note == (
        "Baseline rebased from 100 to 150 (value on 20 Sep 2026); target kept at 200."
    )


def test_a_count_over_the_period_starts_again_from_zero(q3, alice, team):
    account = AccountFactory(team=team)
    observe(account, "impressions", {date(2026, 8, 1): 900, date(2026, 9, 1): 700})
    KeyResultFactory(
        objective__strategy=q3,
        name="Impressions",
        metric_key="impressions",
        baseline=Decimal("120"),
        target=Decimal("5000"),
    )
    q4 = copied(q3, alice, "Impressions")
    assert (q4.baseline, q4.target, q4.needs_review) == (Decimal(0), Decimal("5000"), True)
    assert q4.review_note == (
        "Baseline reset from 120 to 0: a count over the period starts again from zero; "
        "target kept at 5,000."
    )


def test_a_count_over_the_period_that_should_fall_keeps_its_baseline_for_review(q3, alice):
    KeyResultFactory(
        objective__strategy=q3,
        name="Promo posts",
        metric_key="promo_posts",
        direction="decrease",
        baseline=30,
        target=20,
    )
    q4 = copied(q3, alice, "Promo posts")
    assert (q4.baseline, q4.needs_review) == (Decimal(30), True)
    assert "review the direction or the window" in q4.review_note


def test_a_count_already_starting_from_zero_needs_no_review(q3, alice):
    KeyResultFactory(
        objective__strategy=q3, name="Replies", metric_key="replies", baseline=0, target=300
    )
    q4 = copied(q3, alice, "Replies")
    assert (q4.baseline, q4.needs_review, q4.review_note) == (Decimal(0), False, "")


def test_a_rolling_count_is_a_level_and_starts_where_it_ended(q3, alice, team):
    account = AccountFactory(team=team)
    observe(account, "promo_posts", {date(2026, 9, 10): 4, date(2026, 9, 25): 5})
    KeyResultFactory(
        objective__strategy=q3,
        name="Promo in 28 days",
        metric_key="promo_posts",
        window="28d",
        direction="decrease",
        baseline=20,
        target=12,
    )
    q4 = copied(q3, alice, "Promo in 28 days")
    assert (q4.baseline, q4.needs_review) == (Decimal(9), True)
    assert "already beaten" in q4.review_note


def test_a_ratio_starts_from_the_ratio_at_the_end(q3, alice, team):
    account = AccountFactory(team=team)
    observe(account, "engagements", {date(2026, 8, 1): 30, date(2026, 9, 1): 12})
    observe(account, "impressions", {date(2026, 8, 1): 2000, date(2026, 9, 1): 1000})
    KeyResultFactory(
        objective__strategy=q3,
        name="Engagement rate at 1.5%",
        metric_key="engagement_rate",
        baseline=Decimal("1.0"),
        target=Decimal("1.5"),
    )
    q4 = copied(q3, alice, "Engagement rate at 1.5%")
    assert q4.baseline == Decimal("1.4")  # (30 + 12) / (2000 + 1000), as a percentage
    assert q4.review_note == (
        "Baseline rebased from 1 to 1.4 (value on 1 Sep 2026); target kept at 1.5."
    )


def test_a_key_result_without_data_keeps_its_baseline_and_says_so(q3, alice):
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    q4 = copied(q3, alice, "Followers")
    assert (q4.baseline, q4.needs_review) == (Decimal(100), True)
    assert q4.review_note == (
        "No value by 30 Sep 2026 to start from: baseline kept at 100 — check it; "
        "target kept at 200."
    )


def test_a_manual_key_result_starts_from_its_late_correction(q3, alice):
    kr = KeyResultFactory(
        objective__strategy=q3, name="Guides", metric_key="manual", baseline=0, target=12
    )
    CheckInFactory(key_result=kr, date=date(2026, 9, 20), value=9)
    CheckInFactory(
        key_result=kr, date=date(2026, 10, 2), value=10, late_correction=True, note="One more"
    )
    q4 = copied(q3, alice, "Guides")
    assert (q4.baseline, q4.target) == (Decimal(10), Decimal(12))
    assert "(value on 30 Sep 2026)" in q4.review_note


def test_a_value_exactly_at_the_target_keeps_the_baseline(q3, alice):
    kr = KeyResultFactory(
        objective__strategy=q3, name="Guides", metric_key="manual", baseline=0, target=12
    )
    CheckInFactory(key_result=kr, date=date(2026, 9, 20), value=12)
    q4 = copied(q3, alice, "Guides")
    assert (q4.baseline, q4.needs_review) == (Decimal(0), True)
    assert "exactly the target: baseline kept at 0" in q4.review_note


def test_a_band_keeps_its_bounds_and_needs_no_review(q3, alice):
    KeyResultFactory(
        objective__strategy=q3,
        name="Response time",
        metric_key="median_response_minutes",
        direction="band",
        target=None,
        baseline=60,
        band_low=30,
        band_high=90,
    )
    q4 = copied(q3, alice, "Response time")
    assert (q4.baseline, q4.band_low, q4.band_high) == (Decimal(60), Decimal(30), Decimal(90))
    assert not q4.needs_review


def test_a_copy_under_review_cannot_be_activated(q3, alice):
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    copy = strategy_copy_to_next_period(strategy=q3, user=alice).strategy
    copy.status = Status.ACTIVE
    with pytest.raises(ValidationError) as caught:
        copy.full_clean()
    assert caught.value.message_dict["status"][0].startswith(
        "1 key result(s) still need review after the copy (“Followers”)"
    )
    kr = KeyResult.objects.get(objective__strategy=copy)
    kr.mark_reviewed()
    kr.save()
    copy.full_clean()


def test_a_reviewed_key_result_is_held_to_every_rule_again(q3, alice, team):
    account = AccountFactory(team=team)
    observe(account, "followers", {Q3_END: 250})
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    q4 = copied(q3, alice, "Followers")
    q4.mark_reviewed()
    with pytest.raises(ValidationError) as caught:
        q4.full_clean()
    assert (
        "“Increase” needs a target above the baseline" in caught.value.message_dict["direction"][0]
    )


# --- a plan is copied into a period once ------------------------------------------------------


def test_a_second_copy_is_refused_naming_the_first(q3, alice):
    KeyResultFactory(objective__strategy=q3)
    first = strategy_copy_to_next_period(strategy=q3, user=alice).strategy
    assert first.copied_from == q3
    counts = (Strategy.objects.count(), KeyResult.objects.count())
    with pytest.raises(AlreadyCopied) as caught:
        strategy_copy_to_next_period(strategy=q3, user=alice)
    assert caught.value.existing == first
    assert caught.value.messages == [
        "“Grow — 2026 Q3” has already been copied to 2026 Q4: “Grow — 2026 Q4”. Change that "
        "draft rather than copying again."
    ]
    assert (Strategy.objects.count(), KeyResult.objects.count()) == counts


def test_a_strategy_of_the_same_name_in_the_next_period_is_refused_too(q3, alice, team):
    by_hand = StrategyFactory(
        team=team,
        name="grow — 2026 q4",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
    )
    with pytest.raises(AlreadyCopied) as caught:
        strategy_copy_to_next_period(strategy=q3, user=alice)
    assert caught.value.existing == by_hand
    assert "already has “grow — 2026 q4” in 2026 Q4" in caught.value.messages[0]
    assert Strategy.objects.count() == 2


def test_another_teams_strategy_of_the_same_name_does_not_count(q3, alice, other_team):
    StrategyFactory(
        team=other_team,
        name="Grow — 2026 Q4",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
    )
    strategy_copy_to_next_period(strategy=q3, user=alice)
    assert Strategy.objects.filter(name="Grow — 2026 Q4").count() == 2


# --- the admin --------------------------------------------------------------------------------

CHANGELIST = "/admin/goals/strategy/"


def copy_in_admin(client, strategy):
    return client.post(
        CHANGELIST,
        {"action": "copy_to_next_period", "_selected_action": [strategy.pk]},
        follow=True,
    )


def shown(response):
    return [str(m) for m in response.context["messages"]]


def test_the_admin_action_lists_what_was_rebased(alice_client, q3, team):
    tiktok = AccountFactory(team=team, platform="tiktok")
    observe(tiktok, "followers", {Q3_END: 4370})
    kr = KeyResultFactory(
        objective__strategy=q3, name="TikTok followers", baseline=3500, target=4300
    )
    kr.accounts.set([tiktok])
    KeyResultFactory(
        objective=kr.objective, name="Replies", metric_key="replies", baseline=40, target=300
    )
    [message] = shown(copy_in_admin(alice_client, q3))
    copy = Strategy.objects.get(copied_from=q3)
    assert f'<a href="/admin/goals/strategy/{copy.pk}/change/">Grow — 2026 Q4</a>' in message
    assert "2 to review before it can be activated" in message
    assert (
        "<li>TikTok followers: 3,500 → 4,370 (value on 30 Sep 2026; target 4,300 already "
        "beaten — review it)</li>"
    ) in message
    assert "<li>Replies: 40 → 0 (a count over the period starts again from zero)</li>" in message


def test_the_admin_action_refuses_a_second_copy_with_a_link_to_the_first(alice_client, q3):
    strategy_copy_to_next_period(strategy=q3, user=q3.team.memberships.get().user)
    first = Strategy.objects.get(copied_from=q3)
    response = copy_in_admin(alice_client, q3)
    [message] = shown(response)
    assert message.startswith("“Grow — 2026 Q3” has already been copied to 2026 Q4")
    assert f'<a href="/admin/goals/strategy/{first.pk}/change/">Open “Grow — 2026 Q4”</a>' in (
        message
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Strategy.objects.count() == 2


def test_the_key_result_admin_marks_and_filters_what_needs_review(alice_client, q3, alice):
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    strategy_copy_to_next_period(strategy=q3, user=alice)
    url = "/admin/goals/keyresult/"
    response = alice_client.get(url, {"needs_review__exact": "1"})
    assert [kr.name for kr in response.context["cl"].result_list] == ["Followers"]
    html = response.content.decode()
    assert "Needs review" in html and "No value by 30 Sep 2026 to start from" in html
    response = alice_client.get(url, {"needs_review__exact": "0"})
    assert [kr.objective.strategy for kr in response.context["cl"].result_list] == [q3]


def test_saving_a_new_target_in_the_admin_is_the_review(alice_client, q3, alice, team):
    observe(AccountFactory(team=team), "followers", {Q3_END: 250})
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    q4 = copied(q3, alice, "Followers")
    url = f"/admin/goals/keyresult/{q4.pk}/change/"
    page = alice_client.get(url)
    assert "Review after the copy" in page.content.decode()
    response = alice_client.post(url, post_data(page, target="400"))
    assert response.status_code == 302, errors_of(response)
    q4.refresh_from_db()
    assert (q4.baseline, q4.target, q4.needs_review, q4.review_note) == (
        Decimal(250),
        Decimal(400),
        False,
        "",
    )


def test_ticking_reviewed_on_a_beaten_target_shows_the_rule(alice_client, q3, alice, team):
    observe(AccountFactory(team=team), "followers", {Q3_END: 250})
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    q4 = copied(q3, alice, "Followers")
    url = f"/admin/goals/keyresult/{q4.pk}/change/"
    response = alice_client.post(url, post_data(alice_client.get(url), reviewed="on"))
    assert response.status_code == 200
    assert "“Increase” needs a target above the baseline" in errors_of(response)["direction"][0]
    q4.refresh_from_db()
    assert q4.needs_review


def test_an_untouched_key_result_under_review_does_not_block_its_objective(
    alice_client, q3, alice, team
):
    observe(AccountFactory(team=team), "followers", {Q3_END: 250})
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    q4 = copied(q3, alice, "Followers")
    url = f"/admin/goals/objective/{q4.objective.pk}/change/"
    page = alice_client.get(url)
    assert "Needs review" in page.content.decode()
    response = alice_client.post(url, post_data(page, title="Grow, again"))
    assert response.status_code == 302, errors_of(response)
    q4.refresh_from_db()
    assert q4.needs_review


def test_activating_a_copy_under_review_is_refused_in_the_admin(alice_client, q3, alice):
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    copy = strategy_copy_to_next_period(strategy=q3, user=alice).strategy
    url = f"/admin/goals/strategy/{copy.pk}/change/"
    response = alice_client.post(url, post_data(alice_client.get(url), status="active"))
    assert response.status_code == 200
    assert "still need review after the copy" in errors_of(response)["status"][0]
    copy.refresh_from_db()
    assert copy.status == Status.DRAFT


# --- the API ----------------------------------------------------------------------------------


def test_the_api_shows_the_review_and_writing_the_target_ends_it(alice, q3):
    KeyResultFactory(objective__strategy=q3, name="Followers", baseline=100, target=200)
    q4 = copied(q3, alice, "Followers")
    client = APIClient()
    client.force_authenticate(alice)
    url = reverse("api:keyresult-detail", args=[q4.pk])
    body = client.get(url).json()
    assert body["needs_review"] is True and body["review_note"].startswith("No value by")
    assert client.patch(url, {"name": "Followers, again"}, format="json").json()["needs_review"]
    response = client.patch(url, {"target": "300"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["needs_review"], response.json()["review_note"]) == (False, "")
