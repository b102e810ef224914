"""No look-ahead, through the live path: the bundled EURUSD hours are replayed bar by bar through
ingestion and the closed-bar event (which runs the live engine and stores its signals); the
confluence backtest over the same bars gives exactly the signals the live path stored, bar for bar."""

from datetime import UTC, datetime

from backtests.engine.strategies import LIVE_LOOKBACK_BARS, ConfluenceStrategy
from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.services import bars_ingest, instrument_catalogue_load
from market.timeframes import Timeframe
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.models import Signal
from signals.services import LOOKBACK_BARS

START, STEPS = 700, 40


def test_the_backtest_lookback_is_the_live_one():
    assert LIVE_LOOKBACK_BARS == LOOKBACK_BARS


def test_a_confluence_backtest_signals_exactly_what_the_live_path_published(db, eager_tasks,
                                                                             django_capture_on_commit_callbacks):
    instrument_catalogue_load()
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(START - 1), source="test")
    for i in range(START, START + STEPS):
        with django_capture_on_commit_callbacks(execute=True):
            bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(i).tail(1), source="replay",
                        emit_events=True, now=datetime.fromtimestamp(int(history.time[i]) + 3600, tz=UTC))

    strategy = ConfluenceStrategy(config=StrategyConfig.from_dict(DEFAULT_CONFLUENCE), mode="replay", start=START)
    backtest = strategy.signals(history.upto(START + STEPS - 1), instrument=eurusd.spec, timeframe=Timeframe.H1)
    live = list(Signal.objects.filter(instrument=eurusd).order_by("bar_time"))

    assert len(live) >= 5  # the replay published signals to compare
    assert [int(history.time[i]) for i, _ in backtest] == [int(s.bar_time.timestamp()) for s in live]
    for (_, draft), stored in zip(backtest, live, strict=True):
        assert (draft.direction, draft.entry, draft.stop, draft.targets) == (
            stored.direction, stored.entry, stored.stop, (stored.target_1, stored.target_2, stored.target_3))
        assert (draft.score, draft.reasoning, draft.contributions, draft.regime) == (
            stored.score, stored.reasoning, stored.contributions, stored.regime)
