import pytest
from django.core.exceptions import ImproperlyConfigured

from strategy_tracker.env import env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("YES", True), ("false", False), ("0", False), ("off", False)],
)
def test_env_bool_reads_the_usual_spellings(raw, expected):
    assert env_bool("X", not expected, environ={"X": raw}) is expected


def test_env_bool_refuses_anything_else():
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False, environ={"DEBUG": "maybe"})


def test_env_bool_uses_the_default_when_unset_or_blank():
    assert env_bool("X", True, environ={}) is True
    assert env_bool("X", False, environ={"X": " "}) is False


def test_env_int_refuses_non_numbers_and_values_below_the_minimum():
    assert env_int("N", 5, environ={"N": "12"}) == 12
    with pytest.raises(ImproperlyConfigured, match="is not an integer"):
        env_int("N", 5, environ={"N": "12s"})
    with pytest.raises(ImproperlyConfigured, match="below the minimum of 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})


def test_env_list_splits_on_commas_and_drops_blanks():
    assert env_list("H", [], environ={"H": "a.example, b.example,,"}) == ["a.example", "b.example"]
    assert env_list("H", ["x"], environ={}) == ["x"]


def test_env_str_strips():
    assert env_str("S", environ={"S": "  v  "}) == "v"


def test_a_local_env_file_fills_in_but_never_overrides(tmp_path):
    from strategy_tracker.env import load_env_file

    path = tmp_path / ".env"
    path.write_text("# comment\n\nDEBUG=true\nSECRET_KEY='from-file'\n", encoding="utf-8")
    environ = {"SECRET_KEY": "from-environment"}
    load_env_file(path, environ=environ)
    assert environ == {"DEBUG": "true", "SECRET_KEY": "from-environment"}


def test_a_malformed_env_file_names_the_line(tmp_path):
    from strategy_tracker.env import load_env_file

    path = tmp_path / ".env"
    path.write_text("DEBUG=true\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=r"\.env, line 2: expected KEY=VALUE"):
        load_env_file(path, environ={})


def test_no_env_file_changes_nothing(tmp_path):
    from strategy_tracker.env import load_env_file

    environ: dict[str, str] = {}
    load_env_file(tmp_path / ".env", environ=environ)
    assert environ == {}
