"""What each plan includes, read from the plan catalogue as a subscriber reads it, and for what it
leaves out the first plan that has it (the upgrade path the pricing and billing pages show locked)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.template.defaultfilters import pluralize

from billing.catalogue import CHANNEL_LABELS
from billing.models import Plan


@dataclass(frozen=True)
class Feature:
    text: str  # as the subscriber reads it: "3 active alerts (in-app, email)"
    included: bool = True
    upgrade: Plan | None = None  # the first plan that includes it, when not included


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{pluralize(number)}"


def plan_features(plan: Plan, *, plans: Sequence[Plan], confidence_live: bool) -> list[Feature]:
    """The plan's features in a fixed order, then what it lacks; `plans` (public, in their order) give the
    upgrade path and what any plan offers. `confidence_live`: whether a model has earned a confidence
    (otherwise no plan shows one, and the page says so rather than promise it)."""

    def locked(text: str, includes: Callable[[Plan], bool]) -> Feature:
        return Feature(text, included=False, upgrade=next((p for p in plans if includes(p)), None))

    confidence = ("Calibrated confidence, out of sample" if confidence_live else
                  "No confidence is published: no model has beaten the base rate out of sample")
    features = [
        Feature(_count(plan.seats, "seat")),
        Feature(f"Signals delayed {plan.signal_delay_words}" if plan.signal_delay_seconds else "Real-time signals"),
        Feature(f"Instruments: {', '.join(plan.instruments)}" if plan.instruments else
                "Every instrument: stocks, forex and crypto"),
        Feature(f"Timeframes: {', '.join(plan.timeframes)}"),
        Feature("Reasoning and each component's part") if plan.shows_reasoning else
        locked("Reasoning and each component's part", lambda p: p.shows_reasoning),
        Feature(confidence) if plan.shows_confidence else locked("Confidence", lambda p: p.shows_confidence),
        Feature(f"{_count(plan.watchlists, 'watchlist')} of up to {plan.symbols_per_watchlist} symbols"),
        Feature(f"{_count(plan.active_alerts, 'active alert')} ({', '.join(plan.alert_channel_labels)})"),
        Feature(f"{_count(plan.paper_portfolios, 'paper portfolio')}, "
                f"{_count(plan.backtests_per_day, 'backtest')} a day, optimised over up to "
                f"{_count(plan.optimisation_trials, 'trial')}"),
        Feature(f"API: {plan.api_requests_per_minute}/min, {plan.api_requests_per_day:,}/day")
        if plan.api_requests_per_day else locked("REST API", lambda p: p.api_requests_per_day > 0),
        Feature(_count(plan.websocket_connections, "live feed connection")),
    ]
    if plan.signal_delay_seconds:
        features.append(locked("Real-time signals", lambda p: not p.signal_delay_seconds))
    if plan.instruments:
        features.append(locked("Every instrument", lambda p: not p.instruments))
    for upgrade, timeframes in timeframes_locked(plan.timeframes, plans=plans):
        features.append(Feature(f"Timeframes {', '.join(timeframes)}", included=False, upgrade=upgrade))
    for channel in dict.fromkeys(c for p in plans for c in p.alert_channels):
        if channel not in plan.alert_channels:
            label = CHANNEL_LABELS.get(channel, channel)
            has_it = next((p for p in plans if channel in p.alert_channels), None)
            features.append(Feature(f"{label[0].upper()}{label[1:]} alerts", included=False, upgrade=has_it))
    return features


def timeframes_locked(timeframes: Sequence[str], *, plans: Sequence[Plan]) -> list[tuple[Plan, list[str]]]:
    """The timeframes some plan offers beyond `timeframes`, grouped by the first plan that has each."""
    by_plan: dict[str, tuple[Plan, list[str]]] = {}
    for plan in plans:
        for timeframe in plan.timeframes:
            if timeframe not in timeframes and not any(timeframe in found for _, found in by_plan.values()):
                by_plan.setdefault(plan.code, (plan, []))[1].append(timeframe)
    return list(by_plan.values())
