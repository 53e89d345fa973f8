"""Meta conventions shared by the importer and the connector (metrics.platforms.meta)."""

from metrics.ingest.records import PostKind
from metrics.platforms.meta import (
    instagram_caption,
    interactions,
    links_in_text,
    mentions_in_text,
    split_post_id,
)


def test_a_credit_at_the_start_of_a_caption_makes_the_post_a_reshare():
    caption = instagram_caption(
        "📸 @Juniper_Lane_Bakes: their morning bun with our Ridge blend. Thanks @tova_pours!",
        "loomwellroasters",
    )
    assert caption.kind is PostKind.RESHARE
    assert caption.reshared_handle == "juniper_lane_bakes"
    assert caption.mentions == ("tova_pours",)


def test_a_caption_without_a_credit_says_nothing_of_the_kind():
    caption = instagram_caption("New roast out now, link in bio → loomwell.example/shop", "x")
    assert caption.kind is None
    assert caption.reshared_handle == ""
    assert caption.links == ("https://loomwell.example/shop",)


def test_bare_hosts_are_links_but_abbreviations_are_not():
    assert links_in_text("See www.loomwell.example, e.g. v2.0 (https://a.example/x).") == (
        "https://www.loomwell.example",
        "https://a.example/x",
    )


def test_the_account_itself_is_not_among_its_posts_mentions():
    text = "Cupping with @Tova_Pours and @loomwellroasters, mail hello@loomwell.example"
    assert mentions_in_text("instagram", text, exclude=["@LoomwellRoasters"]) == ("tova_pours",)


def test_a_facebook_post_id_is_the_part_after_the_page_id():
    assert split_post_id("104512345678901_998877665544") == ("104512345678901", "998877665544")
    assert split_post_id("998877665544") == ("", "998877665544")


def test_interactions_are_known_only_when_every_part_is():
    assert interactions(3, 2, 1) == 6
    assert interactions(3, None, 1) is None
