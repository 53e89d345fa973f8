"""The demo team and its strategy plan, for `make run` and new users' first look.

Idempotent: running it again finds what exists and adds only what is missing.
Never available in production mode (settings.DEMO_DATA_ALLOWED).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from goals import periods
from goals.models import CheckIn, Confidence, Direction, KeyResult, Objective, Status, Strategy
from metrics.models import Account, Platform
from teams.models import Membership, Role, Team

DEMO_TEAM_SLUG = "demo"
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
    {
        "platform": Platform.X,
        "handle": "kettle_and_crumb",
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

# (objective, [key results]); metric keys come from metrics.catalog.
_PLAN: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    (
        {
            "title": "Talk with people, not at them",
            "weight": Decimal("2"),
            "description": "Most of what we publish answers, names or asks someone.",
        },
        [
            {
                "name": "Reply share reaches 35%",
                "metric_key": "reply_share",
                "baseline": Decimal("15"),
                "target": Decimal("35"),
            },
            {
                "name": "Address 120 different people by name",
                "metric_key": "people_addressed",
                "baseline": Decimal("0"),
                "target": Decimal("120"),
            },
            {
                "name": "Two posts with people for every broadcast",
                "metric_key": "with_at_ratio",
                "baseline": Decimal("0.8"),
                "target": Decimal("2"),
            },
        ],
    ),
    (
        {"title": "Grow an audience that engages", "weight": Decimal("1")},
        [
            {
                "name": "Followers on X grow to 1,500",
                "metric_key": "followers",
                "baseline": Decimal("1100"),
                "target": Decimal("1500"),
                "accounts": [(Platform.X, "loomwellroast")],
            },
            {
                "name": "Engagement rate at 4%",
                "metric_key": "engagement_rate",
                "baseline": Decimal("2.5"),
                "target": Decimal("4"),
            },
        ],
    ),
    (
        {"title": "Keep promotion in its place", "weight": Decimal("1")},
        [
            {
                "name": "No more than 12 promotional posts a month",
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
            },
        ],
    ),
]


@dataclass
class DemoResult:
    team: Team
    created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created)


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


@transaction.atomic
def load_demo(*, today: date | None = None) -> DemoResult:
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

    period = periods.quarter_of(today)
    strategy = _create(
        Strategy,
        created,
        {"team": team, "name": f"Conversation first — {period.label}"},
        period_start=period.start,
        period_end=period.end,
        status=Status.ACTIVE,
        purpose="Be the coffee roaster people talk with: answer every question, credit the "
        "growers and baristas we learn from, and keep selling to a minimum.",
        audience="Home brewers and small cafés who want to get better at coffee.",
        voice="Warm, curious, specific. We ask before we tell.",
        mix_conversation=40,
        mix_sharing=25,
        mix_helpful=20,
        mix_promotional=15,
    )
    for order, (objective_spec, kr_specs) in enumerate(_PLAN, start=1):
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
            kr = _create(
                KeyResult,
                created,
                {"objective": objective, "name": spec.pop("name")},
                order=kr_order,
                **spec,
            )
            if account_keys and not kr.accounts.exists():
                kr.accounts.set([accounts[key] for key in account_keys])
            if kr.is_manual:
                _create(
                    CheckIn,
                    created,
                    {"key_result": kr, "date": max(period.start, min(today, period.end))},
                    value=Decimal("1"),
                    confidence=Confidence.MEDIUM,
                    note="First tasting Q&A done; the second is booked for the last month.",
                    author=user,
                )
    return DemoResult(team=team, created=created)
