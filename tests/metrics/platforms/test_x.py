"""X conventions shared by the importers and the connector (metrics.platforms.x)."""

from datetime import UTC, datetime

import pytest

from metrics.platforms.x import (
    outbound_links,
    post_text,
    post_url,
    quoted_author,
    retweeted_handle,
    snowflake_time,
    status_link,
)


def test_a_post_id_carries_the_time_it_was_posted():
    # The first post of tests/fixtures/x/analytics/account_analytics_content_2026-04-01_….csv,
    # dated "Fri, Jun 26, 2026".
    assert snowflake_time("2070514920455484513") == datetime(2026, 6, 26, 14, 30, tzinfo=UTC)


def test_an_id_from_before_snowflakes_carries_no_time():
    assert snowflake_time("20") is None


def test_an_id_too_large_for_a_time_is_refused():
    with pytest.raises(ValueError, match="encodes no valid time"):
        snowflake_time("9" * 25)


def test_a_retweet_names_the_author_it_repeats_in_canonical_form():
    assert retweeted_handle("RT @Tova_Pours: first crack at 9 minutes") == "tova_pours"
    assert retweeted_handle("Thanks @tova_pours!") is None


def test_post_text_is_read_without_the_html_entities_x_leaves_in_it():
    assert post_text("Beans &amp; brews &lt;3") == "Beans & brews <3"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.com/Mara_Cuppings/status/123", ("mara_cuppings", "123")),
        ("https://twitter.com/mara_cuppings/statuses/123", ("mara_cuppings", "123")),
        ("https://mobile.twitter.com/mara_cuppings/status/123?s=20", ("mara_cuppings", "123")),
        ("https://twitter.com/i/web/status/123", ("", "123")),
        ("https://www.loomwell.example/status/123", None),
    ],
)
def test_a_link_to_a_post_names_its_author_and_id(url, expected):
    assert status_link(url) == expected


def test_links_out_leave_out_short_links_and_links_to_posts():
    urls = [
        "https://www.loomwell.example/shop",
        "https://t.co/abc",
        "https://x.com/mara_cuppings/status/123",
        "https://www.loomwell.example/shop",
        "",
    ]
    assert outbound_links(urls) == ("https://www.loomwell.example/shop",)


def test_a_post_quotes_the_first_author_its_links_to_posts_name():
    assert quoted_author(["https://www.loomwell.example/"]) is None
    assert quoted_author(["https://twitter.com/i/web/status/1"]) == ""
    assert (
        quoted_author(["https://twitter.com/i/web/status/1", "https://x.com/Tova_Pours/status/2"])
        == "tova_pours"
    )


def test_a_post_without_a_known_author_has_an_address_all_the_same():
    assert post_url("loomwellroast", "123") == "https://x.com/loomwellroast/status/123"
    assert post_url("", "123") == "https://x.com/i/web/status/123"
