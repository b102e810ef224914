from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts.models import ApiKeyScope, Role, User
from config.errors import DomainError


def form_add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: each field's messages on that field, the rest on the form."""
    if not error.fields:
        form.add_error(None, error.message)
    for field, messages in error.fields.items():
        form.add_error(field if field in form.fields else None, messages)


class SignupForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=150, required=False, label="Your name")
    organisation = forms.CharField(max_length=120, required=False, help_text="Leave empty to name it after you.")
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            try:
                validate_password(password,
                                  User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", "")))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LoginForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, strip=False)


class CodeForm(forms.Form):
    code = forms.CharField(max_length=20, label="Code",
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False, label="Your password")


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=80)
    scope = forms.ChoiceField(choices=ApiKeyScope.choices, initial=ApiKeyScope.READ)


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False, label="Name")
    time_zone = forms.CharField(
        max_length=64, widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
        help_text="Times on the site are shown in this zone. An IANA name such as Europe/London or America/New_York.")
