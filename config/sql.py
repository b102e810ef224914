"""Helpers for the few queries written as SQL (where building them with the ORM cost the live path)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime


def datetime_from_row(value: datetime | str | None) -> datetime | None:
    """A timestamp read by raw SQL as an aware UTC datetime: PostgreSQL gives an aware datetime,
    SQLite the stored UTC text or, for a declared datetime column, a naive UTC datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
