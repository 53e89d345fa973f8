from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def test_it_prints_the_error_of_each_method_and_the_coverage_per_horizon():
    out = StringIO()
    call_command("backtest_forecasts", "--series", "30", "--seed", "3", stdout=out)
    lines = out.getvalue().splitlines()
    assert "30 seeded series" in lines[0]
    rows = [line.split() for line in lines if line.strip().startswith(("1/3", "1/2", "2/3"))]
    assert [row[0] for row in rows] == ["1/3", "1/2", "2/3"]
    for row in rows:
        forecast, last, drift, coverage = (float(v.rstrip("%")) for v in row[2:6])
        assert 0 < forecast < 100 and 0 <= coverage <= 100
        assert last > 0 and drift > 0


def test_it_refuses_too_few_series():
    with pytest.raises(CommandError, match="at least 6"):
        call_command("backtest_forecasts", "--series", "3")
