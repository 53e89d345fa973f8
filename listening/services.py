"""Writes with rules for listening: topics and settings (the admin, the pages and the API
use these), collecting topic posts, the people's states, and the retention purge."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from listening import terms as topic_terms
from listening.collectors import bluesky as bluesky_collector
from listening.collectors import mastodon as mastodon_collector
from listening.collectors import x as x_collector
from listening.collectors.base import Batch, FoundPost, Listen
from listening.models import (
    DEFAULT_RETENTION_DAYS,
    ListeningSettings,
    Topic,
    TopicAuthor,
    TopicMatch,
    TopicPost,
)
from listening.selectors import Voices
from metrics import connectors
from metrics.connectors import credentials as vault
from metrics.connectors.base import ConnectorError, HttpClient, RateLimited, RequestRefused
from metrics.connectors.sync import base_url_for, public_addresses, public_host_guard
from metrics.models import Account, Connector, ConnectorKind
from metrics.platforms.identity import canonical_handle
from strategy_tracker import jobs
from strategy_tracker.celery import enqueue
from teams import access
from teams.models import Team

logger = logging.getLogger(__name__)

# Queued by name (listening.tasks registers them): services never import tasks.
COLLECT_TEAM_TASK = "listening.collect_team"
COLLECT_ALL_TASK = "listening.collect_all"
PURGE_TASK = "listening.purge"

BLUESKY_APPVIEW = "https://public.api.bsky.app"
MAX_PAGES = 20

AnyUser = User | AnonymousUser


def _check_rights(user: AnyUser | None, team: Team | int | None) -> None:
    if user is not None and not access.can_edit(user, team):
        raise PermissionDenied("You may look at this team's listening but not change it.")


# --- settings and topics -------------------------------------------------------------------


def listening_settings_for(team: Team) -> ListeningSettings:
    found, _ = ListeningSettings.objects.get_or_create(team=team)
    return found


def _guard_instances(listening: ListeningSettings) -> None:
    """Refuse private or local instance addresses before anything connects (production)."""
    for instance in listening.instance_list:
        host = instance.split("://", 1)[1].split(":", 1)[0]
        try:
            public_host_guard(host)
        except RequestRefused as exc:
            raise ValidationError({"mastodon_instances": str(exc)}) from None


@transaction.atomic
def listening_settings_save(
    *,
    user: AnyUser | None,
    listening: ListeningSettings,
    app_password: str = "",
    clear_password: bool = False,
) -> ListeningSettings:
    """Validate and save; a given app password replaces the stored one (encrypted)."""
    _check_rights(user, listening.team_id)
    listening.full_clean()
    _guard_instances(listening)
    if clear_password:
        listening.credentials_encrypted = ""
    elif app_password.strip():
        listening.credentials_encrypted = vault.encrypt({"app_password": app_password.strip()})
    listening.save()
    return listening


@transaction.atomic
def topic_save(*, user: AnyUser | None, topic: Topic) -> Topic:
    """Validate (terms, languages, limits) and save a topic."""
    _check_rights(user, topic.team_id)
    topic.full_clean()
    topic.save()
    return topic


@transaction.atomic
def topic_delete(*, user: AnyUser | None, topic: Topic) -> int:
    """Delete a topic and the posts no other topic matched; returns how many posts went."""
    _check_rights(user, topic.team_id)
    team_id = topic.team_id
    post_ids = list(topic.matches.values_list("post_id", flat=True))
    topic.delete()
    orphans = TopicPost.objects.filter(team_id=team_id, pk__in=post_ids, matches__isnull=True)
    _, per_model = orphans.delete()
    _authors_without_posts(team_id).delete()
    return per_model.get(TopicPost._meta.label, 0)


def topic_person_dismiss(
    *, user: AnyUser, person: TopicAuthor, dismissed: bool = True
) -> TopicAuthor:
    """A member hides (or brings back) a person on the people-to-engage page."""
    _check_rights(user, person.team_id)
    person.dismissed_at = timezone.now() if dismissed else None
    person.dismissed_by = user if dismissed and isinstance(user, User) else None
    person.save(update_fields=["dismissed_at", "dismissed_by"])
    return person


# --- writing what a collector found ------------------------------------------------------------


@dataclass
class CollectOutcome:
    team_id: int
    ok: bool = False
    skipped: str = ""
    message: str = ""
    read: int = 0  # posts the platforms answered
    matched: int = 0  # of which matched a topic and were written
    created: int = 0  # new posts
    people: int = 0  # new people
    requests: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_summary(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "matched": self.matched,
            "created": self.created,
            "people": self.people,
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
        }


def topic_batch_write(
    *,
    topic: Topic,
    batch: Batch,
    matcher: topic_terms.Matcher,
    voices: Voices,
    since: datetime,
    outcome: CollectOutcome | None = None,
) -> int:
    """One batch and the cursor after it, in one transaction: the posts that match the topic
    (deduplicated by platform id; counts refreshed), their authors (one per canonical
    handle), and which terms matched. Returns how many posts matched."""
    team = topic.team
    tz = team.tzinfo
    found: dict[tuple[str, str], tuple[FoundPost, list[str]]] = {}
    for post in batch.posts:
        if post.published_at < since:
            continue
        terms = matcher.match(post.text, tags=post.tags, language=post.language)
        if terms:
            found[(post.platform, post.platform_id)] = (post, terms)
    with transaction.atomic():
        authors = _authors(team, [post for post, _ in found.values()], outcome)
        existing = _post_ids(team, found)
        new, changed = [], []
        for key, (post, terms) in found.items():
            row = TopicPost(
                team=team,
                author_id=authors[(post.platform, post.author.handle)],
                platform=post.platform,
                platform_id=post.platform_id,
                published_at=post.published_at,
                local_date=post.published_at.astimezone(tz).date(),
                text=post.text,
                permalink=post.permalink[:500],
                language=post.language[:20],
                likes=post.likes,
                replies=post.replies,
                reshares=post.reshares,
                mentions=list(post.mentions),
                mentions_brand=voices.mentions_brand(post.platform, post.text, post.mentions),
                mentions_competitor=voices.mentions_rival(post.platform, post.text, post.mentions),
                term_count=len(terms),
            )
            if key in existing:
                row.pk, known_terms = existing[key]
                row.term_count = max(row.term_count, known_terms)  # the most any topic matched
                changed.append(row)
            else:
                new.append(row)
        TopicPost.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        if changed:
            TopicPost.objects.bulk_update(
                changed, ["text", "likes", "replies", "reshares", "term_count"], batch_size=500
            )
        ids = _post_ids(team, found)
        TopicMatch.objects.bulk_create(
            [
                TopicMatch(topic=topic, post_id=ids[key][0], terms=terms)
                for key, (_post, terms) in found.items()
                if key in ids
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        if batch.cursor:
            cursor = {**topic.cursor}
            cursor.update(batch.cursor)
            Topic.objects.filter(pk=topic.pk).update(cursor=cursor)
            topic.cursor = cursor
    if outcome is not None:
        outcome.read += len(batch.posts)
        outcome.matched += len(found)
        outcome.created += len(new)
    return len(found)


def _post_ids(
    team: Team, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """(platform, platform id) → (pk, term count) of the posts already stored, one query per
    platform on the unique (team, platform, platform id) index."""
    grouped: dict[str, list[str]] = {}
    for platform, platform_id in keys:
        grouped.setdefault(platform, []).append(platform_id)
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for platform, platform_ids in grouped.items():
        for pk, platform_id, term_count in TopicPost.objects.filter(
            team=team, platform=platform, platform_id__in=platform_ids
        ).values_list("pk", "platform_id", "term_count"):
            found[(platform, platform_id)] = (pk, term_count)
    return found


def _authors(
    team: Team, posts: list[FoundPost], outcome: CollectOutcome | None
) -> dict[tuple[str, str], int]:
    wanted = {(p.platform, p.author.handle): p.author for p in posts}
    if not wanted:
        return {}

    def load() -> dict[tuple[str, str], int]:
        grouped: dict[str, list[str]] = {}
        for platform, handle in wanted:
            grouped.setdefault(platform, []).append(handle)
        return {
            (platform, handle): pk
            for platform, handles in grouped.items()
            for pk, handle in TopicAuthor.objects.filter(
                team=team, platform=platform, handle__in=handles
            ).values_list("pk", "handle")
        }

    known = load()
    missing = [
        TopicAuthor(
            team=team,
            platform=a.platform,
            handle=a.handle[:200],
            display_name=a.display_name[:200],
            profile_url=a.profile_url[:500],
        )
        for key, a in wanted.items()
        if key not in known
    ]
    if missing:
        TopicAuthor.objects.bulk_create(missing, ignore_conflicts=True, batch_size=500)
        known = load()
        if outcome is not None:
            outcome.people += len(missing)
    return known


# --- collecting ------------------------------------------------------------------------------


def _claim(team_id: int, now: datetime) -> bool:
    listening = ListeningSettings.objects.filter(team_id=team_id)
    stale = jobs.stale_before(now)
    return (
        listening.filter(Q(running_since__isnull=True) | Q(running_since__lt=stale)).update(
            running_since=now
        )
        == 1
    )


def _client(base_url: str, label: str, http_options: dict[str, Any], **extra: Any) -> HttpClient:
    return HttpClient(
        base_url, platform=label, resolve=public_addresses, **{**extra, **http_options}
    )


def _x_connector(team_id: int) -> tuple[Connector, dict[str, str]] | None:
    """The team's X connector that holds a bearer token (own accounts first)."""
    for connector in (
        Connector.objects.filter(account__team_id=team_id, kind=ConnectorKind.X)
        .select_related("account")
        .order_by("account__is_competitor", "pk")
    ):
        try:
            secrets = vault.decrypt(connector.credentials_encrypted)
        except vault.CredentialsUnreadable:
            continue
        if secrets.get("bearer_token"):
            return connector, secrets
    return None


def _sources(
    team: Team, listening: ListeningSettings, http_options: dict[str, Any], notes: list[str]
) -> Iterator[tuple[str, HttpClient, Any]]:
    """(label, client, collect(ctx)) for every source the team's settings allow."""
    for instance in listening.instance_list:
        host = instance.split("://", 1)[1].split(":", 1)[0]
        try:
            public_host_guard(host)
        except RequestRefused as exc:
            notes.append(f"Mastodon {host}: {exc}")
            continue
        http = _client(instance, "Mastodon", http_options)
        yield (
            f"Mastodon {host}",
            http,
            lambda ctx, instance=instance: mastodon_collector.collect(ctx, instance),
        )
    appview = getattr(django_settings, "LISTENING_BLUESKY_APPVIEW", BLUESKY_APPVIEW)
    password = ""
    if listening.credentials_encrypted:
        try:
            password = vault.decrypt(listening.credentials_encrypted).get("app_password", "")
        except vault.CredentialsUnreadable as exc:
            notes.append(f"Bluesky: {exc}")
    if listening.bluesky_identifier and password:
        pds = (listening.bluesky_pds_url or bluesky_collector.DEFAULT_PDS).rstrip("/")
        http = _client(pds, "Bluesky", http_options)

        def signed_in(ctx: Listen, pds: str = pds, password: str = password) -> Iterator[Batch]:
            token = bluesky_collector.sign_in(ctx.http, pds, listening.bluesky_identifier, password)
            yield from bluesky_collector.collect(
                ctx, search_url=f"{pds}{bluesky_collector.SEARCH}", token=token
            )

        yield "Bluesky", http, signed_in
    else:
        yield "Bluesky", _client(appview, "Bluesky", http_options), bluesky_collector.collect
    x = _x_connector(team.pk)
    if x is not None:
        connector, secrets = x
        spec = connectors.get(ConnectorKind.X)
        http = _client(
            base_url_for(connector, spec),
            "X",
            http_options,
            headers=spec.auth_headers(secrets),
            classify_error=spec.classify_error,
        )
        yield "X", http, x_collector.collect


def listening_collect(
    *, team_id: int, http_options: dict[str, Any] | None = None, now: datetime | None = None
) -> CollectOutcome:
    """Collect every active topic of the team now, in the foreground. Never raises for a
    platform's sake: what went wrong is a note (one source failing leaves the others)."""
    outcome = CollectOutcome(team_id=team_id)
    started = time.monotonic()
    now = now or timezone.now()
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        outcome.skipped = "no such team"
        return outcome
    listening = listening_settings_for(team)
    if not _claim(team_id, now):
        outcome.skipped = "another collection of this team is running"
        return outcome
    try:
        _collect(team, listening, outcome, http_options or {}, now)
        topic_follows_refresh(team=team, http_options=http_options, now=now, notes=outcome.notes)
    except Exception:
        logger.exception("Listening collection of team %s crashed", team_id)
        outcome.message = (
            "The collection stopped on an internal error; what was written is kept. The "
            "team running Strategy Tracker has the details in its logs."
        )
    else:
        outcome.ok = True
    outcome.seconds = time.monotonic() - started
    ListeningSettings.objects.filter(pk=listening.pk).update(
        running_since=None,
        last_run_at=now,
        last_notes=outcome.notes[:50],
        last_summary=outcome.as_summary(),
        last_error=outcome.message,
        **({"last_success_at": timezone.now()} if outcome.ok else {}),
    )
    return outcome


def _collect(
    team: Team,
    listening: ListeningSettings,
    outcome: CollectOutcome,
    http_options: dict[str, Any],
    now: datetime,
) -> None:
    topics = list(Topic.objects.filter(team=team, is_active=True).select_related("team"))
    if not topics:
        outcome.notes.append("No active topic: add one to start listening.")
        return
    since = now - timedelta(days=listening.retention_days or DEFAULT_RETENTION_DAYS)
    voices = Voices.of(team.pk)
    sources = list(_sources(team, listening, http_options, outcome.notes))
    try:
        for topic in topics:
            try:
                terms = topic.terms()
            except topic_terms.TermsInvalid as exc:
                outcome.notes.append(f"Topic “{topic.name}” was skipped: {exc}")
                continue
            matcher = topic_terms.Matcher(terms)
            for label, http, collect in sources:
                ctx = Listen(
                    http=http,
                    terms=terms,
                    cursor=dict(topic.cursor),
                    since=since,
                    now=now,
                    notes=outcome.notes,
                    max_pages=MAX_PAGES,
                )
                try:
                    for batch in collect(ctx):
                        topic_batch_write(
                            topic=topic,
                            batch=batch,
                            matcher=matcher,
                            voices=voices,
                            since=since,
                            outcome=outcome,
                        )
                        # A later source of the same topic reads the cursor as written.
                        ctx.cursor = dict(topic.cursor)
                except RateLimited as exc:
                    outcome.notes.append(f"{label}, topic “{topic.name}”: {exc}")
                except ConnectorError as exc:
                    outcome.notes.append(f"{label}, topic “{topic.name}”: {exc}")
    finally:
        for _label, http, _collect_fn in sources:
            outcome.requests += http.requests
            http.close()


def topic_follows_refresh(
    *,
    team: Team,
    http_options: dict[str, Any] | None = None,
    now: datetime | None = None,
    notes: list[str] | None = None,
) -> int:
    """Whom the brand's own Mastodon and Bluesky accounts follow, from their public follow
    lists; people newly followed get `followed_at`, people no longer followed
    `unfollowed_at`. Returns how many people changed."""
    now = now or timezone.now()
    notes = notes if notes is not None else []
    options = http_options or {}
    followed: dict[str, set[str]] = {}
    accounts = Account.objects.filter(
        team=team, is_competitor=False, platform__in=["mastodon", "bluesky"]
    ).prefetch_related("connectors")
    for account in accounts:
        connector = next(iter(account.connectors.all()), None)
        try:
            if account.platform == "mastodon":
                spec = connectors.get(ConnectorKind.MASTODON)
                base = (
                    base_url_for(connector, spec)
                    if connector is not None
                    else spec.base_url_for_handle(account.handle)
                    if spec.base_url_for_handle
                    else None
                )
                if not base:
                    continue
                with _client(base, "Mastodon", options) as http:
                    found = mastodon_collector.following(
                        http, canonical_handle("mastodon", account.handle)
                    )
            else:
                spec = connectors.get(ConnectorKind.BLUESKY)
                appview = getattr(django_settings, "LISTENING_BLUESKY_APPVIEW", BLUESKY_APPVIEW)
                base = (
                    connector.base_url if connector is not None and connector.base_url else appview
                )
                with _client(base, "Bluesky", options) as http:
                    found = bluesky_collector.follows(
                        http, canonical_handle("bluesky", account.handle)
                    )
        except ConnectorError as exc:
            notes.append(f"Whom @{account.handle} follows could not be read: {exc}")
            continue
        followed.setdefault(account.platform, set()).update(found)
    changed = 0
    with transaction.atomic():
        for platform, handles in followed.items():
            people = TopicAuthor.objects.filter(team=team, platform=platform)
            changed += (
                people.filter(handle__in=handles)
                .filter(Q(followed_at__isnull=True) | Q(unfollowed_at__isnull=False))
                .update(followed_at=now, unfollowed_at=None)
            )
            changed += (
                people.filter(followed_at__isnull=False, unfollowed_at__isnull=True)
                .exclude(handle__in=handles)
                .update(unfollowed_at=now)
            )
    return changed


def listening_collect_enqueue(*, user: AnyUser, team: Team) -> None:
    """'Collect now' for a team."""
    _check_rights(user, team)
    team_id = team.pk
    transaction.on_commit(lambda: enqueue(COLLECT_TEAM_TASK, args=(team_id,)))


def listening_collect_all() -> int:
    """Queue a collection for every team with an active topic (the beat schedule)."""
    team_ids = list(
        Topic.objects.filter(is_active=True).values_list("team_id", flat=True).distinct()
    )
    for team_id in team_ids:
        enqueue(COLLECT_TEAM_TASK, args=(team_id,))
    return len(team_ids)


# --- retention ---------------------------------------------------------------------------------


def _authors_without_posts(team_id: int) -> Any:
    """People with no post left whom nobody marked: nothing ties them to the team any more."""
    return TopicAuthor.objects.filter(
        team_id=team_id, posts__isnull=True, dismissed_at__isnull=True, followed_at__isnull=True
    )


def listening_purge(*, now: datetime | None = None, team_ids: Iterable[int] | None = None) -> int:
    """Delete topic posts older than each team's retention, and the people left without
    posts (unless dismissed or followed: their mark is kept). Returns posts deleted."""
    now = now or timezone.now()
    retention = dict(ListeningSettings.objects.values_list("team_id", "retention_days"))
    teams = (
        set(team_ids)
        if team_ids is not None
        else set(TopicPost.objects.values_list("team_id", flat=True).distinct())
    )
    deleted = 0
    for team_id in sorted(teams):
        days = retention.get(team_id) or DEFAULT_RETENTION_DAYS
        with transaction.atomic():
            _, per_model = TopicPost.objects.filter(
                team_id=team_id, published_at__lt=now - timedelta(days=days)
            ).delete()
            _authors_without_posts(team_id).delete()
        deleted += per_model.get(TopicPost._meta.label, 0)
    return deleted
