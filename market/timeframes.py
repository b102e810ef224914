"""Timeframes: their length in seconds and the next higher one (no Django)."""

from __future__ import annotations

from enum import StrEnum


class Timeframe(StrEnum):
    M1 = "M1"
    M5 = "M5"
    M15 = "M15"
    M30 = "M30"
    H1 = "H1"
    H4 = "H4"
    D1 = "D1"
    W1 = "W1"
    MN1 = "MN1"

    @property
    def seconds(self) -> int:
        """Nominal length in seconds (a month counts 30 days; calendars decide real boundaries)."""
        return TIMEFRAME_SECONDS[self]

    @property
    def higher(self) -> Timeframe | None:
        """The timeframe whose trend confirms or weakens a signal on this one."""
        return HIGHER_TIMEFRAME.get(self)


TIMEFRAME_SECONDS = {
    Timeframe.M1: 60,
    Timeframe.M5: 300,
    Timeframe.M15: 900,
    Timeframe.M30: 1800,
    Timeframe.H1: 3600,
    Timeframe.H4: 14400,
    Timeframe.D1: 86400,
    Timeframe.W1: 604800,
    Timeframe.MN1: 2592000,
}

HIGHER_TIMEFRAME = {
    Timeframe.M1: Timeframe.M15,
    Timeframe.M5: Timeframe.H1,
    Timeframe.M15: Timeframe.H1,
    Timeframe.M30: Timeframe.H4,
    Timeframe.H1: Timeframe.H4,
    Timeframe.H4: Timeframe.D1,
    Timeframe.D1: Timeframe.W1,
    Timeframe.W1: Timeframe.MN1,
}
