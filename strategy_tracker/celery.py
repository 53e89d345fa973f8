"""The Celery app. Settings come from Django's, under the CELERY_ namespace."""

import os
from typing import Any

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")

app = Celery("strategy_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
# A worker imports every installed app's tasks.py when it starts.
app.autodiscover_tasks()


class UnknownTask(LookupError):
    """No installed app's tasks.py registers a task under this name."""


def enqueue(task_name: str, *, args: tuple[Any, ...] = (), task_id: str | None = None) -> None:
    """Queue the task registered as `task_name`; with CELERY_TASK_ALWAYS_EAGER (the embedded
    default and the tests) it runs here and now instead.

    Services queue work through this, by name, so that they never import a tasks module:
    tasks call services, never the reverse. Callers that write to the database wrap the
    call in `transaction.on_commit`, so a worker never looks for a row not yet committed.
    `app.send_task` would also go by name, but it ignores eager mode; the registered task's
    own `apply_async` honours it.
    """
    _registered(task_name).apply_async(args=args, task_id=task_id)


def _registered(name: str) -> Task[Any, Any]:
    if name not in app.tasks:
        # Only a worker imports the apps' tasks modules on its own (at start-up, through
        # the autodiscovery above); a web process or a command never has, so the first
        # lookup there imports them, with the same rule: each installed app's tasks.py.
        # Not `app.loader.import_default_modules()`: Celery's Django fix-up runs Django's
        # system checks on that signal, which a request has no business doing. Not an
        # import in each AppConfig.ready(): a new app's tasks would then depend on
        # somebody remembering that line.
        app.autodiscover_tasks(force=True)
    try:
        return app.tasks[name]
    except KeyError:
        known = ", ".join(sorted(n for n in app.tasks if not n.startswith("celery.")))
        raise UnknownTask(
            f"No Celery task is registered as {name!r}. Registered: {known or 'none'}."
        ) from None
