"""Schedule the alert tasks (django-celery-beat entries, editable in the admin):

- delivery of the alert outbox, every minute (retries, messages whose worker died);
- the hourly check: each team's key results in its morning hour, stale connectors;
- mentions waiting past the answer target, every 15 minutes;
- the weekly digest, hourly (it picks the teams where it is Monday 08:00 or later).

Reversible: rolling back removes the entries.
"""

from django.db import migrations

TASKS = [
    (
        "Alerts: deliver the outbox (every minute)",
        "goals.alerts_deliver",
        "interval",
        "Sends waiting alert e-mails and webhook messages, retries failed ones.",
    ),
    (
        "Alerts: morning key result check and stale connectors (hourly)",
        "goals.alerts_hourly",
        "0",
        "Evaluates key results of the teams whose morning hour it is; stale connectors.",
    ),
    (
        "Alerts: mentions waiting too long (every 15 minutes)",
        "goals.alerts_mentions",
        "*/15",
        "Mentions waiting longer than the team's answer target.",
    ),
    (
        "Weekly digests (hourly; Monday 08:00 in each team's time zone)",
        "goals.digests_send",
        "5",
        "Writes each team's weekly digest once, on Monday from 08:00 in its time zone.",
    ),
]


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, when, description in TASKS:
        defaults = {"task": task, "enabled": True, "description": description}
        if when == "interval":
            every, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
            defaults["interval"] = every
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=when,
                hour="*",
                day_of_month="*",
                month_of_year="*",
                day_of_week="*",
                timezone="UTC",
            )
            defaults["crontab"] = crontab
        PeriodicTask.objects.update_or_create(name=name, defaults=defaults)


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0011_alerts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
