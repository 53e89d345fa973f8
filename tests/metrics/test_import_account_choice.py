"""A file that names no account: the team's only own account on the platform takes it;
competitors never make the choice ambiguous; several own accounts ask which."""

import pytest

from metrics.importers.common import ImportFailed, Source
from metrics.models import MetricObservation
from metrics.platforms import Platform
from metrics.services import AccountChoiceNeeded, import_source
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

OVERVIEW = FIXTURES / "x" / "analytics" / "account_overview_analytics.csv"


def run(team, **kwargs):
    return import_source(team=team, source=Source.from_path(OVERVIEW), **kwargs)


def test_it_imports_an_unnamed_file_for_the_only_own_account_beside_a_competitor(team):
    own = AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")
    rival = AccountFactory(team=team, platform=Platform.X, handle="rivalbeans", is_competitor=True)
    outcome = run(team)
    assert outcome.account == own
    assert outcome.created > 0
    assert MetricObservation.objects.filter(account=own).exists()
    assert not MetricObservation.objects.filter(account=rival).exists()


def test_it_asks_which_account_when_the_team_has_several_own_ones(team):
    AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")
    AccountFactory(team=team, platform=Platform.X, handle="loomwellcafe")
    with pytest.raises(
        AccountChoiceNeeded, match="several X \\(Twitter\\) accounts of its own: choose"
    ):
        run(team)
    assert not MetricObservation.objects.exists()


def test_it_says_to_add_an_account_when_the_team_has_only_competitors(team):
    AccountFactory(team=team, platform=Platform.X, handle="rivalbeans", is_competitor=True)
    with pytest.raises(
        ImportFailed, match="no X \\(Twitter\\) account of its own: add the account"
    ) as exc:
        run(team)
    assert not isinstance(exc.value, AccountChoiceNeeded)


def test_a_chosen_competitor_account_still_takes_the_file(team):
    AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")
    rival = AccountFactory(team=team, platform=Platform.X, handle="rivalbeans", is_competitor=True)
    assert run(team, account=rival).account == rival
