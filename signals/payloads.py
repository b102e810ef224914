"""What a signal looks like outside: in the ledger (everything) and to a tier (what it may see)."""

from __future__ import annotations

from api.masking import mask_fields
from billing.entitlements import Entitlements
from signals.engine.track_record import success_rate_shown
from signals.models import Signal, SignalOutcome


def signal_ledger_payload(signal: Signal) -> dict:
    """Everything published about a signal; this is what its ledger entry hashes."""
    return {
        "signal_id": signal.pk,
        "instrument": signal.instrument.symbol,
        "asset_class": signal.asset_class,
        "timeframe": signal.timeframe,
        "direction": signal.direction,
        "score": signal.score,
        "confidence": signal.confidence,
        "entry": signal.entry,
        "stop": signal.stop,
        "targets": [signal.target_1, signal.target_2, signal.target_3],
        "risk_reward": signal.risk_reward,
        "position_size_fraction": signal.position_size_fraction,
        "risk_per_trade": signal.risk_per_trade,
        "regime": signal.regime,
        "reasoning": signal.reasoning,
        "contributions": signal.contributions,
        "strategy": f"{signal.strategy.name} v{signal.strategy.version}",
        "model_version": signal.model_version.version if signal.model_version_id else None,
        "bar_time": signal.bar_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at": signal.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "valid_until": signal.valid_until.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def outcome_ledger_payload(outcome: SignalOutcome) -> dict:
    """Everything recorded about an outcome; this is what its ledger entry hashes."""
    return {
        "signal_id": outcome.signal_id,
        "result": outcome.result,
        "target_1_hit": outcome.target_1_hit,
        "targets_hit": outcome.targets_hit,
        "r_multiple": outcome.r_multiple,
        "mfe_r": outcome.mfe_r,
        "mae_r": outcome.mae_r,
        "exit_price": outcome.exit_price,
        "bars_held": outcome.bars_held,
        "duration_seconds": outcome.duration_seconds,
        "closed_bar_time": outcome.closed_bar_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def signal_payload_for_tier(signal: Signal, *, entitlements: Entitlements) -> dict:
    """The signal as a tier sees it: the fields its plan hides (api.masking) sent as null, and its record's
    hit rate null while that record is too small to show one (success_rate_shown)."""
    payload = signal_ledger_payload(signal)
    payload.update(
        success_rate=success_rate_shown(signal.success_rate, sample_size=signal.success_sample_size),
        success_sample_size=signal.success_sample_size,
        success_source=signal.success_source, avg_r=signal.avg_r, worst_loss_r=signal.worst_loss_r,
        distances=signal.distances,
    )
    return mask_fields(payload, entitlements)[0]
