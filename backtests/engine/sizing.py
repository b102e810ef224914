"""How many units an entry trades, decided at the price it fills at. No Django.

(The paper broker has no sizing rule of its own yet; this one lives here until it has.)

- `AllIn`: the largest whole number of quantity steps that `fraction` of the equity buys at the
  fill price (backtesting.py's default order size is the fraction 1 - machine epsilon).
- `FixedRisk`: the units whose loss at the stop is `risk_per_trade` of the equity, no more than
  `max_leverage` x the equity in notional; without a stop, as `AllIn` at `max_leverage`.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Protocol

from market.arrays import InstrumentSpec
from portfolios.broker.orders import floor_to_step, quantity_step

FULL_EQUITY = 1 - sys.float_info.epsilon


class Sizing(Protocol):
    def units(self, *, equity: float, price: float, stop: float | None, instrument: InstrumentSpec) -> float:
        """Units to trade (>= 0, a multiple of the quantity step); 0 when not even one step is affordable."""
        ...


@dataclass(frozen=True)
class AllIn:
    fraction: float = FULL_EQUITY

    def units(self, *, equity: float, price: float, stop: float | None, instrument: InstrumentSpec) -> float:
        return _affordable(equity * self.fraction, price, instrument)


@dataclass(frozen=True)
class FixedRisk:
    risk_per_trade: float = 0.01
    max_leverage: float = 1.0

    def units(self, *, equity: float, price: float, stop: float | None, instrument: InstrumentSpec) -> float:
        cap = _affordable(equity * self.max_leverage, price, instrument)
        if stop is None or not math.isfinite(stop) or stop == price:
            return cap
        step = quantity_step(instrument)
        wanted = floor_to_step(equity * self.risk_per_trade / abs(price - stop), step)
        return max(min(wanted, cap), 0.0)


def _affordable(money: float, price: float, instrument: InstrumentSpec) -> float:
    """Whole quantity steps `money` buys at `price` (floor division, as exact as floats allow)."""
    if money <= 0 or price <= 0:
        return 0.0
    step = quantity_step(instrument)
    if step == 1.0:
        return float(money // price)
    return floor_to_step(money / price, step)
