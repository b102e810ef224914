"""Two-factor settings: enrol an authenticator app, backup codes, disable."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import two_factor
from accounts.forms import CodeForm, PasswordConfirmForm, form_add_domain_error
from accounts.services import audit_record
from config.errors import InvalidInput


@login_required
def two_factor_settings(request):
    return render(request, "accounts/two_factor.html", {
        "enabled": two_factor.has_two_factor(request.user),
        "disable_form": PasswordConfirmForm(),
    })


@login_required
def two_factor_setup(request):
    """GET starts (or restarts) enrolment and shows the QR code; POST confirms it with a code."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.totp_enrolment_confirm(user=request.user, code=form.cleaned_data["code"],
                                                      request=request)
        except InvalidInput as error:
            form_add_domain_error(form, error)
        else:
            device = two_factor.two_factor_verify_device_for_session(user=request.user)
            if device is not None:
                otp_login(request, device)
            # The session is now worth more (verified by a second factor): a new key, so an id that
            # leaked before enrolment does not carry that over.
            request.session.cycle_key()
            return render(request, "accounts/backup_codes.html", {"codes": codes})
        device = request.user.totpdevice_set.filter(confirmed=False).order_by("-id").first()
    else:
        try:
            device = two_factor.totp_enrolment_start(user=request.user)
        except InvalidInput as error:
            messages.error(request, error.message)
            return redirect("accounts:two_factor")
    if device is None:
        return redirect("accounts:two_factor_setup")
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "qr": two_factor.totp_qr_svg_data_uri(device), "secret": two_factor.totp_secret_base32(device),
    })


@login_required
@require_POST
def backup_codes_regenerate(request):
    if not two_factor.has_two_factor(request.user):
        return redirect("accounts:two_factor")
    if not request.user.is_verified():
        messages.error(request, "Log in with your second factor before making new backup codes.")
        return redirect("accounts:two_factor")
    codes = two_factor.backup_codes_regenerate(user=request.user)
    audit_record(action="2fa.backup_codes_regenerated", actor=request.user, request=request)
    return render(request, "accounts/backup_codes.html", {"codes": codes})


@login_required
@require_POST
def two_factor_disable(request):
    form = PasswordConfirmForm(request.POST)
    if form.is_valid():
        try:
            two_factor.two_factor_disable(user=request.user, password=form.cleaned_data["password"], request=request)
        except InvalidInput as error:
            messages.error(request, error.message)
        else:
            messages.info(request, "Two-factor authentication is off.")
    return redirect("accounts:two_factor")
