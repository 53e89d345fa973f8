import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from metrics.models import Account, Post
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

X_Q2 = (
    FIXTURES
    / "x"
    / "analytics_legacy"
    / "tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
)
X_Q3 = (
    FIXTURES
    / "x"
    / "analytics_legacy"
    / "tweet_activity_metrics_loomwellroast_20260701_20261001_en.csv"
)


def test_it_imports_files_and_prints_a_summary(team):
    out, err = StringIO(), StringIO()
    call_command(
        "import_export",
        str(X_Q2),
        str(X_Q3),
        "--team",
        team.slug,
        "--account",
        "x:loomwellroast",
        stdout=out,
        stderr=err,
    )
    assert Account.objects.get().handle == "loomwellroast"
    assert out.getvalue().count("✓") == 2
    assert "100%" in err.getvalue()  # the progress line at the end of each file


def test_json_output_has_one_object_per_file_with_the_counts(team):
    AccountFactory(team=team, platform="x", handle="loomwellroast")
    out = StringIO()
    call_command(
        "import_export", str(X_Q2), "--team", team.slug, "--json", stdout=out, stderr=StringIO()
    )
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    posts = Post.objects.count()
    assert result["status"] == "succeeded"
    assert result["format"] == "x_tweet_activity"
    assert result["account"] == "x:loomwellroast"
    assert result["rows_created"] == posts
    assert sum(result["posts_by_kind"].values()) == posts
    assert set(result) >= {
        "rows_read",
        "rows_updated",
        "rows_skipped",
        "rows_failed",
        "questions",
        "people_addressed",
        "promotional_posts",
        "first_post_at",
        "last_post_at",
        "metric_totals",
        "errors",
    }


def test_it_exits_non_zero_when_a_file_fails(team, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 1 file"):
        call_command(
            "import_export", str(bad), "--team", team.slug, "--json", stdout=out, stderr=StringIO()
        )
    result = json.loads(out.getvalue())
    assert result["status"] == "failed" and "Supported" in result["message"]


def test_an_unknown_team_is_an_error(db):
    with pytest.raises(CommandError, match="No team with slug"):
        call_command("import_export", str(X_Q2), "--team", "nope")


def test_a_missing_path_fails_clearly(team):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_export",
            "/does/not/exist.csv",
            "--team",
            team.slug,
            "--account",
            "x:a",
            stdout=StringIO(),
            stderr=err,
        )
    assert "does not exist" in err.getvalue()


def test_it_reports_created_updated_and_unchanged_and_a_second_run_is_unchanged(team):
    def run():
        out = StringIO()
        call_command(
            "import_export",
            str(X_Q2),
            "--team",
            team.slug,
            "--account",
            "x:loomwellroast",
            stdout=out,
            stderr=StringIO(),
        )
        return out.getvalue()

    first = run()
    rows = Post.objects.count()
    assert rows > 0
    assert f"{rows} created, 0 updated, 0 unchanged" in first
    second = run()
    assert f"0 created, 0 updated, {rows} unchanged" in second
    assert Post.objects.count() == rows
