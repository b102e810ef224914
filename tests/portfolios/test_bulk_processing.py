"""The set-based processing of a closed bar (portfolios.bulk) books exactly what the per-portfolio path books:
the same orders, fills, cash, positions, journal and equity, on a mixed bar of several portfolios, order types
and a gap; and the forex swap is charged on the marks of every portfolio holding a position over a rollover."""

import pytest

from market.models import Bar
from portfolios.books import utc as as_datetime
from portfolios.models import (
    BarProcessed,
    CashEntry,
    EquityPoint,
    PaperFill,
    PaperOrder,
    PaperPosition,
    Portfolio,
    Trade,
)
from portfolios.processing import bar_closed_process
from portfolios.services import order_place, portfolio_create
from tests.portfolios.conftest import order, utc

pytestmark = pytest.mark.django_db

SWAP = {"EURUSD": (-0.5, 0.2)}  # pips per unit per night: a long pays, a short earns


def _rounded(values):
    return tuple(round(v, 8) if isinstance(v, float) else v for v in values)


def books_snapshot() -> dict[str, dict[str, list]]:
    """Everything the processing stores, per portfolio name, without ids, refs or wall-clock times."""
    snapshot = {}
    for portfolio in Portfolio.objects.order_by("name"):
        orders = PaperOrder.objects.filter(portfolio=portfolio).order_by("id")
        snapshot[portfolio.name] = {
            "account": [_rounded((portfolio.cash, portfolio.equity, portfolio.unrealized_pnl,
                                  portfolio.gross_exposure, portfolio.day, portfolio.day_start_equity,
                                  portfolio.marked_at))],
            "orders": [_rounded(row) for row in orders.values_list(
                "side", "type", "role", "status", "quantity", "filled_quantity", "average_fill_price", "triggered",
                "trail_anchor", "stop_price", "trail_amount", "session_day", "closed_at", "reason")],
            "fills": sorted(_rounded(row) for row in PaperFill.objects.filter(portfolio=portfolio).values_list(
                "order__role", "side", "quantity", "price", "commission", "commission_currency", "bar_time", "time",
                "at_open")),
            "cash": sorted(_rounded(row) for row in CashEntry.objects.filter(portfolio=portfolio).exclude(
                kind="deposit").values_list("kind", "amount", "symbol", "time")),
            "positions": sorted(_rounded(row) for row in PaperPosition.objects.filter(portfolio=portfolio).values_list(
                "instrument__symbol", "quantity", "average_price", "last_price", "opened_at", "swap_through",
                "initial_stop", "high_seen", "low_seen", "entry_quantity", "exit_quantity", "exit_value",
                "realized_pnl", "costs")),
            "trades": sorted(_rounded(row) for row in Trade.objects.filter(portfolio=portfolio).values_list(
                "instrument__symbol", "side", "quantity", "entry_price", "exit_price", "opened_at", "closed_at",
                "duration_seconds", "pnl", "costs", "initial_stop", "r_multiple", "mfe_r", "mae_r")),
            "equity": [_rounded(row) for row in EquityPoint.objects.filter(portfolio=portfolio).order_by("id")
                       .values_list("time", "equity", "cash", "unrealized_pnl", "gross_exposure")],
        }
    return snapshot


def mixed_bar_played(actor, tape, *, per_portfolio: bool) -> dict[str, dict[str, list]]:
    """Five portfolios trade EURUSD daily bars (one in euros); the third bar gaps down through the stops."""
    eur = tape("EURUSD", "D1", start=utc("2024-01-01 00:00"))

    def bar(*prices):
        time = eur.next_time
        eur.bar(*prices, process=False)
        bar_closed_process(instrument_id=eur.instrument.pk, timeframe="D1", bar_time=as_datetime(time),
                           per_portfolio=per_portfolio)

    names = ("A bracket", "B shorts", "C gap stop", "D holder", "E euros")
    p = {name: portfolio_create(actor=actor, name=name, currency="EUR" if name == "E euros" else "USD",
                                starting_balance=100_000) for name in names}
    bar(1.1000, 1.1010, 1.0990, 1.1000)
    order_place(actor=actor, portfolio=p["A bracket"], request=order(
        "EURUSD", "buy", 10_000, bracket=True, stop_loss=1.0900,
        targets=[{"price": 1.1100, "fraction": 0.5}, {"price": 1.1200, "fraction": 0.5}]))
    order_place(actor=actor, portfolio=p["B shorts"], request=order(
        "EURUSD", "sell", 20_000, order_type="limit", limit_price=1.1050))
    order_place(actor=actor, portfolio=p["C gap stop"], request=order("EURUSD", "buy", 30_000))
    order_place(actor=actor, portfolio=p["D holder"], request=order("EURUSD", "buy", 5_000))
    order_place(actor=actor, portfolio=p["D holder"], request=order(
        "EURUSD", "buy", 5_000, order_type="limit", limit_price=1.0500))  # far below: works, never fills
    order_place(actor=actor, portfolio=p["E euros"], request=order(
        "EURUSD", "sell", 10_000, bracket=True, stop_loss=1.1150, targets=[{"price": 1.0950, "fraction": 1.0}]))
    bar(1.1000, 1.1030, 1.0980, 1.1020)  # the market orders and bracket entries fill at the open
    order_place(actor=actor, portfolio=p["C gap stop"], request=order(
        "EURUSD", "sell", 30_000, order_type="stop", stop_price=1.0950))
    order_place(actor=actor, portfolio=p["B shorts"], request=order(
        "EURUSD", "buy", 10_000, order_type="stop_limit", stop_price=1.1040, limit_price=1.1045))
    order_place(actor=actor, portfolio=p["E euros"], request=order(
        "EURUSD", "buy", 5_000, order_type="trailing_stop", trail_amount=0.0030))

    bar(1.0900, 1.1060, 1.0880, 1.0950)  # the mixed bar: a gap below the stops, then up through the limits
    bar(1.0950, 1.0990, 1.0930, 1.0980)
    return books_snapshot()


def test_the_bulk_path_books_exactly_what_the_per_portfolio_path_books_on_a_mixed_bar(alice_actor, tape,
                                                                                       settings):
    settings.PAPER_SWAP_PIPS = SWAP
    by_portfolio = mixed_bar_played(alice_actor, tape, per_portfolio=True)
    Portfolio.objects.all().delete()
    Bar.objects.filter(instrument__symbol="EURUSD").delete()
    BarProcessed.objects.all().delete()

    in_bulk = mixed_bar_played(alice_actor, tape, per_portfolio=False)

    assert in_bulk == by_portfolio
    # The bar did what the scenario says, so the comparison covers fills, gaps, brackets, trades and swaps.
    assert in_bulk["C gap stop"]["trades"] and in_bulk["A bracket"]["trades"]
    gap_fill = next(f for f in in_bulk["C gap stop"]["fills"] if f[1] == "sell")
    assert gap_fill[3] < 1.0900 and gap_fill[8] is True  # the gap's open less slippage, not the stop
    assert any(f[2] == 20_000 for f in in_bulk["B shorts"]["fills"])  # the limit touched on the way up
    assert any(kind == "swap" for kind, *_ in in_bulk["D holder"]["cash"])
    assert {s for s, *_ in in_bulk["D holder"]["orders"]} == {"buy"}
    assert [row[3] for row in in_bulk["D holder"]["orders"]] == ["filled", "working"]


def test_a_held_forex_position_pays_its_swap_on_the_marks_after_the_rollover(alice_actor, portfolio, tape,
                                                                             settings):
    """No order works on the instrument: the mark alone charges the night's financing."""
    settings.PAPER_SWAP_PIPS = {"EURUSD": (-0.6, 0.2)}
    eur = tape("EURUSD", "H1", start=utc("2024-01-08 20:00"))  # a Monday; rollover at 22:00 UTC (17:00 New York)
    eur.bar(1.1000, 1.1000, 1.1000, 1.1000)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("EURUSD", "buy", 100_000))
    eur.bar(1.1000, 1.1000, 1.1000, 1.1000)  # 21:00-22:00: filled at the open, and held over the rollover
    eur.bar(1.1000, 1.1000, 1.1000, 1.1000)  # 22:00-23:00: no rollover, no charge

    [swap] = CashEntry.objects.filter(portfolio=portfolio, kind="swap")
    assert swap.amount == pytest.approx(-0.6 * 0.0001 * 100_000)  # -6 USD for one night of one lot
    assert swap.time == as_datetime(utc("2024-01-08 22:00"))  # booked at the close of the bar that crossed it
    position = PaperPosition.objects.get(portfolio=portfolio)
    assert position.costs == pytest.approx(-3.5 - 6.0)  # the lot's commission, then the swap
    assert position.swap_through == utc("2024-01-08 23:00")
    portfolio.refresh_from_db()
    commission = CashEntry.objects.get(portfolio=portfolio, kind="commission").amount
    assert portfolio.cash == pytest.approx(100_000 + commission - 6.0)


def test_a_portfolio_with_no_order_is_charged_its_swap_by_the_mark_of_another_instrument(alice_actor, portfolio,
                                                                                        tape, settings):
    settings.PAPER_SWAP_PIPS = {"EURUSD": (-0.6, 0.2)}
    eur = tape("EURUSD", "H1", start=utc("2024-01-08 19:00"))
    btc = tape("BTCUSD", "H1", start=utc("2024-01-08 19:00"))
    eur.bar(1.1000, 1.1000, 1.1000, 1.1000)
    btc.bar(100, 100, 100, 100)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("EURUSD", "sell", 100_000))
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1))
    eur.bar(1.1000, 1.1000, 1.1000, 1.1000)  # 20:00-21:00: the short opens
    btc.bar(100, 100, 100, 100)  # 20:00-21:00: the coin is bought
    assert not CashEntry.objects.filter(kind="swap").exists()

    btc.bar(100, 100, 100, 100)  # 21:00-22:00 of BTCUSD, no EURUSD bar: the mark at the rollover charges it

    [swap] = CashEntry.objects.filter(portfolio=portfolio, kind="swap")
    assert (swap.symbol, swap.amount) == ("EURUSD", pytest.approx(0.2 * 0.0001 * 100_000))  # a short earns 2 USD


def test_without_swap_rates_no_swap_is_charged(alice_actor, portfolio, tape):
    eur = tape("EURUSD", "D1", start=utc("2024-01-08 00:00"))
    eur.bar(1.1000, 1.1000, 1.1000, 1.1000)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("EURUSD", "buy", 100_000))
    for _ in range(3):
        eur.bar(1.1000, 1.1000, 1.1000, 1.1000)
    assert PaperPosition.objects.get(portfolio=portfolio).quantity == 100_000
    assert not CashEntry.objects.filter(kind="swap").exists()
