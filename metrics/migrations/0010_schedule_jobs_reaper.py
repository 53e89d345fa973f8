"""Every minute, retry or fail imports (and release connector syncs) whose worker died.

A django-celery-beat entry, so operators can change or pause it in the admin
(Periodic tasks). Reversible: rolling back removes the entry.
"""

from django.db import migrations

TASK_NAME = "Retry or fail imports and syncs whose worker stopped (every minute)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "metrics.jobs_reap",
            "interval": every_minute,
            "enabled": True,
            "description": "Imports whose heartbeat stopped (the worker was killed, e.g. out "
            "of memory) are queued again or failed with a message; connectors whose sync "
            "stopped are released for the next run.",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0009_job_heartbeats"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
