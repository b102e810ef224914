"""Bracket orders: the exits wait for the entry, cancel each other, take profit in parts, and a bar
reaching both the stop and a target counts as the stop, as the signal outcomes do."""

import numpy as np
import pytest

from market.arrays import BarArrays
from market.synthetic import synthetic_bars
from portfolios.broker.matching import Bar, orders_match
from portfolios.broker.orders import (
    OrderStatus,
    OrderType,
    Side,
    Target,
    TimeInForce,
    bracket_orders,
    order_cancel,
)
from signals.engine.outcomes import SignalLevels, evaluate
from tests.portfolios.conftest import HOUR, SYN, run_bars

THREE_TARGETS = [Target(103.0, 0.5), Target(106.0, 0.3), Target(109.0, 0.2)]


def buy_bracket(**changes):
    arguments = dict(id="b", symbol="SYN", side=Side.BUY, quantity=100, stop=98.0, targets=THREE_TARGETS,
                     instrument=SYN, created_at=HOUR, reference_price=100.0)
    return bracket_orders(**{**arguments, **changes})


def test_the_exits_wait_for_the_entry_then_take_profit_in_parts_and_the_stop_covers_what_is_left():
    orders, fills = run_bars(buy_bracket(), [(100, 101, 99.5, 101), (101, 103.5, 100.5, 103)])

    assert [(f.order_id, f.quantity, f.price) for f in fills] == [("b", 100, 100.0), ("b:target_1", 50, 103.0)]
    assert orders["b:stop"].quantity == 50 and orders["b:stop"].is_open
    assert (orders["b:target_2"].quantity, orders["b:target_3"].quantity) == (30, 20)


def test_when_the_stop_fills_the_targets_left_are_cancelled_one_cancels_the_other():
    orders, fills = run_bars(buy_bracket(), [(100, 101, 99.5, 101), (101, 103.5, 100.5, 103), (103, 104, 97, 98)])

    assert [(f.order_id, f.quantity, f.price) for f in fills][-1] == ("b:stop", 50, 98.0)
    assert {orders[i].status for i in ("b:target_2", "b:target_3")} == {OrderStatus.CANCELLED}
    assert orders["b:target_2"].reason == "The stop filled: one cancels the other."


def test_when_every_target_fills_the_stop_is_cancelled():
    orders, fills = run_bars(buy_bracket(), [(100, 101, 99.5, 101), (101, 110, 100.5, 109.5)])

    assert [(f.order_id, f.quantity) for f in fills[1:]] == [("b:target_1", 50), ("b:target_2", 30), ("b:target_3", 20)]
    assert orders["b:stop"].status is OrderStatus.CANCELLED
    assert orders["b:stop"].reason == "Every target filled: one cancels the other."


def test_a_bar_reaching_both_the_stop_and_a_target_counts_as_the_stop():
    orders, fills = run_bars(buy_bracket(), [(100, 101, 99.5, 101), (101, 104, 97.5, 101)])

    assert [(f.order_id, f.quantity, f.price) for f in fills[1:]] == [("b:stop", 100, 98.0)]
    assert orders["b:target_1"].status is OrderStatus.CANCELLED


def test_a_sell_bracket_stopped_by_a_gap_exits_at_the_open_worse_than_the_stop():
    sell = buy_bracket(side=Side.SELL, stop=102.0, targets=[Target(97.0, 1.0)])

    _, fills = run_bars(sell, [(100, 100.5, 99.5, 100), (104, 105, 103, 104.5)])

    assert [(f.order_id, f.side, f.price, f.at_open) for f in fills[1:]] == [("b:stop", Side.BUY, 104.0, True)]


def test_a_market_entry_filled_at_the_open_lets_the_targets_fill_on_the_same_bar():
    _, fills = run_bars(buy_bracket(targets=[Target(103.0, 1.0)]), [(100, 103.5, 99.5, 103)])

    assert [f.order_id for f in fills] == ["b", "b:target_1"]


def test_a_limit_entry_filled_inside_a_bar_lets_only_the_stop_fill_on_that_bar():
    limit_entry = buy_bracket(entry_type=OrderType.LIMIT, entry_price=99.0, stop=97.0, targets=[Target(101.0, 1.0)],
                              reference_price=None)

    orders, same_bar = run_bars(limit_entry, [(100, 102, 98.5, 101.5)])
    assert [f.order_id for f in same_bar] == ["b"] and orders["b:target_1"].is_open  # 101 not trusted after 99

    _, next_bar = run_bars(list(orders.values()), [(101.5, 102, 101, 101.8)], start=2)
    assert [(f.order_id, f.price, f.at_open) for f in next_bar] == [("b:target_1", 101.5, True)]

    _, stopped = run_bars(limit_entry, [(100, 100, 96, 97)])
    assert [(f.order_id, f.price) for f in stopped] == [("b", 99.0), ("b:stop", 97.0)]


def test_a_trailing_bracket_stop_keeps_the_entry_distance_and_locks_in_the_move():
    trailing = buy_bracket(trailing_stop=True, targets=[Target(120.0, 1.0)])

    orders, fills = run_bars(trailing, [(100, 101, 99.5, 100.5), (100.5, 105, 100.2, 104.5),
                                        (104.5, 104.8, 102.5, 103)])

    assert orders["b:stop"].trail_amount == 2.0
    assert [(f.order_id, f.price) for f in fills] == [("b", 100.0), ("b:stop", 103.0)]
    assert orders["b:target_1"].status is OrderStatus.CANCELLED


def test_an_entry_that_expires_unfilled_cancels_its_exits_with_the_reason():
    day_entry = buy_bracket(entry_type=OrderType.LIMIT, entry_price=95.0, stop=93.0, targets=[Target(99.0, 1.0)],
                            reference_price=None, time_in_force=TimeInForce.DAY, created_at=0)
    latest = {o.id: o for o in day_entry}
    for time in (0, 86_400):
        match = orders_match([o for o in latest.values() if o.is_open], Bar(time, 100, 101, 99, 100), instrument=SYN,
                             time=time + HOUR)
        latest.update({o.id: o for o in match.orders})

    assert latest["b"].status is OrderStatus.EXPIRED
    assert {latest[i].status for i in ("b:stop", "b:target_1")} == {OrderStatus.CANCELLED}
    assert latest["b:stop"].reason == "Its entry expired."


def test_cancelling_an_entry_cancels_the_exits_waiting_for_it():
    cancelled = order_cancel(buy_bracket(), "b", time=5)

    assert {o.status for o in cancelled} == {OrderStatus.CANCELLED}


def _bracket_exit(levels: SignalLevels, bars: BarArrays, signal_index: int):
    """The broker's first exit of a one-target bracket entered at the open after the signal's bar."""
    side = Side.BUY if levels.direction == "BUY" else Side.SELL
    orders = bracket_orders(id="s", symbol="SYN", side=side, quantity=1, stop=levels.stop,
                            targets=[Target(levels.targets[0], 1.0)], instrument=SYN,
                            created_at=int(bars.time[signal_index + 1]), reference_price=levels.entry)
    for index in range(signal_index + 1, len(bars)):
        match = orders_match([o for o in orders if o.is_open], Bar.from_arrays(bars, index), instrument=SYN,
                             time=int(bars.time[index]) + HOUR)
        orders = match.orders
        exits = [f for f in match.fills if f.order_id != "s"]
        if exits:
            return exits[0].order_id.split(":")[1], exits[0].price, int(bars.time[index])
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_no_costs_a_bracket_exits_where_and_when_the_signal_outcome_says(seed):
    bars = synthetic_bars(count=600, seed=seed, gap_probability=0.02)
    bars = BarArrays(bars.time, *(np.round(a, 2) for a in (bars.open, bars.high, bars.low, bars.close)), bars.volume)
    rng = np.random.default_rng(seed)
    compared = 0
    for index in range(10, 560, 7):
        entry = float(bars.close[index])
        if bars.open[index + 1] != entry:
            continue  # the broker enters at the next open; the outcome scores from the close
        direction = "BUY" if rng.random() < 0.5 else "SELL"
        side = 1 if direction == "BUY" else -1
        risk = round(float(rng.uniform(0.5, 3.0)), 2)
        levels = SignalLevels(direction, entry, round(entry - side * risk, 2),
                              (round(entry + side * 1.5 * risk, 2), round(entry + side * 3 * risk, 2),
                               round(entry + side * 4.5 * risk, 2)), int(bars.time[index]), valid_bars=30)
        outcome = evaluate(levels, bars)
        if outcome is None or outcome.result == "expired":
            continue
        kind, price, time = _bracket_exit(levels, bars, index)
        assert (kind, price, time) == ("stop" if outcome.result == "stop" else "target_1", outcome.exit_price,
                                       outcome.closed_bar_time)
        compared += 1
    assert compared >= 20
