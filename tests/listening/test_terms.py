from datetime import UTC, datetime, timedelta

import pytest

from listening import ranking
from listening.terms import Matcher, TermsInvalid, parse


def terms(**kwargs):
    return parse(
        keywords=kwargs.get("keywords", ""),
        hashtags=kwargs.get("hashtags", ""),
        excluded=kwargs.get("excluded", ""),
        languages=kwargs.get("languages", ""),
    )


def test_it_refuses_a_topic_with_no_terms():
    with pytest.raises(TermsInvalid, match="at least one keyword or hashtag"):
        terms(excluded="giveaway", languages="en")


def test_it_refuses_a_list_of_ten_thousand_words():
    with pytest.raises(TermsInvalid, match="has 10,000 terms; at most 100"):
        terms(keywords="\n".join(f"word{i}" for i in range(10_000)))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hashtags", "#pour over", "cannot be a hashtag"),
        ("languages", "english", "not a language code"),
        ("keywords", "x" * 101, "longer than 100 characters"),
    ],
)
def test_it_names_what_is_wrong(field, value, message):
    with pytest.raises(TermsInvalid, match=message):
        terms(**{"keywords": "coffee", field: value})


def test_lists_split_on_commas_and_lines_without_duplicates():
    found = terms(keywords="pour over, Espresso\nespresso\n\n", hashtags="#Coffee,coffee")
    assert found.keywords == ("pour over", "Espresso", "espresso")
    assert found.hashtags == ("coffee",)


def test_matching_is_by_whole_words_and_hashtags_case_insensitive():
    matcher = Matcher(terms(keywords="pour over, tea", hashtags="coffee"))
    assert matcher.match("A slow POUR OVER today #Coffee") == ["pour over", "#coffee"]
    assert matcher.match("Steady team work") == []  # "tea" inside "team" is no match
    assert matcher.match("Morning", tags=["coffee"]) == ["#coffee"]


def test_excluded_words_and_other_languages_leave_a_post_out():
    matcher = Matcher(terms(keywords="espresso", excluded="giveaway", languages="en"))
    assert matcher.match("Espresso giveaway!") == []
    assert matcher.match("Espresso am Morgen", language="de") == []
    assert matcher.match("Espresso at dawn", language="en-GB") == ["espresso"]
    assert matcher.match("Espresso, language unknown") == ["espresso"]


NOW = datetime(2026, 11, 20, tzinfo=UTC)


def test_more_terms_recency_and_engagement_each_raise_the_score():
    base = ranking.PostSignal(1, NOW - timedelta(days=1), 0)
    assert ranking.post_score(
        ranking.PostSignal(2, base.published_at, 0), NOW
    ) > ranking.post_score(base, NOW)
    assert ranking.post_score(ranking.PostSignal(1, NOW, 0), NOW) > ranking.post_score(base, NOW)
    assert ranking.post_score(
        ranking.PostSignal(1, base.published_at, 50), NOW
    ) > ranking.post_score(base, NOW)
    week_old = ranking.PostSignal(1, NOW - timedelta(days=7), 0)
    assert ranking.post_score(week_old, NOW) == pytest.approx(0.5)


def test_people_are_ranked_best_first_with_ties_to_the_latest_post():
    ranked = ranking.rank(
        {
            1: [ranking.PostSignal(1, NOW - timedelta(days=30), 0)],
            2: [ranking.PostSignal(3, NOW, 10), ranking.PostSignal(1, NOW, 0)],
            3: [ranking.PostSignal(1, NOW - timedelta(days=2), 0)],
            4: [ranking.PostSignal(1, NOW - timedelta(days=2), 0)],
        },
        NOW,
    )
    assert [r.key for r in ranked] == [2, 3, 4, 1]
