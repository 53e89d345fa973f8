"""The one function that decides a person's handle (metrics.platforms.identity)."""

import pytest

from metrics.platforms.identity import canonical_handle, home_of, people, same_person


@pytest.mark.parametrize(
    ("platform", "raw", "expected"),
    [
        ("x", "@LoomwellRoast", "loomwellroast"),
        ("x", "  tova_pours, ", "tova_pours"),
        ("instagram", "@Juniper_Lane_Bakes", "juniper_lane_bakes"),
        ("tiktok", "@Loomwell.Roasters", "loomwell.roasters"),
        ("bluesky", "@Tova.BSKY.social.", "tova.bsky.social"),
        ("bluesky", "did:plc:abc123", "did:plc:abc123"),
        ("mastodon", "@Dara_Rides@Pedal.Example", "dara_rides@pedal.example"),
    ],
)
def test_case_a_leading_at_and_trailing_punctuation_are_not_part_of_a_handle(
    platform, raw, expected
):
    assert canonical_handle(platform, raw) == expected


def test_a_bare_mastodon_name_is_an_account_of_the_instance_the_data_comes_from():
    assert canonical_handle("mastodon", "dara_rides", home="pedal.example") == (
        "dara_rides@pedal.example"
    )
    assert canonical_handle("mastodon", "dara_rides@other.example", home="pedal.example") == (
        "dara_rides@other.example"
    )


def test_without_a_home_instance_a_bare_mastodon_name_stays_bare():
    assert canonical_handle("mastodon", "dara_rides") == "dara_rides"


@pytest.mark.parametrize(
    ("platform", "url", "expected"),
    [
        ("mastodon", "https://pedal.example/@dara_rides", "dara_rides@pedal.example"),
        ("mastodon", "https://pedal.example/users/Dara_Rides", "dara_rides@pedal.example"),
        ("bluesky", "https://bsky.app/profile/tova.bsky.social", "tova.bsky.social"),
        ("x", "https://x.com/Tova_Pours", "tova_pours"),
        ("x", "https://twitter.com/tova_pours", "tova_pours"),
        ("instagram", "https://www.instagram.com/juniper_lane_bakes/", "juniper_lane_bakes"),
        ("tiktok", "https://www.tiktok.com/@loomwellroasters", "loomwellroasters"),
    ],
)
def test_a_profile_link_names_its_person(platform, url, expected):
    assert canonical_handle(platform, url) == expected


def test_the_function_is_idempotent():
    for platform, raw in [("mastodon", "@Dara@Pedal.example"), ("x", "@Tova"), ("bluesky", "a.b")]:
        once = canonical_handle(platform, raw, home="pedal.example")
        assert canonical_handle(platform, once, home="pedal.example") == once


def test_the_home_instance_is_the_host_of_the_mastodon_account():
    assert home_of("mastodon", "loomwell@Mastodon.Example") == "mastodon.example"
    assert home_of("mastodon", "loomwell") == ""
    assert home_of("x", "loomwell@x") == ""


def test_a_bare_name_that_the_post_names_in_full_is_that_person_not_a_local_account():
    found = people(
        "mastodon",
        ["dara_rides", "tova", "Dara_Rides@pedal.example"],
        home="mastodon.example",
        entities=["@dara_rides@pedal.example"],
    )
    assert found == ("dara_rides@pedal.example", "tova@mastodon.example")


def test_people_keeps_first_seen_order_and_drops_blanks():
    assert people("x", ["@B", "", "a", "b"]) == ("b", "a")


def test_same_person_compares_canonical_handles():
    assert same_person("x", "@LoomwellRoast", "loomwellroast")
    assert not same_person("x", "loomwell", "loomwellroast")
    assert not same_person("x", "", "")


def test_a_mastodon_name_without_instance_matches_that_name_on_the_named_instance():
    assert same_person("mastodon", "loomwell", "loomwell@mastodon.example")
    assert not same_person("mastodon", "loomwell@other.example", "loomwell@mastodon.example")
