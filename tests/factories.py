from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from goals.models import CheckIn, KeyResult, Objective, Status, Strategy
from metrics.ingest.records import PostKind
from metrics.models import (
    Account,
    Connector,
    ConnectorKind,
    InboundMention,
    Post,
)
from metrics.platforms import Platform
from teams.models import Membership, Role, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.django.Password("password")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.EDITOR


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    team = factory.SubFactory(TeamFactory)
    platform = Platform.X
    handle = factory.Sequence(lambda n: f"account{n}")
    display_name = factory.LazyAttribute(lambda a: a.handle.title())


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Strategy {n} — 2026 Q3")
    period_start = date(2026, 7, 1)
    period_end = date(2026, 9, 30)
    status = Status.ACTIVE


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    strategy = factory.SubFactory(StrategyFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyResult

    objective = factory.SubFactory(ObjectiveFactory)
    name = factory.Sequence(lambda n: f"Key result {n}")
    metric_key = "followers"
    baseline = Decimal("100")
    target = Decimal("200")
    start_date = factory.LazyAttribute(lambda kr: kr.objective.strategy.period_start)
    due_date = factory.LazyAttribute(lambda kr: kr.objective.strategy.period_end)


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    key_result = factory.SubFactory(KeyResultFactory, metric_key="manual")
    date = date(2026, 8, 1)
    value = Decimal("1")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    account = factory.SubFactory(AccountFactory)
    platform_id = factory.Sequence(lambda n: f"post-{n}")
    published_at = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    local_date = factory.LazyAttribute(lambda p: p.published_at.date())
    text = "Hello"
    kind = PostKind.ORIGINAL


class InboundMentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundMention

    account = factory.SubFactory(AccountFactory)
    platform_id = factory.Sequence(lambda n: f"mention-{n}")
    published_at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    local_date = factory.LazyAttribute(lambda m: m.published_at.date())
    author_handle = factory.Sequence(lambda n: f"person{n}")
    text = "@brand where is my order?"


class ConnectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connector

    account = factory.SubFactory(AccountFactory, platform=Platform.MASTODON)
    kind = ConnectorKind.MASTODON
