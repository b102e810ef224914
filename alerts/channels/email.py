"""Email: a readable message (text and HTML) through Django's email backend (the console in the
embedded default, SMTP from EMAIL_URL). Also the digest: many alerts in one message."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from alerts.channels.base import Channel
from alerts.channels.message import AlertMessage, signal_levels
from alerts.models import Delivery
from config.outbound import TransportError


def email_render(*, template: str, to: str, context: dict) -> EmailMultiAlternatives:
    """The message of `alerts/email/<template>_subject.txt`, `.txt` and `.html`, to one address."""
    subject = " ".join(render_to_string(f"alerts/email/{template}_subject.txt", context).split())
    email = EmailMultiAlternatives(subject=subject, body=render_to_string(f"alerts/email/{template}.txt", context),
                                   from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    email.attach_alternative(render_to_string(f"alerts/email/{template}.html", context), "text/html")
    return email


def email_send(email: EmailMultiAlternatives) -> None:
    """Send through the configured backend: a refused address is permanent, other SMTP or network
    errors may pass."""
    try:
        email.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        raise TransportError(f"The mail server refused the message: {error.__class__.__name__}",
                             permanent=True) from error
    except (smtplib.SMTPException, OSError) as error:
        raise TransportError(f"The mail server could not be reached: {error.__class__.__name__}") from error


def alert_email(*, message: AlertMessage, to: str) -> EmailMultiAlternatives:
    return email_render(template="alert", to=to, context={
        "message": message, "levels": signal_levels(message.payload)})


def digest_email(*, messages: list[AlertMessage], to: str, minutes: int) -> EmailMultiAlternatives:
    return email_render(template="digest", to=to, context={
        "alerts": [(m, signal_levels(m.payload)) for m in messages], "count": len(messages), "minutes": minutes,
        "tenant_name": messages[0].tenant_name if messages else ""})


class EmailChannel(Channel):
    kind = "email"
    sends_per_task = 50  # handed to our mail server, which answers in milliseconds

    def send(self, *, delivery: Delivery, message: AlertMessage) -> None:
        email = alert_email(message=message, to=delivery.member.email)
        self.exchange.request = f"To: {delivery.member.email}\nSubject: {email.subject}\n\n{email.body}"[:2000]
        email_send(email)
