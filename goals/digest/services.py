"""Send the weekly digest: the hourly task picks the teams where it is Monday 08:00 or
later and writes one digest event per team and week (its unique key is the sent-record: a
second run that Monday writes nothing) with a delivery per member, drained by the alert
outbox's workers; each message is rendered when it is sent, for its member."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from goals.alerts import events
from goals.alerts.models import AlertDelivery, EventKind
from goals.alerts.outbox import Audience, record_event
from goals.digest.selectors import Digest, digest_for
from teams import access
from teams.models import Team

DIGEST_HOUR = 8


def render(digest: Digest, *, to: str, preview: bool = False) -> EmailMultiAlternatives:
    context = {"digest": digest, "preview": preview}
    subject = f"[{digest.team}] Weekly digest, {digest.start:%-d %b} – {digest.end:%-d %b %Y}"
    message = EmailMultiAlternatives(
        subject=("Preview: " if preview else "") + subject,
        body=render_to_string("goals/digest/email.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string("goals/digest/email.html", context), "text/html")
    return message


def digest_message(*, delivery: AlertDelivery, now: datetime) -> EmailMultiAlternatives:
    """The digest e-mail of one delivery (for its member, as of the event's Monday)."""
    event = delivery.event
    if delivery.user is None:  # the member's account was deleted since
        raise PermissionDenied("The member's account no longer exists.")
    digest = digest_for(team=event.team, user=delivery.user, today=event.day, now=now)
    return render(digest, to=delivery.address)


def digests_send(*, now: datetime | None = None) -> int:
    """Hourly (beat): write this week's digest for every team where it is Monday 08:00 or
    later (and not yet written). Returns how many teams got one."""
    now = now or timezone.now()
    written = 0
    for team in Team.objects.all():
        local = now.astimezone(team.tzinfo)
        if not events.digest_due(local, hour=DIGEST_HOUR):
            continue
        with transaction.atomic():
            event = record_event(
                audience=Audience.load(team),
                kind=EventKind.DIGEST,
                object_key=f"team:{team.pk}",
                day=local.date(),
                title=f"Weekly digest of {team}",
                now=now,
            )
        written += int(event is not None)
    return written


def digest_send_preview(
    *, user: User | AnonymousUser, team: Team, now: datetime | None = None
) -> str:
    """Send the member this week's digest now ("send me a preview"); returns the address."""
    if not isinstance(user, User) or not access.can_view(user, team):
        raise PermissionDenied("You are not a member of this team.")
    if not user.email:
        raise PermissionDenied("Add an e-mail address to your account to get a preview.")
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=team.tzinfo)
    digest = digest_for(team=team, user=user, today=today, now=now)
    render(digest, to=user.email, preview=True).send()
    return user.email
