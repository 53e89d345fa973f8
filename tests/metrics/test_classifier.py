from datetime import UTC, datetime

import pytest

from metrics.classifier import classify, domain_of, is_own_domain, mentions_in
from metrics.ingest.records import PostKind, PostRecord

WHEN = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
OWN = ["loomwell.example"]


def post(text: str = "", **fields) -> PostRecord:
    return PostRecord(platform_id="1", published_at=WHEN, text=text, **fields)


def c(record: PostRecord, handle: str = "loomwellroast", platform: str = "x"):
    if "@" in handle:
        platform = "mastodon"
    return classify(record, platform=platform, own_handle=handle, own_domains=OWN)


def test_a_plain_post_is_an_original_broadcast():
    result = c(post("New beans in the shop today."))
    assert result.kind is PostKind.ORIGINAL
    assert result.addressed == ()
    assert not result.is_question and not result.speaks_with_people


def test_a_reply_addresses_the_person_replied_to_and_anyone_mentioned():
    result = c(post("@tova_pours thanks! Ask @mara_cuppings too", in_reply_to_handle="tova_pours"))
    assert result.kind is PostKind.REPLY
    assert result.addressed == ("tova_pours", "mara_cuppings")


def test_a_reply_to_ourselves_is_a_thread_not_a_conversation():
    result = c(post("2/ and more", in_reply_to_handle="LoomwellRoast", kind=PostKind.REPLY))
    assert result.kind is PostKind.ORIGINAL
    assert result.addressed == ()


def test_a_retweet_prefix_is_not_a_mention_and_a_reshare_addresses_nobody():
    result = c(post("RT @kettle_and_crumb: what do you brew? cc @tova_pours"))
    assert result.kind is PostKind.RESHARE
    assert result.addressed == ()
    assert not result.is_question  # the question is someone else's


def test_a_quote_counts_only_the_mentions_the_brand_typed():
    record = post(
        "Love this, @mara_cuppings!", kind=PostKind.QUOTE, reshared_handle="kettle_and_crumb"
    )
    assert c(record).addressed == ("mara_cuppings",)


def test_a_question_ignores_question_marks_inside_links():
    assert not c(post("Our menu https://loomwell.example/menu?lang=en")).is_question
    assert not c(post("Read www.loomwell.example/faq?x=1 now")).is_question
    assert c(post("Which roast do you like best? https://loomwell.example/shop")).is_question


def test_links_only_to_own_domains_are_promotional():
    result = c(post("Shop now https://shop.loomwell.example/beans"))
    assert result.is_promotional and not result.shares_others_link
    assert result.own_link_domains == ("shop.loomwell.example",)


def test_a_longer_name_that_merely_ends_with_the_domain_is_not_own():
    result = c(post("Look https://notloomwell.example/x"))
    assert not result.is_promotional and result.shares_others_link
    assert not is_own_domain("notloomwell.example", OWN)
    assert is_own_domain("www2.loomwell.example", OWN)


def test_mixed_links_share_others_work_and_are_not_promotional():
    result = c(post("Us https://loomwell.example and them https://origin-notes.example/a"))
    assert result.shares_others_link and not result.is_promotional


def test_shortened_links_count_as_neither():
    result = c(post("Link https://t.co/abc123"))
    assert result.link_domains == () and not result.is_promotional


def test_expanded_links_from_the_source_are_used():
    result = c(post("Link https://t.co/abc123", links=("https://www.loomwell.example/x",)))
    assert result.own_link_domains == ("loomwell.example",)


def test_a_mastodon_mention_without_instance_of_ourselves_is_not_addressed():
    result = c(post("@loomwell and @tova@coffee.social hi"), handle="loomwell@mastodon.example")
    assert result.addressed == ("tova@coffee.social",)


def test_emails_are_not_mentions():
    assert mentions_in("write to hello@loomwell.example or @tova_pours") == ["tova_pours"]


def test_bluesky_handles_are_mentions():
    assert mentions_in("thanks @tova.bsky.social.") == ["tova.bsky.social"]


def test_source_mentions_are_merged_with_typed_ones_without_duplicates():
    result = c(post("hi @Tova_Pours", mentions=("tova_pours", "juniper_lane_bakes")))
    assert result.addressed == ("tova_pours", "juniper_lane_bakes")


@pytest.mark.parametrize(
    ("url", "domain"),
    [("https://WWW.Example.com/a", "example.com"), ("not a url", None), ("http://[bad", None)],
)
def test_domain_of(url, domain):
    assert domain_of(url) == domain


def test_a_platform_written_credit_of_the_quoted_author_is_not_addressing_them():
    record = post(
        "#stitch with @kettle_and_crumb our take",
        kind=PostKind.QUOTE,
        reshared_handle="kettle_and_crumb",
    )
    assert c(record).addressed == ()
    typed = post(
        "@kettle_and_crumb you're right",
        kind=PostKind.QUOTE,
        reshared_handle="kettle_and_crumb",
        mentions=("kettle_and_crumb",),
    )
    assert c(typed).addressed == ("kettle_and_crumb",)


def test_a_mastodon_person_named_bare_in_the_text_and_in_full_by_the_tag_is_one_person():
    # Mastodon writes "@dara_rides" in the HTML and "dara_rides@pedal.example" in the tag.
    result = c(
        post("@dara_rides welcome back! cc @tova", mentions=("dara_rides@pedal.example",)),
        handle="loomwell@mastodon.example",
    )
    assert result.addressed == ("dara_rides@pedal.example", "tova@mastodon.example")


def test_people_are_counted_by_canonical_handle_whatever_their_spelling():
    result = c(post("@Tova_Pours and @tova_pours, hi", mentions=("@TOVA_POURS",)))
    assert result.addressed == ("tova_pours",)
