"""The seeded plan catalogue (Free, Pro, Premium). Staff edit plans in the admin afterwards."""

from __future__ import annotations

from typing import NotRequired, TypedDict

ALL_CHANNELS = ["in_app", "email", "push", "webhook", "telegram", "discord"]
CHANNEL_LABELS = {"in_app": "in-app", "email": "email", "push": "web push", "webhook": "webhook",
                  "telegram": "Telegram", "discord": "Discord"}


class CataloguePlan(TypedDict):
    """One plan of the catalogue: `code` and the other fields of billing.models.Plan it is seeded with."""

    code: str
    name: str
    sort_order: int
    is_default: NotRequired[bool]
    description: str
    monthly_price_cents: int
    yearly_price_cents: int
    trial_days: int
    stripe_price_monthly: NotRequired[str]
    stripe_price_yearly: NotRequired[str]
    seats: int
    watchlists: int
    symbols_per_watchlist: int
    active_alerts: int
    alert_channels: list[str]
    paper_portfolios: int
    backtests_per_day: int
    optimisation_trials: int
    api_requests_per_minute: int
    api_requests_per_day: int
    websocket_connections: int
    asset_classes: list[str]
    instruments: list[str]
    timeframes: list[str]
    signal_delay_seconds: int
    shows_confidence: bool
    shows_reasoning: bool
    engine_cadence_seconds: int


PLAN_CATALOGUE: list[CataloguePlan] = [
    {
        "code": "free", "name": "Free", "sort_order": 0, "is_default": True,
        "description": "Delayed signals on the majors, to see how Beacon works.",
        "monthly_price_cents": 0, "yearly_price_cents": 0, "trial_days": 0,
        "seats": 1, "watchlists": 1, "symbols_per_watchlist": 10, "active_alerts": 3,
        "alert_channels": ["in_app", "email"], "paper_portfolios": 1, "backtests_per_day": 3,
        "optimisation_trials": 50,
        "api_requests_per_minute": 0, "api_requests_per_day": 0, "websocket_connections": 1,
        "asset_classes": ["stock", "forex", "crypto"], "instruments": ["GOOG", "EURUSD", "BTCUSD"],
        "timeframes": ["D1", "MN1"], "signal_delay_seconds": 3600, "shows_confidence": False,
        "shows_reasoning": False, "engine_cadence_seconds": 3600,
    },
    {
        "code": "pro", "name": "Pro", "sort_order": 1,
        "description": "Real-time signals with their reasoning, alerts and the API.",
        "monthly_price_cents": 4900, "yearly_price_cents": 49000, "trial_days": 14,
        "stripe_price_monthly": "price_pro_monthly", "stripe_price_yearly": "price_pro_yearly",
        "seats": 3, "watchlists": 10, "symbols_per_watchlist": 50, "active_alerts": 50,
        "alert_channels": ["in_app", "email", "push"], "paper_portfolios": 5, "backtests_per_day": 50,
        "optimisation_trials": 200,
        "api_requests_per_minute": 60, "api_requests_per_day": 10000, "websocket_connections": 3,
        "asset_classes": ["stock", "forex", "crypto"], "instruments": [],
        "timeframes": ["H1", "H4", "D1", "MN1"], "signal_delay_seconds": 0, "shows_confidence": True,
        "shows_reasoning": True, "engine_cadence_seconds": 300,
    },
    {
        "code": "premium", "name": "Premium", "sort_order": 2,
        "description": "Every instrument and timeframe, webhooks, higher API limits, more seats.",
        "monthly_price_cents": 14900, "yearly_price_cents": 149000, "trial_days": 14,
        "stripe_price_monthly": "price_premium_monthly", "stripe_price_yearly": "price_premium_yearly",
        "seats": 10, "watchlists": 50, "symbols_per_watchlist": 200, "active_alerts": 500,
        "alert_channels": ALL_CHANNELS, "paper_portfolios": 25, "backtests_per_day": 500,
        "optimisation_trials": 1000,
        "api_requests_per_minute": 600, "api_requests_per_day": 200000, "websocket_connections": 20,
        "asset_classes": ["stock", "forex", "crypto"], "instruments": [],
        "timeframes": ["M15", "H1", "H4", "D1", "W1", "MN1"], "signal_delay_seconds": 0,
        "shows_confidence": True, "shows_reasoning": True, "engine_cadence_seconds": 60,
    },
]
