"""The user's own API tokens: create (the key is shown once) and revoke."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from teams.models import ApiToken
from teams.services import api_token_create, api_token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    new_key = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        _, new_key = api_token_create(user=user, name=name)
    tokens = ApiToken.objects.filter(user=user)
    return render(request, "teams/api_tokens.html", {"tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    api_token_revoke(user=user, token=token)
    messages.info(request, f"Token “{token.name}” revoked.")
    return redirect("teams:api_tokens")
