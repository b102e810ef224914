"""What trading costs: spread, slippage, commission per venue, forex swap; and the fill policy. No Django.

- Bars are mid prices. A buy trades at the ask (mid + half the spread), a sell at the bid, so a
  round trip pays one full spread. Market and stop fills also pay `slippage` against the trader;
  limit fills never do (the limit is the worst price).
- Distances are given in the unit each market quotes them in (`PriceOffset`): basis points of
  the price, pips (forex) or ticks, and may be combined.
- Commission per fill: per unit (share, coin), per lot, basis points of the notional, with a
  minimum per fill; in the instrument's quote currency unless a currency is named.
- Swap (overnight financing): pips per unit per night, signed (negative is paid), charged at each
  rollover a position is held over: 17:00 New York, three nights on Wednesday (the weekend's
  value dates), none on Saturday and Sunday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time

from market.arrays import InstrumentSpec
from market.calendars import NEW_YORK

ROLLOVER_HOUR = 17  # New York
NIGHTS_BY_WEEKDAY = (1, 1, 3, 1, 1, 0, 0)  # Monday ... Sunday


@dataclass(frozen=True)
class PriceOffset:
    """A price distance: basis points of the price plus pips plus ticks."""

    bps: float = 0.0
    pips: float = 0.0
    ticks: float = 0.0

    def at(self, price: float, instrument: InstrumentSpec) -> float:
        """The distance in price units at `price`."""
        pip = instrument.pip_size if instrument.pip_size is not None else 0.0
        return abs(price) * self.bps / 10_000 + self.pips * pip + self.ticks * instrument.tick_size


@dataclass(frozen=True)
class Commission:
    per_unit: float = 0.0  # per share or coin
    per_lot: float = 0.0  # per lot of `lot_size` units
    bps: float = 0.0  # of the notional
    minimum: float = 0.0  # per fill
    currency: str | None = None  # None: the instrument's quote currency

    def amount(self, quantity: float, price: float, instrument: InstrumentSpec) -> float:
        """The commission of one fill, in `currency_of(instrument)`, >= 0."""
        units = abs(quantity)
        total = (units * self.per_unit + units / instrument.lot_size * self.per_lot
                 + units * abs(price) * self.bps / 10_000)
        return max(total, self.minimum) if total > 0 or self.minimum > 0 else 0.0

    def currency_of(self, instrument: InstrumentSpec) -> str:
        return self.currency or instrument.quote_currency


@dataclass(frozen=True)
class CostModel:
    spread: PriceOffset = field(default_factory=PriceOffset)  # the full bid-ask spread
    slippage: PriceOffset = field(default_factory=PriceOffset)  # against the trader, market and stop fills
    commission: Commission = field(default_factory=Commission)
    swap_long_pips: float = 0.0  # per unit per night, signed: negative is paid
    swap_short_pips: float = 0.0

    def half_spread(self, price: float, instrument: InstrumentSpec) -> float:
        return self.spread.at(price, instrument) / 2

    def charges_swap(self, instrument: InstrumentSpec) -> bool:
        """Whether a position held overnight pays or earns a swap (a forex pair with a swap rate)."""
        return instrument.pip_size is not None and bool(self.swap_long_pips or self.swap_short_pips)


@dataclass(frozen=True)
class FillPolicy:
    """How a limit order is assumed to stand in the queue.

    0 ticks: it fills when the price touches it. N ticks: only when the price trades N ticks
    through it (the orders ahead of it at that price are assumed to take the touch).
    """

    limit_trade_through_ticks: int = 0


FREE = CostModel()
STOCK_COSTS = CostModel(spread=PriceOffset(ticks=2), slippage=PriceOffset(bps=1),
                        commission=Commission(per_unit=0.005, minimum=1.0))
FOREX_COSTS = CostModel(spread=PriceOffset(pips=1.0), slippage=PriceOffset(pips=0.2),
                        commission=Commission(per_lot=3.5, currency="USD"))
CRYPTO_COSTS = CostModel(spread=PriceOffset(bps=5), slippage=PriceOffset(bps=5), commission=Commission(bps=25))
# Defaults by the venues of market.catalogue; a portfolio may be given its own.
VENUE_COSTS = {"NASDAQ": STOCK_COSTS, "NYSE": STOCK_COSTS, "OTC FX": FOREX_COSTS, "Coinbase": CRYPTO_COSTS}
ASSET_CLASS_COSTS = {"stock": STOCK_COSTS, "forex": FOREX_COSTS, "crypto": CRYPTO_COSTS}


def cost_model_for(instrument: InstrumentSpec) -> CostModel:
    """The default costs of the instrument's venue, else of its asset class."""
    return VENUE_COSTS.get(instrument.venue) or ASSET_CLASS_COSTS.get(instrument.asset_class, FREE)


def rollover_nights(start: int, end: int) -> int:
    """Nights of swap for a position held from `start` to `end` (epoch s): the rollovers at
    17:00 New York in (start, end], Wednesday's counting three, weekends none."""
    if end <= start:
        return 0
    day = datetime.fromtimestamp(start, NEW_YORK).date()
    last = datetime.fromtimestamp(end, NEW_YORK).date()
    nights = 0
    while day <= last:
        rollover = datetime.combine(day, clock_time(ROLLOVER_HOUR), NEW_YORK).timestamp()
        if start < rollover <= end:
            nights += NIGHTS_BY_WEEKDAY[day.weekday()]
        day += timedelta(days=1)
    return nights


def swap_amount(quantity: float, nights: int, costs: CostModel, instrument: InstrumentSpec) -> float:
    """Swap of a position of signed `quantity` units over `nights`, in the quote currency (negative is paid)."""
    if nights == 0 or instrument.pip_size is None:
        return 0.0
    pips = costs.swap_long_pips if quantity > 0 else costs.swap_short_pips
    return pips * instrument.pip_size * abs(quantity) * nights
