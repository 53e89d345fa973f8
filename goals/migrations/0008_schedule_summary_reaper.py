"""Every minute, retry or fail summaries whose worker died while generating them.

A django-celery-beat entry, so operators can change or pause it in the admin
(Periodic tasks). Reversible: rolling back removes the entry.
"""

from django.db import migrations

TASK_NAME = "Retry or fail summaries whose worker stopped (every minute)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "goals.summary_exports_reap",
            "interval": every_minute,
            "enabled": True,
            "description": "Summaries whose heartbeat stopped (the worker was killed, e.g. "
            "out of memory) are queued again or failed with a message.",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0007_summary_export_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
