"""strategy_tracker.celery.enqueue: services queue tasks by name, never importing them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from strategy_tracker.celery import UnknownTask, app, enqueue

ran: list[tuple[str, tuple[int, int]]] = []


@app.task(name="tests.enqueue_probe", bind=True)
def probe(self, a: int, b: int) -> None:
    ran.append((self.request.id, (a, b)))


def test_it_runs_the_named_task_inline_in_eager_mode():
    assert app.conf.task_always_eager  # the embedded default, as in `make run`
    ran.clear()
    enqueue("tests.enqueue_probe", args=(2, 3), task_id="probe-1")
    assert ran == [("probe-1", (2, 3))]


def test_it_raises_a_clear_error_for_an_unknown_task_name():
    with pytest.raises(UnknownTask, match=r"No Celery task is registered as 'goals\.nope'"):
        enqueue("goals.nope", args=(1,))


def test_it_names_the_registered_tasks_in_the_error():
    with pytest.raises(UnknownTask, match=r"goals\.summary_export_run"):
        enqueue("goals.summary_export_runn")


def test_a_process_that_never_imported_a_tasks_module_finds_its_tasks():
    # A web process: Django set up, no worker started, nothing imported goals.tasks.
    script = (
        "import sys, django; django.setup()\n"
        "from strategy_tracker.celery import app, enqueue\n"
        "assert 'goals.tasks' not in sys.modules, 'goals.tasks was imported at start-up'\n"
        "enqueue('goals.summary_export_run', args=(1,), task_id='t-1')\n"
        "assert 'goals.summary_export_run' in app.tasks\n"
        "print('queued')\n"
    )
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": "sqlite:///:memory:",
        # Not eager: the task is sent to the in-memory broker, so nothing touches the database.
        "CELERY_BROKER_URL": "memory://",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "queued"
