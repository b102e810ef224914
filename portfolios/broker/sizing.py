"""How many units a followed signal buys or sells, by the portfolio's sizing rule. No Django.

- Fixed fraction: risk `risk_fraction` of equity; units = equity x fraction / (|entry - stop| x rate).
- Fixed amount: a notional of `amount`; units = amount / (entry x rate).
- Kelly: risk the Kelly fraction of equity, f = p - (1 - p) / b with p the signal's confidence
  (calibrated P(target 1 before stop)) and b its reward over risk, times `kelly_multiplier`, capped
  at `kelly_cap`. A signal without a confidence cannot be sized by Kelly: SizingRefused says so
  (none is invented).
`rate` converts the quote currency to the account currency. Units are floored to the instrument's
quantity step; a size that floors to nothing is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from market.arrays import InstrumentSpec
from portfolios.broker.orders import floor_to_step, quantity_step
from portfolios.broker.risk import kelly_fraction

NO_CONFIDENCE = ("Kelly sizing needs the signal's confidence, and Beacon's signals carry none yet (the model has "
                 "not shown out-of-sample skill): this signal is not sized by Kelly.")


class SizingRefused(ValueError):
    """The rule cannot size this trade; the message says why."""


@dataclass(frozen=True)
class SizingRule:
    method: str  # "fixed_fraction" | "fixed_amount" | "kelly"
    risk_fraction: float = 0.01
    amount: float | None = None
    kelly_multiplier: float = 0.5
    kelly_cap: float = 0.05


def risk_fraction_of(rule: SizingRule, *, confidence: float | None, payoff_ratio: float) -> float:
    """The fraction of equity the rule risks on a trade (Kelly: from the confidence, capped)."""
    if rule.method == "fixed_fraction":
        return rule.risk_fraction
    if rule.method != "kelly":
        raise SizingRefused(f"The {rule.method} rule does not risk a fraction of equity.")
    if confidence is None:
        raise SizingRefused(NO_CONFIDENCE)
    return kelly_fraction(win_rate=confidence, payoff_ratio=payoff_ratio, cap=rule.kelly_cap,
                          multiplier=rule.kelly_multiplier)


def position_size(rule: SizingRule, *, equity: float, entry: float, stop: float, instrument: InstrumentSpec,
                  rate: float = 1.0, confidence: float | None = None, payoff_ratio: float = 1.0) -> float:
    """Units to trade (> 0, on the quantity step), or SizingRefused with the reason."""
    if not (math.isfinite(equity) and equity > 0):
        raise SizingRefused("The portfolio has no equity to size a trade with.")
    if not (entry > 0 and rate > 0):
        raise SizingRefused("The entry price and the currency rate must be above zero.")
    if rule.method == "fixed_amount":
        if rule.amount is None or not rule.amount > 0:
            raise SizingRefused("A fixed-amount rule needs an amount above zero.")
        units = rule.amount / (entry * rate)
    else:
        fraction = risk_fraction_of(rule, confidence=confidence, payoff_ratio=payoff_ratio)
        if fraction <= 0:
            raise SizingRefused(f"Kelly gives no edge at a confidence of {confidence:.0%} and a reward of "
                                f"{payoff_ratio:.2f}R: nothing to risk.")
        risk_per_unit = abs(entry - stop) * rate
        if risk_per_unit <= 0:
            raise SizingRefused("The stop is at the entry: the risk per unit is zero.")
        units = equity * fraction / risk_per_unit
    step = quantity_step(instrument)
    quantity = floor_to_step(round(units, 6), step)  # a millionth of a unit: binary noise (1.1 - 1.099), not size
    if quantity <= 0:
        raise SizingRefused(f"The rule sizes this trade at {units:.6g} units, below the smallest step of {step:g}.")
    return quantity
