"""Quarterly summaries: ask for one, watch it being made, download or view it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from goals import periods
from goals.forms import SummaryRequestForm
from goals.models import SummaryExport, SummaryFormat, SummaryStatus
from goals.summaries import services
from teams import access


def _export_for(request: HttpRequest, pk: int) -> SummaryExport:
    return access.get_object_for_user(
        request.user, SummaryExport.objects.select_related("team", "strategy", "created_by"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def summary_list(request: HttpRequest) -> HttpResponse:
    form = SummaryRequestForm(request.POST or None, user=request.user, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            export, new = services.summary_export_request(
                user=request.user,
                team=data["team"],
                quarter=periods.parse(data["quarter"]),
                fmt=data["format"],
                strategy=data["strategy"],
            )
        except services.SummaryRateLimited as exc:
            form.add_error(None, str(exc))
            return _list_page(request, form, status=429, retry_after=exc.retry_after)
        if not new:
            messages.info(request, _ALREADY_QUEUED)
        return redirect("goals:summary", pk=export.pk)
    return _list_page(request, form, status=400 if request.method == "POST" else 200)


_ALREADY_QUEUED = "The same summary was already asked for and is on its way: here it is."


def _list_page(
    request: HttpRequest, form: SummaryRequestForm, *, status: int, retry_after: int = 0
) -> HttpResponse:
    exports = access.visible_to(
        request.user, SummaryExport.objects.select_related("team", "strategy", "created_by")
    )[:50]
    response = render(
        request, "goals/summaries.html", {"form": form, "exports": exports}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_GET
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export_for(request, pk)
    return render(request, "goals/summary_detail.html", {"export": export})


@login_required
@require_GET
def summary_status(request: HttpRequest, pk: int) -> JsonResponse:
    export = _export_for(request, pk)
    return JsonResponse(
        {
            "status": export.status,
            "label": export.get_status_display(),
            "finished": export.is_finished,
        }
    )


@login_required
@require_GET
def summary_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    export = _export_for(request, pk)
    if export.status != SummaryStatus.READY:
        return HttpResponse("This summary is not ready.", status=409)
    inline = export.format == SummaryFormat.HTML and request.GET.get("download") != "1"
    return FileResponse(
        export.file.open("rb"),
        as_attachment=not inline,
        filename=export.download_name,
        content_type=services.summary_content_type(export.format),
    )


@login_required
@require_POST
def summary_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version from today's data; the old version stays as it was."""
    export = _export_for(request, pk)
    try:
        fresh, new = services.summary_export_request(
            user=request.user,
            team=export.team,
            quarter=periods.parse(export.quarter),
            fmt=export.format,
            strategy=export.strategy,
        )
    except services.SummaryRateLimited as exc:
        messages.error(request, str(exc))
        return redirect("goals:summary", pk=export.pk)
    if not new:
        messages.info(request, _ALREADY_QUEUED)
    return redirect("goals:summary", pk=fresh.pk)
