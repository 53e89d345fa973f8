"""The progress pages: the dashboard, a key result's page, conversation health (what the
team actually does, next to what it planned) and the competitor benchmark.

Quarterly summaries have their own pages: goals.summaries.views."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from goals import charts, conversation, display, progress, selectors, services
from goals.forms import CheckInForm, DashboardFilterForm, HealthFilterForm
from metrics import catalog
from metrics.connectors.status import connectors_needing_attention
from metrics.models import Connector, Post
from metrics.responses import answer_limit
from metrics.selectors import inbound_summary
from teams import access


def _as_of(value: date | None) -> date:
    return value or timezone.localdate()


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    today = _as_of(data.get("as_of"))
    filters = selectors.DashboardFilters(
        team=data["team"].pk if data.get("team") else None,
        strategy=data["strategy"].pk if data.get("strategy") else None,
        status=data.get("status") or None,
        platform=data.get("platform") or None,
        owner=data["owner"].pk if data.get("owner") else None,
    )
    strategies = selectors.dashboard(request.user, today=today, filters=filters)
    worst_first = selectors.worst_first(strategies) if data.get("sort") == "worst" else None
    connectors = access.visible_to(request.user, Connector.objects.all())
    if filters.team is not None:
        connectors = connectors.filter(account__team_id=filters.team)
    worst, plan = request.GET.copy(), request.GET.copy()
    worst["sort"] = "worst"
    plan.pop("sort", None)
    return render(
        request,
        "goals/dashboard.html",
        {
            "form": form,
            "strategies": strategies,
            "worst_first": worst_first,
            "today": today,
            # The key result pages open at the same "as of" when one was chosen.
            "as_of_query": f"?as_of={today.isoformat()}" if data.get("as_of") else "",
            "worst_first_query": worst.urlencode(),
            "plan_order_query": plan.urlencode(),
            "statuses": progress.SEVERITY,
            "connector_alerts": connectors_needing_attention(connectors),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kr = selectors.key_result_for(request.user, pk)
    team_id = kr.objective.strategy.team_id
    can_edit = access.can_edit(request.user, team_id)
    as_of_form = DashboardFilterForm(request.GET or None, user=request.user)
    today = _as_of(as_of_form.cleaned_data.get("as_of") if as_of_form.is_valid() else None)

    check_in_form = CheckInForm(request.POST or None, due=kr.due_date, today=today)
    if request.method == "POST":
        if not can_edit:
            return HttpResponse("You may look at this key result but not change it.", status=403)
        if check_in_form.is_valid():
            data = check_in_form.cleaned_data
            try:
                services.check_in_create(
                    user=request.user,
                    key_result=kr,
                    day=data["date"],
                    value=data["value"],
                    confidence=data["confidence"],
                    note=data["note"],
                    late_correction=data["late_correction"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    check_in_form.add_error(
                        field if field in check_in_form.fields else None, errors
                    )
            else:
                messages.success(request, "Check-in saved.")
                return redirect("goals:key_result", pk=kr.pk)
        kr = selectors.key_result_for(request.user, pk)  # check-ins as stored

    row = selectors.assess_key_results([kr], today=today, previous_period=True)[kr.pk]
    spec = selectors.spec_for(kr)
    figure = charts.key_result_figure(
        points=row.series,
        spec=spec,
        assessment=row.assessment,
        unit=display.axis_title(kr.metric_key, row.unit),
    )
    metric = kr.metric
    top_posts = []
    if metric is not None and metric.kind is not catalog.Kind.STOCK:
        top_posts = list(
            Post.objects.filter(
                account__in=row.accounts,
                local_date__range=(kr.start_date, min(today, kr.due_date)),
            )
            .select_related("account")
            .order_by(F("engagements").desc(nulls_last=True), F("likes").desc(nulls_last=True))[:10]
        )
    return render(
        request,
        "goals/key_result.html",
        {
            "kr": kr,
            "can_edit": can_edit,
            "row": row,
            "today": today,
            "figure_json": charts.to_json(figure),
            "check_ins": list(reversed(kr.check_ins.all())),
            "check_in_form": check_in_form if kr.is_manual and can_edit else None,
            "top_posts": top_posts,
            "direction": selectors.direction_label(kr),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- conversation health and the competitor benchmark ------------------------------------

# Fields whose choices are the user's teams' rows: a value outside them is another team's id.
_SCOPED_FIELDS = ("team", "strategy", "account")


def _select(
    request: HttpRequest, form: HealthFilterForm, *, own_only: bool
) -> tuple[selectors.Selection | None, int]:
    """The page's selection, or None with the status to answer (form errors: 400)."""
    if not form.is_valid():
        if any(name in form.errors for name in _SCOPED_FIELDS):
            raise Http404("No such team, strategy or account.")
        return None, 400
    data = form.cleaned_data
    try:
        selection = selectors.selection_for(
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
    request: HttpRequest, form: HealthFilterForm, selection: selectors.Selection | None
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
        report = selectors.conversation_health(selection)
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
            mix_rule=conversation.MIX_RULE,
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
        rows = selectors.benchmark(selection, today=timezone.localdate())
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
