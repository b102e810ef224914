"""Entry, stop, targets and size of a signal, rounded to the instrument's tick. No Django.

- Entry: the close of the signal bar.
- Stop: beyond the newest confirmed swing (low for a buy, high for a sell) by 0.2 ATR when that is
  between `stop_atr_multiple` and `max_stop_atr_multiple` ATRs away; else `stop_atr_multiple` ATRs.
- Targets: entry +/- r x risk for each r of `targets_r`.
- Position size: the fraction of equity whose loss at the stop is `risk_per_trade` of equity,
  i.e. risk_per_trade / (risk / entry) of equity in notional.
- Distances: in pips for forex (pip size), in ticks and percent for everything.
A degenerate case (no ATR yet, risk below one tick) gives no levels, never a division by zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from market.arrays import InstrumentSpec
from signals.engine.strategy import StrategyConfig

SWING_BUFFER_ATR = 0.2


def round_to_tick(price: float, tick: float) -> float:
    """The nearest multiple of `tick` (halves away from zero), as a float without binary noise."""
    ticks = (Decimal(repr(price)) / Decimal(repr(tick))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(ticks * Decimal(repr(tick)))


@dataclass(frozen=True)
class Levels:
    entry: float
    stop: float
    targets: tuple[float, float, float]
    risk_reward: float
    position_size_fraction: float
    distances: dict


def levels_for(*, direction: str, close: float, atr: float, swing_low: float, swing_high: float,
               instrument: InstrumentSpec, strategy: StrategyConfig) -> Levels | None:
    """The levels of a signal, or None when they cannot be set sensibly."""
    if not (math.isfinite(close) and math.isfinite(atr)) or atr <= 0 or close <= 0:
        return None
    side = 1 if direction == "BUY" else -1
    atr_distance = strategy.stop_atr_multiple * atr
    swing = swing_low if side > 0 else swing_high
    distance = atr_distance
    if math.isfinite(swing):
        structural = side * (close - swing) + SWING_BUFFER_ATR * atr
        if atr_distance <= structural <= strategy.max_stop_atr_multiple * atr:
            distance = structural
    tick = instrument.tick_size
    entry = round_to_tick(close, tick)
    stop = round_to_tick(entry - side * distance, tick)
    risk = side * (entry - stop)
    if risk < tick:
        return None
    targets = tuple(round_to_tick(entry + side * r * risk, tick) for r in strategy.targets_r)
    distances = {"stop_ticks": round(risk / tick), "stop_percent": round(100 * risk / entry, 4),
                 "targets_ticks": [round(side * (t - entry) / tick) for t in targets],
                 "targets_percent": [round(100 * side * (t - entry) / entry, 4) for t in targets]}
    if instrument.pip_size:
        distances["stop_pips"] = round(risk / instrument.pip_size, 1)
        distances["targets_pips"] = [round(side * (t - entry) / instrument.pip_size, 1) for t in targets]
    return Levels(entry=entry, stop=stop, targets=targets, risk_reward=round(side * (targets[0] - entry) / risk, 4),
                  position_size_fraction=round(strategy.risk_per_trade / (risk / entry), 6), distances=distances)
