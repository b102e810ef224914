"""The engine runs store each computed pair's state as its screener row: one statement per chunk,
signal or not, equal to the engine on the same bars, keeping the pair's last signal."""

from dataclasses import replace
from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.resample import resample
from market.selectors import bars_latest_arrays
from market.services import bars_ingest, instrument_catalogue_load
from market.timeframes import Timeframe
from signals.engine.analysis import analyse_many
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.models import EngineRun, ScreenerRow, Signal
from signals.scheduling import engine_run_start
from signals.screener_rows import screener_rows_upsert
from signals.services import LOOKBACK_BARS, strategy_default_ensure
from tests.signals.conftest import NOW

STRATEGY = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)


def _engine_on_the_stored_bars(row: ScreenerRow):
    """The pure engine's analysis of the row's pair on the bars the run read: the newest LOOKBACK_BARS
    up to its bar, and the higher timeframe resampled from them (none is stored in the demo)."""
    instrument, timeframe = row.instrument, Timeframe(row.timeframe)
    bars = bars_latest_arrays(instrument_ids=[instrument.pk], timeframe=timeframe, count=LOOKBACK_BARS,
                              until=row.bar_time)[instrument.pk]
    higher = None
    if timeframe.higher is not None:
        higher = resample(bars, target=timeframe.higher, calendar=instrument.calendar,
                          now=int(row.bar_time.timestamp()) + timeframe.seconds)
    return analyse_many([(instrument.pk, bars, instrument.spec, higher)], timeframe=timeframe,
                        strategy=STRATEGY)[instrument.pk]


def test_a_run_stores_the_state_of_every_pair_it_computed_in_one_statement(market,
                                                                         django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        run = engine_run_start(tier="premium", now=NOW)

    run.refresh_from_db()
    rows = ScreenerRow.objects.select_related("instrument")
    assert {(row.instrument.symbol, row.timeframe) for row in rows} == {("GOOG", "D1"), ("EURUSD", "H1"),
                                                                       ("BTCUSD", "MN1"), ("SPX", "D1"),
                                                                       ("IXIC", "D1")}
    assert run.pairs_computed == 5
    upserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "signals_screenerrow"')]
    assert len(upserts) == 1


def test_the_stored_state_is_what_the_engine_computes_on_the_same_bars(market, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    for row in ScreenerRow.objects.select_related("instrument", "last_signal"):
        analysis = _engine_on_the_stored_bars(row)
        state = analysis.state
        assert int(row.bar_time.timestamp()) == state.bar_time
        assert (row.close, row.change_pct, row.score, row.leaning, row.regime, row.higher_trend) == (
            state.close, state.change_pct, state.score, state.leaning, state.regime, state.higher_trend)
        assert (row.rsi, row.atr_pct, row.contributions) == (state.rsi, state.atr_pct, state.contributions)
        if analysis.draft is None:
            assert row.last_signal is None
        else:
            assert (row.last_signal.direction, row.last_signal.score) == (
                analysis.draft.direction, analysis.draft.score)


def test_pairs_without_a_signal_are_stored_too(market, django_capture_on_commit_callbacks):
    strategy = strategy_default_ensure()
    strategy.config = {**DEFAULT_CONFLUENCE, "threshold": 1.0}  # no score reaches it: no signal at all
    strategy.save()

    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    assert not Signal.objects.exists()
    assert ScreenerRow.objects.count() == 5
    assert set(ScreenerRow.objects.values_list("leaning", flat=True)) == {"neutral"}
    assert set(ScreenerRow.objects.values_list("last_signal", flat=True)) == {None}


def test_bar_by_bar_the_row_follows_the_newest_bar_and_keeps_the_pairs_newest_signal(
        db, eager_tasks, django_capture_on_commit_callbacks):
    instrument_catalogue_load()
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    start = 715  # the engine leans long from 717 to 739 with gaps after: rows keep an earlier signal
    bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(start - 1), source="test")
    kept = 0
    for i in range(start, start + 30):
        bar_open = datetime.fromtimestamp(int(history.time[i]), tz=UTC)
        with django_capture_on_commit_callbacks(execute=True):
            bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(i).tail(1), source="replay",
                        emit_events=True, now=datetime.fromtimestamp(int(history.time[i]) + 3600, tz=UTC))

        row = ScreenerRow.objects.get(instrument=eurusd, timeframe="H1")
        newest_signal = Signal.objects.filter(instrument=eurusd, timeframe="H1").order_by("-bar_time").first()
        assert row.bar_time == bar_open
        assert row.last_signal == newest_signal
        kept += newest_signal is not None and newest_signal.bar_time < bar_open
    assert kept and Signal.objects.count() >= 2  # bars without a signal kept an earlier one, more than once
    assert EngineRun.objects.count() == 30


def test_an_older_state_does_not_overwrite_a_newer_one(market, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)
    row = ScreenerRow.objects.select_related("instrument").get(timeframe="H1")
    state = _engine_on_the_stored_bars(row).state

    # A worker that computed the bar before finishes last.
    older = replace(state, bar_time=state.bar_time - 3600, close=1.0, score=0.99, leaning="long")
    screener_rows_upsert(strategy_id=row.strategy_id, states=[(row.instrument_id, "H1", older, None)])

    again = ScreenerRow.objects.get(pk=row.pk)
    assert (again.bar_time, again.close, again.score, again.computed_at) == (row.bar_time, row.close, row.score,
                                                                            row.computed_at)
