"""Walk-forward: re-optimise on each in-sample window, trade the next out-of-sample window. No Django.

Windows are bar positions. Rolling: every in-sample window is `train` bars long and slides by
`test` bars; anchored: every in-sample window starts at bar 0 and grows by `test` bars. Each
out-of-sample window is the `test` bars right after its in-sample window; together they tile the
history after the first in-sample window without overlap.

The optimisation of a window sees only its in-sample bars. Its out-of-sample run sees the bars up to
the window's end: the `warm_up` bars before the window let indicators start (they are past bars, so
no look-ahead), and only intents decided from the bar before the window on can trade (the first one
fills at the window's first open). Each window starts with the equity the previous one ended with
and closes what is open at its last close, so the stitched out-of-sample equity is one account that
only ever traded parameters chosen on data before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from backtests.engine.optimisation import Optimisation, Params, optimise
from backtests.engine.simulation import BacktestRun, BacktestSettings, Trade, backtest_run
from backtests.engine.strategies import BacktestCancelled, Strategy
from market.arrays import BarArrays, InstrumentSpec
from market.timeframes import Timeframe


@dataclass(frozen=True)
class Window:
    train_start: int  # bar positions, inclusive
    train_end: int
    test_start: int
    test_end: int


@dataclass(frozen=True)
class WindowResult:
    window: Window
    params: Params | None  # the in-sample best; None when no candidate defined the objective (no trading)
    in_sample_value: float | None
    out_of_sample_return_pct: float


@dataclass(frozen=True)
class WalkForward:
    windows: list[WindowResult]
    run: BacktestRun  # the stitched out-of-sample run: its bars, equity and trades (global bar positions)


def walk_forward_windows(bar_count: int, *, train: int, test: int, anchored: bool = False) -> list[Window]:
    """The in-sample / out-of-sample windows over `bar_count` bars (the last test window may be shorter)."""
    if train < 2 or test < 1:
        raise ValueError("train needs at least 2 bars and test at least 1")
    windows = []
    start = train
    while start < bar_count:
        train_start = 0 if anchored else start - train
        windows.append(Window(train_start, start - 1, start, min(start + test, bar_count) - 1))
        start += test
    return windows


def walk_forward(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe | str,
                 make: Callable[[Params], Strategy], train: int, test: int, candidates: Sequence[Params] = (),
                 search: Callable[[BarArrays], Optimisation] | None = None, anchored: bool = False,
                 warm_up: int = 0, objective: str = "sqn", maximise: bool = True,
                 constraint: Callable[[Params], bool] | None = None, settings: BacktestSettings | None = None,
                 should_stop: Callable[[int], bool] | None = None) -> WalkForward:
    """Optimise on each in-sample window, trade its best parameters out of sample, stitch the results.
    Each window backtests every one of `candidates`, or runs `search` over its in-sample bars when given.
    `should_stop(window index)` is asked before each window; True raises BacktestCancelled."""
    settings = settings or BacktestSettings()
    cash = settings.cash
    results: list[WindowResult] = []
    trades: list[Trade] = []
    equity = np.full(len(bars), np.nan)
    windows = walk_forward_windows(len(bars), train=train, test=test, anchored=anchored)
    for number, window in enumerate(windows):
        if should_stop is not None and should_stop(number):
            raise BacktestCancelled(f"stopped at window {number} of {len(windows)}")
        in_sample = _slice(bars, window.train_start, window.train_end)
        found: Optimisation = search(in_sample) if search is not None else optimise(
            in_sample, instrument=instrument, timeframe=timeframe, make=make, candidates=candidates,
            objective=objective, maximise=maximise, constraint=constraint, settings=settings)
        start = max(window.test_start - warm_up, 0)
        seen = _slice(bars, start, window.test_end)
        offset = window.test_start - start
        window_settings = replace(settings, cash=cash, close_at_end=True)
        if found.best is None:
            equity[window.test_start:window.test_end + 1] = cash
            results.append(WindowResult(window, None, None, 0.0))
            continue
        strategy = make(found.best.params)
        intents = [i for i in strategy.intents(seen, instrument=instrument, timeframe=Timeframe(timeframe))
                   if i.index >= offset - 1]
        run = backtest_run(seen, instrument=instrument, timeframe=timeframe, strategy=strategy,
                           settings=window_settings, intents=intents)
        segment = run.equity[offset:]
        equity[window.test_start:window.test_end + 1] = segment
        trades.extend(_shifted(t, start) for t in run.trades)
        results.append(WindowResult(window, found.best.params, found.best.value,
                                    float((segment[-1] / cash - 1) * 100)))
        cash = float(segment[-1])
    first = windows[0].test_start if windows else len(bars)
    stitched = BacktestRun(time=bars.time[first:], close=bars.close[first:], equity=equity[first:],
                           trades=[_shifted(t, -first) for t in trades], intents=[], open_position=0.0, cash=cash,
                           first_bar=0)
    return WalkForward(windows=results, run=stitched)


def _slice(bars: BarArrays, start: int, end: int) -> BarArrays:
    """Bars start..end inclusive."""
    return bars.upto(end).tail(end - start + 1)


def _shifted(trade: Trade, by: int) -> Trade:
    return replace(trade, entry_index=trade.entry_index + by, exit_index=trade.exit_index + by)
