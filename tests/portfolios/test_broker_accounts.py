"""Positions, cash and equity of a paper portfolio over closed bars, in the account's currency."""

import pytest

from portfolios.broker.accounts import Book, Market, Position, book_on_bars, book_place, position_after_fill
from portfolios.broker.costs import CostModel, cost_model_for
from portfolios.broker.matching import Bar, Fill
from portfolios.broker.orders import Order, Side, lots_to_units
from tests.portfolios.conftest import BTCUSD, EURJPY, EURUSD, GOOG, HOUR, USDJPY

MARKET = Market(instruments={i.symbol: i for i in (EURUSD, USDJPY, EURJPY, GOOG, BTCUSD)})


def fill(side: Side, quantity: float, price: float, symbol: str = "GOOG", time: int = 0) -> Fill:
    return Fill("o", symbol, side, quantity, price, 0.0, "USD", time, time + HOUR, True)


def test_adding_to_a_position_moves_its_average_price_and_realises_nothing():
    first, _ = position_after_fill(None, fill(Side.BUY, 10, 100.0))
    second, realized = position_after_fill(first, fill(Side.BUY, 30, 104.0))

    assert (second.quantity, second.average_price, realized) == (40, 103.0, 0.0)


def test_reducing_a_position_realises_the_closed_part_at_the_average_price():
    long, _ = position_after_fill(None, fill(Side.BUY, 40, 103.0))
    reduced, realized = position_after_fill(long, fill(Side.SELL, 10, 108.0))

    assert (reduced.quantity, reduced.average_price, realized) == (30, 103.0, 50.0)


def test_a_short_gains_when_the_price_falls():
    short, _ = position_after_fill(None, fill(Side.SELL, 5, 100.0))
    flat, realized = position_after_fill(short, fill(Side.BUY, 5, 90.0))

    assert flat is None and realized == 50.0


def test_a_fill_through_zero_realises_the_old_position_and_opens_the_rest_at_the_fill_price():
    long, _ = position_after_fill(None, fill(Side.BUY, 10, 100.0))
    flipped, realized = position_after_fill(long, fill(Side.SELL, 25, 95.0, time=7 * HOUR))

    assert realized == -50.0
    assert (flipped.quantity, flipped.average_price, flipped.opened_at, flipped.swap_through) == (
        -15, 95.0, 8 * HOUR, 7 * HOUR)


def test_crypto_fractions_add_up_and_close_to_exactly_flat():
    position, _ = position_after_fill(None, fill(Side.BUY, 0.1, 40_000.0, "BTCUSD"))
    position, _ = position_after_fill(position, fill(Side.BUY, 0.2, 43_000.0, "BTCUSD"))
    closed, realized = position_after_fill(position, fill(Side.SELL, 0.3, 44_000.0, "BTCUSD"))

    assert position.average_price == pytest.approx(42_000.0)
    assert closed is None and realized == pytest.approx(600.0)


def run(book: Book, orders: list[Order], bars: list[dict[str, Bar]], market: Market = MARKET, fx=None):
    book = book_place(book, orders)
    steps = []
    for by_symbol in bars:
        time = max(bar.time for bar in by_symbol.values()) + HOUR
        step = book_on_bars(book, by_symbol, time=time, market=market, fx_closes=fx or {})
        steps.append(step)
        book = step.book
    return book, steps


def market_order(symbol: str, side: Side, quantity: float, created_at: int = HOUR, id: str = "o") -> Order:
    return Order(id=id, symbol=symbol, side=side, quantity=quantity, created_at=created_at)


def test_ten_pips_on_one_eurusd_lot_are_a_hundred_dollars():
    one_lot = lots_to_units(1, EURUSD)
    book, steps = run(Book.opening(currency="USD", deposit=10_000.0),
                      [market_order("EURUSD", Side.BUY, one_lot),
                       market_order("EURUSD", Side.SELL, one_lot, created_at=2 * HOUR, id="c")],
                      [{"EURUSD": Bar(HOUR, 1.1, 1.101, 1.0995, 1.1008)},
                       {"EURUSD": Bar(2 * HOUR, 1.101, 1.102, 1.1, 1.1)}])

    assert [e.amount for e in steps[1].cash_entries] == [pytest.approx(100.0)]
    assert book.account.cash == pytest.approx(10_100.0) and book.positions == {}
    assert steps[0].book.account.equity == pytest.approx(10_080.0)  # marked at the close 1.1008


def test_ten_pips_on_one_usdjpy_lot_are_ten_thousand_yen_converted_at_the_close_of_usdjpy():
    one_lot = lots_to_units(1, USDJPY)
    _, steps = run(Book.opening(currency="USD", deposit=10_000.0),
                   [market_order("USDJPY", Side.BUY, one_lot),
                    market_order("USDJPY", Side.SELL, one_lot, created_at=2 * HOUR, id="c")],
                   [{"USDJPY": Bar(HOUR, 110.0, 110.2, 109.9, 110.1)},
                    {"USDJPY": Bar(2 * HOUR, 110.1, 110.2, 110.0, 110.0)}])

    assert steps[1].cash_entries[0].amount == pytest.approx(10_000 / 110.0)


def test_a_cross_pairs_yen_pnl_reaches_a_dollar_account_through_usdjpy():
    one_lot = lots_to_units(1, EURJPY)
    book, steps = run(Book.opening(currency="USD", deposit=0.0),
                      [market_order("EURJPY", Side.BUY, one_lot),
                       market_order("EURJPY", Side.SELL, one_lot, created_at=2 * HOUR, id="c")],
                      [{"EURJPY": Bar(HOUR, 130.0, 130.6, 129.9, 130.4)},
                       {"EURJPY": Bar(2 * HOUR, 130.5, 130.6, 130.4, 130.5)}],
                      fx={"USDJPY": 125.0})

    assert steps[1].cash_entries[0].amount == pytest.approx(50_000 / 125.0)
    assert book.account.cash == pytest.approx(400.0)


def test_a_euro_account_trading_a_dollar_stock_books_in_euros_at_eurusd():
    book, _ = run(Book.opening(currency="EUR", deposit=1_000.0),
                  [market_order("GOOG", Side.BUY, 10),
                   market_order("GOOG", Side.SELL, 10, created_at=2 * HOUR, id="c")],
                  [{"GOOG": Bar(HOUR, 100.0, 101.0, 99.0, 100.0)},
                   {"GOOG": Bar(2 * HOUR, 110.0, 111.0, 109.0, 110.0)}],
                  fx={"EURUSD": 1.25})

    assert book.account.cash == pytest.approx(1_080.0)


def test_commissions_are_charged_per_venue_and_converted_to_the_account_currency():
    market = Market(instruments=MARKET.instruments, costs={s: cost_model_for(i) for s, i in MARKET.instruments.items()})
    _, steps = run(Book.opening(currency="EUR", deposit=100_000.0),
                   [market_order("GOOG", Side.BUY, 1_000), market_order("EURUSD", Side.BUY, 200_000, id="f"),
                    market_order("BTCUSD", Side.BUY, 0.5, id="c")],
                   [{"GOOG": Bar(HOUR, 100.0, 101.0, 99.0, 100.0), "EURUSD": Bar(HOUR, 1.25, 1.251, 1.249, 1.25),
                     "BTCUSD": Bar(HOUR, 40_000.0, 40_100.0, 39_900.0, 40_000.0)}], market=market)

    charged = {e.symbol: e.amount for e in steps[0].cash_entries if e.kind == "commission"}
    assert charged["GOOG"] == pytest.approx(-5.0 / 1.25)  # 1,000 shares x $0.005
    assert charged["EURUSD"] == pytest.approx(-7.0 / 1.25)  # 2 lots x $3.50
    # 25 bps of the notional at the fill: the open + half of a 5 bps spread + 5 bps of slippage
    assert charged["BTCUSD"] == pytest.approx(-(40_030.0 * 0.5) * 0.0025 / 1.25)


def test_a_long_eurusd_lot_held_over_wednesdays_rollover_pays_three_nights_of_swap():
    costs = CostModel(swap_long_pips=-0.6, swap_short_pips=0.2)
    market = Market(instruments=MARKET.instruments, costs={"EURUSD": costs})
    wednesday_4pm_new_york = 1_704_920_400  # 2024-01-10 21:00 UTC
    book, steps = run(Book.opening(currency="USD", deposit=10_000.0),
                      [market_order("EURUSD", Side.BUY, 100_000, created_at=wednesday_4pm_new_york)],
                      [{"EURUSD": Bar(wednesday_4pm_new_york, 1.1, 1.1, 1.1, 1.1)},
                       {"EURUSD": Bar(wednesday_4pm_new_york + HOUR, 1.1, 1.1, 1.1, 1.1)}], market=market)

    assert [(e.kind, e.amount) for e in steps[0].cash_entries] == [("swap", pytest.approx(-18.0))]
    assert steps[1].cash_entries == []  # the same rollover is not charged twice
    assert book.account.cash == pytest.approx(9_982.0)


def test_the_day_starts_from_the_last_equity_marked_before_its_first_close():
    book = Book.opening(currency="USD", deposit=1_000.0)
    book, _ = run(book, [market_order("GOOG", Side.BUY, 10)],
                  [{"GOOG": Bar(HOUR, 100.0, 100.0, 100.0, 100.0)}, {"GOOG": Bar(2 * HOUR, 100.0, 100.0, 90.0, 90.0)}])
    assert (book.account.day, book.account.equity, book.account.day_start_equity) == (0, 900.0, 1_000.0)

    next_day = book_on_bars(book, {"GOOG": Bar(86_400, 90.0, 95.0, 90.0, 95.0)}, time=86_400 + HOUR, market=MARKET)
    assert (next_day.book.account.day, next_day.book.account.day_start_equity) == (86_400, 900.0)


def test_a_position_without_a_bar_this_step_keeps_its_last_close():
    book = Book(account=Book.opening(currency="USD", deposit=0.0).account,
                positions={"GOOG": Position("GOOG", 10, 100.0, 105.0, 0, 0)})

    step = book_on_bars(book, {"BTCUSD": Bar(HOUR, 1.0, 1.0, 1.0, 1.0)}, time=2 * HOUR, market=MARKET)

    assert step.book.account.equity == 50.0 and step.book.positions["GOOG"].last_price == 105.0
