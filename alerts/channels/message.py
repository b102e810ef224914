"""What every channel says about an alert: its title, text, link and the signal's levels (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The signal's figures a message shows, in this order, with their labels.
LEVEL_LABELS = (
    ("entry", "Entry"),
    ("stop_loss", "Stop loss"),
    ("take_profit_1", "Target 1"),
    ("take_profit_2", "Target 2"),
    ("take_profit_3", "Target 3"),
    ("confidence", "Confidence"),
)


@dataclass(frozen=True)
class AlertMessage:
    """One alert as the channels render it. `payload` is the event's JSON; `url` opens it on the website."""

    title: str
    text: str
    created_at: datetime
    url: str
    tenant_name: str
    event_id: int | None = None
    payload: dict = field(default_factory=dict)
    is_test: bool = False

    @property
    def kind(self) -> str:
        """The type a webhook receiver sees."""
        return "alert.test" if self.is_test else "alert.fired"

    @property
    def direction(self) -> str:
        """"long", "short" or "" if the alert is not about a signal."""
        return str(signal_of(self.payload).get("direction", "")).lower()


def signal_of(payload: dict) -> dict:
    """The signal an alert is about: the payload's "signal" object, else the payload itself."""
    signal = payload.get("signal")
    return signal if isinstance(signal, dict) else payload


def signal_levels(payload: dict) -> list[tuple[str, str]]:
    """(label, value as text) of each level the alert's signal has, in LEVEL_LABELS order; targets may also
    come as a list "take_profits"; a confidence in 0..1 is shown as a percentage."""
    signal = dict(signal_of(payload))
    targets = signal.get("take_profits")
    if isinstance(targets, list):
        for number, value in enumerate(targets[:3], start=1):
            signal.setdefault(f"take_profit_{number}", value)
    levels = []
    for key, label in LEVEL_LABELS:
        value = signal.get(key)
        if value is None or isinstance(value, dict | list):
            continue
        if key == "confidence" and isinstance(value, int | float) and 0 <= value <= 1:
            levels.append((label, f"{value:.0%}"))
        else:
            levels.append((label, str(value)))
    return levels
