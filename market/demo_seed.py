"""The demo: the instrument catalogue and the bundled real history, split at a date into the history
that is seeded and the bars the replay (market.tasks.replay_tick) plays as live.

Why these dates: the replay plays one bar per instrument every MARKET_REPLAY_SECONDS_PER_BAR (5 s),
so a new user judges the engine by the first ~50 replayed bars (~4 minutes). The newest bars of the
first three files all trend up (GOOG 2012-13, EURUSD Jan 2018, BTCUSD 2022-24), and replaying them showed
BUY after BUY (first 50 bars: GOOG 16 BUY / 0 SELL, EURUSD 19 / 0, BTCUSD 11 / 0), so a user
concluded that the engine only buys. Each `replay_from` below was chosen by running the engine the
way the live path does (the default strategy, the newest 500 bars, the higher timeframe resampled
from them) on every bar of the file, to open on a stretch with a fall and a rise:

- GOOG D1 from 2008-02-25: the February slide, the April 2008 rally, then the 2008 crash and the
  2009 recovery (first 50 bars: 6 BUY / 6 SELL; first 150: 8 / 44; 1,264 bars, ~1 h 45 min).
- EURUSD H1 from 2017-09-20: the Fed day's turn, then the Sep-Nov 2017 decline 1.209 -> 1.155
  (first 50: 11 / 8; first 150: 21 / 78; 2,369 bars, ~3 h 17 min).
- BTCUSD MN1 from 2017-11 (70 bars of warm-up, the engine needs MIN_BARS = 60): the 2017 top, the
  2018 and 2022 crashes and the recoveries. The engine gives no SELL on monthly BTCUSD anywhere in
  the file (its lowest score, -0.29 in 2022, stays inside the 0.45 threshold); what it shows is
  that it stops buying through both falls (first 50: 22 / 0, with 28 silent months; 86 bars).
- SPX D1 and IXIC D1 (the S&P 500 and the NASDAQ Composite, from the arch package's example data, see
  market/fixtures/README.md) from 2015-07-01: the August 2015 sell-off, the early-2016 slide, the 2016-18
  rise and the fall of late 2018 (first 50 bars scored: SPX 6 BUY / 6 SELL, IXIC 6 / 3; first 150: SPX
  15 / 18, IXIC 22 / 9; 882 bars, ~1 h 14 min). The 4,149 days before it (from 1999) are seeded, so the
  confidence training of `make run` learns from the dot-com crash and 2008 as well.

The replay runs to the end of each file, so the demo keeps going for hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.services import IngestReport, bars_ingest, instrument_catalogue_load
from market.timeframes import Timeframe


@dataclass(frozen=True)
class DemoHistory:
    """One bundled file: its bars before `replay_from` are seeded, the rest are replayed as live."""

    symbol: str
    timeframe: Timeframe
    filename: str
    replay_from: datetime  # aware UTC; the first replayed bar is the first bar opened at or after it

    def bars(self) -> BarArrays:
        """Every bar of the file, oldest first."""
        return BarArrays.from_csv(FIXTURES / self.filename)

    def seeded(self) -> BarArrays:
        """The history stored before the replay starts: the bars opened before `replay_from`."""
        bars = self.bars()
        return bars.where(bars.time < int(self.replay_from.timestamp()))

    def replayed(self) -> BarArrays:
        """The bars the replay plays, one per tick: those opened at or after `replay_from`."""
        bars = self.bars()
        return bars.where(bars.time >= int(self.replay_from.timestamp()))


DEMO_HISTORY = [
    DemoHistory("GOOG", Timeframe.D1, "GOOG_D1.csv", replay_from=datetime(2008, 2, 25, tzinfo=UTC)),
    DemoHistory("EURUSD", Timeframe.H1, "EURUSD_H1.csv", replay_from=datetime(2017, 9, 20, tzinfo=UTC)),
    DemoHistory("BTCUSD", Timeframe.MN1, "BTCUSD_MN1.csv", replay_from=datetime(2017, 11, 1, tzinfo=UTC)),
    DemoHistory("SPX", Timeframe.D1, "SPX_D1.csv", replay_from=datetime(2015, 7, 1, tzinfo=UTC)),
    DemoHistory("IXIC", Timeframe.D1, "IXIC_D1.csv", replay_from=datetime(2015, 7, 1, tzinfo=UTC)),
]


def market_demo_seed(*, hold_back: int | None = None) -> dict[str, IngestReport]:
    """The catalogue and the bundled real history. By default each file's bars before its
    `replay_from`; with `hold_back`, all but the newest `hold_back` bars (at most a fifth of a file),
    for tests that want a few bars left to replay."""
    instrument_catalogue_load()
    reports = {}
    for demo in DEMO_HISTORY:
        if hold_back is None:
            bars = demo.seeded()
        else:
            bars = demo.bars()
            held = min(hold_back, len(bars) // 5)
            if held:
                bars = bars.upto(len(bars) - 1 - held)
        reports[demo.symbol] = bars_ingest(instrument=Instrument.objects.get(symbol=demo.symbol),
                                           timeframe=demo.timeframe, bars=bars, source=f"bundled:{demo.filename}")
    return reports
