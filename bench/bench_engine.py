"""Engine speed: the whole analysis and confluence for 1,000 instruments x 500 bars, one timeframe,
candlestick and chart patterns and model inference included (batched across instruments), on one core.
Baselines in the same run:
(a) the same indicator set through TA-Lib alone (the floor) and (b) through the `ta` library (the naive path).
Data are synthetic (seeded) and labelled so. Prints medians per instrument.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore")

import pandas as pd  # noqa: E402
import ta  # noqa: E402
import talib  # noqa: E402

from market.arrays import InstrumentSpec  # noqa: E402
from market.synthetic import synthetic_bars  # noqa: E402
from signals.engine.analysis import analyse_many  # noqa: E402
from signals.engine.model import samples_concat, samples_from_history, walk_forward  # noqa: E402
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig  # noqa: E402

INSTRUMENTS, BARS, RUNS = 1000, 500, 3
SPEC = InstrumentSpec("SYN", "crypto", 0.01, 2)


def talib_floor(b) -> None:
    h, lo, c, v = b.high, b.low, b.close, b.volume
    talib.EMA(c, 20), talib.EMA(c, 50), talib.SMA(c, 50), talib.ATR(h, lo, c, 14), talib.ADX(h, lo, c, 14)
    talib.PLUS_DI(h, lo, c, 14), talib.MINUS_DI(h, lo, c, 14), talib.MACD(c), talib.RSI(c, 14)
    talib.STOCHF(h, lo, c, 14, 3), talib.BBANDS(c, 20), talib.OBV(c, v)


def ta_naive(b) -> None:
    h, lo, c, v = (pd.Series(x) for x in (b.high, b.low, b.close, b.volume))
    ta.trend.EMAIndicator(c, 20).ema_indicator(), ta.trend.EMAIndicator(c, 50).ema_indicator()
    ta.trend.SMAIndicator(c, 50).sma_indicator(), ta.volatility.AverageTrueRange(h, lo, c, 14).average_true_range()
    adx = ta.trend.ADXIndicator(h, lo, c, 14)
    adx.adx(), adx.adx_pos(), adx.adx_neg()
    macd = ta.trend.MACD(c)
    macd.macd(), macd.macd_signal(), ta.momentum.RSIIndicator(c, 14).rsi()
    stoch = ta.momentum.StochasticOscillator(h, lo, c, 14, 3)
    stoch.stoch(), stoch.stoch_signal()
    bands = ta.volatility.BollingerBands(c, 20)
    bands.bollinger_hband(), bands.bollinger_lband(), ta.volume.OnBalanceVolumeIndicator(c, v).on_balance_volume()
    ta.trend.IchimokuIndicator(h, lo).ichimoku_a(), ta.trend.IchimokuIndicator(h, lo).ichimoku_b()


def per_instrument_ms(function, series) -> float:
    started = time.perf_counter()
    for bars in series:
        function(bars)
    return 1000 * (time.perf_counter() - started) / len(series)


def main() -> None:
    strategy = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)
    series = [synthetic_bars(count=BARS, seed=i) for i in range(INSTRUMENTS)]
    training = samples_concat([samples_from_history(synthetic_bars(count=3000, seed=10_000 + i), instrument=SPEC,
                                                    timeframe="H1", strategy=strategy) for i in range(4)])
    model, _ = walk_forward(training)
    print(f"data: {INSTRUMENTS} synthetic instruments x {BARS} H1 bars (SYNTHETIC); one core; model: "
          f"calibrated logistic regression trained on {len(training.labels)} synthetic samples")

    def engine_batched(all_series) -> float:
        """The live path: one batch per timeframe, inference batched across instruments."""
        started = time.perf_counter()
        analyse_many([(i, bars, SPEC, None) for i, bars in enumerate(all_series)], timeframe="H1",
                     strategy=strategy, model=model)
        return 1000 * (time.perf_counter() - started) / len(all_series)

    results = {"engine": [], "talib": [], "ta": []}
    for _ in range(RUNS):
        results["engine"].append(engine_batched(series))
        results["talib"].append(per_instrument_ms(talib_floor, series))
        results["ta"].append(per_instrument_ms(ta_naive, series[:200]))  # the slow path on a fifth
    medians = {k: statistics.median(v) for k, v in results.items()}
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (others share the host)")
    print(f"Beacon engine (indicators + structure + candlestick and chart patterns + regime + confluence + levels "
          f"+ model): "
          f"median {medians['engine']:.2f} ms/instrument (target <= 1 ms)")
    print(f"(a) TA-Lib alone, the same indicator set: median {medians['talib']:.3f} ms/instrument (the floor)")
    print(f"(b) the ta library, the same indicator set: median {medians['ta']:.2f} ms/instrument (naive path)")
    print(f"engine vs (b): {medians['ta'] / medians['engine']:.1f}x faster (target >= 10x); "
          f"engine vs (a): {medians['engine'] / medians['talib']:.1f}x the floor")


if __name__ == "__main__":
    main()
