"""OpenAPI request and response examples for the strategy plan, check-ins and summaries."""

from __future__ import annotations

from teams.api_examples import crud, read

__all__ = [
    "ANNOTATION",
    "CHECK_IN",
    "KEY_RESULT",
    "OBJECTIVE",
    "STRATEGY",
    "SUMMARY",
    "crud",
    "read",
]


STRATEGY = {
    "id": 2,
    "team": 1,
    "name": "Conversation first — 2026 Q3",
    "period_start": "2026-07-01",
    "period_end": "2026-09-30",
    "status": "active",
    "purpose": "Be the roaster people talk with.",
    "audience": "Home brewers",
    "voice": "Warm, curious",
    "mix_conversation": 40,
    "mix_sharing": 25,
    "mix_helpful": 20,
    "mix_promotional": 15,
    "at_risk_tolerance": "10.00",
    "stale_after_days": 7,
    "copied_from": None,
}

OBJECTIVE = {
    "id": 5,
    "strategy": 2,
    "title": "Talk with people, not at them",
    "description": "",
    "owner": 4,
    "order": 1,
    "weight": "2.00",
}

KEY_RESULT = {
    "id": 8,
    "objective": 5,
    "name": "Reply share reaches 8%",
    "metric_key": "reply_share",
    "accounts": [3],
    "window": "period",
    "direction": "increase",
    "baseline": "5.0000",
    "target": "8.0000",
    "band_low": None,
    "band_high": None,
    "unit": "%",
    "start_date": "2026-07-01",
    "due_date": "2026-09-30",
    "weight": "1.00",
    "order": 1,
    "needs_review": False,
    "review_note": "",
}

CHECK_IN = {
    "id": 9,
    "key_result": 8,
    "date": "2026-08-01",
    "value": "1.0000",
    "confidence": "high",
    "note": "First Q&A done",
    "late_correction": False,
    "author": 4,
    "created_at": "2026-08-01T10:00:00Z",
}

SUMMARY = {
    "id": 4,
    "team": 1,
    "strategy": None,
    "quarter": "2026-Q3",
    "format": "pdf",
    "version": 1,
    "status": "ready",
    "message": "",
    "created_at": "2026-10-01T06:00:00Z",
    "finished_at": "2026-10-01T06:00:03Z",
    "file_url": "https://tracker.example/api/v1/summaries/4/file/",
}

ANNOTATION = {
    "id": 3,
    "team": 1,
    "account": None,
    "key_result": None,
    "date": "2026-08-03",
    "end_date": "2026-08-05",
    "title": "Platform outage",
    "note": "Posting and replies failed for three days.",
    "created_by": 4,
    "created_at": "2026-08-06T09:00:00Z",
    "updated_at": "2026-08-06T09:00:00Z",
}
