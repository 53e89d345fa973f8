"""Staff status follows membership from now on (teams.services.user_staff_sync): set it once
for existing users so current installations keep working. Owners and editors become staff;
a non-superuser whose memberships are all "viewer" loses it; users without any membership
(and superusers) are left as they are."""

from django.db import migrations
from django.db.models import Exists, OuterRef

EDITING_ROLES = ("owner", "editor")


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Membership = apps.get_model("teams", "Membership")
    editing = Membership.objects.filter(user=OuterRef("pk"), role__in=EDITING_ROLES)
    any_membership = Membership.objects.filter(user=OuterRef("pk"))
    User.objects.filter(Exists(editing)).update(is_staff=True)
    User.objects.filter(Exists(any_membership), is_superuser=False).exclude(
        Exists(editing)
    ).update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0003_invitations"),
    ]

    # Going back leaves staff status as it is: which viewers had it ticked by hand before is
    # not recorded, and nobody loses access by unapplying.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
