"""Schedule last quarter's summary for every team on the first day of each quarter.

A django-celery-beat entry, so operators can change or pause it in the admin
(Periodic tasks). Reversible: rolling back removes the entry.
"""

from django.db import migrations

TASK_NAME = "Quarterly summaries for every team (first day of the quarter)"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="6",
        day_of_month="1",
        month_of_year="1,4,7,10",
        day_of_week="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "goals.summaries_for_previous_quarter",
            "crontab": crontab,
            "enabled": True,
            "description": "Generates the previous quarter's summary (PDF) for every team and "
            "e-mails it to the team's owners.",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0002_summary_exports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
