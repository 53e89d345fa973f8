"""Alert pages: the team's delivery log, a member's preferences (with "send me a preview"
of the weekly digest), and muting a key result. Thin: services and selectors do the work;
teams.access decides who sees what (another team's slug or key result: 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from goals.alerts import selectors, services
from goals.alerts.models import CHOOSABLE, Mode
from goals.digest import services as digest
from goals.models import KeyResult
from teams import access
from teams.models import Team


def _team(request: HttpRequest, slug: str) -> Team:
    return access.get_object_for_user(request.user, Team.objects.all(), slug=slug)


@login_required
@require_GET
def alert_log(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug)
    page = Paginator(selectors.delivery_log(team), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "goals/alerts/log.html",
        {
            "team": team,
            "page": page,
            "webhooks": selectors.team_webhooks(team),
            "manages": access.can_manage(request.user, team),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_preferences(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(request, slug)
    user = request.user
    if not isinstance(user, User):  # login_required let an authenticated user in
        raise PermissionDenied
    here = reverse("goals:alert_preferences", args=[team.slug])
    if request.method == "POST":
        if "preview" in request.POST:
            try:
                address = digest.digest_send_preview(user=user, team=team)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"A preview of this week's digest went to {address}.")
            return redirect(here)
        modes = {}
        for kind in CHOOSABLE:
            value = request.POST.get(f"mode_{kind.value}", Mode.IMMEDIATE)
            modes[kind.value] = value if value in Mode.values else Mode.IMMEDIATE
        services.alert_preference_update(
            user=user,
            team=team,
            modes=modes,
            weekly_digest=request.POST.get("weekly_digest") == "on",
            muted=request.POST.get("muted") == "on",
        )
        messages.success(request, "Your alert preferences are saved.")
        return redirect(here)
    pref = services.alert_preference_for(user=user, team=team)
    rows = [
        {"kind": kind, "mode": pref.modes.get(kind.value, Mode.IMMEDIATE)} for kind in CHOOSABLE
    ]
    return render(
        request,
        "goals/alerts/preferences.html",
        {
            "team": team,
            "pref": pref,
            "rows": rows,
            "modes": Mode.choices,
            "mutes": selectors.muted_key_results(team, user.pk),
        },
    )


@login_required
@require_POST
def key_result_mute(request: HttpRequest, pk: int) -> HttpResponse:
    kr = access.get_object_for_user(
        request.user, KeyResult.objects.select_related("objective__strategy__team"), pk=pk
    )
    for_team = request.POST.get("scope") == "team"
    muted = request.POST.get("muted") != "off"
    try:
        services.key_result_mute_set(
            user=request.user, key_result=kr, muted=muted, for_team=for_team
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        who = "the team" if for_team else "you"
        messages.success(
            request, f"Alerts about “{kr.name}” {'muted' if muted else 'back on'} for {who}."
        )
    return redirect(reverse("goals:key_result", args=[kr.pk]))
