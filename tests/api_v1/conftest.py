"""Fixtures of the public API's tests: plans, API keys, and signals made by the real services.

Signals come from `signals.services.signal_create` (ledger entry, publications per covering tier) and
outcomes from `outcomes_record`, as the engine makes them. The shipped catalogue gives Free no API
access; tests of Free's tier rules grant it some (plans are data), everything else as shipped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from billing.entitlements import entitlements_forget
from billing.models import Plan, Subscription
from market.models import Instrument
from market.services import instrument_catalogue_load
from signals.engine.analysis import SignalDraft
from signals.engine.outcomes import Outcome
from signals.models import Signal
from signals.services import outcomes_record, signal_create, strategy_default_ensure

DAY = 86400


def subscribe(tenant, code: str) -> None:
    """Put the tenant on the plan `code` with an active subscription, and forget its cached entitlements
    as billing does when it applies a change (billing.sync.subscription_apply)."""
    Subscription.objects.update_or_create(tenant=tenant, defaults={"plan": Plan.objects.get(code=code),
                                                                   "status": "active"})
    entitlements_forget(tenant_id=tenant.pk)


def grant_api(code: str, *, per_minute: int = 600, per_day: int = 100_000) -> None:
    Plan.objects.filter(code=code).update(api_requests_per_minute=per_minute, api_requests_per_day=per_day)


def key_headers(tenant, user) -> dict[str, str]:
    _, plaintext = accounts_services.api_key_create(tenant=tenant, name="bot", scope="read", created_by=user)
    return {"Authorization": f"Bearer {plaintext}"}


def a_draft(*, timeframe: str = "D1", bar_time: datetime | None = None, direction: str = "BUY",
            confidence: float | None = 0.64, entry: float = 100.0) -> SignalDraft:
    """A plausible draft; `bar_time` defaults to two bars before now."""
    seconds = {"M15": 900, "H1": 3600, "H4": 14400, "D1": DAY, "W1": 7 * DAY, "MN1": 30 * DAY}[timeframe]
    bar_time = bar_time or timezone.now() - timedelta(seconds=2 * seconds)
    epoch = int(bar_time.timestamp())
    risk = entry * 0.02
    sign = 1 if direction == "BUY" else -1
    stop = entry - sign * risk
    return SignalDraft(direction=direction, score=0.6 * sign, confidence=confidence, entry=entry, stop=stop,
                       targets=(entry + sign * risk, entry + 2 * sign * risk, entry + 3 * sign * risk),
                       risk_reward=1.0, position_size_fraction=0.5,
                       distances={"stop_percent": 2.0, "target_1_percent": 2.0}, regime="trending_up",
                       timeframe=timeframe, reasoning="Uptrend (EMA20 above EMA50), Supertrend up.",
                       contributions={"trend": 0.13, "supertrend": 0.09}, features={}, bar_time=epoch,
                       valid_for_seconds=20 * seconds)


def publish(symbol: str, **draft) -> Signal:
    """A signal made by the real service: ledger entry and a publication per covering tier."""
    return signal_create(draft=a_draft(**draft), instrument=Instrument.objects.get(symbol=symbol),
                         strategy=strategy_default_ensure())


def close(signal: Signal, *, r_multiple: float, target_1_hit: bool | None = None, bars: int = 3) -> None:
    """Record the signal's outcome through the real service (with its ledger entry)."""
    hit = r_multiple > 0 if target_1_hit is None else target_1_hit
    closed = int(signal.bar_time.timestamp()) + bars * 3600
    outcome = Outcome(result="target_1" if hit else "stop", target_1_hit=hit, targets_hit=int(hit),
                      r_multiple=r_multiple, mfe_r=max(r_multiple, 0.2), mae_r=-0.5,
                      exit_price=signal.target_1 if hit else signal.stop, bars_held=bars, closed_bar_time=closed)
    outcomes_record([(signal, outcome)])


def publish_after_closed(closed: int, *, symbol: str = "GOOG", first_bar: datetime | None = None) -> Signal:
    """A D1 signal of `symbol` published after `closed` earlier ones closed, every one at target 1 (its
    record: `closed` outcomes, hit rate 1.0); bars daily from `first_bar` (default 2013-01-01)."""
    first_bar = first_bar or datetime(2013, 1, 1, tzinfo=UTC)
    for day in range(closed):
        close(publish(symbol, timeframe="D1", bar_time=first_bar + timedelta(days=day)), r_multiple=1.0)
    return publish(symbol, timeframe="D1", bar_time=first_bar + timedelta(days=closed))


@pytest.fixture
def catalogue(db):
    instrument_catalogue_load()


@pytest.fixture
def pro_headers(catalogue, tenant_a, alice):
    """alice's tenant on Pro, with a read key."""
    subscribe(tenant_a, "pro")
    return key_headers(tenant_a, alice)


@pytest.fixture
def premium_headers(catalogue, tenant_b, charlie):
    """charlie's tenant on Premium, with a read key."""
    subscribe(tenant_b, "premium")
    return key_headers(tenant_b, charlie)


@pytest.fixture
def free_headers(catalogue, tenant_b, charlie):
    """charlie's tenant on Free (no subscription), with Free granted API access for the test."""
    grant_api("free")
    return key_headers(tenant_b, charlie)


