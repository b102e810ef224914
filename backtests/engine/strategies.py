"""Strategies: what to do at a bar's close, decided from the bars up to that bar only. No Django.

A strategy turns one instrument's closed bars into `Intent`s. The intent of bar i may read bars
0..i and nothing after: the simulation acts on it from bar i + 1 (the next open). Tests prove it for
each strategy by truncating the history (the intents of `bars.upto(t)` are those of the full
history up to t).

- `ConfluenceStrategy`: the live engine. In "replay" mode every bar is analysed exactly as the live
  path analyses a newly closed bar: `signals.engine.analysis.analyse` on the newest `lookback` bars
  (the live `LOOKBACK_BARS`) with the higher timeframe resampled from them (what the live path does
  when it has no stored higher bars). In "vectorised" mode the same engine functions score every bar
  of the whole history at once (`component_votes`, `scores`, `levels_for`): much faster, and not
  identical to the live path, whose indicators start from a 500-bar window (tests measure the gap).
  Its `tuned(params)` varies the score threshold to act and the stop's ATR multiple, for an optimisation.
- `SmaCross`: long when the fast simple moving average of the close crosses above the slow one,
  short when it crosses below (each reverses the position), as the classic example does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from market.arrays import BarArrays, FloatArray, InstrumentSpec
from market.resample import resample
from market.timeframes import Timeframe
from signals.engine.analysis import SignalDraft, analyse
from signals.engine.confluence import MIN_BARS, component_votes, scores
from signals.engine.key_levels import key_levels
from signals.engine.levels import levels_for
from signals.engine.strategy import StrategyConfig, StrategyConfigError

CHECK_EVERY_SIGNAL_BARS = 25  # how often a replay asks whether to stop (each bar costs a live analysis)
LIVE_LOOKBACK_BARS = 500  # signals.services.LOOKBACK_BARS: the bars the live path analyses (a test keeps them equal)
TUNABLE = ("threshold", "stop_atr_multiple")  # what an optimisation of the confluence strategy may vary


class BacktestCancelled(Exception):
    """The run was asked to stop (its `should_stop` answered True)."""


@dataclass(frozen=True, slots=True)
class Intent:
    """What a strategy wants at the close of bar `index`: go long (+1) or short (-1), or close (0).

    A bracketed entry carries its `stop` and `targets` (prices) with the fraction of the position
    each target closes; `signal` is the engine's draft behind it, if any. An intent with `complete`
    is a direction whose bracket is computed only when the simulation acts on it: `complete()` gives
    the full intent, or None when the engine would give no signal after all (degenerate levels).
    """

    index: int
    direction: int
    stop: float | None = None
    targets: tuple[float, ...] = ()
    target_fractions: tuple[float, ...] = ()
    signal: SignalDraft | None = field(default=None, compare=False)
    complete: Callable[[], Intent | None] | None = field(default=None, compare=False, repr=False)


class Strategy(Protocol):
    """A strategy: its name, its parameters, and its intents over one instrument's bars."""

    @property
    def name(self) -> str: ...

    def params(self) -> dict[str, float | int | str]: ...

    def intents(self, bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe) -> list[Intent]: ...


@dataclass(frozen=True)
class SmaCross:
    """Long when SMA(`fast`) of the close crosses above SMA(`slow`), short when it crosses below.

    A cross at bar i: fast[i-1] < slow[i-1] and fast[i] > slow[i] (strictly; equal values do not cross).
    """

    fast: int = 10
    slow: int = 20
    name: str = "SmaCross"

    def params(self) -> dict[str, float | int | str]:
        return {"fast": self.fast, "slow": self.slow}

    def intents(self, bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe) -> list[Intent]:
        fast, slow = sma(bars.close, self.fast), sma(bars.close, self.slow)
        up, down = crossings(fast, slow), crossings(slow, fast)
        return [Intent(index=int(i), direction=1 if up[i] else -1) for i in np.flatnonzero(up | down)]

    def warm_up(self) -> int:
        """Bars before both averages exist: the index of the first bar with a slow average."""
        return max(self.fast, self.slow) - 1


def sma(values: FloatArray, n: int) -> FloatArray:
    """Simple moving average over `n` values (NaN for the first n - 1), as pandas' rolling mean computes it."""
    result: FloatArray = pd.Series(values).rolling(n).mean().to_numpy(dtype=np.float64)
    return result


def crossings(a: FloatArray, b: FloatArray) -> np.ndarray:
    """True at bar i where `a` crossed above `b`: a[i-1] < b[i-1] and a[i] > b[i] (NaN never crosses)."""
    out = np.zeros(len(a), dtype=bool)
    with np.errstate(invalid="ignore"):
        out[1:] = (a[:-1] < b[:-1]) & (a[1:] > b[1:])
    return out


@dataclass(frozen=True)
class ConfluenceStrategy:
    """The live confluence engine as a strategy: each signal an intent, bracketed by its stop and targets.

    `target_fractions` split the position over the three targets (a third each, as the signal's
    risk/reward assumes). `start` skips analysing bars before it (they still warm the indicators).
    """

    config: StrategyConfig
    mode: Literal["replay", "vectorised"] = "replay"
    lookback: int = LIVE_LOOKBACK_BARS
    target_fractions: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)
    start: int = 0
    name: str = "Confluence"

    def params(self) -> dict[str, float | int | str]:
        return {"version": self.config.version, "threshold": self.config.threshold,
                "stop_atr_multiple": self.config.stop_atr_multiple, "mode": self.mode}

    def tuned(self, params: Mapping[str, float | int | str]) -> ConfluenceStrategy:
        """This strategy with the config's parameters in TUNABLE set from `params` (those given), for an
        optimisation's `make`; StrategyConfigError names a value out of its range."""
        unknown = sorted(set(params) - set(TUNABLE))
        if unknown:
            raise StrategyConfigError({name: [f"Not tunable: one of {', '.join(TUNABLE)}."] for name in unknown})
        config = StrategyConfig.from_dict({**self.config.to_dict(), **params})
        return replace(self, config=config)

    def intents(self, bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe) -> list[Intent]:
        timeframe = Timeframe(timeframe)
        if self.mode == "vectorised":
            return self._intents_deferred(bars, instrument, timeframe)
        return [self._intent(index, draft) for index, draft in self.signals(bars, instrument=instrument,
                                                                            timeframe=timeframe)]

    def signals(self, bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe,
                should_stop: Callable[[int], bool] | None = None) -> list[tuple[int, SignalDraft]]:
        """(bar index, draft) of every bar the live path would signal on: `analyse` on each live window.
        `should_stop(bar_index)` is asked every CHECK_EVERY_SIGNAL_BARS bars; True raises BacktestCancelled."""
        timeframe = Timeframe(timeframe)
        found = []
        for i in range(max(MIN_BARS - 1, self.start), len(bars)):
            if should_stop is not None and i % CHECK_EVERY_SIGNAL_BARS == 0 and should_stop(i):
                raise BacktestCancelled(f"stopped at bar {i} of {len(bars)}")
            window = bars.upto(i).tail(self.lookback)
            draft = analyse(window, instrument=instrument, timeframe=timeframe, strategy=self.config,
                            higher=live_higher(window, timeframe, instrument, now=int(bars.time[i])))
            if draft is not None:
                found.append((i, draft))
        return found

    def signals_vectorised(self, bars: BarArrays, *, instrument: InstrumentSpec,
                           timeframe: Timeframe) -> list[tuple[int, SignalDraft]]:
        """Every bar scored at once over the whole history; levels as the engine sets them (no reasoning text)."""
        timeframe = Timeframe(timeframe)
        score, x, leaning = self._scored(bars, instrument, timeframe)
        found = []
        for i in leaning:
            draft = _draft_at(i, bars, x, float(score[i]), instrument, timeframe, self.config, self.lookback)
            if draft is not None:
                found.append((i, draft))
        return found

    def _scored(self, bars: BarArrays, instrument: InstrumentSpec,
                timeframe: Timeframe) -> tuple[FloatArray, dict[str, FloatArray], list[int]]:
        """(score per bar, the indicator values, the bars from `start` on whose |score| reaches the threshold)."""
        higher = live_higher(bars, timeframe, instrument, now=int(bars.time[-1]))
        votes = component_votes(bars, timeframe, higher)
        score, _ = scores(votes.votes, self.config)
        with np.errstate(invalid="ignore"):
            leaning = np.flatnonzero(np.abs(score) >= self.config.threshold)
        return score, votes.context, [int(i) for i in leaning if i >= self.start]

    def _intents_deferred(self, bars: BarArrays, instrument: InstrumentSpec, timeframe: Timeframe) -> list[Intent]:
        """The vectorised intents, each bracket computed only when acted on (most signals come while a
        position is open and are ignored: their levels are never needed)."""
        score, x, leaning = self._scored(bars, instrument, timeframe)

        def completer(i: int) -> Callable[[], Intent | None]:
            def complete() -> Intent | None:
                draft = _draft_at(i, bars, x, float(score[i]), instrument, timeframe, self.config, self.lookback)
                return None if draft is None else self._intent(i, draft)
            return complete

        return [Intent(index=i, direction=1 if score[i] > 0 else -1, complete=completer(i)) for i in leaning]

    def intent_of(self, index: int, draft: SignalDraft) -> Intent:
        """The intent of the signal `draft` of bar `index`: its direction, bracketed by its stop and targets."""
        return self._intent(index, draft)

    def _intent(self, index: int, draft: SignalDraft) -> Intent:
        return Intent(index=index, direction=1 if draft.direction == "BUY" else -1, stop=draft.stop,
                      targets=draft.targets, target_fractions=self.target_fractions, signal=draft)


def live_higher(window: BarArrays, timeframe: Timeframe, instrument: InstrumentSpec, *, now: int) -> BarArrays | None:
    """The higher timeframe's bars closed by `now`, resampled from the window (None when there is none)."""
    higher = timeframe.higher
    if higher is None:
        return None
    return resample(window, target=higher, calendar=instrument.calendar, now=now)


def _draft_at(i: int, bars: BarArrays, x: dict[str, FloatArray], score: float, instrument: InstrumentSpec,
              timeframe: Timeframe, config: StrategyConfig, lookback: int) -> SignalDraft | None:
    """The engine's levels at bar i from the whole-history values `x` (reasoning and features left empty)."""
    direction = "BUY" if score > 0 else "SELL"
    atr = float(x["atr"][i])
    start = max(i + 1 - lookback, 0)
    known = key_levels(bars.high[start:i + 1], bars.low[start:i + 1], atr)
    levels = levels_for(direction=direction, close=float(bars.close[i]), atr=atr, swing_low=float(x["swing_low"][i]),
                        swing_high=float(x["swing_high"][i]), instrument=instrument, strategy=config, key_levels=known)
    if levels is None or not math.isfinite(levels.entry):
        return None
    return SignalDraft(direction=direction, score=round(score, 6), confidence=None, entry=levels.entry,
                       stop=levels.stop, targets=levels.targets, risk_reward=levels.risk_reward,
                       position_size_fraction=levels.position_size_fraction, distances=levels.distances,
                       regime="", timeframe=timeframe.value, reasoning="", contributions={}, features={},
                       bar_time=int(bars.time[i]), valid_for_seconds=config.validity_bars * timeframe.seconds)


def intents_upto(intents: Sequence[Intent], index: int) -> list[Intent]:
    """The intents decided at or before bar `index`."""
    return [intent for intent in intents if intent.index <= index]
