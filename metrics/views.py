from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metrics import services
from metrics.forms import ImportRetryForm, ImportUploadForm
from metrics.importers.common import ImportFailed
from metrics.importers.registry import supported_formats
from metrics.models import ImportJob
from teams import access


def _jobs_for(request: HttpRequest):  # type: ignore[no-untyped-def]
    return access.visible_to(request.user, ImportJob.objects.select_related("team", "account"))


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    can_import = access.editable_teams(request.user).exists()
    form = ImportUploadForm(user=request.user) if can_import else None
    if request.method == "POST":
        if not can_import:
            return HttpResponse("You may not import data.", status=403)
        form = ImportUploadForm(request.POST, request.FILES, user=request.user)
        job = form.create_job(request.user) if form.is_valid() else None
        if job is not None:
            # The job's page says how it is going (a flash "being imported" would still
            # show when an import that runs at once has already failed).
            return redirect("metrics:import_detail", pk=job.pk)
    jobs = _jobs_for(request)[:50]
    return render(
        request,
        "metrics/import_list.html",
        {"form": form, "jobs": jobs, "formats": supported_formats()},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = access.get_object_for_user(
        request.user, ImportJob.objects.select_related("team", "account", "created_by"), pk=pk
    )
    return _render_detail(request, job)


def _render_detail(
    request: HttpRequest,
    job: ImportJob,
    retry_form: ImportRetryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    choices = services.import_job_account_choices(job)
    if retry_form is None and choices and access.can_edit(request.user, job.team):
        retry_form = ImportRetryForm(accounts=choices)
    return render(
        request,
        "metrics/import_detail.html",
        {
            "job": job,
            "progress": services.import_job_progress(job),
            "retry_form": retry_form,
        },
        status=status,
    )


@login_required
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Try a job that failed for want of an account again, for the account chosen."""
    job = access.get_object_for_user(
        request.user, ImportJob.objects.select_related("team", "account", "created_by"), pk=pk
    )
    if not access.can_edit(request.user, job.team):
        return HttpResponse("You may not import data for this team.", status=403)
    form = ImportRetryForm(request.POST, accounts=services.import_job_account_choices(job))
    if form.is_valid():
        try:
            retry = services.import_job_retry(
                job=job, user=request.user, account=form.cleaned_data["account"]
            )
        except ImportFailed as exc:
            form.add_error("account", str(exc))
        else:
            return redirect("metrics:import_detail", pk=retry.pk)
    return _render_detail(request, job, form, status=400)


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = access.get_object_for_user(request.user, ImportJob.objects.all(), pk=pk)
    return JsonResponse(services.import_job_progress(job))
