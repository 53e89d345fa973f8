"""Local stand-ins for Mastodon instances, Bluesky and X, serving the recorded shapes in
responses/ with each platform's paging. They stand in for the network, nothing else."""

from __future__ import annotations

import bisect
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug import Request, Response

RESPONSES = Path(__file__).parent / "responses"


def load(name: str) -> Any:
    return json.loads((RESPONSES / name).read_text())


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def snowflake(at: datetime) -> str:
    return str(int(at.timestamp() * 1000) << 16)


_STATUS = load("mastodon/tag_timeline.json")[0]


def status(
    at: datetime,
    who: str,
    text: str,
    *,
    tag: str = "pourover",
    host: str = "fiber.example",
    language: str = "en",
    likes: int = 0,
    sid: str = "",
) -> dict[str, Any]:
    item: dict[str, Any] = copy.deepcopy(_STATUS)
    sid = sid or snowflake(at)
    item.update(
        id=sid,
        created_at=iso(at),
        uri=f"https://{host}/users/{who}/statuses/{sid}",
        url=f"https://{host}/@{who}/{sid}",
        language=language,
        favourites_count=likes,
        replies_count=0,
        reblogs_count=0,
        content=f"<p>{text} #{tag}</p>",
        mentions=[],
        tags=[{"name": tag, "url": f"https://{host}/tags/{tag}"}],
    )
    item["account"] = {
        **item["account"],
        "id": str(abs(hash(who)) % 10**17),
        "username": who,
        "acct": f"{who}@{host}",
        "display_name": who.title(),
        "url": f"https://{host}/@{who}",
    }
    return item


def _order(item_id: str) -> tuple[int, str]:
    return (len(item_id), item_id)


class FakeMastodon:
    """An instance: /api/v1/instance, tag timelines (max_id paging, Link header), account
    lookup and following (Link paging). `fail_next` answers the next request to a path
    with the given response instead."""

    def __init__(self, httpserver: Any, *, page_size: int = 40) -> None:
        self.server = httpserver
        self.page_size = page_size
        self.tags: dict[str, list[dict[str, Any]]] = {}
        self._cache: dict[str, Any] = {}
        self.following: list[dict[str, Any]] = []
        self.failures: dict[str, list[Response]] = {}
        self.instance: Any = load("mastodon/instance.json")
        httpserver.expect_request("/api/v1/instance").respond_with_handler(self._instance)
        httpserver.expect_request("/api/v1/accounts/lookup").respond_with_handler(self._lookup)
        import re

        httpserver.expect_request(re.compile(r"^/api/v1/timelines/tag/.+")).respond_with_handler(
            self._tag
        )
        httpserver.expect_request(
            re.compile(r"^/api/v1/accounts/\d+/following$")
        ).respond_with_handler(self._following)

    @property
    def base_url(self) -> str:
        return str(self.server.url_for("/")).rstrip("/")

    def fail_next(self, path: str, response: Response) -> None:
        self.failures.setdefault(path, []).append(response)

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [r.args.to_dict() for r, _ in self.server.log if r.path == path]

    def _failed(self, request: Request) -> Response | None:
        queue = self.failures.get(request.path)
        return queue.pop(0) if queue else None

    def _instance(self, request: Request) -> Response:
        if (failed := self._failed(request)) is not None:
            return failed
        if isinstance(self.instance, str):
            return Response(self.instance, content_type="text/html")
        return Response(json.dumps(self.instance), content_type="application/json")

    def _lookup(self, request: Request) -> Response:
        return Response(
            json.dumps({"id": "109412345678901234", "acct": request.args.get("acct", "")}),
            content_type="application/json",
        )

    def _sorted(self, tag: str) -> tuple[list[tuple[int, str]], list[dict[str, Any]]]:
        """The tag's statuses oldest first with their sort keys (kept while unchanged)."""
        items = self.tags.get(tag, [])
        cached = self._cache.get(tag)
        if cached is None or cached[0] is not items or cached[1] != len(items):
            ordered = sorted(items, key=lambda s: _order(s["id"]))
            cached = (items, len(items), [_order(s["id"]) for s in ordered], ordered)
            self._cache[tag] = cached
        return cached[2], cached[3]

    def _tag(self, request: Request) -> Response:
        if (failed := self._failed(request)) is not None:
            return failed
        tag = request.path.rsplit("/", 1)[1]
        keys, ordered = self._sorted(tag)
        max_id = request.args.get("max_id")
        end = bisect.bisect_left(keys, _order(max_id)) if max_id else len(ordered)
        limit = min(int(request.args.get("limit", "20")), self.page_size)
        page = ordered[max(end - limit, 0) : end][::-1]  # newest first
        headers = {}
        if page:
            headers["Link"] = (
                f'<{self.base_url}{request.path}?max_id={page[-1]["id"]}>; rel="next", '
                f'<{self.base_url}{request.path}?min_id={page[0]["id"]}>; rel="prev"'
            )
        return Response(json.dumps(page), content_type="application/json", headers=headers)

    def _following(self, request: Request) -> Response:
        # Follows are paged by the follow's id (its position here), not the account's id.
        start = int(request.args.get("max_id", "0"))
        page = self.following[start : start + 2]
        headers = {}
        if start + 2 < len(self.following):
            headers["Link"] = f'<{self.base_url}{request.path}?max_id={start + 2}>; rel="next"'
        return Response(json.dumps(page), content_type="application/json", headers=headers)


_BSKY_POST = load("bluesky/search_posts.json")["posts"][0]


def bluesky_post(at: datetime, who: str, text: str, *, likes: int = 0) -> dict[str, Any]:
    post: dict[str, Any] = copy.deepcopy(_BSKY_POST)
    rkey = snowflake(at)
    post["uri"] = f"at://did:plc:{who}/app.bsky.feed.post/{rkey}"
    post["author"] = {
        **post["author"],
        "did": f"did:plc:{who}",
        "handle": f"{who}.bsky.social",
        "displayName": who.title(),
    }
    post["record"] = {
        "$type": "app.bsky.feed.post",
        "createdAt": iso(at),
        "langs": ["en"],
        "text": text,
    }
    post["likeCount"] = likes
    post["replyCount"] = post["repostCount"] = post["quoteCount"] = 0
    post["indexedAt"] = iso(at)
    return post


class FakeBluesky:
    """searchPosts (cursor = offset; `since` honoured), createSession, getFollows.
    `require_auth` answers search without a bearer token with 403."""

    def __init__(self, httpserver: Any, *, page_size: int = 100) -> None:
        self.server = httpserver
        self.page_size = page_size
        self.posts: list[dict[str, Any]] = []
        self.follows: list[dict[str, Any]] = []
        self.require_auth = False
        self.failures: list[Response] = []
        httpserver.expect_request("/xrpc/app.bsky.feed.searchPosts").respond_with_handler(
            self._search
        )
        httpserver.expect_request(
            "/xrpc/com.atproto.server.createSession", method="POST"
        ).respond_with_json(load("bluesky/session.json"))
        httpserver.expect_request("/xrpc/app.bsky.graph.getFollows").respond_with_handler(
            self._follows
        )

    @property
    def base_url(self) -> str:
        return str(self.server.url_for("/")).rstrip("/")

    def requests_to(self, path: str) -> list[Request]:
        return [r for r, _ in self.server.log if r.path == path]

    def _search(self, request: Request) -> Response:
        if self.failures:
            return self.failures.pop(0)
        if self.require_auth and not request.headers.get("Authorization"):
            return Response(
                json.dumps({"error": "Forbidden", "message": "Search requires authentication"}),
                status=403,
                content_type="application/json",
            )
        query = request.args.get("q", "").lower().lstrip("#")
        since = request.args.get("since", "")
        items = [
            p
            for p in self.posts
            if query in p["record"].get("text", "").lower() and p["indexedAt"] >= since
        ]
        items.sort(key=lambda p: p["indexedAt"], reverse=True)
        start = int(request.args.get("cursor", "0"))
        page = items[start : start + self.page_size]
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(items)}
        if start + self.page_size < len(items):
            body["cursor"] = str(start + self.page_size)
        return Response(json.dumps(body), content_type="application/json")

    def _follows(self, request: Request) -> Response:
        start = int(request.args.get("cursor", "0"))
        body: dict[str, Any] = {
            "subject": load("bluesky/follows.json")["subject"],
            "follows": self.follows[start : start + 1],
        }
        if start + 1 < len(self.follows):
            body["cursor"] = str(start + 1)
        return Response(json.dumps(body), content_type="application/json")


_X_PAGE = load("x/search_recent.json")


def x_post(at: datetime, post_id: str, username: str, text: str) -> tuple[dict, dict]:
    post = copy.deepcopy(_X_PAGE["data"][0])
    user_id = str(abs(hash(username)) % 10**10)
    post.update(id=post_id, text=text, author_id=user_id, created_at=iso(at))
    post["entities"] = {}
    return post, {"id": user_id, "name": username.title(), "username": username}


class FakeX:
    """Recent search, next_token paging (the token is the offset), since_id honoured."""

    def __init__(self, httpserver: Any, *, page_size: int = 100) -> None:
        self.server = httpserver
        self.page_size = page_size
        self.posts: list[tuple[dict, dict]] = []
        self.failures: list[Response] = []
        self.with_partial_errors = False
        httpserver.expect_request("/2/tweets/search/recent").respond_with_handler(self._search)

    @property
    def base_url(self) -> str:
        return str(self.server.url_for("/")).rstrip("/")

    def requests(self) -> list[Request]:
        return [r for r, _ in self.server.log if r.path == "/2/tweets/search/recent"]

    def _search(self, request: Request) -> Response:
        if self.failures:
            return self.failures.pop(0)
        since_id = request.args.get("since_id")
        items = sorted(self.posts, key=lambda p: _order(p[0]["id"]), reverse=True)
        if since_id:
            items = [p for p in items if _order(p[0]["id"]) > _order(since_id)]
        start = int(request.args.get("next_token", "0"))
        page = items[start : start + self.page_size]
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = [p for p, _ in page]
            body["includes"] = {"users": [u for _, u in page]}
            body["meta"]["newest_id"] = page[0][0]["id"]
            body["meta"]["oldest_id"] = page[-1][0]["id"]
        if start + self.page_size < len(items):
            body["meta"]["next_token"] = str(start + self.page_size)
        if self.with_partial_errors:
            body["errors"] = _X_PAGE["errors"]
        return Response(json.dumps(body), content_type="application/json")
