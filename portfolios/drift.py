"""The drift report: for each signal a portfolio followed, its paper result beside the signal's own
recorded outcome (signals.SignalOutcome) and beside an ideal-fill replay of the same signal through
the pure broker over the same bars (entry at the signal's entry, exits at its stop and targets, a
third at each target, no spread, slippage or commission), with the difference explained.

Everything is in R of the signal (its entry-to-stop distance), per unit held, so that a portfolio's
size does not enter. paper gross R - ideal R = entry + exits exactly, where
- entry timing: the next bar's open (when a market order can first fill) against the signal's entry;
- entry spread and slippage: the entry fill against that open;
- exit spread and slippage: each exit fill against its order's level;
- exit fills: the rest (a gap through a level, a level the paper trade did not reach, rounded partials);
and paper net R = paper gross R + costs (commissions and swaps).
"""

from __future__ import annotations

from dataclasses import dataclass

from market.models import Bar
from market.timeframes import Timeframe
from portfolios.books import bar_of, epoch, fx_closes_latest, instrument_spec, rate_to
from portfolios.broker.accounts import Account, Book, Market, Position, book_on_bars
from portfolios.broker.orders import Order, OrderStatus, OrderType, Side
from portfolios.models import FollowDecision, PaperFill, Portfolio, Trade
from signals.models import Signal, SignalOutcome

IDEAL_UNITS = 3.0  # one unit per target
MAX_REPLAY_BARS = 5000


@dataclass(frozen=True)
class DriftRow:
    signal: Signal
    trade: Trade | None
    outcome: SignalOutcome | None
    ideal_r: float | None  # None until the ideal replay has closed
    paper_gross_r: float | None
    paper_net_r: float | None
    entry_timing_r: float | None
    entry_slippage_r: float | None
    exit_slippage_r: float | None
    exit_fills_r: float | None
    costs_r: float | None
    notes: tuple[str, ...]


def ideal_replay_r(signal: Signal) -> float | None:
    """R of the signal replayed with ideal fills: entered at its entry on its bar's close, a third out at
    each target and the rest at the stop, no costs; None while the replay is still open."""
    risk = abs(signal.entry - signal.stop)
    if risk <= 0:
        return None
    instrument = signal.instrument
    spec = instrument_spec(instrument)
    sign = 1 if signal.direction == "BUY" else -1
    exit_side = Side.SELL if sign > 0 else Side.BUY
    start = epoch(signal.bar_time) + Timeframe(signal.timeframe).seconds
    exits = [Order(id="ideal:stop", symbol=spec.symbol, side=exit_side, quantity=IDEAL_UNITS, type=OrderType.STOP,
                   stop_price=signal.stop, created_at=start, bracket_id="ideal", role="stop")]
    exits += [Order(id=f"ideal:target_{n}", symbol=spec.symbol, side=exit_side, quantity=1.0, type=OrderType.LIMIT,
                    limit_price=price, created_at=start, bracket_id="ideal", role=f"target_{n}",
                    status=OrderStatus.WORKING)
              for n, price in enumerate((signal.target_1, signal.target_2, signal.target_3), start=1)]
    book = Book(account=Account(currency=spec.quote_currency, cash=0.0, equity=0.0),
                positions={spec.symbol: Position(spec.symbol, sign * IDEAL_UNITS, signal.entry, signal.entry, start,
                                                 start)},
                orders=tuple(exits))
    market = Market(instruments={spec.symbol: spec})
    bars = Bar.objects.filter(instrument=instrument, timeframe=signal.timeframe, time__gt=signal.bar_time)
    seconds = Timeframe(signal.timeframe).seconds
    for row in bars.order_by("time")[:MAX_REPLAY_BARS]:
        bar = bar_of(row)
        book = book_on_bars(book, {spec.symbol: bar}, time=bar.time + seconds, market=market).book
        if not book.positions:
            return book.account.cash / (IDEAL_UNITS * risk)
    return None


def drift_report(*, portfolio: Portfolio, limit: int = 50) -> list[DriftRow]:
    """The drift of the signals the portfolio followed, newest first."""
    decisions = (FollowDecision.objects.filter(portfolio=portfolio, placed=True)
                 .select_related("signal__instrument", "signal__outcome")[:limit])
    trades = {t.signal_id: t for t in Trade.objects.filter(portfolio=portfolio, signal__isnull=False)
              .select_related("instrument").order_by("closed_at")}
    fx = fx_closes_latest()
    return [_row(portfolio, d.signal, trades.get(d.signal_id), fx) for d in decisions]


def _row(portfolio: Portfolio, signal: Signal, trade: Trade | None, fx: dict[str, float]) -> DriftRow:
    outcome = SignalOutcome.objects.filter(signal=signal).first()
    risk = abs(signal.entry - signal.stop)
    sign = 1 if signal.direction == "BUY" else -1
    ideal = ideal_replay_r(signal)
    notes = []
    if outcome is not None and ideal is not None and abs(outcome.r_multiple - ideal) > 0.01:
        notes.append(f"The recorded outcome scores the signal by its own rule ({outcome.get_result_display()}, "
                     f"{outcome.r_multiple:+.2f}R); the replay holds a third of the position to each target.")
    if trade is None or risk <= 0:
        if trade is None:
            notes.append("The paper trade is still open (or was not filled).")
        return DriftRow(signal, trade, outcome, ideal, None, None, None, None, None, None, None, tuple(notes))
    fills = list(PaperFill.objects.filter(portfolio=portfolio, order__signal=signal).select_related("order")
                 .order_by("id"))
    entries = [f for f in fills if f.order.role == "entry"]
    exits = [f for f in fills if f.order.role != "entry"]
    paper_gross = (trade.exit_price - trade.entry_price) * sign / risk
    rate = rate_to(signal.instrument.quote_currency, portfolio.currency, fx) or 1.0
    costs = trade.costs / (trade.quantity * rate) / risk if trade.quantity else 0.0
    timing = slippage = None
    if entries:
        opening = Bar.objects.filter(instrument=signal.instrument, timeframe=signal.timeframe,
                                     time=entries[0].bar_time).values_list("open", flat=True).first()
        if opening is not None:
            timing = (signal.entry - opening) * sign / risk
            slippage = (opening - trade.entry_price) * sign / risk
    exit_quantity = sum(f.quantity for f in exits)
    exit_slippage = (sum(f.quantity * (f.price - (f.order.limit_price or f.order.stop_price or f.price))
                         for f in exits) * sign / exit_quantity / risk) if exit_quantity else None
    exits_r = paper_gross - (ideal or 0.0) - (timing or 0.0) - (slippage or 0.0) - (exit_slippage or 0.0)
    if ideal is None:
        notes.append("The ideal replay has not closed yet over the stored bars.")
    return DriftRow(signal, trade, outcome, ideal, paper_gross, paper_gross + costs, timing, slippage, exit_slippage,
                    exits_r if ideal is not None else None, costs, tuple(notes))
