"""Schedule the listening collection (every 30 minutes) and the retention purge (daily).

django-celery-beat entries, so operators can change or pause them in the admin (Periodic
tasks). Reversible: rolling back removes them.
"""

from django.db import migrations

COLLECT = "Listening: collect every team's topics (every 30 minutes)"
PURGE = "Listening: delete topic posts past each team's retention (daily)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_30, _ = IntervalSchedule.objects.get_or_create(every=30, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=COLLECT,
        defaults={
            "task": "listening.collect_all",
            "interval": every_30,
            "crontab": None,
            "enabled": True,
            "description": "Queues one collection of public topic posts per team with an "
            "active topic (Mastodon hashtag timelines, Bluesky search, X recent search).",
        },
    )
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="3",
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=PURGE,
        defaults={
            "task": "listening.purge",
            "crontab": nightly,
            "interval": None,
            "enabled": True,
            "description": "Deletes topic posts older than each team's retention (default "
            "180 days) and the people left without posts.",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[COLLECT, PURGE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
