from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from goals import periods
from goals.progress import Direction
from metrics import catalog
from metrics.models import Account
from teams.models import Team

POSITIVE = MinValueValidator(Decimal("0.01"), "The weight must be above zero.")
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Strategy(models.Model):
    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="strategies")
    name = models.CharField(max_length=200)
    period_start = models.DateField("start")
    period_end = models.DateField("end")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    purpose = models.TextField(
        "what we want to achieve", blank=True, help_text="The why behind this strategy."
    )
    audience = models.TextField(blank=True, help_text="Who we want to reach and talk with.")
    voice = models.TextField(blank=True, help_text="How we sound.")
    mix_conversation = models.PositiveSmallIntegerField(
        "conversation %",
        default=40,
        validators=PERCENT,
        help_text="Replies and posts that talk with people.",
    )
    mix_sharing = models.PositiveSmallIntegerField(
        "sharing others %",
        default=25,
        validators=PERCENT,
        help_text="Reshares, quotes and links to other people's work.",
    )
    mix_helpful = models.PositiveSmallIntegerField(
        "helpful / educational %", default=20, validators=PERCENT
    )
    mix_promotional = models.PositiveSmallIntegerField(
        "promotional %",
        default=15,
        validators=PERCENT,
        help_text="Posts that link only to our own sites.",
    )
    at_risk_tolerance = models.DecimalField(
        "at-risk tolerance (points)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="A key result this many percentage points behind pace is “at risk”, "
        "further behind is “off track”.",
    )
    stale_after_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1)],
        help_text="Without new data for this many days a key result is “stale”.",
    )
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        help_text="The strategy this one was copied from by “Copy to next period”.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "strategies"
        ordering = ["-period_start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="strategy_period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    mix_conversation__lte=100,
                    mix_sharing__lte=100,
                    mix_helpful__lte=100,
                    mix_promotional__lte=100,
                ),
                name="strategy_mix_percentages",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def period(self) -> periods.Period:
        return periods.Period(self.period_start, self.period_end)

    @property
    def mix(self) -> dict[str, int]:
        return {
            "conversation": self.mix_conversation,
            "sharing": self.mix_sharing,
            "helpful": self.mix_helpful,
            "promotional": self.mix_promotional,
        }

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = (
                f"The strategy cannot end ({self.period_end:%-d %b %Y}) before it starts "
                f"({self.period_start:%-d %b %Y})."
            )
        mix = [v for v in self.mix.values() if v is not None]
        if len(mix) == 4 and sum(mix) != 100:
            errors["mix_conversation"] = (
                f"The planned content mix adds up to {sum(mix)}%; it must add up to 100%."
            )
        if not errors and self.pk and self.status == Status.ACTIVE:
            pending = list(
                KeyResult.objects.filter(objective__strategy=self, needs_review=True)
                .order_by("objective__order", "objective__pk", "order", "pk")
                .values_list("name", flat=True)
            )
            if pending:
                names = "; ".join(f"“{name}”" for name in pending)
                errors["status"] = (
                    f"{len(pending)} key result(s) still need review after the copy ({names}): "
                    "check their baseline and target in the admin (saving a new baseline, "
                    "target or band, or ticking “Reviewed”, clears the flag) before "
                    "activating the strategy."
                )
        if not errors and self.pk and self.period_start and self.period_end:
            outside = KeyResult.objects.filter(objective__strategy=self).exclude(
                start_date__gte=self.period_start, due_date__lte=self.period_end
            )
            count = outside.count()
            if count:
                errors["period_start"] = (
                    f"{count} key result(s) of this strategy would fall outside the new period; "
                    "change their dates first."
                )
        errors.update(self._team_link_errors())
        if errors:
            raise ValidationError(errors)

    def _team_link_errors(self) -> dict[str, str]:
        """A strategy moved to another team takes its objectives and key results along:
        refuse the move while they link rows the new team may not see (see README, “Teams
        and who sees what”)."""
        team = _related_or_none(self, "team")
        if self.pk is None or team is None:
            return {}
        problems = []
        accounts = _foreign_accounts(
            Account.objects.filter(key_results__objective__strategy=self), team
        )
        if accounts:
            problems.append(accounts)
        owners = list(
            get_user_model()
            .objects.filter(owned_objectives__strategy=self)
            .exclude(memberships__team=team)
            .distinct()
            .order_by("username")
            .values_list("username", flat=True)
        )
        if owners:
            problems.append(
                f"Its objectives are owned by people outside “{team}”: {', '.join(owners)}. "
                "Change the owners first."
            )
        return {"team": " ".join(problems)} if problems else {}


class Objective(models.Model):
    TEAM_PATH = "strategy__team"

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_objectives",
        help_text="A member of the team who answers for this objective.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1, validators=[POSITIVE])

    class Meta:
        ordering = ["strategy", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        strategy = _related_or_none(self, "strategy")
        if (
            self.owner_id
            and strategy is not None
            and strategy.team_id
            and not strategy.team.memberships.filter(user_id=self.owner_id).exists()
        ):
            raise ValidationError(
                {"owner": f"The owner must be a member of the team “{strategy.team}”."}
            )
        if self.pk is not None and strategy is not None and strategy.team_id:
            # Moving an objective to another team's strategy takes its key results along.
            accounts = _foreign_accounts(
                Account.objects.filter(key_results__objective=self), strategy.team
            )
            if accounts:
                raise ValidationError({"strategy": accounts})


class Window(models.TextChoices):
    PERIOD = "period", "From the start date"
    LAST_7 = "7d", "Last 7 days"
    LAST_28 = "28d", "Last 28 days"
    LAST_90 = "90d", "Last 90 days"


class KeyResult(models.Model):
    TEAM_PATH = "objective__strategy__team"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    name = models.CharField(max_length=200)
    metric_key = models.CharField(
        "metric",
        max_length=40,
        choices=catalog.choices,
        help_text="What is measured. “Manual” key results take their values from check-ins.",
    )
    accounts = models.ManyToManyField(
        Account,
        blank=True,
        related_name="key_results",
        help_text="Accounts whose numbers count. None selected: all the team's own accounts.",
    )
    window = models.CharField(
        max_length=10,
        choices=Window.choices,
        default=Window.PERIOD,
        help_text="For counts and ratios: which days are summed. Levels such as followers "
        "always use the latest value.",
    )
    direction = models.CharField(
        max_length=10, choices=Direction.choices(), default=Direction.INCREASE.value
    )
    baseline = models.DecimalField(max_digits=20, decimal_places=4)
    target = models.DecimalField(
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Required unless the key result stays within a band.",
    )
    band_low = models.DecimalField(
        "band from",
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Only for “stay within a band”.",
    )
    band_high = models.DecimalField(
        "band to",
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Only for “stay within a band”.",
    )
    unit = models.CharField(
        max_length=20, blank=True, help_text="Leave empty to use the metric's unit."
    )
    start_date = models.DateField(
        blank=True, help_text="Leave empty to start with the strategy's period."
    )
    due_date = models.DateField(
        blank=True, help_text="Leave empty to end with the strategy's period."
    )
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1, validators=[POSITIVE])
    order = models.PositiveSmallIntegerField(default=0)
    needs_review = models.BooleanField(
        default=False,
        help_text="Set by “Copy to next period” when the baseline was rebased (or could not "
        "be): review the baseline and target before the strategy is activated.",
    )
    review_note = models.TextField(
        blank=True, help_text="What the copy changed and why, for the review."
    )

    class Meta:
        ordering = ["objective", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start_date")),
                name="key_result_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # The fields that make the plan: writing any of them is reviewing it (see mark_reviewed).
    PLAN_FIELDS = ("direction", "baseline", "target", "band_low", "band_high")

    @property
    def is_manual(self) -> bool:
        return self.metric_key == catalog.MANUAL

    def mark_reviewed(self) -> None:
        """Someone has looked at the baseline and target a copy proposed: the key result is
        held to every rule again (see _direction_errors)."""
        self.needs_review = False
        self.review_note = ""

    @property
    def metric(self) -> catalog.Metric | None:
        return None if self.is_manual else catalog.get(self.metric_key)

    def clean(self) -> None:
        strategy = None
        objective = _related_or_none(self, "objective")
        if objective is not None:
            strategy = _related_or_none(objective, "strategy")
        if strategy is not None:
            self.start_date = self.start_date or strategy.period_start
            self.due_date = self.due_date or strategy.period_end
        if not self.unit and self.metric_key in catalog.flat_keys():
            self.unit = catalog.unit_for(self.metric_key)

        errors: dict[str, str] = {}
        if self.metric_key and self.metric_key not in catalog.flat_keys():
            errors["metric_key"] = f"“{self.metric_key}” is not in the metric catalogue."
        errors.update(self._direction_errors())
        errors.update(self._date_errors(strategy))
        errors.update(self._saved_account_errors(strategy))
        if errors:
            raise ValidationError(errors)

    # Set by a form or API write that replaces the accounts in the same request: the new
    # ones are checked by validate_accounts, the saved ones no longer matter.
    replacing_accounts = False

    def _saved_account_errors(self, strategy: Strategy | None) -> dict[str, str]:
        """A key result keeps its accounts when its objective changes: refuse a move to
        another team's objective while they belong to the old team."""
        team = _related_or_none(strategy, "team") if strategy is not None else None
        if self.pk is None or team is None or self.replacing_accounts:
            return {}
        message = _foreign_accounts(self.accounts.all(), team, whose="This key result counts")
        return {} if message is None else {"objective": message}

    def _direction_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.direction == Direction.BAND:
            if self.band_low is None:
                errors["band_low"] = "A band needs its lower bound."
            if self.band_high is None:
                errors["band_high"] = "A band needs its upper bound."
            if (
                self.band_low is not None
                and self.band_high is not None
                and self.band_high <= self.band_low
            ):
                errors["band_high"] = (
                    f"The upper bound ({_fmt(self.band_high)}) must be above the lower bound "
                    f"({_fmt(self.band_low)})."
                )
            if self.target is not None:
                errors["target"] = (
                    "A key result that stays within a band has no single target; leave it empty."
                )
            return errors

        for field in ("band_low", "band_high"):
            if getattr(self, field) is not None:
                errors[field] = "Only key results that stay within a band have bounds."
        if self.target is None:
            errors["target"] = "Enter the target."
        elif self.baseline is not None:
            if self.target == self.baseline:
                errors["target"] = (
                    f"The target equals the baseline ({_fmt(self.baseline)}): there would be "
                    "nothing to achieve."
                )
            elif self.needs_review:
                # A copy rebased the baseline to where the last period ended, which may be at
                # or past the target: that is the news the review is for, so the draft keeps
                # it. Its strategy cannot be activated until the review (Strategy.clean).
                pass
            elif self.direction == Direction.INCREASE and self.target < self.baseline:
                errors["direction"] = (
                    f"“Increase” needs a target above the baseline, but {_fmt(self.target)} is "
                    f"below {_fmt(self.baseline)}. Choose “decrease” or change the target."
                )
            elif self.direction == Direction.DECREASE and self.target > self.baseline:
                errors["direction"] = (
                    f"“Decrease” needs a target below the baseline, but {_fmt(self.target)} is "
                    f"above {_fmt(self.baseline)}. Choose “increase” or change the target."
                )
        return errors

    def _date_errors(self, strategy: Strategy | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.start_date and self.due_date and self.due_date < self.start_date:
            errors["due_date"] = (
                f"The due date ({self.due_date:%-d %b %Y}) is before the start date "
                f"({self.start_date:%-d %b %Y})."
            )
        if strategy is not None and strategy.period_start and strategy.period_end:
            span = f"{strategy.period_start:%-d %b %Y} – {strategy.period_end:%-d %b %Y}"
            for field in ("start_date", "due_date"):
                day = getattr(self, field)
                if day and not (strategy.period_start <= day <= strategy.period_end):
                    errors.setdefault(
                        field,
                        f"{day:%-d %b %Y} is outside the strategy's period ({span}).",
                    )
        return errors

    def validate_accounts(self, accounts: Iterable[Account], team: Team | None = None) -> None:
        """Raise if any account belongs to another team than the key result's."""
        if team is None:
            objective = _related_or_none(self, "objective")
            strategy = _related_or_none(objective, "strategy") if objective else None
            team = _related_or_none(strategy, "team") if strategy else None
        if team is None:
            return
        foreign = [a for a in accounts if a.team_id != team.pk]
        if foreign:
            names = ", ".join(str(a) for a in foreign)
            raise ValidationError({"accounts": f"Not an account of the team “{team}”: {names}."})


class Confidence(models.TextChoices):
    HIGH = "high", "High: we will get there"
    MEDIUM = "medium", "Medium: it could go either way"
    LOW = "low", "Low: unlikely without a change"


class CheckIn(models.Model):
    TEAM_PATH = "key_result__objective__strategy__team"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    date = models.DateField()
    value = models.DecimalField(
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The measured value, for manual key results.",
    )
    confidence = models.CharField(
        max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    note = models.TextField(blank=True)
    late_correction = models.BooleanField(
        default=False,
        help_text="Only for a check-in dated after the key result's due date: it corrects the "
        "value at the due date (say in the note what it corrects). The period stays closed "
        "otherwise.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="check_ins",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key_result", "-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_result", "date"],
                name="check_in_one_per_day",
                violation_error_message="This key result already has a check-in on this date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_result} on {self.date:%Y-%m-%d}"

    def clean(self) -> None:
        key_result = _related_or_none(self, "key_result")
        if key_result is None:
            return
        errors: dict[str, str] = {}
        if key_result.is_manual and self.value is None:
            errors["value"] = "A manual key result takes its values from check-ins: enter a value."
        if not key_result.is_manual and self.value is not None:
            label = catalog.get(key_result.metric_key).label
            errors["value"] = (
                f"This key result is measured from “{label}”; leave the value empty and use "
                "the note."
            )
        errors.update(self._closed_period_errors(key_result.due_date))
        if errors:
            raise ValidationError(errors)

    def _closed_period_errors(self, due: datetime.date | None) -> dict[str, str]:
        """A period stays closed: after the due date only a marked, explained correction of
        the value at the due date may be recorded, and nothing else is marked as one."""
        if due is None or self.date is None:
            return {}
        if self.date > due:
            if not self.late_correction:
                return {
                    "date": f"This key result closed on {due:%-d %b %Y}: a check-in after that "
                    "date must be marked as a late correction, with a note saying what it "
                    "corrects."
                }
            if not (self.note or "").strip():
                return {
                    "note": "A late correction needs a note saying what it corrects "
                    f"(the value at {due:%-d %b %Y})."
                }
        elif self.late_correction:
            return {
                "late_correction": f"Only a check-in dated after the key result closed "
                f"({due:%-d %b %Y}) can be a late correction; {self.date:%-d %b %Y} is within "
                "its period."
            }
        return {}


def _foreign_accounts(
    accounts: models.QuerySet[Account], team: Team, whose: str = "Its key results count"
) -> str | None:
    """The message naming the accounts of `accounts` that are not `team`'s, or None."""
    foreign = list(accounts.exclude(team=team).distinct().order_by("platform", "handle"))
    if not foreign:
        return None
    names = ", ".join(str(a) for a in foreign)
    where = "the key result" if whose.startswith("This") else "the key results"
    return (
        f"{whose} accounts of another team than “{team}”: {names}. Remove them from {where} first."
    )


def _related_or_none(obj: models.Model | None, field: str) -> Any:
    """A forward relation, or None where it is unset (unsaved inline rows)."""
    if obj is None:
        return None
    try:
        return getattr(obj, field)
    except ObjectDoesNotExist:
        return None


class SummaryFormat(models.TextChoices):
    HTML = "html", "HTML page"
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel (XLSX)"
    CSV = "csv", "CSV (one row per key result)"


class SummaryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Generating"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class SummaryOrigin(models.TextChoices):
    """Who asked for a summary when no user did: a summary without `created_by` used to
    be taken for the schedule's, though the command line makes them too."""

    USER = "user", "a user"
    SCHEDULE = "schedule", "schedule"
    COMMAND = "command", "command line"


def _summary_path(export: SummaryExport, filename: str) -> str:
    return f"summaries/{export.team_id}/{filename}"


class SummaryExport(models.Model):
    """One generated quarterly summary: the document and the numbers it was made from."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="summaries")
    strategy = models.ForeignKey(
        Strategy, on_delete=models.SET_NULL, null=True, blank=True, related_name="summaries"
    )
    quarter = models.CharField(max_length=7, help_text="e.g. 2026-Q3")
    format = models.CharField(max_length=5, choices=SummaryFormat.choices)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=SummaryStatus.choices, default=SummaryStatus.PENDING
    )
    message = models.TextField(blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    file = models.FileField(upload_to=_summary_path, blank=True, max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    origin = models.CharField(
        max_length=10,
        choices=SummaryOrigin.choices,
        default=SummaryOrigin.SCHEDULE,
        help_text="Who asked for it: a user (see created by), the schedule or the command line.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=255, blank=True)
    # The claim: each run (a retry after its worker died) takes the next number.
    attempt = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the run (while generating)."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "quarter", "strategy", "format", "version"],
                name="summary_one_per_version",
            ),
            # The constraint above never sees two whole-team summaries as equal (their
            # strategy is NULL, and NULLs are distinct): a partial index covers them, on
            # SQLite as on PostgreSQL.
            models.UniqueConstraint(
                fields=["team", "quarter", "format", "version"],
                condition=models.Q(strategy__isnull=True),
                name="summary_one_per_version_whole_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.quarter} {self.get_format_display()} v{self.version}"

    @property
    def is_finished(self) -> bool:
        return self.status in (SummaryStatus.READY, SummaryStatus.FAILED)

    @property
    def requested_by(self) -> str:
        """The user's name, else what asked for it ('schedule', 'command line')."""
        if self.created_by is not None:
            return str(self.created_by.get_username())
        if self.origin == SummaryOrigin.USER:
            return "a deleted user"
        return self.get_origin_display()

    @property
    def download_name(self) -> str:
        strategy = f"-{self.strategy_id}" if self.strategy_id else ""
        return f"summary-{self.team.slug}-{self.quarter}{strategy}-v{self.version}.{self.format}"


class Annotation(models.Model):
    """Something that happened on a day or over a few days ("campaign launched", "platform
    outage"), marked on the charts so a jump or a dip explains itself.

    Team-wide when it names neither an account nor a key result; otherwise it shows only on
    that account's or key result's charts (and team-wide charts that include the account)."""

    TEAM_PATH = "team"
    TITLE_MAX_LENGTH = 120

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="annotations")
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="annotations",
        help_text="Leave empty for a team-wide annotation.",
    )
    key_result = models.ForeignKey(
        KeyResult,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="annotations",
        help_text="Leave empty unless it concerns one key result only.",
    )
    date = models.DateField(help_text="The day it happened, or the first day.")
    end_date = models.DateField(
        null=True, blank=True, help_text="For something that lasted: the last day."
    )
    title = models.CharField(
        max_length=TITLE_MAX_LENGTH,
        error_messages={"blank": "Give the annotation a title, e.g. “Campaign launched”."},
        help_text=f"At most {TITLE_MAX_LENGTH} characters, to fit on a chart.",
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["team", "date"], name="annotation_team_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("date")),
                name="annotation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%Y-%m-%d})" if self.date else self.title

    @property
    def last_day(self) -> datetime.date:
        return self.end_date or self.date

    @property
    def scope_label(self) -> str:
        if self.key_result_id:
            return f"Key result: {self.key_result}"
        if self.account_id:
            return f"Account: {self.account}"
        return "Team-wide"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        # An empty title and a too long one are the field's own errors (clean_fields).
        if self.title and not self.title.strip():
            errors["title"] = "Give the annotation a title, e.g. “Campaign launched”."
        self.title = (self.title or "").strip()
        if self.date and self.end_date and self.end_date < self.date:
            errors["end_date"] = (
                f"The annotation cannot end ({self.end_date:%-d %b %Y}) before it starts "
                f"({self.date:%-d %b %Y})."
            )
        team = _related_or_none(self, "team")
        if team is not None:
            account = _related_or_none(self, "account")
            if account is not None and account.team_id != team.pk:
                errors["account"] = f"“{account}” is not an account of the team “{team}”."
            kr = _related_or_none(self, "key_result")
            if kr is not None and kr.objective.strategy.team_id != team.pk:
                errors["key_result"] = f"“{kr}” is not a key result of the team “{team}”."
        if errors:
            raise ValidationError(errors)


# Alert models live with their feature (goals/alerts/) and belong to this app.
from goals.alerts import models as alert_models  # noqa: E402, F401
