"""The demo: the instrument catalogue and the bundled real history, with the newest bars held back
for the replay (market.tasks.replay_tick) to play as live."""

from __future__ import annotations

from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.services import IngestReport, bars_ingest, instrument_catalogue_load
from market.timeframes import Timeframe

DEMO_HISTORY = [("GOOG", Timeframe.D1, "GOOG_D1.csv"), ("EURUSD", Timeframe.H1, "EURUSD_H1.csv"),
                ("BTCUSD", Timeframe.MN1, "BTCUSD_MN1.csv")]


def market_demo_seed(*, hold_back: int = 0) -> dict[str, IngestReport]:
    """The catalogue and the bundled real history; the newest `hold_back` bars (at most a fifth of a
    file) are left for the replay to play as live."""
    instrument_catalogue_load()
    reports = {}
    for symbol, timeframe, filename in DEMO_HISTORY:
        bars = BarArrays.from_csv(FIXTURES / filename)
        held = min(hold_back, len(bars) // 5)
        if held:
            bars = bars.upto(len(bars) - 1 - held)
        reports[symbol] = bars_ingest(instrument=Instrument.objects.get(symbol=symbol), timeframe=timeframe,
                                      bars=bars, source=f"bundled:{filename}")
    return reports
