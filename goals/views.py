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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from goals import charts, conversation, display, progress, selectors, services
from goals.annotations import selectors as annotation_selectors
from goals.annotations import services as annotation_services
from goals.forms import AnnotationForm, CheckInForm, DashboardFilterForm, HealthFilterForm
from goals.models import Annotation, KeyResult
from metrics import catalog
from metrics.connectors.status import connectors_needing_attention
from metrics.models import Account, Connector, Post
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
    today = _page_day(request)

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
                _form_errors(check_in_form, exc)
            else:
                messages.success(request, "Check-in saved.")
                return redirect("goals:key_result", pk=kr.pk)
        kr = selectors.key_result_for(request.user, pk)  # check-ins as stored
    return _key_result_page(
        request,
        kr,
        today=today,
        can_edit=can_edit,
        check_in_form=check_in_form,
        status=400 if request.method == "POST" else 200,
    )


def _page_day(request: HttpRequest) -> date:
    as_of_form = DashboardFilterForm(request.GET or None, user=request.user)
    return _as_of(as_of_form.cleaned_data.get("as_of") if as_of_form.is_valid() else None)


def _form_errors(form: Any, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on its field where the form has it."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _team_accounts(kr: KeyResult) -> Any:
    return Account.objects.filter(team_id=kr.objective.strategy.team_id).order_by(
        "is_competitor", "platform", "handle"
    )


def _key_result_page(
    request: HttpRequest,
    kr: KeyResult,
    *,
    today: date,
    can_edit: bool,
    check_in_form: CheckInForm | None = None,
    annotation_form: AnnotationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    row = selectors.assess_key_results([kr], today=today, previous_period=True)[kr.pk]
    spec = selectors.spec_for(kr)
    last_day = max([kr.due_date, *(p.day for p in row.series)])
    annotations = annotation_selectors.annotations_for_key_result(
        team_id=kr.objective.strategy.team_id,
        key_result_id=kr.pk,
        account_ids=[a.pk for a in row.accounts],
        start=kr.start_date,
        end=last_day,
    )
    figure = charts.key_result_figure(
        points=row.series,
        spec=spec,
        assessment=row.assessment,
        unit=display.axis_title(kr.metric_key, row.unit),
    )
    charts.add_annotations(figure, annotation_selectors.marks(annotations))
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
    if check_in_form is None:
        check_in_form = CheckInForm(due=kr.due_date, today=today)
    if can_edit and annotation_form is None:
        annotation_form = AnnotationForm(key_result=kr, accounts=_team_accounts(kr), today=today)
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
            "annotations": annotations,
            "annotation_form": annotation_form if can_edit else None,
            "top_posts": top_posts,
            "direction": selectors.direction_label(kr),
        },
        status=status,
    )


# --- annotations on the key result page -----------------------------------------------------


def _editable_key_result(request: HttpRequest, pk: int) -> KeyResult | HttpResponse:
    """The key result (404 when it is not the user's team's), or a 403 for a viewer."""
    kr = selectors.key_result_for(request.user, pk)
    if not access.can_edit(request.user, kr.objective.strategy.team_id):
        return HttpResponse("You may look at this key result but not change it.", status=403)
    return kr


def _annotation_of(request: HttpRequest, kr: KeyResult, pk: int) -> Annotation:
    """One of the key result's team's annotations the user may see, else 404."""
    return access.get_object_for_user(
        request.user,
        Annotation.objects.filter(team_id=kr.objective.strategy.team_id),
        pk=pk,
    )


@login_required
@require_POST
def annotation_add(request: HttpRequest, pk: int) -> HttpResponse:
    kr = _editable_key_result(request, pk)
    if isinstance(kr, HttpResponse):
        return kr
    today = _page_day(request)
    form = AnnotationForm(request.POST, key_result=kr, accounts=_team_accounts(kr), today=today)
    if form.is_valid():
        account, key_result = form.target()
        try:
            annotation_services.annotation_create(
                user=request.user,
                team=kr.objective.strategy.team,
                day=form.cleaned_data["date"],
                end_date=form.cleaned_data["end_date"],
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
                account=account,
                key_result=key_result,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Annotation added.")
            return redirect("goals:key_result", pk=kr.pk)
    return _key_result_page(
        request, kr, today=today, can_edit=True, annotation_form=form, status=400
    )


@login_required
@require_http_methods(["GET", "POST"])
def annotation_edit(request: HttpRequest, pk: int, annotation_pk: int) -> HttpResponse:
    kr = _editable_key_result(request, pk)
    if isinstance(kr, HttpResponse):
        return kr
    annotation = _annotation_of(request, kr, annotation_pk)
    form = AnnotationForm(
        request.POST or None,
        initial=AnnotationForm.initial_for(annotation),
        key_result=annotation.key_result or kr,
        accounts=_team_accounts(kr),
        today=_page_day(request),
    )
    if request.method == "POST" and form.is_valid():
        account, key_result = form.target()
        try:
            annotation_services.annotation_update(
                user=request.user,
                annotation=annotation,
                team=annotation.team,
                day=form.cleaned_data["date"],
                end_date=form.cleaned_data["end_date"],
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
                account=account,
                key_result=key_result,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Annotation saved.")
            return redirect("goals:key_result", pk=kr.pk)
    return render(
        request,
        "goals/annotation_form.html",
        {"kr": kr, "annotation": annotation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def annotation_delete(request: HttpRequest, pk: int, annotation_pk: int) -> HttpResponse:
    kr = _editable_key_result(request, pk)
    if isinstance(kr, HttpResponse):
        return kr
    annotation = _annotation_of(request, kr, annotation_pk)
    annotation_services.annotation_delete(user=request.user, annotation=annotation)
    messages.success(request, f"Annotation “{annotation.title}” deleted.")
    return redirect("goals:key_result", pk=kr.pk)


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
        # Team-wide annotations and those of the chosen accounts, on the weekly charts.
        marks = annotation_selectors.marks(
            annotation_selectors.annotations_for_accounts(
                team_id=selection.team.pk,
                account_ids=selection.account_ids,
                start=selection.start,
                end=selection.end,
            )
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
                charts.add_annotations(
                    charts.lines_figure(
                        {
                            "Reply share": [
                                (w.start, w.reply_share * 100)
                                for w in report.weeks
                                if w.reply_share is not None
                            ]
                        },
                        unit="%",
                    ),
                    marks,
                )
            ),
            with_at_json=charts.to_json(
                charts.add_annotations(
                    charts.lines_figure(
                        {
                            "With:at": [
                                (w.start, w.with_at) for w in report.weeks if w.with_at is not None
                            ]
                        },
                        unit="ratio",
                    ),
                    marks,
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
    ("with_at", "With:at ratio (posts with people per broadcast)", "ratio"),
]


@login_required
@require_GET
def competitors(request: HttpRequest) -> HttpResponse:
    form = HealthFilterForm(request.GET, user=request.user)
    selection, status = _select(request, form, own_only=False)
    context = _page_context(request, form, selection)
    if selection is not None:
        rows = selectors.benchmark(selection, today=timezone.localdate())
        weekly = selectors.weekly_reply_share(selection)
        context.update(
            rows=rows,
            has_competitors=any(r.account.is_competitor for r in rows),
            has_top_posts=any(r.top_posts for r in rows),
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
            reply_share_json=charts.to_json(
                charts.reply_share_weeks_figure(
                    [
                        (str(r.account), r.account.is_competitor, weekly.get(r.account.pk, []))
                        for r in rows
                    ]
                )
            ),
        )
    return render(request, "goals/competitors.html", context, status=status)
