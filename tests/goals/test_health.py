"""The numbers behind the conversation health and competitor pages, computed by hand."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.exceptions import ValidationError

from goals import competitors, conversation, selectors
from goals.models import Status
from metrics.ingest.records import PostKind
from metrics.models import Account, MetricObservation, Post
from metrics.platforms import Platform
from tests.factories import AccountFactory, StrategyFactory

_ids = count(1)
Q3_START, Q3_END = date(2026, 7, 1), date(2026, 9, 29)  # 91 days: 13 weeks
AFTER_Q3 = date(2026, 11, 1)


def make_post(account, when, *, kind=PostKind.ORIGINAL, **fields):
    """One post; `when` is a datetime (UTC) or a date (published at noon)."""
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day, 12, tzinfo=UTC)
    return Post.objects.create(
        account=account,
        platform_id=str(next(_ids)),
        published_at=when,
        local_date=when.date(),
        kind=kind,
        **fields,
    )


def row(n=0, *, account_id=1, when=None, **fields):
    """A hand-made post for the pure functions."""
    when = when or datetime(2026, 7, 1, 12, tzinfo=UTC)
    return conversation.PostRow(
        pk=n, account_id=account_id, published_at=when, local_date=when.date(), **fields
    )


@pytest.fixture
def own(team):
    return AccountFactory(team=team, platform=Platform.X, handle="loomwell")


@pytest.fixture
def strategy(team):
    # Planned mix: 40% conversation, 25% sharing, 20% helpful, 15% promotional.
    return StrategyFactory(team=team, name="Q3 plan", period_start=Q3_START, period_end=Q3_END)


def select(alice, strategy=None, **kwargs):
    kwargs.setdefault("today", AFTER_Q3)
    kwargs.setdefault("own_only", True)
    return selectors.selection_for(alice, strategy=strategy, **kwargs)


# --- the content mix ----------------------------------------------------------------------


def _ten_posts(account):
    day = date(2026, 7, 2)
    # conversation: a reply, and originals addressing someone (even with links)
    make_post(account, day, kind=PostKind.REPLY, addressed=["tova"])
    make_post(account, day, addressed=["mara"], shares_others_link=True)
    make_post(account, day, addressed=["ola"], is_promotional=True)
    # sharing others: a reshare, a quote (even addressing someone), an original with others' link
    make_post(account, day, kind=PostKind.RESHARE)
    make_post(account, day, kind=PostKind.QUOTE, addressed=["juniper"])
    make_post(account, day, shares_others_link=True)
    # promotional: originals linking only to our own site
    make_post(account, day, is_promotional=True)
    make_post(account, day, is_promotional=True)
    # helpful: every other original
    make_post(account, day)
    make_post(account, day, is_question=True)


def test_it_sorts_each_post_into_one_part_of_the_mix(alice, own, strategy):
    _ten_posts(own)
    report = selectors.conversation_health(select(alice, strategy))
    mix = {share.key: (share.count, share.percent, share.planned) for share in report.mix}
    # 3 + 3 + 2 + 2 = 10 posts: 30%, 30%, 20%, 20%.
    assert mix == {
        "conversation": (3, 30.0, 40),
        "sharing": (3, 30.0, 25),
        "helpful": (2, 20.0, 20),
        "promotional": (2, 20.0, 15),
    }


def test_it_warns_when_promotion_creeps_above_the_plan(alice, own, strategy):
    _ten_posts(own)
    report = selectors.conversation_health(select(alice, strategy))
    # 2 promotional posts of 10 = 20%, above the planned 15%.
    assert report.promo_warning == conversation.PromoWarning(actual=20.0, planned=15)


def test_it_does_not_warn_when_promotion_is_at_the_plan(alice, own, team):
    strategy = StrategyFactory(
        team=team,
        period_start=Q3_START,
        period_end=Q3_END,
        mix_conversation=40,
        mix_sharing=20,
        mix_helpful=20,
        mix_promotional=20,
    )
    _ten_posts(own)
    report = selectors.conversation_health(select(alice, strategy))
    assert report.promo_warning is None  # 20% of posts, 20% planned


def test_without_a_strategy_there_is_no_plan_and_no_promotion_warning(alice, own):
    _ten_posts(own)
    report = selectors.conversation_health(select(alice, start=Q3_START, end=Q3_END))
    assert [share.planned for share in report.mix] == [None, None, None, None]
    assert report.mix[3].percent == 20.0 and report.promo_warning is None


# --- week by week -------------------------------------------------------------------------


def test_reply_share_and_with_at_are_summed_per_iso_week(alice, own, strategy):
    # 1 July 2026 is a Wednesday: its ISO week starts on Monday 29 June.
    make_post(own, date(2026, 7, 1), kind=PostKind.REPLY, addressed=["tova"])
    make_post(own, date(2026, 7, 2))  # broadcast
    make_post(own, date(2026, 7, 3), addressed=["mara"])
    make_post(own, date(2026, 7, 5), kind=PostKind.RESHARE)  # Sunday: same week
    make_post(own, date(2026, 7, 6), kind=PostKind.REPLY, addressed=["tova"])  # Monday
    make_post(own, date(2026, 7, 7), kind=PostKind.REPLY, addressed=["ola"])
    weeks = selectors.conversation_health(select(alice, strategy)).weeks
    assert [(w.start, w.posts, w.replies, w.with_posts, w.broadcast_posts) for w in weeks] == [
        (date(2026, 6, 29), 4, 1, 3, 1),
        (date(2026, 7, 6), 2, 2, 2, 0),
    ]
    # Week 1: 1 reply / 4 posts = 25%; (reply + addressed + reshare) 3 / 1 broadcast = 3.
    # Week 2: 2 / 2 = 100%; no broadcast post, so no with:at.
    assert [(w.reply_share, w.with_at) for w in weeks] == [(0.25, 3.0), (1.0, None)]


# --- people addressed ---------------------------------------------------------------------


def test_people_addressed_are_new_or_returning(alice, own, team, strategy):
    other = AccountFactory(team=team, platform=Platform.MASTODON, handle="loomwell@m.example")
    make_post(own, date(2026, 6, 20), addressed=["tova", "mara"])  # before the period
    make_post(other, date(2026, 6, 20), addressed=["juniper"])  # another account, not chosen
    for addressed in (["tova"], ["tova", "juniper"], ["juniper"], ["ola"], ["tova"]):
        make_post(own, date(2026, 7, 10), kind=PostKind.REPLY, addressed=addressed)
    make_post(own, date(2026, 10, 2), addressed=["zed"])  # after the period
    people = selectors.conversation_health(select(alice, strategy, accounts=[own])).people
    # tova, juniper, ola: tova was addressed before (returning); juniper only by the other
    # account, so new for this one; ola new. mara not addressed in the period.
    assert (people.total, people.new, people.returning) == (3, 2, 1)
    assert [(p.handle, p.posts, p.is_new) for p in people.most_talked_with] == [
        ("tova", 3, False),
        ("juniper", 2, True),
        ("ola", 1, True),
    ]


def test_the_most_talked_with_are_the_top_ten(alice, own, strategy):
    for n in range(12):
        for _ in range(n + 1):
            make_post(own, date(2026, 7, 10), kind=PostKind.REPLY, addressed=[f"p{n:02}"])
    people = selectors.conversation_health(select(alice, strategy)).people
    assert people.total == 12
    assert [p.handle for p in people.most_talked_with] == [f"p{n:02}" for n in range(11, 1, -1)]


def test_questions_asked_are_posts_with_a_question(alice, own, strategy):
    make_post(own, date(2026, 7, 2), is_question=True, text="Which roast?")
    make_post(own, date(2026, 7, 3), is_question=True, text="V60 or Aeropress?")
    make_post(own, date(2026, 7, 4))
    make_post(own, date(2026, 7, 5))
    report = selectors.conversation_health(select(alice, strategy))
    assert (report.questions, report.question_percent) == (2, 50.0)
    assert [p.text for p in report.latest_questions] == ["V60 or Aeropress?", "Which roast?"]


# --- autoposting ----------------------------------------------------------------------------


def test_a_text_template_leaves_out_links_numbers_and_handles():
    text = (
        "New on the blog: 5 tips for your V60 https://loomwell.example/b/5 www.x.example/a @tova  "
    )
    assert conversation.text_template(text) == "new on the blog: tips for your v"
    assert conversation.text_template("https://loomwell.example/1 @tova 42") == ""


def test_it_finds_a_template_used_three_times(alice, own, strategy):
    day = date(2026, 7, 2)
    make_post(own, day, text="New on the blog: 5 tips for V60 https://loomwell.example/b/1")
    make_post(own, day, text="New on the blog: 7 tips for V60 https://loomwell.example/b/2 @mara")
    make_post(own, day, text="new on the blog:   12 tips for V60\nhttps://loomwell.example/b/3")
    make_post(own, day, text="Cupping today, 3 coffees")  # twice only: not a template
    make_post(own, day, text="Cupping today, 4 coffees")
    for _ in range(3):  # a reshare's text is somebody else's
        make_post(own, day, kind=PostKind.RESHARE, text="RT @origin: Harvest notes")
    for _ in range(3):  # nothing left once links are taken out
        make_post(own, day, text="https://loomwell.example/shop")
    report = selectors.conversation_health(select(alice, strategy))
    assert [(t.template, t.count) for t in report.templates] == [("new on the blog: tips for v", 3)]


# --- link dumps -----------------------------------------------------------------------------


def _at(hour, minute):
    return datetime(2026, 7, 2, hour, minute, tzinfo=UTC)


def test_three_posts_with_links_within_ten_minutes_are_a_burst(alice, own, team, strategy):
    make_post(own, _at(12, 0), text="Read https://a.example/1", link_domains=["a.example"])
    make_post(own, _at(12, 3), text="no link here")
    make_post(own, _at(12, 4), text="Read https://t.co/abc")  # shortened: no link domain
    make_post(own, _at(12, 10), text="Read https://b.example/2", link_domains=["b.example"])
    slower = AccountFactory(team=team, platform=Platform.BLUESKY, handle="loomwell.bsky.social")
    for minute in (0, 5, 11):  # 11 minutes from first to last: no burst
        make_post(slower, _at(12, minute), text="x", link_domains=["a.example"])
    report = selectors.conversation_health(select(alice, strategy))
    assert [(b.account, b.count, b.first, b.last) for b in report.bursts] == [
        (own, 3, _at(12, 0), _at(12, 10))
    ]
    assert report.has_warnings


def test_overlapping_bursts_merge_and_separate_ones_do_not():
    linked = {"link_domains": ("a.example",)}
    times = [_at(9, 0), _at(9, 5), _at(9, 9), _at(9, 14), _at(15, 0), _at(15, 1), _at(15, 2)]
    rows = [row(n, when=t, **linked) for n, t in enumerate(times)]
    bursts = conversation.link_bursts(rows)
    # 9:00–9:09 and 9:05–9:14 overlap: one burst of four; 15:00–15:02 a second one.
    assert [[p.pk for p in b.posts] for b in bursts] == [[0, 1, 2, 3], [4, 5, 6]]
    assert bursts[0].minutes == 14


def test_each_account_has_its_own_bursts():
    linked = {"link_domains": ("a.example",)}
    rows = [
        row(0, account_id=1, when=_at(9, 0), **linked),
        row(1, account_id=2, when=_at(9, 1), **linked),
        row(2, account_id=1, when=_at(9, 2), **linked),
    ]
    assert conversation.link_bursts(rows) == []


# --- what the page covers -------------------------------------------------------------------


def test_the_page_defaults_to_the_most_recent_active_strategy(alice, team, own):
    StrategyFactory(team=team, period_start=date(2026, 4, 1), period_end=date(2026, 6, 30))
    q3 = StrategyFactory(team=team, period_start=Q3_START, period_end=date(2026, 9, 30))
    StrategyFactory(
        team=team,
        status=Status.DRAFT,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
    )
    competitor = AccountFactory(team=team, handle="rival", is_competitor=True)
    selection = select(alice)
    assert selection.strategy == q3 and selection.team == team
    assert (selection.start, selection.end) == (Q3_START, date(2026, 9, 30))
    assert selection.accounts == (own,)  # own accounts only
    both = select(alice, own_only=False)
    assert set(both.accounts) == {own, competitor}


def test_without_a_strategy_the_page_covers_the_current_quarter(alice, team, own):
    selection = select(alice, today=date(2026, 8, 16))
    assert selection.strategy is None and selection.team == team
    assert (selection.start, selection.end) == (date(2026, 7, 1), date(2026, 9, 30))


def test_dates_override_the_strategys_period(alice, strategy):
    selection = select(alice, strategy, start=date(2026, 8, 1))
    assert (selection.start, selection.end) == (date(2026, 8, 1), Q3_END)
    assert selection.planned_mix == strategy.mix


def test_a_user_without_a_team_has_nothing_to_see(django_user_model):
    nobody = django_user_model.objects.create_user("nobody")
    assert selectors.selection_for(nobody, today=AFTER_Q3, own_only=True) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": date(2026, 9, 1), "end": date(2026, 8, 1)}, "end"),
        ({"competitor": True}, "account"),
        ({"other_team": True}, "strategy"),
    ],
)
def test_it_rejects_choices_that_do_not_fit_together(
    alice, team, other_team, strategy, kwargs, field
):
    if kwargs.pop("competitor", False):
        kwargs["accounts"] = [AccountFactory(team=team, is_competitor=True)]
    if kwargs.pop("other_team", False):
        kwargs["team"] = other_team
    with pytest.raises(ValidationError) as caught:
        select(alice, strategy, **kwargs)
    assert field in caught.value.message_dict


# --- competitors ----------------------------------------------------------------------------


def _levels(account, *levels):
    for day, value in levels:
        MetricObservation.objects.create(account=account, metric="followers", date=day, value=value)


@pytest.fixture
def benchmarked(team, own):
    _levels(
        own,
        (date(2026, 6, 30), 900),  # before the period: not its first level
        (date(2026, 7, 1), 1000),
        (date(2026, 8, 1), 1100),
        (Q3_END, 1200),
        (date(2026, 10, 5), 5000),  # after the period
    )
    for n in range(13):
        make_post(
            own,
            date(2026, 7, 1) + timedelta(days=7 * n),
            kind=PostKind.REPLY if n < 4 else PostKind.ORIGINAL,
            engagements=25 if n < 10 else None,
        )
    make_post(own, date(2026, 6, 30), engagements=1000)  # outside the period
    make_post(own, date(2026, 9, 30), engagements=1000)
    silent = AccountFactory(team=team, handle="silent_rival", is_competitor=True)
    _levels(silent, (date(2026, 8, 1), 2000))  # one level only
    rival = AccountFactory(team=team, handle="rival", is_competitor=True)
    _levels(rival, (date(2026, 7, 3), 500), (date(2026, 9, 1), 600))
    make_post(rival, date(2026, 7, 10))
    make_post(rival, date(2026, 7, 11), kind=PostKind.REPLY)
    return {"own": own, "silent": silent, "rival": rival}


def _measures(r):
    return (
        r.follower_growth,
        r.posts_per_week,
        r.engagement_per_post,
        r.engagement_per_follower,
        r.reply_share,
    )


def test_it_measures_own_accounts_and_competitors_alike(alice, benchmarked):
    selection = select(alice, start=Q3_START, end=Q3_END, own_only=False)
    rows = {r.account.handle: r for r in selectors.benchmark(selection, today=AFTER_Q3)}
    # Own: followers 1000 -> 1200 = +20%; 13 posts in 13 weeks = 1 a week; 250
    # engagements on the 10 posts that report them = 25 a post; 25 / 1200 followers;
    # 4 replies of 13 posts.
    assert _measures(rows["loomwell"]) == pytest.approx((0.2, 1.0, 25.0, 25 / 1200, 4 / 13))
    assert rows["loomwell"].engagement_per_1000_followers == pytest.approx(20.8333, abs=1e-3)
    # A competitor with one follower level and no posts: nothing to count from.
    assert _measures(rows["silent_rival"]) == (None, None, None, None, None)
    assert rows["silent_rival"].last_followers == 2000
    # 500 -> 600 = +20%; 2 posts in 13 weeks; no engagements known; 1 reply of 2.
    assert _measures(rows["rival"]) == pytest.approx((0.2, 2 / 13, None, None, 0.5))
    assert [r.account.handle for r in selectors.benchmark(selection, today=AFTER_Q3)] == [
        "loomwell",
        "rival",
        "silent_rival",
    ]


def test_posts_per_week_counts_the_weeks_gone_so_far(alice, own):
    for day in (1, 5, 9):
        make_post(own, date(2026, 7, day))
    selection = select(alice, start=Q3_START, end=Q3_END)
    rows = selectors.benchmark(selection, today=date(2026, 7, 14))
    # 14 days of the quarter gone = 2 weeks: 3 posts / 2 weeks.
    assert rows[0].posts_per_week == pytest.approx(1.5)
    assert competitors.weeks_elapsed(Q3_START, Q3_END, date(2026, 6, 1)) is None


def test_the_follower_growth_series_is_relative_to_the_first_level(alice, benchmarked):
    selection = select(alice, start=Q3_START, end=Q3_END, own_only=False)
    own = selectors.benchmark(selection, today=AFTER_Q3)[0]
    assert own.growth_series() == [
        (date(2026, 7, 1), 0.0),
        (date(2026, 8, 1), pytest.approx(10.0)),
        (Q3_END, pytest.approx(20.0)),
    ]


# --- bounded queries ------------------------------------------------------------------------


def test_the_selectors_run_two_queries_each_whatever_the_data(
    alice, own, team, strategy, benchmarked, django_assert_num_queries
):
    _ten_posts(own)
    for n in range(50):
        make_post(own, date(2026, 7, 1) + timedelta(days=n % 80), addressed=[f"p{n}"], text="x")
    selection = select(alice, strategy)
    with django_assert_num_queries(2):
        report = selectors.conversation_health(selection)
    assert report.post_count > 60
    selection = select(alice, strategy, own_only=False)
    # Counts, levels, top posts, and freshness (latest days; connectors).
    with django_assert_num_queries(5):
        rows = selectors.benchmark(selection, today=AFTER_Q3)
    assert len(rows) == 3


# --- the pure modules, without the database -------------------------------------------------


def test_the_conversation_report_needs_no_database():
    posts = [
        row(1, kind=PostKind.REPLY, addressed=("tova",)),
        row(2, addressed=("mara",), is_question=True),
        row(3, is_promotional=True),
        row(4),
    ]
    report = conversation.report(
        posts,
        planned_mix={"conversation": 40, "sharing": 25, "helpful": 20, "promotional": 15},
        addressed_before={"tova"},
        accounts={},
    )
    assert [(m.key, m.count) for m in report.mix] == [
        ("conversation", 2),
        ("sharing", 0),
        ("helpful", 1),
        ("promotional", 1),
    ]
    assert report.promo_warning == conversation.PromoWarning(actual=25.0, planned=15)
    assert (report.people.total, report.people.new, report.people.returning) == (2, 1, 1)
    assert report.questions == 1


def test_the_benchmark_needs_no_database():
    own = Account(pk=1, platform=Platform.X, handle="loomwell", is_competitor=False)
    rival = Account(pk=2, platform=Platform.X, handle="rival", is_competitor=True)
    rows = competitors.benchmark(
        [rival, own],
        counts={1: competitors.PostCounts(posts=10, replies=4, engagements=50, engaged_posts=5)},
        levels={2: [(date(2026, 7, 1), Decimal(100)), (date(2026, 9, 1), Decimal(110))]},
        weeks=2.0,
    )
    assert [r.account.handle for r in rows] == ["loomwell", "rival"]  # own accounts first
    assert (rows[0].posts_per_week, rows[0].engagement_per_post, rows[0].reply_share) == (
        5.0,
        10.0,
        0.4,
    )
    assert rows[1].posts == 0 and rows[1].follower_growth == pytest.approx(0.1)
