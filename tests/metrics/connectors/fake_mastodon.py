"""A small Mastodon server for the sync tests: real response shapes (the recorded
responses in responses/mastodon/ are the templates), real paging by max_id / since_id /
min_id, and failures on demand. It stands in for the network, nothing else."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug import Request, Response

from tests.metrics.connectors.helpers import load

HANDLE = "loomwell@mastodon.example"
ACCOUNT_ID = "109412345678901234"
STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
NOTIFICATIONS = "/api/v1/notifications"
_STATUS: dict[str, Any] = load("mastodon/statuses_page1.json")[1]  # a reply by the account
_NOTIFICATION: dict[str, Any] = load("mastodon/notifications.json")[0]  # a reply to the account


def snowflake(at: datetime) -> str:
    """Mastodon's ids: milliseconds since the epoch, shifted 16 bits."""
    return str(int(at.timestamp() * 1000) << 16)


def own_status(
    at: datetime, text: str, *, reply_to: dict[str, Any] | None = None
) -> dict[str, Any]:
    status = copy.deepcopy(_STATUS)
    status["id"] = snowflake(at)
    status["created_at"] = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    status["url"] = f"https://mastodon.example/@loomwell/{status['id']}"
    status["uri"] = f"https://mastodon.example/users/loomwell/statuses/{status['id']}"
    status["content"] = f"<p>{text}</p>"
    if reply_to is None:
        status["in_reply_to_id"] = None
        status["in_reply_to_account_id"] = None
        status["mentions"] = []
    else:
        author = reply_to["account"]
        status["in_reply_to_id"] = reply_to["id"]
        status["in_reply_to_account_id"] = author["id"]
        status["mentions"] = [
            {
                "id": author["id"],
                "username": author["username"],
                "url": author["url"],
                "acct": author["acct"],
            }
        ]
    return status


def their_status(
    at: datetime, who: str, text: str, *, reply_to: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A status by someone on another server that mentions (or answers) the account."""
    status = copy.deepcopy(_NOTIFICATION["status"])
    status["id"] = snowflake(at)
    status["created_at"] = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    status["url"] = f"https://fiber.example/@{who}/{status['id']}"
    status["uri"] = f"https://fiber.example/users/{who}/statuses/{status['id']}"
    status["content"] = (
        '<p><a href="https://mastodon.example/@loomwell" class="u-url mention">@loomwell</a> '
        f"{text}</p>"
    )
    status["in_reply_to_id"] = reply_to["id"] if reply_to else None
    status["in_reply_to_account_id"] = ACCOUNT_ID if reply_to else None
    account = status["account"]
    account.update(
        id=str(abs(hash(who)) % 10**17),
        username=who,
        acct=f"{who}@fiber.example",
        display_name=who.title(),
        url=f"https://fiber.example/@{who}",
    )
    return dict(status)


def _key(item_id: str) -> tuple[int, str]:
    return (len(item_id), item_id)


@dataclass
class _Failure:
    path: str
    after: int  # requests to `path` to let through first
    response: Response


class FakeMastodon:
    def __init__(self, httpserver: Any) -> None:
        self.httpserver = httpserver
        self.statuses: list[dict] = []
        self.mentions: list[dict] = []  # their statuses; served as notifications
        self.followers = 4821
        self.failures: list[_Failure] = []  # served once each, in order
        httpserver.expect_request("/api/v1/accounts/lookup").respond_with_handler(self._lookup)
        httpserver.expect_request(STATUSES).respond_with_handler(self._statuses)
        httpserver.expect_request(NOTIFICATIONS).respond_with_handler(self._notifications)

    @property
    def base_url(self) -> str:
        return str(self.httpserver.url_for("/"))

    def fail_once(self, path: str, response: Response, *, after: int = 0) -> None:
        """Answer the next request to `path` (or the one after `after` more) with this."""
        self.failures.append(_Failure(path, after, response))

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [r.args.to_dict() for r, _ in self.httpserver.log if r.path == path]

    def _failure(self, request: Request) -> Response | None:
        for failure in self.failures:
            if request.path == failure.path:
                if failure.after:
                    failure.after -= 1
                    return None
                self.failures.remove(failure)
                return failure.response
        return None

    def _lookup(self, request: Request) -> Response:
        failure = self._failure(request)
        if failure is not None:
            return failure
        body = load("mastodon/lookup.json")
        body["followers_count"] = self.followers
        return Response(json.dumps(body), content_type="application/json")

    def _statuses(self, request: Request) -> Response:
        return self._failure(request) or self._page(request, self.statuses, lambda s: s)

    def _notifications(self, request: Request) -> Response:
        failure = self._failure(request)
        if failure is not None:
            return failure
        if request.headers.get("Authorization") != "Bearer test-token":
            return Response(
                json.dumps({"error": "The access token is invalid"}),
                status=401,
                content_type="application/json",
            )

        def notification(status: dict) -> dict:
            note = copy.deepcopy(_NOTIFICATION)
            note["id"] = status["id"]
            note["account"] = status["account"]
            note["created_at"] = status["created_at"]
            note["status"] = status
            return note

        return self._page(request, self.mentions, notification)

    @staticmethod
    def _page(request: Request, items: list[dict], wrap: Any) -> Response:
        limit = int(request.args.get("limit", "20"))
        ordered = sorted(items, key=lambda s: _key(s["id"]), reverse=True)
        if "max_id" in request.args:
            ordered = [s for s in ordered if _key(s["id"]) < _key(request.args["max_id"])]
        if "since_id" in request.args:
            ordered = [s for s in ordered if _key(s["id"]) > _key(request.args["since_id"])]
        if "min_id" in request.args:
            newer = [s for s in ordered if _key(s["id"]) > _key(request.args["min_id"])]
            ordered = newer[-limit:]  # the ones immediately after min_id
        return Response(
            json.dumps([wrap(s) for s in ordered[:limit]]), content_type="application/json"
        )
