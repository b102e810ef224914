from collections import Counter

import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import F

from config.celery_app import app
from market.arrays import BarArrays
from market.demo_seed import DEMO_HISTORY, market_demo_seed
from market.models import Bar, BarClose, Instrument
from market.replay import replay_run
from market.selectors import bar_time_latest
from market.services import bars_ingest
from market.tasks import replay_tick
from signals.models import Signal
from tests.market.conftest import FIXTURES


def test_replay_streams_the_next_bars_as_closed_at_the_chosen_speed(eurusd, django_capture_on_commit_callbacks):
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(99), source="t")
    slept = []

    replayed = replay_run(instrument=eurusd, timeframe="H1", history=history, speed=3600, max_bars=3,
                          sleep=slept.append)

    assert replayed == 3
    assert slept == [1.0, 1.0, 1.0]  # an hourly bar per second at 3600 x
    assert Bar.objects.filter(instrument=eurusd).count() == 103
    assert list(BarClose.objects.order_by("time").values_list("time", flat=True)) == \
        [Bar.objects.filter(instrument=eurusd).order_by("time")[i].time for i in (100, 101, 102)]


def test_replay_stops_at_the_end_of_the_history(eurusd):
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv").tail(2)

    assert replay_run(instrument=eurusd, timeframe="H1", history=history, speed=1e9, sleep=lambda s: None) == 2
    assert replay_run(instrument=eurusd, timeframe="H1", history=history, speed=1e9, sleep=lambda s: None) == 0


def test_the_demo_seed_loads_real_history_and_holds_back_bars_for_the_replay(catalogue):
    reports = market_demo_seed(hold_back=300)

    assert reports["GOOG"].stored == 2148 - 300
    assert reports["EURUSD"].stored == 5000 - 300
    assert reports["BTCUSD"].stored == 156 - 31
    assert reports["SPX"].stored == reports["IXIC"].stored == 5031 - 300
    assert Instrument.objects.count() == 41
    assert not Instrument.objects.filter(symbol__in=reports, is_synthetic=True).exists()


def test_the_demo_seed_stores_the_history_before_replay_from_and_the_replay_starts_at_it(catalogue):
    reports = market_demo_seed()
    firsts = {}
    for demo in DEMO_HISTORY:
        bars = demo.bars()
        first = int(np.searchsorted(bars.time, demo.replay_from.timestamp()))  # first bar at/after replay_from
        assert 0 < first < len(bars) and bars.time[first - 1] < demo.replay_from.timestamp() <= bars.time[first]
        assert reports[demo.symbol].received == first
        instrument = Instrument.objects.get(symbol=demo.symbol)
        assert bar_time_latest(instrument=instrument, timeframe=demo.timeframe).timestamp() == bars.time[first - 1]
        firsts[demo.symbol] = (instrument, demo.timeframe, bars.time[first], bars.time[first + 1])

    for tick in (0, 1):
        replay_tick.apply()
        for symbol, (instrument, timeframe, *played) in firsts.items():
            assert bar_time_latest(instrument=instrument, timeframe=timeframe).timestamp() == played[tick], symbol
    assert sorted(t.timestamp() for t in BarClose.objects.values_list("time", flat=True)) == \
        sorted(t for _, _, *played in firsts.values() for t in played)


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process when sent: a closed bar reaches the engine at once."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_the_first_four_minutes_of_the_demo_replay_give_buy_and_sell_signals(
        db, eager_tasks, django_capture_on_commit_callbacks):
    call_command("seed_demo")
    for _ in range(48):  # four minutes at MARKET_REPLAY_SECONDS_PER_BAR = 5
        with django_capture_on_commit_callbacks(execute=True):
            replay_tick.apply()

    sides = Counter(Signal.objects.values_list("instrument__symbol", "direction"))
    assert sides[("GOOG", "BUY")] and sides[("GOOG", "SELL")]  # the 2008 slide, then the April rally
    assert sides[("EURUSD", "BUY")] and sides[("EURUSD", "SELL")]  # the turn of 20 September 2017
    assert sides[("BTCUSD", "BUY")]  # monthly BTCUSD never scores a SELL; it stops buying through 2018
    for index in ("SPX", "IXIC"):  # the rise of July 2015, then the August sell-off
        assert sides[(index, "BUY")] and sides[(index, "SELL")], index
    assert not Signal.objects.filter(valid_until__lte=F("created_at")).exists()


def test_replay_command_and_report_command_run(eurusd, tmp_path, capsys):
    path = FIXTURES / "EURUSD_H1.csv"
    call_command("replay", str(path), "--symbol", "EURUSD", "--timeframe", "H1", "--speed", "1e12", "--max-bars", "5")
    call_command("data_quality_report", "--symbol", "EURUSD")

    out = capsys.readouterr().out
    assert "Replayed 5 bars of EURUSD H1" in out
    assert "EURUSD H1: 5 bars" in out


def test_the_catalogue_has_the_instruments_a_subscriber_expects(catalogue):
    by_class = {c: Instrument.objects.filter(asset_class=c).count() for c in ("stock", "forex", "crypto")}

    assert by_class["stock"] >= 10 and by_class["forex"] >= 17 and by_class["crypto"] >= 10
    usdjpy = Instrument.objects.get(symbol="USDJPY")
    assert (usdjpy.pip_size, usdjpy.tick_size, usdjpy.price_precision) == (0.01, 0.001, 3)
    assert Instrument.objects.get(symbol="EURUSD").spec.pip_size == 0.0001
