"""Records backtesting.py's SmaCross run on the bundled GOOG daily bars into smacross_goog.json.

Run it with a scratch virtualenv OUTSIDE the project (backtesting.py is AGPL: never a dependency):
    python3.11 -m venv /tmp/bt && /tmp/bt/bin/pip install backtesting pandas
    /tmp/bt/bin/python tests/backtests/recorded/record_backtesting_py.py
It is not a test (pytest does not collect it) and the project never imports it.
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover

HERE = Path(__file__).resolve().parent
GOOG_CSV = HERE.parents[2] / "market" / "fixtures" / "GOOG_D1.csv"
SETTINGS = {"cash": 10_000, "commission": 0.0, "spread": 0.0, "exclusive_orders": True, "trade_on_close": False,
            "finalize_trades": False, "hedging": False, "margin": 1.0}
N1, N2 = 10, 20


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    n1 = N1
    n2 = N2

    def init(self):
        self.sma1 = self.I(sma, self.data.Close, self.n1)
        self.sma2 = self.I(sma, self.data.Close, self.n2)

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell()


def plain(value):
    """A stat as JSON: numbers as they are (NaN as null), times as ISO text, durations in days."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value / pd.Timedelta(days=1)
    value = float(value)
    return None if value != value else value


def main() -> None:
    frame = pd.read_csv(GOOG_CSV, parse_dates=["time"]).set_index("time")
    frame.columns = [c.capitalize() for c in frame.columns]
    frame.index.name = None
    bt = Backtest(frame, SmaCross, **SETTINGS)
    stats = bt.run()
    trades = stats["_trades"]
    record = {
        "produced_by": f"backtesting {version('backtesting')}, pandas {version('pandas')}, "
                       f"python {sys.version.split()[0]}",
        "data": "market/fixtures/GOOG_D1.csv", "strategy": {"name": "SmaCross", "n1": N1, "n2": N2},
        "settings": SETTINGS,
        "stats": {key: plain(value) for key, value in stats.items() if not key.startswith("_")},
        "trades": [{"size": int(t.Size), "entry_bar": int(t.EntryBar), "exit_bar": int(t.ExitBar),
                    "entry_price": float(t.EntryPrice), "exit_price": float(t.ExitPrice), "pnl": float(t.PnL),
                    "return_pct": float(t.ReturnPct), "entry_time": t.EntryTime.isoformat(),
                    "exit_time": t.ExitTime.isoformat()} for t in trades.itertuples()],
        "equity": [float(v) for v in stats["_equity_curve"]["Equity"]],
    }
    (HERE / "smacross_goog.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
