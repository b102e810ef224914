import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The 6-digit code an authenticator app shows now (or `offset_steps` time steps later)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + offset_steps * device.step
    return f"{generator.token():0{device.digits}d}"


@pytest.fixture
def alice_totp(alice) -> TOTPDevice:
    return TOTPDevice.objects.create(user=alice, name="app", confirmed=True)


def login(client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"email": email, "password": password}, **extra)
