"""A bar closing computes its pair at once; the scheduled runs catch up on the rest."""

from datetime import UTC, datetime

from billing.models import Plan
from market.arrays import BarArrays
from market.demo_seed import market_demo_seed
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.services import bars_ingest
from signals.feed_selectors import engine_status
from signals.models import EngineCursor, EngineRun, Signal
from signals.run_books import tiers_served_text
from signals.scheduling import engine_run_on_bar_close, engine_run_start
from tests.signals.conftest import NOW


def test_a_bar_closing_computes_its_pair_at_once_and_the_scheduled_run_finds_it_done(
        db, eager_tasks, django_capture_on_commit_callbacks):
    market_demo_seed(hold_back=5)
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    for i in range(len(history) - 5, len(history)):
        closes_at = datetime.fromtimestamp(int(history.time[i]) + 3600, tz=UTC)
        with django_capture_on_commit_callbacks(execute=True):
            bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(i).tail(1), source="test",
                        emit_events=True, now=closes_at)
    with django_capture_on_commit_callbacks(execute=True):
        scheduled = engine_run_start(tier="premium", now=NOW)

    on_close = EngineRun.objects.filter(trigger="bar_close").order_by("started_at")
    assert on_close.count() == 5  # one per bar, each computing the bar that had just closed
    assert {run.tier for run in on_close} == {"premium"}  # the shortest cadence covering EURUSD H1
    assert all(run.pairs_wanted == run.pairs_computed == 1 and run.finished_at for run in on_close)
    eurusd_signals = Signal.objects.filter(instrument=eurusd)
    assert {s.bar_time.timestamp() for s in eurusd_signals} <= set(history.time[-5:].tolist())
    assert scheduled.trigger == "schedule"
    assert scheduled.pairs_wanted == 2  # GOOG D1 and BTCUSD MN1, whose bars closed without an event


def test_the_events_of_a_catch_up_compute_only_the_newest_bar(db, eager_tasks, django_capture_on_commit_callbacks):
    market_demo_seed(hold_back=3)
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    with django_capture_on_commit_callbacks(execute=True):  # a poll after an outage: three closed bars
        emitted = bars_ingest(instrument=eurusd, timeframe="H1", bars=history.tail(3), source="test",
                              emit_events=True, now=NOW)

    assert emitted.events_emitted == 3
    run = EngineRun.objects.get()
    assert (run.trigger, run.pairs_wanted, run.pairs_computed) == ("bar_close", 1, 1)
    cursor = EngineCursor.objects.get(instrument=eurusd, timeframe="H1")
    assert cursor.last_bar_time.timestamp() == history.time[-1]
    assert not Signal.objects.exclude(bar_time=cursor.last_bar_time).exists()


def test_a_bar_closing_outside_every_plan_computes_nothing(db):
    market_demo_seed(hold_back=0)
    Plan.objects.update(instruments=["GOOG"])
    eurusd = Instrument.objects.get(symbol="EURUSD")

    assert engine_run_on_bar_close(instrument_id=eurusd.pk, timeframe="H1", bar_time=NOW) is None
    assert engine_run_on_bar_close(instrument_id=eurusd.pk, timeframe="M1", bar_time=NOW) is None
    assert not EngineRun.objects.exists()


def test_a_bar_close_run_counts_in_the_engine_status_of_every_plan_covering_the_pair(
        db, eager_tasks, django_capture_on_commit_callbacks):
    market_demo_seed(hold_back=1)
    Plan.objects.filter(code="free").update(instruments=["GOOG"])  # Free does not cover EURUSD
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    closes_at = datetime.fromtimestamp(int(history.time[-1]) + 3600, tz=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        bars_ingest(instrument=eurusd, timeframe="H1", bars=history.tail(1), source="test", emit_events=True,
                    now=closes_at)

    run = EngineRun.objects.get(trigger="bar_close")
    covering = {plan.code for plan in Plan.objects.exclude(code="free")}
    assert run.tier == "premium" and run.tiers_served == tiers_served_text(sorted(covering))
    for tier in covering:
        status = engine_status(tier=tier)
        assert status["last_run"]["trigger"] == "bar_close" and status["last_hour"]["runs"] == 1
    assert engine_status(tier="free")["last_run"] is None
