"""What metrics tells the rest of the project when new numbers arrive.

Sent inside the transaction that wrote them, so a receiver's own writes (an alert in the
outbox) commit or roll back with the numbers. metrics never imports its listeners: the goals
app connects its receivers in GoalsConfig.ready (goals/alerts/receivers.py)."""

from django.dispatch import Signal

# An import job succeeded. Keyword: team_id.
import_succeeded = Signal()

# A connector's sync run ended and its record was updated. Keywords: connector_id, ok.
connector_sync_finished = Signal()
