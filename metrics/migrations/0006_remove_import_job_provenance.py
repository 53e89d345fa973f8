# Snapshots replace the import job ids posts and observations kept as provenance.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0005_snapshots_for_existing_rows"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="metricobservation",
            name="import_job_id",
        ),
        migrations.RemoveField(
            model_name="post",
            name="import_job",
        ),
    ]
