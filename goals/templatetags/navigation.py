"""The header's navigation: which link is the page being shown.

`<a href="…"{% nav_current "goals:dashboard" "goals:key_result" %}>` adds
` aria-current="page"` when the request was answered by the first view named (the link's
own page), ` aria-current="true"` when by one of the others (pages under it, such as a key
result under the dashboard), and nothing otherwise. The style keys on `[aria-current]`, so
people see where they are and screen readers say it.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, page: str, *under: str) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:  # a 404 page, or a template rendered without a request
        return ""
    if match.view_name == page:
        return format_html(' aria-current="{}"', "page")
    if match.view_name in under:
        return format_html(' aria-current="{}"', "true")
    return ""
