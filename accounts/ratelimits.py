"""Rate limits on login and signup, designed so an attacker cannot lock the real owner out.

- Per IP, every attempt: slows credential stuffing from one address.
- Per (account, IP), failures: stops guessing one account's password from one address.
- Per account, failures from any address: stops distributed guessing. A browser that has logged
  into the account before carries a signed device cookie and is exempt from this one (OWASP's
  "device cookie" pattern), so a flood against alice's email cannot keep alice out.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django_ratelimit.core import get_usage

DEVICE_COOKIE = "beacon_device"
DEVICE_COOKIE_SALT = "accounts.device-cookie"
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600

LOGIN_IP_RATE = "30/10m"
LOGIN_ACCOUNT_IP_FAILURES = "5/15m"
LOGIN_ACCOUNT_FAILURES = "50/h"
SIGNUP_IP_RATE = "10/h"


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy the header set in CLIENT_IP_HEADER
    (e.g. HTTP_X_FORWARDED_FOR, whose first address is the client's as the proxy saw it)."""
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


_ip = client_ip


def is_trusted_device(request, email: str) -> bool:
    """Whether this browser logged into `email` before (a valid signed device cookie)."""
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return False
    try:
        return signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE) == email
    except signing.BadSignature:
        return False


def device_cookie_value(email: str) -> str:
    return signing.dumps(email, salt=DEVICE_COOKIE_SALT)


def _usage(request, group: str, key: str, rate: str, increment: bool) -> dict:
    return get_usage(request, group=group, key=lambda g, r: key, rate=rate, method=get_usage.ALL,
                     increment=increment)


def _attempt_over_limit(request, group: str, key: str, rate: str) -> bool:
    """Count this attempt; True once attempts exceed the rate."""
    return _usage(request, group, key, rate, True)["should_limit"]


def _failures_reached(request, group: str, key: str, rate: str) -> bool:
    """Without counting: True once the failures counted so far reach the rate's limit."""
    usage = _usage(request, group, key, rate, False)
    return usage["count"] >= usage["limit"]


def login_blocked(request, email: str) -> bool:
    """Whether this attempt must be refused before checking the password (counts the attempt per IP)."""
    if _failures_reached(request, "login.account-ip", f"{email}|{_ip(request)}", LOGIN_ACCOUNT_IP_FAILURES):
        return True
    if is_trusted_device(request, email):
        return False
    if _attempt_over_limit(request, "login.ip", _ip(request), LOGIN_IP_RATE):
        return True
    return _failures_reached(request, "login.account", email, LOGIN_ACCOUNT_FAILURES)


def login_failed(request, email: str) -> None:
    """Count a failed attempt against the (account, IP) and account limits."""
    _usage(request, "login.account-ip", f"{email}|{_ip(request)}", LOGIN_ACCOUNT_IP_FAILURES, True)
    if not is_trusted_device(request, email):
        _usage(request, "login.account", email, LOGIN_ACCOUNT_FAILURES, True)


def signup_blocked(request) -> bool:
    return _attempt_over_limit(request, "signup.ip", _ip(request), SIGNUP_IP_RATE)
