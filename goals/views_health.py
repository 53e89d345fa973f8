"""Conversation health and the competitor benchmark: what the team actually does, next to
what it planned and next to its competitors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from goals import charts, health
from goals.models import Strategy
from metrics.models import Account
from metrics.responses import answer_limit
from metrics.selectors import inbound_summary
from teams import access
from teams.models import Team

# Fields whose choices are the user's teams' rows: a value outside them is another team's id.
_SCOPED_FIELDS = ("team", "strategy", "account")


class StrategyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.team})"


class HealthFilterForm(forms.Form):
    """The pages' query string; every choice limited to what the user may see."""

    strategy = StrategyChoiceField(
        queryset=Strategy.objects.none(),
        required=False,
        empty_label="Most recent active strategy",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="The strategy's team"
    )
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.ModelMultipleChoiceField(queryset=Account.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strategy"].queryset = access.visible_to(  # type: ignore[attr-defined]
            user, Strategy.objects.select_related("team")
        ).order_by("team__name", "-period_start", "name")
        self.fields["team"].queryset = access.visible_teams(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["account"].queryset = access.visible_to(  # type: ignore[attr-defined]
            user, Account.objects.select_related("team")
        )


def _select(
    request: HttpRequest, form: HealthFilterForm, *, own_only: bool
) -> tuple[health.Selection | None, int]:
    """The page's selection, or None with the status to answer (form errors: 400)."""
    if not form.is_valid():
        if any(name in form.errors for name in _SCOPED_FIELDS):
            raise Http404("No such team, strategy or account.")
        return None, 400
    data = form.cleaned_data
    try:
        selection = health.selection_for(
            request.user,
            team=data.get("team"),
            strategy=data.get("strategy"),
            start=data.get("start"),
            end=data.get("end"),
            accounts=list(data.get("account") or ()),
            today=timezone.localdate(),
            own_only=own_only,
        )
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return None, 400
    return selection, 200


def _page_context(
    request: HttpRequest, form: HealthFilterForm, selection: health.Selection | None
) -> dict[str, Any]:
    # Ticked only when asked for: the default ("all") stays a default when the form is sent
    # again for another team or strategy.
    chosen = set(request.GET.getlist("account"))
    return {"form": form, "selection": selection, "chosen_accounts": chosen}


@login_required
@require_GET
def conversation_health(request: HttpRequest) -> HttpResponse:
    form = HealthFilterForm(request.GET, user=request.user)
    selection, status = _select(request, form, own_only=True)
    context = _page_context(request, form, selection)
    if selection is not None:
        report = health.conversation_health(selection)
        context["inbound"] = inbound_summary(
            selection.account_ids,
            start=selection.start,
            end=selection.end,
            now=timezone.now(),
            limit=answer_limit(),
        )
        mix_groups: dict[str, Sequence[float]] = {}
        if selection.planned_mix is not None:
            mix_groups["Planned"] = [float(share.planned or 0) for share in report.mix]
        mix_groups["Actual"] = [share.percent or 0.0 for share in report.mix]
        context.update(
            report=report,
            mix_rule=health.MIX_RULE,
            mix_json=charts.to_json(
                charts.bars_figure(
                    [share.label for share in report.mix], mix_groups, unit="% of posts"
                )
            ),
            reply_share_json=charts.to_json(
                charts.lines_figure(
                    {
                        "Reply share": [
                            (w.start, w.reply_share * 100)
                            for w in report.weeks
                            if w.reply_share is not None
                        ]
                    },
                    unit="%",
                )
            ),
            with_at_json=charts.to_json(
                charts.lines_figure(
                    {
                        "With:at": [
                            (w.start, w.with_at) for w in report.weeks if w.with_at is not None
                        ]
                    },
                    unit="ratio",
                )
            ),
        )
    return render(request, "goals/conversation.html", context, status=status)


_MEASURES = [
    ("follower_growth_percent", "Follower growth in the period", "%"),
    ("posts_per_week", "Posts per week", "posts"),
    ("engagement_per_post", "Engagements per post", "engagements"),
    ("engagement_per_1000_followers", "Engagements per post per 1,000 followers", "engagements"),
    ("reply_share_percent", "Reply share", "%"),
]


@login_required
@require_GET
def competitors(request: HttpRequest) -> HttpResponse:
    form = HealthFilterForm(request.GET, user=request.user)
    selection, status = _select(request, form, own_only=False)
    context = _page_context(request, form, selection)
    if selection is not None:
        rows = health.benchmark(selection, today=timezone.localdate())
        context.update(
            rows=rows,
            has_competitors=any(r.account.is_competitor for r in rows),
            measure_charts=[
                {
                    "id": key.replace("_", "-"),
                    "title": title,
                    "json": charts.to_json(
                        charts.accounts_bars_figure(
                            [
                                (str(r.account), r.account.is_competitor, getattr(r, key))
                                for r in rows
                            ],
                            unit=unit,
                        )
                    ),
                }
                for key, title, unit in _MEASURES
            ],
            growth_json=charts.to_json(
                charts.accounts_lines_figure(
                    {str(r.account): r.growth_series() for r in rows if len(r.levels) > 1},
                    unit="% since the first level",
                )
            ),
        )
    return render(request, "goals/competitors.html", context, status=status)
