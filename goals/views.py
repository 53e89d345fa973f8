from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from goals import charts, progress, selectors, services
from goals.forms import CheckInForm, DashboardFilterForm
from metrics import catalog
from metrics.connectors.status import connectors_needing_attention
from metrics.models import Connector, Post
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
        worst_first=data.get("sort") == "worst",
    )
    strategies = selectors.dashboard(request.user, today=today, filters=filters)
    connectors = access.visible_to(request.user, Connector.objects.all())
    if filters.team is not None:
        connectors = connectors.filter(account__team_id=filters.team)
    worst = request.GET.copy()
    worst["sort"] = "worst"
    return render(
        request,
        "goals/dashboard.html",
        {
            "form": form,
            "strategies": strategies,
            "today": today,
            "worst_first_query": worst.urlencode(),
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

    check_in_form = CheckInForm(request.POST or None, initial={"date": today})
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

    row = selectors.assess_key_results([kr], today=today)[kr.pk]
    spec = selectors.spec_for(kr)
    figure = charts.key_result_figure(
        points=row.series, spec=spec, assessment=row.assessment, unit=kr.unit
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
