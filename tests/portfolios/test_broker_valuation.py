"""Mark-to-market of many portfolios at once agrees with marking each book alone."""

import numpy as np
import pytest

from portfolios.broker.accounts import Account, Book, Market, Position
from portfolios.broker.fx import fx_rate
from portfolios.broker.risk import book_unrealized
from portfolios.broker.valuation import PositionArrays, mark_to_market
from tests.portfolios.conftest import EURUSD, GOOG, USDJPY

SYMBOLS = ("GOOG", "EURUSD", "USDJPY")
MARKET = Market(instruments={"GOOG": GOOG, "EURUSD": EURUSD, "USDJPY": USDJPY})
CLOSE = np.array([105.0, 1.2, 150.0])
FX = {"EURUSD": 1.2, "USDJPY": 150.0}


def books() -> list[Book]:
    def book(currency, cash, **held):
        positions = {s: Position(s, q, avg, float(CLOSE[SYMBOLS.index(s)]), 0, 0) for s, (q, avg) in held.items()}
        return Book(account=Account(currency=currency, cash=cash, equity=cash), positions=positions)

    return [book("USD", 1_000.0, GOOG=(10.0, 100.0), USDJPY=(-100_000.0, 151.5)),
            book("EUR", 2_000.0, EURUSD=(50_000.0, 1.19), GOOG=(-4.0, 110.0)),
            book("USD", 500.0)]


def test_marking_many_portfolios_on_arrays_equals_marking_each_book():
    listed = books()
    positions = PositionArrays.from_positions(
        ((index, p) for index, b in enumerate(listed) for p in b.positions.values()),
        {s: i for i, s in enumerate(SYMBOLS)})
    currencies = ("USD", "EUR")
    to_account = np.array([[fx_rate(MARKET.instruments[s].quote_currency, c, FX) for s in SYMBOLS] for c in currencies])

    marks = mark_to_market(positions, close=CLOSE, to_account=to_account,
                           cash=np.array([b.account.cash for b in listed]),
                           account_currency=np.array([currencies.index(b.account.currency) for b in listed]))

    expected = [b.account.cash + book_unrealized(b, MARKET, FX) for b in listed]
    np.testing.assert_allclose(marks.equity, expected)
    # by hand: 10 x 5 + 100,000 x (151.5 - 150) / 150 = 1,050 dollars
    assert marks.unrealized[0] == pytest.approx(1_050.0) and marks.equity[2] == 500.0
    assert marks.gross_exposure[0] == pytest.approx(1_050.0 + 100_000.0)
    assert marks.net_exposure[0] == pytest.approx(1_050.0 - 100_000.0)


def test_one_account_currency_takes_one_rate_per_instrument():
    positions = PositionArrays(portfolio=np.array([0, 1, 1]), instrument=np.array([0, 0, 2]),
                               quantity=np.array([2.0, -1.0, 1_000.0]), average_price=np.array([100.0, 104.0, 140.0]))

    marks = mark_to_market(positions, close=CLOSE, to_account=np.array([1.0, 1.0, 1 / 150]), cash=np.zeros(2))

    np.testing.assert_allclose(marks.unrealized, [10.0, -1.0 + 10_000 / 150])
    np.testing.assert_allclose(marks.position_pnl, [10.0, -1.0, 10_000 / 150])


@pytest.mark.parametrize(("close", "rate"), [(np.array([np.nan, 1.2, 150.0]), np.ones(3)),
                                             (CLOSE, np.array([1.0, np.inf, 1.0])),
                                             (CLOSE, np.array([1.0, 1.0, 0.0]))])
def test_a_missing_close_or_rate_of_a_held_instrument_is_an_error_not_a_nan_equity(close, rate):
    positions = PositionArrays(portfolio=np.array([0, 0, 0]), instrument=np.array([0, 1, 2]),
                               quantity=np.ones(3), average_price=np.ones(3))

    with pytest.raises(ValueError):
        mark_to_market(positions, close=close, to_account=rate, cash=np.zeros(1))


def test_an_instrument_nobody_holds_may_lack_a_close():
    positions = PositionArrays(portfolio=np.array([0]), instrument=np.array([0]), quantity=np.ones(1),
                               average_price=np.array([100.0]))

    marks = mark_to_market(positions, close=np.array([105.0, np.nan]), to_account=np.array([1.0, 1.0]),
                           cash=np.zeros(1))

    assert marks.equity.tolist() == [5.0]
