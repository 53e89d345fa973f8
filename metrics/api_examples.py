"""OpenAPI request and response examples for accounts, posts, observations, import jobs,
connectors and mentions."""

from __future__ import annotations

from teams.api_examples import crud, read

__all__ = ["ACCOUNT", "CONNECTOR", "IMPORT_JOB", "MENTION", "OBSERVATION", "POST", "crud", "read"]


ACCOUNT = {
    "id": 3,
    "team": 1,
    "platform": "x",
    "handle": "loomwellroast",
    "display_name": "Loomwell Roasters",
    "own_domains": "loomwell.example",
    "is_competitor": False,
}

POST = {
    "id": 11,
    "account": 3,
    "platform_id": "2104924151609707945",
    "published_at": "2026-09-29T13:20:00Z",
    "local_date": "2026-09-29",
    "text": "What are you brewing this weekend?",
    "permalink": "https://x.com/loomwellroast/status/2104924151609707945",
    "kind": "original",
    "in_reply_to_handle": "",
    "reshared_handle": "",
    "addressed": [],
    "is_question": True,
    "link_domains": [],
    "is_promotional": False,
    "shares_others_link": False,
    "impressions": 1520,
    "reach": None,
    "engagements": 61,
    "likes": 40,
    "replies": 9,
    "reshares": 4,
    "clicks": 8,
    "saves": None,
    "video_views": None,
    "claimed_kind": "original",
    # Which source each value came from: the archive (exported later) told the kind, the
    # text and the likes; only the analytics CSV has impressions, replies and clicks.
    "evidence": {
        "published_at": 41,
        "kind": 41,
        "permalink": 41,
        "content": 41,
        "impressions": 42,
        "engagements": 42,
        "likes": 41,
        "replies": 42,
        "reshares": 41,
        "clicks": 42,
    },
    "sources": [
        {
            "id": 41,
            "kind": "file",
            "format": "x_archive",
            "label": "twitter-2026-10-02-24bd266b.zip",
            "observed_at": "2026-10-02T08:15:30+00:00",
            "observed_from": "export",
            "import_job": 17,
            "connector": None,
        },
        {
            "id": 42,
            "kind": "file",
            "format": "x_content",
            "label": "account_analytics_content_2026-06-30_2026-09-28.csv",
            "observed_at": "2026-09-29T00:00:00+00:00",
            "observed_from": "export",
            "import_job": 18,
            "connector": None,
        },
    ],
}

OBSERVATION = {
    "id": 12,
    "account": 3,
    "metric": "impressions",
    "date": "2026-09-29",
    "value": "1520.0000",
    "source": "file",
}

CONNECTOR = {
    "id": 2,
    "account": 5,
    "kind": "mastodon",
    "base_url": "",
    "enabled": True,
    "interval_minutes": 60,
    "has_credentials": True,
    "state": "failing",
    "status": (
        "Failing: Mastodon refused the credentials (401) (data stale since 20 Nov 2026 08:00)."
    ),
    "last_attempt_at": "2026-11-21T08:00:00Z",
    "last_success_at": "2026-11-20T08:00:00Z",
    "last_error": "Mastodon refused the credentials (401).",
    "last_error_at": "2026-11-21T08:00:00Z",
    "retry_after": None,
    "last_summary": {"pages": 0, "posts": 0, "observations": 0, "mentions": 0},
}

MENTION = {
    "id": 31,
    "account": 5,
    "platform_id": "117647592652800000",
    "published_at": "2026-11-20T07:30:00Z",
    "local_date": "2026-11-20",
    "author_handle": "purl_pat@fiber.example",
    "author_name": "Pat",
    "text": "@loomwell Is the autumn book also available in print?",
    "permalink": "https://fiber.example/@purl_pat/113512345678901234",
    "in_reply_to_id": "117643817779200000",
    "is_reply": True,
    "needs_answer": True,
    "answered_by": 88,
    "answered_at": "2026-11-20T08:12:00Z",
    "response_minutes": 42,
}

IMPORT_JOB = {
    "id": 7,
    "team": 1,
    "account": 3,
    "file_name": "account_overview_analytics.csv",
    "file_size": 20480,
    "checksum": "9f2c…",
    "format_key": "x_overview",
    "format_label": "X account analytics: daily overview CSV",
    "status": "succeeded",
    "message": "",
    "rows_read": 1830,
    "rows_created": 1830,
    "rows_updated": 0,
    "rows_unchanged": 0,
    "rows_skipped": 0,
    "rows_failed": 0,
    "errors": [],
    "summary": {"posts": 0, "metric_totals": {"impressions": 421003}},
    "created_at": "2026-10-02T08:00:00Z",
    "started_at": "2026-10-02T08:00:00Z",
    "finished_at": "2026-10-02T08:00:02Z",
    "progress": {
        "id": 7,
        "status": "succeeded",
        "status_label": "Imported",
        "finished": True,
        "done": 1830,
        "total": 1830,
        "percent": 100,
    },
}
