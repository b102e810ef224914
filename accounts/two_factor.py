"""Two-factor authentication with django-otp: TOTP enrolment, backup codes, verification."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import audit_record
from config.errors import InvalidInput

BACKUP_CODE_COUNT = 10


def has_two_factor(user: User) -> bool:
    """Whether login must ask this user for a second factor."""
    return user_has_device(user, confirmed=True)


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """A fresh unconfirmed TOTP device (replacing an earlier unconfirmed one).

    Refused while two-factor is on: adding a device must not get round turning it off, which needs
    the password (a stolen session could otherwise plant its own authenticator).
    """
    if has_two_factor(user):
        raise InvalidInput("Two-factor authentication is already on. Turn it off first to use another app.")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_qr_svg_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as a QR code, inline as an SVG data URI."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


@transaction.atomic
def totp_enrolment_confirm(*, user: User, code: str, request=None) -> list[str]:
    """Confirm the pending device with a code from the app; returns new backup codes (shown once)."""
    if has_two_factor(user):
        raise InvalidInput("Two-factor authentication is already on.", fields={"code": ["Already on."]})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise InvalidInput("Start the set-up again.", fields={"code": ["No set-up in progress."]})
    if not device.verify_token(code.strip().replace(" ", "")):
        raise InvalidInput("That code is not right.", fields={"code": ["Wrong or expired code; try the next one."]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_regenerate(user=user)
    audit_record(action="2fa.enabled", actor=user, request=request)
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new single-use codes."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_disable(*, user: User, password: str, request=None) -> None:
    """Remove every device; needs the account password."""
    if not user.check_password(password):
        raise InvalidInput("Wrong password.", fields={"password": ["That is not your password."]})
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    audit_record(action="2fa.disabled", actor=user, request=request)


def two_factor_verify(*, user: User, code: str):
    """The confirmed device that accepts `code` (TOTP or a single-use backup code), or None."""
    code = code.strip().replace(" ", "")
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def two_factor_verify_device_for_session(*, user: User):
    """The TOTP device just confirmed, to mark the current session as verified with it."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
