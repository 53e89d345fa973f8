"""Turn an admin change page into the POST data its form would send, so tests can
change one field and submit the rest as a browser would."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms


def _value(field: forms.BoundField) -> Any:
    value = field.value()
    if value is None:
        return ""
    if isinstance(field.field, forms.BooleanField):
        return "on" if value else ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [getattr(v, "pk", v) for v in value]
    return getattr(value, "pk", value)


def _collect(form: forms.BaseForm, data: dict[str, Any]) -> None:
    for name in form.fields:
        value = _value(form[name])
        if value == "" and isinstance(form.fields[name], forms.BooleanField):
            continue
        data[form.add_prefix(name)] = value


def post_data(response, **changes: Any) -> dict[str, Any]:
    context = response.context
    data: dict[str, Any] = {}
    _collect(context["adminform"].form, data)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        _collect(formset.management_form, data)
        for form in formset.forms:
            _collect(form, data)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def add_inline_rows(data: dict[str, Any], prefix: str, rows: list[dict[str, Any]]) -> None:
    """Append new inline rows to a formset in `data`."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{total + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = total + len(rows)


def errors_of(response) -> dict[str, Any]:
    """Form and inline errors shown on a re-rendered admin page."""
    context = response.context
    found: dict[str, Any] = dict(context["adminform"].form.errors)
    for inline in context["inline_admin_formsets"]:
        for index, form_errors in enumerate(inline.formset.errors):
            for name, messages in form_errors.items():
                found[f"{inline.formset.prefix}-{index}-{name}"] = messages
        if inline.formset.non_form_errors():
            found[f"{inline.formset.prefix}-__all__"] = inline.formset.non_form_errors()
    return found
