"""The broker as a backtest's fill model: a replay of real EURUSD hours with costs, brackets and swap
keeps its books: the cash is the deposit plus every cash entry, and once flat, the money the trades
moved net of commissions and swaps."""

from pathlib import Path

import numpy as np
import pytest

from market.arrays import BarArrays
from portfolios.broker.accounts import Book, Market, book_on_bars, book_place
from portfolios.broker.costs import FOREX_COSTS, CostModel
from portfolios.broker.matching import Bar
from portfolios.broker.orders import Order, Side, Target, bracket_orders
from tests.portfolios.conftest import EURUSD, HOUR

FIXTURES = Path(__file__).resolve().parents[2] / "market" / "fixtures"
COSTS = CostModel(spread=FOREX_COSTS.spread, slippage=FOREX_COSTS.slippage, commission=FOREX_COSTS.commission,
                  swap_long_pips=-0.6, swap_short_pips=0.2)


@pytest.fixture(scope="module")
def replay():
    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv").upto(1999)
    market = Market(instruments={"EURUSD": EURUSD}, costs={"EURUSD": COSTS})
    book = Book.opening(currency="USD", deposit=10_000.0)
    fills, entries, equity = [], [], []
    rng = np.random.default_rng(5)
    for index in range(len(bars) - 1):
        close_time = int(bars.time[index + 1])  # hours are contiguous within a week; the next open is this close
        step = book_on_bars(book, {"EURUSD": Bar.from_arrays(bars, index)}, time=close_time, market=market)
        book = step.book
        fills += step.fills
        entries += step.cash_entries
        equity.append(book.account.equity)
        if not book.positions and not book.orders and index % 25 == 0:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            entry = float(bars.close[index])
            risk = round(float(rng.uniform(0.001, 0.004)), 5)
            book = book_place(book, bracket_orders(
                id=f"b{index}", symbol="EURUSD", side=side, quantity=20_000, stop=round(entry - side.sign * risk, 5),
                targets=[Target(round(entry + side.sign * risk, 5), 0.5),
                         Target(round(entry + side.sign * 2 * risk, 5), 0.5)],
                instrument=EURUSD, created_at=close_time, reference_price=entry, trailing_stop=bool(index % 2)))
    last = len(bars) - 1
    if book.positions:
        held = book.positions["EURUSD"].quantity
        book = book_place(book, [Order(id="flat", symbol="EURUSD", side=Side.SELL if held > 0 else Side.BUY,
                                       quantity=abs(held), created_at=int(bars.time[last]))])
    step = book_on_bars(book, {"EURUSD": Bar.from_arrays(bars, last)}, time=int(bars.time[last]) + HOUR, market=market)
    return step.book, fills + step.fills, entries + step.cash_entries, equity


def test_the_replay_traded_took_profits_was_stopped_and_paid_swap(replay):
    _, fills, entries, _ = replay

    assert len({f.order_id.split(":")[0] for f in fills}) >= 20
    assert {f.order_id.split(":")[-1] for f in fills} >= {"stop", "target_1", "target_2"}
    assert {e.kind for e in entries} == {"realized_pnl", "commission", "swap"}


def test_the_cash_is_the_deposit_plus_every_cash_entry(replay):
    book, _, entries, equity = replay

    assert book.account.cash == pytest.approx(10_000.0 + sum(e.amount for e in entries))
    assert np.all(np.isfinite(equity))


def test_flat_at_the_end_the_cash_moved_by_the_trades_net_of_costs(replay):
    book, fills, entries, _ = replay
    traded = sum(-f.side.sign * f.quantity * f.price for f in fills)  # dollars received for sells, paid for buys
    costs = sum(e.amount for e in entries if e.kind in ("commission", "swap"))

    assert book.positions == {} and book.orders == ()
    assert book.account.cash == pytest.approx(10_000.0 + traded + costs)
    assert book.account.equity == book.account.cash
