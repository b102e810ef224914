"""Out-of-sample effect of each change to the confidence models, on the bundled real history.

Every variant goes through the same purged walk-forward (5 folds) as `model_train`; figures are out of
sample: Brier against the constant base rate, the Brier skill score (BSS) with its moving-block bootstrap
95% interval, and log loss. The data are ALL the bundled real bars (GOOG D1, EURUSD H1, BTCUSD MN1, and the
S&P 500 and NASDAQ Composite indices SPX D1 and IXIC D1, 1999-2018, see market/fixtures/README.md), not
only the part `make run` seeds, so the figures here are not those of the demo's stored models.
Run with `nice -n 10 .venv/bin/python bench/confidence_experiments.py` (about a minute on one core).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

from market.arrays import BarArrays, InstrumentSpec  # noqa: E402
from market.providers.bundled import FIXTURES  # noqa: E402
from market.resample import resample  # noqa: E402
from market.timeframes import Timeframe  # noqa: E402
from signals.engine import indicators as ind  # noqa: E402
from signals.engine.chart_patterns import HOLD, chart_patterns  # noqa: E402
from signals.engine.confluence import FEATURE_NAMES, SESSION_FEATURES, SIDE_FEATURES  # noqa: E402
from signals.engine.model import (  # noqa: E402
    Fit,
    Samples,
    classifier_fit,
    fit_empirical_bayes,
    samples_concat,
    samples_from_history,
    walk_forward,
)
from signals.engine.strategy import COMPONENTS, DEFAULT_CONFLUENCE, StrategyConfig  # noqa: E402
from signals.engine.track_record import wilson_interval  # noqa: E402

STRATEGY = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)
# (spec, stored timeframe, file, calendar) as the catalogue has them.
HISTORIES = [
    (InstrumentSpec("GOOG", "stock", 0.01, 2), Timeframe.D1, "GOOG_D1.csv", "XNYS"),
    (InstrumentSpec("EURUSD", "forex", 0.00001, 5, pip_size=0.0001), Timeframe.H1, "EURUSD_H1.csv", "FOREX"),
    (InstrumentSpec("BTCUSD", "crypto", 0.01, 2), Timeframe.MN1, "BTCUSD_MN1.csv", "ALWAYS"),
    (InstrumentSpec("SPX", "stock", 0.01, 2), Timeframe.D1, "SPX_D1.csv", "XNYS"),
    (InstrumentSpec("IXIC", "stock", 0.01, 2), Timeframe.D1, "IXIC_D1.csv", "XNYS"),
]
MIN_HISTORY_BARS = 120

OLD = [f"vote_{n}" for n in COMPONENTS] + ["score", *SESSION_FEATURES]
SIDE = [*SIDE_FEATURES, *SESSION_FEATURES]
SIDE_VOTES = [*(f"side_vote_{n}" for n in COMPONENTS), "abs_score", *SESSION_FEATURES]
SIDE_SMALL = ["abs_score", "side_close_ema20_atr", "side_ema20_ema50_atr", "side_return_5_atr",
              "side_return_20_atr", "side_rsi", "adx_scaled"]


def samples(*, resampled: bool, patterns: dict[str, list[int]] | None = None) -> Samples:
    """The labelled samples of every history; with `patterns`, also each chart pattern's labels (target 1
    hit or not) of the samples it voted for, in their direction."""
    parts = []
    for spec, stored, filename, calendar in HISTORIES:
        bars = BarArrays.from_csv(FIXTURES / filename)
        series = [(stored, bars)]
        if resampled:
            closed_until = int(bars.time[-1]) + stored.seconds
            for target in map(Timeframe, STRATEGY.timeframes):
                if target.seconds > stored.seconds:
                    more = resample(bars, target=target, calendar=calendar, now=closed_until)
                    if len(more) >= MIN_HISTORY_BARS:
                        series.append((target, more))
        for timeframe, history in series:
            higher = resample(history, target=timeframe.higher, calendar=calendar) if timeframe.higher else None
            part = samples_from_history(history, instrument=spec, timeframe=timeframe, strategy=STRATEGY,
                                        higher=higher)
            parts.append(part)
            if patterns is not None:
                _pattern_labels(history, part, patterns)
    return samples_concat(parts)


def _pattern_labels(history: BarArrays, part: Samples, labels: dict[str, list[int]]) -> None:
    found = chart_patterns(history.high, history.low, history.close, history.volume,
                           ind.atr(history.high, history.low, history.close, 14))
    rows = np.searchsorted(history.time, part.times)
    for pattern in found:
        voted = (rows >= pattern.confirmed_at) & (rows < pattern.confirmed_at + HOLD)
        voted &= part.buy == (pattern.direction > 0)
        labels.setdefault(pattern.name, []).extend(part.labels[voted].tolist())


def line(name: str, data: Samples, fit: Fit) -> None:
    _, r = walk_forward(data, fit=fit, folds=5)
    print(f"{name:<58} n={r.samples:<5} oos={r.oos_samples:<5} base rate {r.base_rate:.4f}  Brier {r.brier:.4f} "
          f"vs {r.baseline_brier:.4f}  BSS {r.bss:+.4f} [{r.bss_low:+.4f}, {r.bss_high:+.4f}]  "
          f"log loss {r.log_loss:.4f} vs {r.baseline_log_loss:.4f}")


def main() -> None:
    by_pattern: dict[str, list[int]] = {}
    stored, more = samples(resampled=False), samples(resampled=True, patterns=by_pattern)
    print(f"features available: {len(FEATURE_NAMES)}; samples: stored timeframes {len(stored.labels)}, "
          f"with resampled timeframes {len(more.labels)}")
    line("A classifier, old features (votes+score+sessions), C=0.5", stored, classifier_fit(OLD, 0.5))
    line("B  + resampled timeframes", more, classifier_fit(OLD, 0.5))
    line("C  + side-oriented stationary features instead, C=0.5", more, classifier_fit(SIDE, 0.5))
    line("D  side-oriented, C=0.05 (stronger L2)", more, classifier_fit(SIDE, 0.05))
    line("E  7 side-oriented features only, C=0.05", more, classifier_fit(SIDE_SMALL, 0.05))
    line("F  7 side-oriented features only, C=0.01", more, classifier_fit(SIDE_SMALL, 0.01))
    line("G  every feature, C=0.05", more, classifier_fit(None, 0.05))
    line("H  side-oriented votes + |score| + sessions only, C=0.05", more, classifier_fit(SIDE_VOTES, 0.05))
    line("I  side-oriented, C=0.01", more, classifier_fit(SIDE, 0.01))
    line("EB empirical Bayes, stored timeframes", stored, fit_empirical_bayes)
    line("EB empirical Bayes, + resampled timeframes", more, fit_empirical_bayes)
    print(f"chart patterns: target-1 hit rate of the signals each voted for (all signals: {more.labels.mean():.4f}, "
          f"n={len(more.labels)}); labels are outcomes after the signal's bar, nothing fitted")
    for name, hits in sorted(by_pattern.items(), key=lambda item: -len(item[1])):
        if hits:
            low, high = wilson_interval(sum(hits), len(hits))
            print(f"  {name:<28} n={len(hits):<4} hit rate {np.mean(hits):.4f} (Wilson 95% {low:.4f} to {high:.4f})")


if __name__ == "__main__":
    main()
