import pytest

from metrics import catalog
from metrics.catalog import Kind

REQUIRED = [
    "followers",
    "following",
    "posts",
    "impressions",
    "reach",
    "engagements",
    "likes",
    "replies_received",
    "reshares_received",
    "link_clicks",
    "video_views",
    "engagement_rate",
    "replies",
    "reshares",
    "quotes",
    "questions",
    "promo_posts",
    "others_links",
    "people_addressed",
    "reply_share",
    "with_at_ratio",
]


@pytest.mark.parametrize("key", REQUIRED)
def test_the_catalogue_has_the_metric(key):
    assert catalog.get(key).key == key


def test_kinds_follow_the_design():
    assert catalog.get("followers").kind is Kind.STOCK
    assert catalog.get("impressions").kind is Kind.FLOW
    assert catalog.get("engagement_rate").kind is Kind.RATIO
    assert catalog.get("people_addressed").kind is Kind.DISTINCT


@pytest.mark.parametrize(
    "metric", [m for m in catalog.CATALOG.values() if m.kind is Kind.RATIO], ids=lambda m: m.key
)
def test_every_ratio_is_a_ratio_of_two_catalogued_flows(metric):
    assert catalog.get(metric.numerator).kind is Kind.FLOW
    assert catalog.get(metric.denominator).kind is Kind.FLOW


@pytest.mark.parametrize(
    "metric", [m for m in catalog.CATALOG.values() if m.kind is not Kind.RATIO], ids=lambda m: m.key
)
def test_only_ratios_have_a_numerator(metric):
    assert metric.numerator is None and metric.denominator is None


def test_engagement_rate_is_engagements_per_impression_in_percent():
    rate = catalog.get("engagement_rate")
    assert (rate.numerator, rate.denominator, str(rate.unit), rate.scale) == (
        "engagements",
        "impressions",
        "%",
        100,
    )


def test_choices_group_platform_and_conversation_metrics_and_offer_manual():
    groups = dict(catalog.choices())
    assert set(groups) == {"Platform", "Conversation", "Listening", "Other"}
    assert ("manual", "Manual (entered as check-ins)") in groups["Other"]
    offered = {key for options in groups.values() for key, _ in options}
    assert offered == set(catalog.CATALOG) | {"manual"}
    assert dict(groups["Platform"])["followers"] == "Followers (stock, count)"


def test_unknown_keys_are_named_in_the_error():
    with pytest.raises(KeyError, match="Unknown metric 'vibes'"):
        catalog.get("vibes")


def test_promotional_posts_are_lower_is_better():
    assert catalog.get("promo_posts").higher_is_better is False
    assert catalog.get("followers").higher_is_better is True


def test_a_renamed_metric_reads_as_one_series_under_either_name():
    assert catalog.metric_for("facebook", "Viewers") == catalog.metric_for("facebook", "Reach")
    assert catalog.metric_for("instagram", "viewers") == "reach"
    assert catalog.metric_for("facebook", "Views") == "impressions"
    assert catalog.metric_for("youtube", "Thumbnail  impressions") == "impressions"


def test_tiktoks_total_viewers_is_reach():
    assert catalog.metric_for("tiktok", "Total Viewers") == "reach"


def test_every_alias_names_a_catalogue_metric_and_renames_say_when():
    for alias in catalog.ALIASES:
        assert alias.metric in catalog.CATALOG, alias
    assert all(a.since and a.note for a in catalog.renames())
    assert catalog.names_for("youtube", "impressions") == ["thumbnail impressions", "impressions"]


def test_an_unknown_name_is_no_metric():
    assert catalog.metric_for("facebook", "Mood") is None
