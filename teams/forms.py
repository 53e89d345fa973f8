"""The team admin's membership form: members are picked from people the owner already shares
a team with, or added by their exact username or e-mail address."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from teams import services
from teams.models import Membership, Role


def user_by_username_or_email(text: str) -> Any | None:
    """The active user with exactly this username, else the one with this e-mail address
    (case does not matter in addresses); None when there is none or several."""
    users = get_user_model().objects.filter(is_active=True)
    by_name = users.filter(username=text).first()
    if by_name is not None:
        return by_name
    by_email = list(users.filter(email__iexact=text)[:2])
    return by_email[0] if len(by_email) == 1 else None


class MembershipInlineForm(forms.ModelForm):  # type: ignore[type-arg]
    # Owners must not browse the installation's users; knowing a colleague's exact
    # username or address is enough to add them.
    username_or_email = forms.CharField(
        label="or add by username / e-mail",
        required=False,
        max_length=254,
        help_text="The exact username or e-mail address of someone not listed.",
    )

    class Meta:
        model = Membership
        fields = ["user", "username_or_email", "role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = (data.get("username_or_email") or "").strip()
        if typed:
            user = user_by_username_or_email(typed)
            if user is None:
                self.add_error("username_or_email", "No user has this username or e-mail address.")
            else:
                data["user"] = user
        elif data.get("user") is None and "user" not in self.errors:
            self.add_error("user", "Pick a member, or enter their username or e-mail address.")
        return data


class MembershipInlineFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """The same last-owner rule as the team page (teams.services)."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return
        roles_after = [
            form.cleaned_data.get("role") or form.instance.role
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.instance.pk or form.has_changed())
        ]
        if services.leaves_no_owner(team=self.instance, roles_after=roles_after):
            raise ValidationError(services.LAST_OWNER_MESSAGE)


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InvitationSignUpForm(UserCreationForm):  # type: ignore[type-arg]
    """A new account for an invited address: the address comes from the invitation."""

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The password validators compare the password with the address, too.
        self.instance.email = email
