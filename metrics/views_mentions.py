"""The people waiting for an answer: the unanswered mentions of the team's own accounts,
oldest first, with how the team has been answering lately."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from metrics import mentions, selectors
from metrics.connectors.status import connectors_needing_attention
from metrics.forms import WaitingFilterForm
from metrics.models import Account, Connector, InboundMention
from metrics.responses import answer_limit
from teams import access

RECENT_DAYS = 28


@login_required
@require_GET
def people_waiting(request: HttpRequest) -> HttpResponse:
    form = WaitingFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        raise Http404("No such team or account.")
    data = form.cleaned_data if form.is_bound else {}
    accounts = access.visible_to(request.user, Account.objects.own())
    if data.get("team"):
        accounts = accounts.filter(team=data["team"])
    if data.get("account"):
        accounts = accounts.filter(pk=data["account"].pk)
    account_ids = list(accounts.values_list("pk", flat=True))
    now = timezone.now()
    limit = answer_limit()
    page = Paginator(selectors.mentions_waiting(account_ids), 100).get_page(request.GET.get("page"))
    today = timezone.localdate()
    recent = selectors.inbound_summary(
        account_ids,
        start=today - timedelta(days=RECENT_DAYS - 1),
        end=today,
        now=now,
        limit=limit,
    )
    editable = set(access.editable_teams(request.user).values_list("pk", flat=True))
    rows = [
        {
            "mention": mention,
            "waited": now - mention.published_at,
            "overdue": now - mention.published_at > limit,
            "can_edit": mention.account.team_id in editable,
        }
        for mention in page
    ]
    connectors = Connector.objects.filter(account_id__in=account_ids)
    return render(
        request,
        "metrics/people_waiting.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "recent": recent,
            "recent_days": RECENT_DAYS,
            "limit_hours": int(limit.total_seconds() // 3600),
            "has_connectors": connectors.exists(),
            "connector_alerts": connectors_needing_attention(connectors),
        },
    )


@login_required
@require_POST
def mention_needs_no_answer(request: HttpRequest, pk: int) -> HttpResponse:
    mention = access.get_object_for_user(
        request.user, InboundMention.objects.select_related("account__team"), pk=pk
    )
    if not access.can_edit(request.user, mention.account.team):
        return HttpResponse("You may look at these mentions but not change them.", status=403)
    mentions.mention_set_needs_answer(user=request.user, mention=mention, needs_answer=False)
    messages.info(request, f"@{mention.author_handle}'s mention is marked as needing no answer.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("metrics:people_waiting")
    return redirect(target)
