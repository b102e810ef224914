"""How a signal ends, bar by bar. No Django.

Rules (stated here because subscribers judge the track record by them):
- The signal is live from the bar AFTER the one it was computed on, for at most `valid_bars` bars.
  Validity is counted in the market's bars here and in time on the signal: a signal is published
  when its bar closes and valid until publication + `valid_bars` x the timeframe, which is when the
  last of those bars closes. A signal published late (a replayed or caught-up bar) keeps the same
  bars, so live, backtest and track record judge it alike, while its `valid_until`, counted from
  publication, tells the subscriber how long to act on it from now.
- The first barrier touched decides: the stop, or target 1 (the trade is scored at target 1;
  targets 2 and 3 touched on or before that bar are counted in `targets_hit`).
- A bar that touches both the stop and a target counts as the stop (conservative: inside one bar
  we cannot know which came first).
- A bar that opens beyond the stop (a gap) exits at its open, worse than the stop; one that opens
  beyond target 1 exits at the open too (better than the target).
- With no barrier touched in `valid_bars` bars the signal expires at the last bar's close.
- R multiple = signed exit move / risk, where risk = |entry - stop|. MFE and MAE are the largest
  favourable and adverse moves (in R) of the highs and lows seen while live.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.arrays import BarArrays


@dataclass(frozen=True)
class SignalLevels:
    direction: str  # "BUY" or "SELL"
    entry: float
    stop: float
    targets: tuple[float, float, float]
    bar_time: int  # open time of the bar the signal was computed on (epoch s)
    valid_bars: int


@dataclass(frozen=True)
class Outcome:
    result: str  # "target_1" | "target_2" | "target_3" | "stop" | "expired"
    target_1_hit: bool
    targets_hit: int
    exit_price: float
    r_multiple: float
    mfe_r: float
    mae_r: float
    bars_held: int
    closed_bar_time: int


def evaluate(levels: SignalLevels, bars: BarArrays) -> Outcome | None:
    """The outcome from the bars after the signal's bar, or None while it is still open."""
    side = 1.0 if levels.direction == "BUY" else -1.0
    risk = abs(levels.entry - levels.stop)
    start = int(np.searchsorted(bars.time, levels.bar_time, side="right"))
    live = range(start, min(start + levels.valid_bars, len(bars)))
    best = worst = 0.0
    for held, i in enumerate(live, start=1):
        favourable = (bars.high[i] - levels.entry) if side > 0 else (levels.entry - bars.low[i])
        adverse = (bars.low[i] - levels.entry) if side > 0 else (levels.entry - bars.high[i])
        best, worst = max(best, favourable / risk), min(worst, adverse / risk)
        stop_touched = bars.low[i] <= levels.stop if side > 0 else bars.high[i] >= levels.stop
        reached = [t for t in levels.targets if (bars.high[i] >= t if side > 0 else bars.low[i] <= t)]
        if stop_touched:
            gapped = bars.open[i] < levels.stop if side > 0 else bars.open[i] > levels.stop
            exit_price = bars.open[i] if gapped else levels.stop
            return _outcome("stop", levels, exit_price, side, risk, best, worst, held, bars.time[i], hit=0)
        if reached:
            first = levels.targets[0]
            gapped = bars.open[i] > first if side > 0 else bars.open[i] < first
            exit_price = bars.open[i] if gapped else first
            result = f"target_{len(reached)}"
            return _outcome(result, levels, exit_price, side, risk, best, worst, held, bars.time[i], hit=len(reached))
    if len(live) == levels.valid_bars and levels.valid_bars > 0:
        last = live[-1]
        return _outcome("expired", levels, bars.close[last], side, risk, best, worst, len(live), bars.time[last], hit=0)
    return None


def _outcome(result: str, levels: SignalLevels, exit_price: float, side: float, risk: float, best: float,
             worst: float, held: int, time: int, *, hit: int) -> Outcome:
    return Outcome(result=result, target_1_hit=hit >= 1, targets_hit=hit, exit_price=float(exit_price),
                   r_multiple=float(side * (exit_price - levels.entry) / risk), mfe_r=float(best),
                   mae_r=float(worst), bars_held=held, closed_bar_time=int(time))
