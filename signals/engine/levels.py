"""Entry, stop, targets and size of a signal, rounded to the instrument's tick. No Django.

- Entry: the close of the signal bar.
- Stop: beyond the newest confirmed swing (low for a buy, high for a sell) by 0.2 ATR when that is
  between `stop_atr_multiple` and `max_stop_atr_multiple` ATRs away; else `stop_atr_multiple` ATRs.
- Targets: entry +/- r x risk for each r of `targets_r` (1R, 2R, 3R by default), each pulled in to the
  nearest key level in its reach: a support or resistance formed by two swings or more, on the
  trade's side, no nearer than halfway from the previous multiple (the entry for the first). Price
  tends to stall at such a level, so the target waits there rather than beyond it; a target thus
  sits between 0.5R and 1R, 1.5R and 2R, 2.5R and 3R.
- Risk/reward: the plan's reward over its risk when a third of the position is closed at each
  target, i.e. the mean distance of the three targets over the distance to the stop, computed from
  the rounded prices (what entry, stop and targets on the page imply), to 2 decimals. 2.0 with the
  default multiples and no key level in the way; less when levels pull targets in.
- Position size: the fraction of equity whose loss at the stop is `risk_per_trade` of equity,
  i.e. risk_per_trade / (risk / entry) of equity in notional.
- Distances: in pips for forex (pip size), in ticks and percent for everything.
A degenerate case (no ATR yet, risk below one tick, targets that do not step away from the entry one
after the other, a stop or target at or below zero) gives no levels, never a division by zero or a NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from market.arrays import InstrumentSpec
from signals.engine.key_levels import Level
from signals.engine.strategy import StrategyConfig

SWING_BUFFER_ATR = 0.2


def round_to_tick(price: float, tick: float) -> float:
    """The nearest multiple of `tick` (halves away from zero), as a float without binary noise."""
    ticks = (Decimal(repr(float(price))) / Decimal(repr(float(tick)))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(ticks * Decimal(repr(tick)))


@dataclass(frozen=True)
class Levels:
    entry: float
    stop: float
    targets: tuple[float, float, float]
    risk_reward: float
    position_size_fraction: float
    # stop_ticks, stop_percent, targets_ticks, targets_percent; stop_pips, targets_pips with a pip size
    distances: dict[str, float | list[float]]


def levels_for(*, direction: str, close: float, atr: float, swing_low: float, swing_high: float,
               instrument: InstrumentSpec, strategy: StrategyConfig, key_levels: Sequence[Level] = ()) -> Levels | None:
    """The levels of a signal, or None when they cannot be set sensibly. `key_levels` are the
    support and resistance levels known at the signal's bar (`key_levels.key_levels`)."""
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
    if risk < tick or stop <= 0:
        return None
    targets = target_prices(side=side, entry=entry, risk=risk, targets_r=strategy.targets_r, tick=tick,
                            key_levels=key_levels)
    if targets is None:
        return None
    rewards = [side * (t - entry) for t in targets]
    distances: dict[str, float | list[float]] = {
        "stop_ticks": round(risk / tick), "stop_percent": round(100 * risk / entry, 4),
        "targets_ticks": [round(reward / tick) for reward in rewards],
        "targets_percent": [round(100 * reward / entry, 4) for reward in rewards]}
    if instrument.pip_size:
        distances["stop_pips"] = round(risk / instrument.pip_size, 1)
        distances["targets_pips"] = [round(reward / instrument.pip_size, 1) for reward in rewards]
    return Levels(entry=entry, stop=stop, targets=targets, risk_reward=round(sum(rewards) / 3 / risk, 2),
                  position_size_fraction=round(strategy.risk_per_trade / (risk / entry), 6), distances=distances)


def target_prices(*, side: int, entry: float, risk: float, targets_r: tuple[float, float, float], tick: float,
                  key_levels: Sequence[Level] = ()) -> tuple[float, float, float] | None:
    """The three targets (prices): each multiple of the risk, pulled in to the nearest key level of
    two swings or more in its reach (from halfway after the previous multiple up to it) unless, once
    rounded to the tick, it would not step beyond the previous target (or the entry); None when the
    targets still do not step away from the entry one after the other, or one is not above 0."""
    in_the_way = sorted(side * (level.price - entry) for level in key_levels
                        if level.touches > 1 and math.isfinite(level.price) and side * (level.price - entry) > 0)
    targets, previous_r, previous = [], 0.0, entry
    for r in targets_r:
        nominal = round_to_tick(entry + side * r * risk, tick)
        reach = [d for d in in_the_way if (previous_r + r) / 2 * risk <= d <= r * risk]
        pulled = round_to_tick(entry + side * reach[0], tick) if reach else nominal
        previous = pulled if side * (pulled - previous) > 0 else nominal
        targets.append(previous)
        previous_r = r
    steps = [side * (later - earlier) for earlier, later in pairwise([entry, *targets])]
    if min(steps) <= 0 or min(targets) <= 0:
        return None
    return targets[0], targets[1], targets[2]
