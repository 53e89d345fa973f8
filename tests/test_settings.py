"""Settings are read at start-up, so each case runs manage.py in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_KEY = "k3y-for-tests-only-9f8e7d6c5b4a3928171605f4e3d2c1b0a9-strategy-tracker"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CELERY_BROKER_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_passes_the_deploy_check_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="tracker.example",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_malformed_boolean_stops_start_up_with_the_variables_name():
    result = _manage("check", DEBUG="sometimes")
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_load_demo_is_refused_in_production():
    result = _manage("load_demo", DEBUG="false", SECRET_KEY=PRODUCTION_KEY)
    assert result.returncode != 0
    assert "only be loaded in development mode" in result.stderr


def _celery_setting(name: str, **env: str) -> str:
    result = _manage(
        "shell",
        "-c",
        f"from django.conf import settings; print(settings.{name})",
        DEBUG="true",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_celery_runs_eagerly_without_a_broker():
    assert _celery_setting("CELERY_TASK_ALWAYS_EAGER") == "True"


def test_celery_uses_the_broker_when_one_is_set():
    assert (
        _celery_setting("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
        == "False"
    )


def test_a_production_host_with_a_stray_env_file_refuses_development_mode(tmp_path):
    """SECRET_KEY set in the environment as the README's production section says, DEBUG
    never set, and a developer's .env (DEBUG=true) in the checkout: refuse, never serve in
    development mode."""
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\n")
    result = _manage("check", SECRET_KEY=PRODUCTION_KEY, ENV_FILE=str(env_file))
    assert result.returncode != 0
    assert "DEBUG=true comes from the .env file while SECRET_KEY is set" in result.stderr
    # Said in the environment, development mode is a choice, not an accident.
    chosen = _manage("check", DEBUG="true", SECRET_KEY=PRODUCTION_KEY, ENV_FILE=str(env_file))
    assert chosen.returncode == 0, chosen.stderr
    # A developer's checkout without SECRET_KEY keeps working from its .env.
    developer = _manage("check", ENV_FILE=str(env_file))
    assert developer.returncode == 0, developer.stderr


def test_only_make_run_writes_the_development_env_file():
    makefile = (ROOT / "Makefile").read_text()
    targets = {
        line.split(":")[0]: line
        for line in makefile.splitlines()
        if line and not line.startswith(("\t", "#", " ")) and ":" in line and "=" not in line
    }
    with_env = {name for name, line in targets.items() if ".env" in line.split(":", 1)[1]}
    assert with_env == {"run"}


def test_a_message_comes_back_after_the_time_limit_not_after_redis_default_hour():
    options = _celery_setting(
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        CELERY_TASK_TIME_LIMIT="600",
        CELERY_TASK_SOFT_TIME_LIMIT="500",
    )
    assert options == "{'visibility_timeout': 900}"


def test_a_visibility_timeout_within_the_time_limit_stops_start_up():
    result = _manage(
        "check",
        DEBUG="true",
        CELERY_TASK_TIME_LIMIT="600",
        CELERY_TASK_SOFT_TIME_LIMIT="500",
        CELERY_BROKER_VISIBILITY_TIMEOUT="600",
    )
    assert result.returncode != 0
    assert "CELERY_BROKER_VISIBILITY_TIMEOUT must be above CELERY_TASK_TIME_LIMIT" in result.stderr


def test_a_job_is_presumed_dead_only_after_three_missed_heartbeats():
    result = _manage("check", DEBUG="true", JOB_HEARTBEAT_SECONDS="60", JOB_STALE_SECONDS="120")
    assert result.returncode != 0
    assert "JOB_STALE_SECONDS must be at least three heartbeats" in result.stderr
