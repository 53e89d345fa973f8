"""The demo team and its strategy plan, for `make run` and new users' first look.

Idempotent: running it again finds what exists and adds only what is missing.
Never available in production mode (settings.DEMO_DATA_ALLOWED).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from goals import periods, progress
from goals.demo_competitors import replay_competitor_pages
from goals.models import (
    Annotation,
    CheckIn,
    Confidence,
    KeyResult,
    Objective,
    Status,
    Strategy,
)
from goals.progress import Direction
from listening.demo import load_listening_demo
from metrics.models import Account, ImportJob, ImportStatus
from metrics.platforms import Platform
from metrics.services import import_checksum, import_path
from teams.models import Membership, Role, Team

DEMO_TEAM_SLUG = "demo"
# The sample exports (tests/fixtures, copied from shared/exports) cover 2026-04-01 to
# 2026-09-30; the demo strategy is the quarter they end with, so its pages have data.
DEMO_PERIOD = periods.parse("2026Q3")
EXPORTS_DIR = Path(settings.BASE_DIR) / "tests" / "fixtures"

# (file, zip or folder under EXPORTS_DIR, the account it belongs to)
DEMO_EXPORTS: list[tuple[str, tuple[str, str]]] = [
    (
        "x/archive/twitter-2026-10-02-24bd266b1957d55c672c13e3f561581c072e58b3c4a0780ccd5489c725313c2f/data",
        (Platform.X, "loomwellroast"),
    ),
    (
        "x/analytics/account_analytics_content_2026-04-01_2026-06-30.csv",
        (Platform.X, "loomwellroast"),
    ),
    (
        "x/analytics/account_analytics_content_2026-06-30_2026-09-28.csv",
        (Platform.X, "loomwellroast"),
    ),
    (
        "x/analytics/account_analytics_content_2026-09-28_2026-10-01.csv",
        (Platform.X, "loomwellroast"),
    ),
    ("x/analytics/account_overview_analytics.csv", (Platform.X, "loomwellroast")),
    (
        "mastodon/archive-20261002081530-e47cbf75a1b68cc26b2e988b20be776d",
        (Platform.MASTODON, "loomwell@mastodon.example"),
    ),
    (
        "bluesky/api/app.bsky.feed.getAuthorFeed.page1.json",
        (Platform.BLUESKY, "loomwellroasters.bsky.social"),
    ),
    (
        "bluesky/api/app.bsky.feed.getAuthorFeed.page2.json",
        (Platform.BLUESKY, "loomwellroasters.bsky.social"),
    ),
    (
        "bluesky/api/app.bsky.actor.getProfile.json",
        (Platform.BLUESKY, "loomwellroasters.bsky.social"),
    ),
    (
        "facebook/Apr-01-2026_Jun-30-2026_5358321145085006.csv",
        (Platform.FACEBOOK, "loomwellroasters"),
    ),
    (
        "facebook/Jul-01-2026_Sep-30-2026_8266685116939079.csv",
        (Platform.FACEBOOK, "loomwellroasters"),
    ),
    *[
        (f"facebook/page_level/{name}.csv", (Platform.FACEBOOK, "loomwellroasters"))
        for name in ("Follows", "Views", "Visits", "Interactions", "Link clicks")
    ],
    (
        "instagram/Apr-01-2026_Jun-30-2026_2146425515274046.csv",
        (Platform.INSTAGRAM, "loomwellroasters"),
    ),
    (
        "instagram/Jul-01-2026_Sep-30-2026_5095666080943481.csv",
        (Platform.INSTAGRAM, "loomwellroasters"),
    ),
    *[
        (f"instagram/account_level/{name}.csv", (Platform.INSTAGRAM, "loomwellroasters"))
        for name in ("Follows", "Views", "Reach")
    ],
    (
        "linkedin/loomwell-roasters_content_1790931600412.xls",
        (Platform.LINKEDIN, "loomwell-roasters"),
    ),
    (
        "linkedin/loomwell-roasters_followers_1790931600412.xls",
        (Platform.LINKEDIN, "loomwell-roasters"),
    ),
    (
        "youtube/Content 2026-04-01_2026-09-30 Loomwell Roasters.zip",
        (Platform.YOUTUBE, "loomwellroasters"),
    ),
    *[
        (f"tiktok/{export}/{kind}", (Platform.TIKTOK, "loomwellroasters"))
        for export, overview in (
            ("export_2026-06-01", "Overview_2026-04-01_1780304591_loomwellroasters.zip"),
            ("export_2026-07-31", "Overview_2026-05-31_1785488591_loomwellroasters.zip"),
            ("export_2026-09-29", "Overview_2026-07-30_1790672591_loomwellroasters.zip"),
        )
        for kind in (overview, "Followers_loomwellroasters.zip", "Content_loomwellroasters.zip")
    ],
]
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - development-only demo login, refused in production

# The fictional brand of the sample exports in shared/exports (Loomwell Roasters).
_OWN_DOMAIN = "loomwell.example"
_ACCOUNTS: list[dict[str, Any]] = [
    {"platform": Platform.X, "handle": "loomwellroast", "display_name": "Loomwell Roasters"},
    {
        "platform": Platform.MASTODON,
        "handle": "loomwell@mastodon.example",
        "display_name": "Loomwell Roasters",
    },
    {
        "platform": Platform.BLUESKY,
        "handle": "loomwellroasters.bsky.social",
        "display_name": "Loomwell Roasters",
    },
    {
        "platform": Platform.FACEBOOK,
        "handle": "loomwellroasters",
        "display_name": "Loomwell Roasters",
    },
    {
        "platform": Platform.INSTAGRAM,
        "handle": "loomwellroasters",
        "display_name": "Loomwell Roasters",
    },
    {
        "platform": Platform.LINKEDIN,
        "handle": "loomwell-roasters",
        "display_name": "Loomwell Roasters",
    },
    {
        "platform": Platform.YOUTUBE,
        "handle": "loomwellroasters",
        "display_name": "Loomwell Roasters",
    },
    {
        "platform": Platform.TIKTOK,
        "handle": "loomwellroasters",
        "display_name": "Loomwell Roasters",
    },
    # On Mastodon (not X, as before): its public posts sync without any token, so the demo's
    # saved API pages fill the competitor page offline (goals.demo_competitors).
    {
        "platform": Platform.MASTODON,
        "handle": "kettleandcrumb@mastodon.example",
        "display_name": "Kettle & Crumb",
        "is_competitor": True,
    },
    {
        "platform": Platform.BLUESKY,
        "handle": "kettleandcrumb.bsky.social",
        "display_name": "Kettle & Crumb",
        "is_competitor": True,
    },
]

# (objective, [key results]) of the 2026 Q3 strategy, measured on the sample exports.
# Targets are set against what the samples hold, so the quarter ends with a mix of
# achieved and missed key results.
_PLAN: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    (
        {
            "title": "Talk with people, not at them",
            "weight": Decimal("2"),
            "description": "Most of what we publish answers, names or asks someone.",
        },
        [
            {
                "name": "Reply share reaches 8%",
                "metric_key": "reply_share",
                "baseline": Decimal("5"),
                "target": Decimal("8"),
            },
            {
                "name": "Address 25 different people by name",
                "metric_key": "people_addressed",
                "baseline": Decimal("0"),
                "target": Decimal("25"),
            },
            {
                "name": "One post with people for every three broadcasts",
                "metric_key": "with_at_ratio",
                "baseline": Decimal("0.15"),
                "target": Decimal("0.33"),
            },
        ],
    ),
    (
        {"title": "Grow an audience that engages", "weight": Decimal("1")},
        [
            {
                "name": "TikTok followers grow to 4,300",
                "metric_key": "followers",
                "baseline": Decimal("3500"),
                "target": Decimal("4300"),
                "accounts": [(Platform.TIKTOK, "loomwellroasters")],
            },
            {
                "name": "Engagement rate at 1.5%",
                "metric_key": "engagement_rate",
                "baseline": Decimal("1.0"),
                "target": Decimal("1.5"),
            },
        ],
    ),
    (
        {"title": "Keep promotion in its place", "weight": Decimal("1")},
        [
            {
                "name": "No more than 12 promotional posts in 28 days",
                "metric_key": "promo_posts",
                "window": "28d",
                "direction": Direction.DECREASE,
                "baseline": Decimal("20"),
                "target": Decimal("12"),
            },
            {
                "name": "Host two live tasting Q&As",
                "metric_key": "manual",
                "baseline": Decimal("0"),
                "target": Decimal("2"),
                "unit": "events",
                "check_in": (0, 0.5, "First tasting Q&A done; the second slipped to October."),
            },
        ],
    ),
]

# The current quarter's plan: new exports have not been imported yet, so its key results
# are mostly manual, with check-ins placed relative to the day the demo is loaded. Together
# with 2026 Q3 the dashboard shows every status: achieved, on track, at risk, off track,
# stale, no data and not started. check_in = (days before today, share of the way that
# pace expects by then + this offset, note).
_CURRENT_PLAN: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    (
        {"title": "Be useful every week", "weight": Decimal("1")},
        [
            {
                "name": "Publish 12 brew guides",
                "metric_key": "manual",
                "baseline": Decimal("0"),
                "target": Decimal("12"),
                "unit": "guides",
                "check_in": (2, 0.15, "Ahead of plan: the pour-over series is done."),
            },
            {
                "name": "Answer questions within a day (%)",
                "metric_key": "manual",
                "baseline": Decimal("60"),
                "target": Decimal("90"),
                "unit": "%",
                "check_in": (1, -0.06, "Weekend questions wait until Monday."),
            },
            {
                "name": "Host three roastery open days",
                "metric_key": "manual",
                "baseline": Decimal("0"),
                "target": Decimal("3"),
                "unit": "events",
                "check_in": (1, -1.0, "No venue yet."),
            },
        ],
    ),
    (
        {"title": "Keep the conversation going", "weight": Decimal("1")},
        [
            {
                "name": "Reply share reaches 12%",
                "metric_key": "reply_share",
                "baseline": Decimal("9"),
                "target": Decimal("12"),
            },
            {
                "name": "Shout out six partners",
                "metric_key": "manual",
                "baseline": Decimal("0"),
                "target": Decimal("6"),
                "unit": "partners",
                "check_in": (20, 0.0, "Two partners featured; the rest is on hold."),
            },
            {
                "name": "Launch the community newsletter",
                "metric_key": "manual",
                "baseline": Decimal("0"),
                "target": Decimal("1"),
                "unit": "launch",
                "starts_in_days": 7,
            },
        ],
    ),
]


@dataclass
class DemoResult:
    team: Team
    created: list[str] = field(default_factory=list)
    imports: list[ImportJob] = field(default_factory=list)
    competitor_syncs: int = 0  # saved competitor API pages replayed

    @property
    def changed(self) -> bool:
        return bool(self.created or self.imports or self.competitor_syncs)


def _create(model: type[Any], created: list[str], lookup: dict[str, Any], **defaults: Any) -> Any:
    """Find the row by `lookup`, or validate and create it."""
    obj = model.objects.filter(**lookup).first()
    if obj is not None:
        return obj
    obj = model(**lookup, **defaults)
    obj.full_clean()
    obj.save()
    created.append(f"{model._meta.verbose_name} “{obj}”")
    return obj


def load_demo(*, today: date | None = None, with_data: bool = True) -> DemoResult:
    """The demo plan, then the sample exports imported through the real pipeline."""
    result = _load_plan(today=today)
    if with_data:
        result.imports = _import_exports(result.team)
        result.competitor_syncs = _sync_competitors(result.team)
        # Listening (topics, topic posts, a share-of-voice key result): its own module.
        load_listening_demo(team=result.team, today=today or date.today(), created=result.created)
    return result


def _sync_competitors(team: Team) -> int:
    """The competitor's saved public API pages, synced through the real connectors."""
    return len(replay_competitor_pages(team))


def _import_exports(team: Team) -> list[ImportJob]:
    """Import each sample export once: a file already imported for the team is skipped."""
    done = set(
        ImportJob.objects.filter(team=team, status=ImportStatus.SUCCEEDED).values_list(
            "file_name", "checksum"
        )
    )
    user = get_user_model().objects.filter(username=DEMO_USERNAME).first()
    jobs = []
    for relative, (platform, handle) in DEMO_EXPORTS:
        path = EXPORTS_DIR / relative
        if not path.exists():
            raise ImproperlyConfigured(f"Demo export {path} is missing from the checkout.")
        if (path.name, import_checksum(path)) in done:
            continue
        account = Account.objects.get(team=team, platform=platform, handle__iexact=handle)
        # TikTok writes dates without a year: the download day (in the folder name) anchors them.
        exported = re.search(r"export_(\d{4}-\d{2}-\d{2})", relative)
        today = date.fromisoformat(exported.group(1)) if exported else None
        job = import_path(team=team, path=path, account=account, user=user, today=today)
        if job.status != ImportStatus.SUCCEEDED:
            raise ImproperlyConfigured(f"Demo export {relative} did not import: {job.message}")
        jobs.append(job)
    return jobs


@transaction.atomic
def _load_plan(*, today: date | None = None) -> DemoResult:
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured(
            "Demo data (and its demo/demo login) can only be loaded in development mode "
            "(DEBUG=true)."
        )
    today = today or date.today()
    created: list[str] = []
    team = _create(Team, created, {"slug": DEMO_TEAM_SLUG}, name="Loomwell Roasters (demo)")

    User = get_user_model()
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            DEMO_USERNAME, password=DEMO_PASSWORD, is_staff=True, first_name="Demo"
        )
        created.append(f"user “{DEMO_USERNAME}”")
    _create(Membership, created, {"team": team, "user": user}, role=Role.OWNER)

    accounts: dict[tuple[str, str], Account] = {}
    for spec in _ACCOUNTS:
        lookup = {"team": team, "platform": spec["platform"], "handle__iexact": spec["handle"]}
        account = Account.objects.filter(**lookup).first() or _create(
            Account,
            created,
            {"team": team, "platform": spec["platform"], "handle": spec["handle"]},
            display_name=spec["display_name"],
            is_competitor=spec.get("is_competitor", False),
            own_domains="" if spec.get("is_competitor") else _OWN_DOMAIN,
        )
        accounts[(spec["platform"], spec["handle"])] = account

    common = {
        "status": Status.ACTIVE,
        "purpose": "Be the coffee roaster people talk with: answer every question, credit the "
        "growers and baristas we learn from, and keep selling to a minimum.",
        "audience": "Home brewers and small cafés who want to get better at coffee.",
        "voice": "Warm, curious, specific. We ask before we tell.",
        "mix_conversation": 40,
        "mix_sharing": 25,
        "mix_helpful": 20,
        "mix_promotional": 15,
    }
    current = periods.quarter_of(today)
    plans = [(DEMO_PERIOD, _PLAN)]
    if current.start > DEMO_PERIOD.end:
        plans.append((current, _CURRENT_PLAN))
    for period, plan in plans:
        strategy = _create(
            Strategy,
            created,
            {"team": team, "name": f"Conversation first — {period.label}"},
            period_start=period.start,
            period_end=period.end,
            **common,
        )
        _create_objectives(strategy, plan, accounts, user, created, today)
    _create_annotations(team, accounts, user, created)
    return DemoResult(team=team, created=created)


def _create_objectives(
    strategy: Strategy,
    plan: list[tuple[dict[str, Any], list[dict[str, Any]]]],
    accounts: dict[tuple[str, str], Account],
    user: Any,
    created: list[str],
    today: date,
) -> None:
    period = strategy.period
    for order, (objective_spec, kr_specs) in enumerate(plan, start=1):
        objective_spec = dict(objective_spec)
        objective = _create(
            Objective,
            created,
            {"strategy": strategy, "title": objective_spec.pop("title")},
            owner=user,
            order=order,
            **objective_spec,
        )
        for kr_order, kr_spec in enumerate(kr_specs, start=1):
            spec = dict(kr_spec)
            account_keys = spec.pop("accounts", [])
            check_in = spec.pop("check_in", None)
            starts_in = spec.pop("starts_in_days", None)
            if starts_in is not None:
                spec["start_date"] = min(today + timedelta(days=starts_in), period.end)
            kr = _create(
                KeyResult,
                created,
                {"objective": objective, "name": spec.pop("name")},
                order=kr_order,
                **spec,
            )
            if account_keys and not kr.accounts.exists():
                kr.accounts.set([accounts[key] for key in account_keys])
            if check_in is not None:
                days_ago, offset, note = check_in
                day = max(period.start, min(today - timedelta(days=days_ago), period.end))
                share = progress.elapsed_fraction(kr.start_date, kr.due_date, day) + offset
                if strategy.period_end < today:
                    share = offset  # a past quarter: the offset is the share reached
                value = kr.baseline + (kr.target - kr.baseline) * Decimal(str(max(0.0, share)))
                _create(
                    CheckIn,
                    created,
                    {"key_result": kr, "date": day},
                    value=value.quantize(Decimal("0.01")),
                    confidence=Confidence.MEDIUM,
                    note=note,
                    author=user,
                )


def _create_annotations(
    team: Team, accounts: dict[tuple[str, str], Account], user: Any, created: list[str]
) -> None:
    """Two annotations in the demo quarter: a team-wide day and an outage of one account
    over three days, so the charts show a line and a shaded band."""
    start = DEMO_PERIOD.start
    _create(
        Annotation,
        created,
        {"team": team, "title": "Campaign launched"},
        date=start + timedelta(days=33),  # 3 Aug
        note="“Brew with us” summer campaign: Q&A threads and reshared brew guides.",
        created_by=user,
    )
    _create(
        Annotation,
        created,
        {"team": team, "title": "Platform outage"},
        account=accounts[(Platform.X, "loomwellroast")],
        date=start + timedelta(days=69),  # 8 Sep
        end_date=start + timedelta(days=71),
        note="X was down or rate-limited: replies and posts were delayed.",
        created_by=user,
    )
