"""Conversation health and competitor pages (being written)."""

from django.http import HttpRequest, HttpResponse


def conversation_health(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def competitors(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
