import pytest
from django.core.exceptions import ValidationError

from metrics.models import Account, normalise_domain, parse_domains
from metrics.platforms import Platform
from tests.factories import AccountFactory


def test_it_strips_the_at_sign_from_handles(team):
    account = Account(team=team, platform=Platform.X, handle="  @LoomwellRoast ")
    account.full_clean()
    assert account.handle == "LoomwellRoast"


def test_handles_are_unique_per_team_and_platform_ignoring_case(team, other_team):
    AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    with pytest.raises(ValidationError) as info:
        Account(team=team, platform=Platform.X, handle="LoomWell").full_clean()
    assert info.value.messages == [
        "This team already has an account with this handle on this platform."
    ]
    # Same handle elsewhere is fine: another platform, another team.
    Account(team=team, platform=Platform.MASTODON, handle="loomwell").full_clean()
    Account(team=other_team, platform=Platform.X, handle="loomwell").full_clean()


def test_it_rejects_handles_with_spaces(team):
    with pytest.raises(ValidationError) as info:
        Account(team=team, platform=Platform.X, handle="loom well").full_clean()
    assert info.value.message_dict == {"handle": ["A handle cannot contain spaces."]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("loomwell.example", "loomwell.example"),
        ("https://www.Loomwell.example/shop?x=1", "loomwell.example"),
        ("shop.loomwell.example.", "shop.loomwell.example"),
        ("http://user@blog.example.org:8080/a", "blog.example.org"),
    ],
)
def test_it_normalises_domains(raw, expected):
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize("raw", ["not a domain", "localhost", "exa mple.com", "-bad.example"])
def test_it_rejects_what_is_not_a_domain(raw):
    with pytest.raises(ValidationError):
        normalise_domain(raw)


def test_own_domains_are_cleaned_into_one_per_line(team):
    account = Account(
        team=team,
        platform=Platform.X,
        handle="loomwell",
        own_domains="https://www.loomwell.example, shop.loomwell.example\nloomwell.example",
    )
    account.full_clean()
    assert account.own_domains == "loomwell.example\nshop.loomwell.example"
    assert account.own_domain_list == ["loomwell.example", "shop.loomwell.example"]


def test_it_names_the_bad_domain(team):
    account = Account(team=team, platform=Platform.X, handle="l", own_domains="ok.example, nope")
    with pytest.raises(ValidationError) as info:
        account.full_clean()
    assert info.value.message_dict == {
        "own_domains": ["“nope” is not a domain name such as example.com."]
    }


def test_parse_domains_of_nothing_is_empty():
    assert parse_domains("") == []
