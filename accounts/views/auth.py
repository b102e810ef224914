"""Signup, email verification, login with a second-factor step, logout."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import ratelimits, services, two_factor
from accounts.forms import CodeForm, LoginForm, SignupForm, form_add_domain_error
from accounts.models import User
from accounts.views.pages import ratelimited
from config.errors import InvalidInput

PENDING_USER_KEY = "pending_2fa_user"
PENDING_SINCE_KEY = "pending_2fa_since"
PENDING_NEXT_KEY = "pending_2fa_next"
PENDING_MAX_AGE = 300


def _next_url(request, fallback: str = "dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse(fallback)


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if ratelimits.signup_blocked(request):
            return ratelimited(request)
        if form.is_valid():
            try:
                user = services.user_signup(**form.cleaned_data)
            except InvalidInput as error:
                form_add_domain_error(form, error)
            else:
                services.email_verification_send(user=user, request=request)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.info(request, f"Welcome! We sent a link to {user.email} to confirm your address.")
                return redirect(_next_url(request))
    return render(request, "accounts/signup.html", {"form": form, "next": request.GET.get("next", "")})


def verify_email(request, token: str):
    try:
        user = services.email_verify(token=token)
    except InvalidInput as error:
        return render(request, "accounts/verify_email.html", {"error": error.message}, status=400)
    return render(request, "accounts/verify_email.html", {"verified_user": user})


@login_required
@require_POST
def verify_email_resend(request):
    if not request.user.is_email_verified:
        services.email_verification_send(user=request.user, request=request)
        messages.info(request, f"We sent a new link to {request.user.email}.")
    return redirect("dashboard")


def _login_complete(request, user: User, *, method: str, device=None):
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    services.audit_record(action="login.succeeded", actor=user, request=request, method=method)
    response = redirect(request.session.pop(PENDING_NEXT_KEY, None) or _next_url(request))
    response.set_cookie(ratelimits.DEVICE_COOKIE, ratelimits.device_cookie_value(user.email),
                        max_age=ratelimits.DEVICE_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=request.is_secure())
    return response


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        if ratelimits.login_blocked(request, email):
            services.audit_record(action="login.throttled", request=request, email=email)
            return ratelimited(request)
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            ratelimits.login_failed(request, email)
            known = User.objects.filter(email=email).first()
            services.audit_record(action="login.failed", actor=known, request=request, email=email)
            form.add_error(None, "That email and password do not match an account.")
        elif two_factor.has_two_factor(user):
            request.session[PENDING_USER_KEY] = user.pk
            request.session[PENDING_SINCE_KEY] = time.time()
            request.session[PENDING_NEXT_KEY] = _next_url(request)
            return redirect("accounts:login_verify")
        else:
            return _login_complete(request, user, method="password")
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


def login_verify(request):
    """The second step of login: a code from the authenticator app or a backup code."""
    user_id = request.session.get(PENDING_USER_KEY)
    since = request.session.get(PENDING_SINCE_KEY, 0)
    if user_id is None or time.time() - since > PENDING_MAX_AGE:
        request.session.pop(PENDING_USER_KEY, None)
        messages.error(request, "Your login timed out; enter your password again.")
        return redirect("accounts:login")
    user = User.objects.get(pk=user_id)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if ratelimits.login_blocked(request, user.email):
            return ratelimited(request)
        device = two_factor.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            request.session.pop(PENDING_USER_KEY, None)
            method = "backup_code" if device.__class__.__name__ == "StaticDevice" else "totp"
            return _login_complete(request, user, method=method, device=device)
        ratelimits.login_failed(request, user.email)
        services.audit_record(action="login.2fa_failed", actor=user, request=request)
        form.add_error("code", "That code is not right. Use the current code from your app, or a backup code.")
    return render(request, "accounts/login_verify.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("landing")
