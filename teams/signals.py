"""Staff status follows membership (teams.services.user_staff_sync).

A signal, not calls in each service, because memberships are also written by the admin's
member inline, the demo loader and cascades (a team or user deleted): every path must
update staff status, and these receivers are the one place that sees them all.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from teams.models import Membership
from teams.services import user_staff_sync


@receiver(post_save, sender=Membership, dispatch_uid="membership_saved_staff_sync")
def _membership_saved(sender: Any, instance: Membership, **kwargs: Any) -> None:
    user_staff_sync(user_id=instance.user_id)


@receiver(post_delete, sender=Membership, dispatch_uid="membership_deleted_staff_sync")
def _membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    user_staff_sync(user_id=instance.user_id)
