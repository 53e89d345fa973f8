"""Give whole-team summaries that share a version distinct ones, before a constraint
forbids it (parallel requests used to get the same number: NULL strategies never clash).

Within each team, quarter and format the whole-team summaries are numbered again 1, 2, …
in the order they were made; groups without a repeated version are left alone. Reversing
keeps the new numbers (the old ones were the bug).
"""

from django.db import migrations
from django.db.models import Count


def renumber(apps, schema_editor):
    SummaryExport = apps.get_model("goals", "SummaryExport")
    whole_team = SummaryExport.objects.filter(strategy__isnull=True)
    clashing = (
        whole_team.order_by()  # the default ordering would join the GROUP BY
        .values("team_id", "quarter", "format", "version")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("team_id", "quarter", "format")
        .distinct()
    )
    for team_id, quarter, fmt in set(clashing):
        group = whole_team.filter(team_id=team_id, quarter=quarter, format=fmt).order_by(
            "created_at", "pk"
        )
        for version, export in enumerate(group, start=1):
            if export.version != version:
                export.version = version
                export.save(update_fields=["version"])


class Migration(migrations.Migration):
    dependencies = [("goals", "0004_closed_periods_and_rebasing")]

    operations = [migrations.RunPython(renumber, migrations.RunPython.noop)]
