"""Two whole-team summaries of one team, quarter and format never share a version."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("goals", "0005_renumber_duplicate_summary_versions")]

    operations = [
        migrations.AddConstraint(
            model_name="summaryexport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("strategy__isnull", True)),
                fields=("team", "quarter", "format", "version"),
                name="summary_one_per_version_whole_team",
            ),
        ),
    ]
