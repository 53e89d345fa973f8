"""Writes people make on the conversation coming in (the ingest path stores mentions:
metrics.ingest.mentions)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from metrics.ingest.mentions import mentions_rollup
from metrics.models import InboundMention
from teams import access


@transaction.atomic
def mention_set_needs_answer(
    *, user: User | AnonymousUser, mention: InboundMention, needs_answer: bool
) -> InboundMention:
    """Mark a mention as needing no answer (spam, a thank-you) or as needing one again."""
    if not access.can_edit(user, mention.account.team):
        raise PermissionDenied("You may not change this team's mentions.")
    mention.needs_answer = needs_answer
    mention.save(update_fields=["needs_answer"])
    mentions_rollup(account=mention.account, days=[mention.local_date])
    return mention
