"""No look-ahead through the live path: the bundled EURUSD history is replayed bar by bar (ingest,
closed-bar event, the engine run it starts, stored signal), and every step's result equals
`analyse` on the history truncated at that bar, with the engine's lookback window; every outcome the
closed-bar events recorded equals `evaluate` of the signal over the replayed history."""

from datetime import UTC, datetime

import numpy as np

from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.resample import resample
from market.services import bars_ingest, instrument_catalogue_load
from market.timeframes import Timeframe
from signals.engine.analysis import analyse
from signals.engine.outcomes import SignalLevels, evaluate
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.models import EngineRun, Signal
from signals.services import LOOKBACK_BARS

START, STEPS = 700, 60


def test_every_live_signal_equals_the_engine_on_the_truncated_history(db, eager_tasks,
                                                                       django_capture_on_commit_callbacks):
    instrument_catalogue_load()
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(START - 1), source="test")
    strategy = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)

    for i in range(START, START + STEPS):
        closes_at = datetime.fromtimestamp(int(history.time[i]) + 3600, tz=UTC)
        with django_capture_on_commit_callbacks(execute=True):
            bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(i).tail(1), source="replay",
                        emit_events=True, now=closes_at)

        window = history.upto(i).tail(LOOKBACK_BARS)
        bar_open = int(history.time[i])
        higher = resample(window, target=Timeframe.H4, calendar="FOREX", now=bar_open)
        expected = analyse(window, instrument=eurusd.spec, timeframe="H1", strategy=strategy, higher=higher)
        stored = Signal.objects.filter(instrument=eurusd, bar_time=datetime.fromtimestamp(bar_open, tz=UTC)).first()

        if expected is None:
            assert stored is None, f"bar {i}: the live path published a signal the engine does not give"
            continue
        assert stored is not None, f"bar {i}: the engine gives a signal the live path did not publish"
        assert (stored.direction, stored.entry, stored.stop) == (expected.direction, expected.entry, expected.stop)
        assert (stored.target_1, stored.target_2, stored.target_3) == expected.targets
        assert stored.score == expected.score and stored.reasoning == expected.reasoning
        assert stored.contributions == expected.contributions and stored.regime == expected.regime
        assert stored.chart_pattern_geometry == expected.chart_patterns

    assert Signal.objects.count() > 5  # the replay published signals to compare
    # ... and chart patterns voted in some of them (the replay covers the patterns too)
    assert any(s.contributions["chart_pattern"] for s in Signal.objects.all())
    assert any(s.chart_pattern_geometry for s in Signal.objects.all())
    assert EngineRun.objects.filter(trigger="bar_close").count() == STEPS  # each started by its bar's close
    from signals.models import SignalOutcome

    assert SignalOutcome.objects.exists()  # and the closed-bar events evaluated them
    replayed = history.upto(START + STEPS - 1)
    for outcome in SignalOutcome.objects.select_related("signal"):
        signal = outcome.signal
        expected = evaluate(SignalLevels(direction=signal.direction, entry=signal.entry, stop=signal.stop,
                                         targets=(signal.target_1, signal.target_2, signal.target_3),
                                         bar_time=int(signal.bar_time.timestamp()),
                                         valid_bars=strategy.validity_bars), replayed)
        assert (outcome.result, outcome.r_multiple, outcome.exit_price, outcome.bars_held) == (
            expected.result, expected.r_multiple, expected.exit_price, expected.bars_held)
        assert outcome.closed_bar_time.timestamp() == expected.closed_bar_time
    assert np.all(np.diff([s.bar_time.timestamp() for s in Signal.objects.order_by("bar_time")]) > 0)
