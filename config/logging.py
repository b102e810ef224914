"""A logging filter that redacts secrets wherever they would appear in a record."""

from __future__ import annotations

import logging
import re

# Each pattern keeps its first group (the label) and replaces what follows with [REDACTED].
SECRET_PATTERNS = [
    # Beacon API keys: "bk_" + prefix + "." + secret.
    re.compile(r"\b(bk_[A-Za-z0-9]{8})\.[A-Za-z0-9_\-]{16,}"),
    # Stripe secrets; Stripe's and Beacon's webhook signing secrets (whsec_...).
    re.compile(r"\b((?:sk|rk)_(?:live|test)_)[A-Za-z0-9]+"),
    re.compile(r"\b(whsec_)[A-Za-z0-9_\-]+"),
    # Telegram bot tokens ("<bot id>:<secret>"), alone or in a Bot API URL (".../bot<token>/sendMessage").
    re.compile(r"((?<![0-9])[0-9]{6,12}:)[A-Za-z0-9_\-]{30,}"),
    # Discord webhook URLs carry their token after the webhook's id (on whichever host: a test's, a proxy's).
    re.compile(r"((?:discord(?:app)?\.com)?/api/(?:v[0-9]+/)?webhooks/[0-9]+/)[A-Za-z0-9_\-]+"),
    # Authorization headers.
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|basic|token)\s+)[^\s'\",;]+"),
    # key=value pairs whose key names a secret.
    re.compile(
        r"(?i)(['\"]?(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
        r"otp|session[_-]?id|csrfmiddlewaretoken)['\"]?\s*[:=]\s*['\"]?)[^\s'\",&}]+"
    ),
    # Credentials in URLs: scheme://user:password@host
    re.compile(r"(\w+://[^:/\s]+:)[^@\s]+(?=@)"),
]
REDACTED = "[REDACTED]"


def redact(text: str) -> str:
    """Return text with every recognised secret replaced by [REDACTED]."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Formats the record's message once, redacts it, and freezes it so handlers see the clean text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must still be logged, not lost
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
