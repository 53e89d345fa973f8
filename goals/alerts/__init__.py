"""Alerts: the tracker speaks up when a key result slips, people wait too long for an
answer, a connector keeps failing, or a requested summary is ready.

events.py decides (pure); outbox.py writes events and their deliveries in the caller's
transaction; services.py evaluates what changed; delivery.py drains the outbox with leases;
webhooks.py and emails.py say it; selectors.py reads for the pages.
"""
