"""Listening pages: the people to engage (with a CSV download) and the topics."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from listening import selectors, services
from listening.forms import PeopleFilterForm, TopicForm
from listening.models import ListeningSettings, Topic, TopicAuthor
from teams import access
from teams.models import Team

PAGE_SIZE = 50


def _people(
    request: HttpRequest,
) -> tuple[PeopleFilterForm, list[selectors.PersonRow], dict[str, Any]]:
    form = PeopleFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        raise Http404("No such team or topic.")
    data: dict[str, Any] = form.cleaned_data if form.is_bound else {}
    teams = access.visible_teams(request.user)
    if data.get("team"):
        teams = teams.filter(pk=data["team"].pk)
    topic = data.get("topic")
    rows = selectors.people_to_engage(
        team_ids=list(teams.values_list("pk", flat=True)),
        now=timezone.now(),
        topic_id=topic.pk if topic else None,
        platform=data.get("platform") or "",
        state=data.get("state") or "",
    )
    return form, rows, data


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    form, rows, data = _people(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    topic = data.get("topic")
    selectors.attach_matching_posts(list(page), topic_id=topic.pk if topic else None)
    editable = set(access.editable_teams(request.user).values_list("pk", flat=True))
    visible = access.visible_to(request.user, Topic.objects.all())
    return render(
        request,
        "listening/people.html",
        {
            "form": form,
            "page": page,
            "editable": editable,
            "has_topics": visible.exists(),
            "settings": access.visible_to(
                request.user, ListeningSettings.objects.select_related("team")
            ),
        },
    )


@login_required
@require_GET
def people_csv(request: HttpRequest) -> HttpResponse:
    _form, rows, _data = _people(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="people-to-engage.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["rank", "platform", "handle", "name", "profile", "score", "posts", "latest post", "state"]
    )
    for rank, row in enumerate(rows, start=1):
        writer.writerow(
            [
                rank,
                row.platform,
                _safe(row.handle),
                _safe(row.display_name),
                _safe(row.profile_url),
                f"{row.score:.3f}",
                row.posts,
                row.latest.isoformat(),
                row.state,
            ]
        )
    return response


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


@login_required
@require_POST
def person_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_object_for_user(request.user, TopicAuthor.objects.all(), pk=pk)
    if not access.can_edit(request.user, person.team_id):
        return HttpResponse("You may look at these people but not change them.", status=403)
    undo = request.POST.get("undo") == "1"
    services.topic_person_dismiss(user=request.user, person=person, dismissed=not undo)
    messages.info(request, f"@{person.handle} is {'back on the list' if undo else 'dismissed'}.")
    return _back(request, reverse("listening:people"))


@login_required
@require_GET
def topics(request: HttpRequest) -> HttpResponse:
    visible = access.visible_to(request.user, Topic.objects.select_related("team"))
    counts = selectors.topic_post_counts(visible.values_list("pk", flat=True))
    editable = set(access.editable_teams(request.user).values_list("pk", flat=True))
    rows = [
        {"topic": t, "posts": counts.get(t.pk, 0), "can_edit": t.team_id in editable}
        for t in visible
    ]
    return render(
        request,
        "listening/topics.html",
        {
            "rows": rows,
            "can_add": bool(editable),
            "teams": access.editable_teams(request.user).order_by("name"),
            "settings": access.visible_to(
                request.user, ListeningSettings.objects.select_related("team")
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    topic = (
        access.get_object_for_user(request.user, Topic.objects.select_related("team"), pk=pk)
        if pk is not None
        else Topic()
    )
    if pk is not None and not access.can_edit(request.user, topic.team_id):
        return HttpResponse("You may look at this team's topics but not change them.", status=403)
    if pk is None and not access.editable_teams(request.user).exists():
        return HttpResponse("Only owners and editors add topics.", status=403)
    form = TopicForm(request.POST or None, instance=topic, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.topic_save(user=request.user, topic=form.save(commit=False))
        messages.success(request, f"Topic “{topic.name}” saved; it is collected on the next run.")
        return redirect("listening:topics")
    return render(request, "listening/topic_form.html", {"form": form, "topic": topic})


@login_required
@require_POST
def topic_delete(request: HttpRequest, pk: int) -> HttpResponse:
    topic = access.get_object_for_user(request.user, Topic.objects.all(), pk=pk)
    if not access.can_edit(request.user, topic.team_id):
        return HttpResponse("You may look at this team's topics but not change them.", status=403)
    deleted = services.topic_delete(user=request.user, topic=topic)
    messages.info(request, f"Topic “{topic.name}” deleted with {deleted} post(s) only it matched.")
    return redirect("listening:topics")


@login_required
@require_POST
def collect_now(request: HttpRequest) -> HttpResponse:
    team_id = request.POST.get("team", "")
    team = access.get_object_for_user(
        request.user, Team.objects.all(), pk=int(team_id) if team_id.isdigit() else 0
    )
    if not access.can_edit(request.user, team):
        return HttpResponse("Only owners and editors start a collection.", status=403)
    services.listening_collect_enqueue(user=request.user, team=team)
    messages.info(request, f"Collection of {team.name}'s topics queued.")
    return redirect("listening:topics")
