"""Epoch seconds and aware UTC datetimes: the one conversion rule (store UTC, bars in epoch seconds)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_from_epoch(seconds: float) -> datetime:
    """The aware UTC datetime of `seconds` since the epoch (whole seconds for integers)."""
    return datetime.fromtimestamp(seconds, tz=UTC)
