"""Backtest speed, measured against backtesting.py in the same run.

1. SmaCross (10/20) over the bundled GOOG daily bars: ours (run + every metric) vs backtesting.py's
   `Backtest.run()` (which computes its stats too), median of RUNS.
2. A 50-run optimisation of SmaCross (fast 5..25 by 5 x slow 20..110 by 10, maximising SQN): ours
   (one process, and over two processes) vs backtesting.py's `optimize` (its default: a process pool).
3. The confluence strategy (vectorised mode) over 1,000 synthetic instruments x 2,000 hourly bars
   (seeded, labelled synthetic) on two processes: intents, the broker-filled run and every metric.
   Also the replay mode's cost per bar (the live engine on each 500-bar window), measured on one
   instrument.

backtesting.py (AGPL) is not a dependency: it runs in a scratch virtualenv through a subprocess
(`BACKTESTING_PYTHON`, default /tmp/bt/bin/python; make it with
`python3.11 -m venv /tmp/bt && /tmp/bt/bin/pip install backtesting pandas`). Prints medians, ratios and
the load average (the host is shared).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

from backtests.engine.optimisation import optimise, parameter_grid  # noqa: E402
from backtests.engine.simulation import BacktestSettings, backtest_run  # noqa: E402
from backtests.engine.sizing import FixedRisk  # noqa: E402
from backtests.engine.strategies import ConfluenceStrategy, SmaCross  # noqa: E402
from backtests.metrics import backtest_metrics  # noqa: E402
from market.arrays import BarArrays, InstrumentSpec  # noqa: E402
from market.synthetic import synthetic_bars  # noqa: E402
from portfolios.broker.costs import CRYPTO_COSTS  # noqa: E402
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig  # noqa: E402

RUNS, OPT_RUNS = 7, 3
INSTRUMENTS, BARS, WORKERS = 1000, 2000, 2
GOOG_CSV = ROOT / "market" / "fixtures" / "GOOG_D1.csv"
GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2, venue="NASDAQ", calendar="XNYS")
SYNTHETIC = InstrumentSpec("SYN", "crypto", 0.01, 2)
SPACE = {"fast": list(range(5, 30, 5)), "slow": list(range(20, 120, 10))}  # 5 x 10 = 50 runs
CONFLUENCE = ConfluenceStrategy(config=StrategyConfig.from_dict(DEFAULT_CONFLUENCE), mode="vectorised")

THEIRS = """
import json, statistics, sys, time, warnings
warnings.filterwarnings("ignore")
sys.path.insert(0, sys.argv[1])
import pandas as pd
from backtesting import Backtest
from record_backtesting_py import GOOG_CSV, SETTINGS, SmaCross
frame = pd.read_csv(GOOG_CSV, parse_dates=["time"]).set_index("time")
frame.columns = [c.capitalize() for c in frame.columns]
runs, opt_runs = int(sys.argv[2]), int(sys.argv[3])
bt = Backtest(frame, SmaCross, **SETTINGS)
times = []
for _ in range(runs):
    t = time.perf_counter(); stats = bt.run(); times.append(time.perf_counter() - t)
opt = []
for _ in range(opt_runs):
    t = time.perf_counter()
    best = bt.optimize(n1=range(5, 30, 5), n2=range(20, 120, 10), maximize="SQN")
    opt.append(time.perf_counter() - t)
print(json.dumps({"run_ms": statistics.median(times) * 1000, "optimise_s": statistics.median(opt),
                  "trades": int(stats["# Trades"]), "best": [int(best._strategy.n1), int(best._strategy.n2)],
                  "best_sqn": float(best["SQN"])}))
"""


def smacross_once(bars: BarArrays) -> int:
    strategy = SmaCross()
    run = backtest_run(bars, instrument=GOOG, timeframe="D1", strategy=strategy, first_bar=strategy.warm_up())
    backtest_metrics(run)
    return len(run.trades)


def make(params: dict) -> SmaCross:
    return SmaCross(fast=int(params["fast"]), slow=int(params["slow"]))


def optimise_part(candidates: list[dict]) -> list[tuple[dict, float | None]]:
    bars = BarArrays.from_csv(GOOG_CSV)
    result = optimise(bars, instrument=GOOG, timeframe="D1", make=make, candidates=candidates, objective="sqn",
                      first_bar=lambda s: s.warm_up())  # type: ignore[attr-defined]
    return [(c.params, c.value) for c in result.candidates]


def best_of(rows: list[tuple[dict, float | None]]) -> tuple[dict, float]:
    params, value = max(((p, v) for p, v in rows if v is not None), key=lambda row: row[1])
    return params, value


def confluence_instrument(seed: int) -> tuple[int, float]:
    """(trades, CPU seconds of this process) of one instrument's backtest, metrics included."""
    bars = synthetic_bars(count=BARS, seed=seed)
    started = time.process_time()
    run = backtest_run(bars, instrument=SYNTHETIC, timeframe="H1", strategy=CONFLUENCE,
                       settings=BacktestSettings(costs=CRYPTO_COSTS, sizing=FixedRisk()))
    backtest_metrics(run)
    return len(run.trades), time.process_time() - started


def main() -> None:
    print(f"load average at start: {os.getloadavg()}")
    goog = BarArrays.from_csv(GOOG_CSV)
    theirs_python = os.environ.get("BACKTESTING_PYTHON", "/tmp/bt/bin/python")
    recorded = ROOT / "tests" / "backtests" / "recorded"
    out = subprocess.run([theirs_python, "-c", THEIRS, str(recorded), str(RUNS), str(OPT_RUNS)], check=True,
                         capture_output=True, text=True)
    theirs = json.loads(out.stdout.strip().splitlines()[-1])

    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        trades = smacross_once(goog)
        times.append(time.perf_counter() - started)
    ours_ms = statistics.median(times) * 1000
    print(f"\n1. SmaCross GOOG ({len(goog)} bars, {trades} trades; backtesting.py {theirs['trades']}), "
          f"median of {RUNS}:")
    print(f"   ours {ours_ms:.1f} ms   backtesting.py {theirs['run_ms']:.1f} ms   "
          f"ratio theirs/ours {theirs['run_ms'] / ours_ms:.2f}x")

    grid = parameter_grid(SPACE)
    one, two = [], []
    for _ in range(OPT_RUNS):
        started = time.perf_counter()
        rows = optimise_part(grid)
        one.append(time.perf_counter() - started)
        started = time.perf_counter()
        with ProcessPoolExecutor(WORKERS) as pool:
            halves = list(pool.map(optimise_part, [grid[0::2], grid[1::2]]))
        two.append(time.perf_counter() - started)
    params, value = best_of(rows)
    assert best_of(halves[0] + halves[1]) == (params, value)
    print(f"\n2. Optimisation, {len(grid)} runs, maximise SQN, median of {OPT_RUNS}:")
    print(f"   ours 1 process {statistics.median(one):.2f} s, {WORKERS} processes {statistics.median(two):.2f} s   "
          f"backtesting.py optimize (process pool) {theirs['optimise_s']:.2f} s   "
          f"ratio theirs/ours {theirs['optimise_s'] / statistics.median(one):.2f}x (1 process), "
          f"{theirs['optimise_s'] / statistics.median(two):.2f}x ({WORKERS} processes)")
    print(f"   best: ours fast={params['fast']} slow={params['slow']} SQN {value:.6f}; "
          f"backtesting.py n1={theirs['best'][0]} n2={theirs['best'][1]} SQN {theirs['best_sqn']:.6f}")

    started = time.perf_counter()
    with ProcessPoolExecutor(WORKERS) as pool:
        results = list(pool.map(confluence_instrument, range(INSTRUMENTS), chunksize=25))
    wall = time.perf_counter() - started
    cpu = sum(seconds for _, seconds in results)
    print(f"\n3. Confluence (vectorised), {INSTRUMENTS} synthetic instruments x {BARS} H1 bars, {WORKERS} processes: "
          f"{wall:.1f} s wall, {sum(t for t, _ in results)} trades; target < 60 s")
    print(f"   CPU time of the backtests {cpu:.1f} s ({cpu / INSTRUMENTS * 1000:.1f} ms per instrument): "
          f"{cpu / WORKERS:.1f} s on {WORKERS} idle cores (the wall time above is what the shared host gave us)")

    replay = ConfluenceStrategy(config=CONFLUENCE.config, mode="replay", start=BARS - 200)
    bars = synthetic_bars(count=BARS, seed=0)
    started = time.perf_counter()
    replay.intents(bars, instrument=SYNTHETIC, timeframe="H1")
    per_bar = (time.perf_counter() - started) / 200 * 1000
    print(f"   replay mode (the live engine on each 500-bar window): {per_bar:.2f} ms per bar, measured on 200 bars "
          f"of one instrument")
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
