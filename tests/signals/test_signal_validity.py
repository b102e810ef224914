"""A signal is valid for its strategy's bars counted from when it is published, never born expired."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from market.arrays import BarArrays
from market.models import Instrument
from market.services import instrument_catalogue_load
from signals.engine.analysis import analyse
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.services import signal_create, strategy_default_ensure
from tests.market.conftest import FIXTURES
from tests.signals.test_engine import EURUSD
from tests.signals.test_outcomes_recorded import a_draft


def test_a_signal_of_an_old_bar_is_valid_for_its_bars_from_when_it_is_published(db):
    instrument_catalogue_load()
    bar_time = int(datetime(2013, 1, 2, tzinfo=UTC).timestamp())
    before = timezone.now()

    signal = signal_create(draft=a_draft(bar_time=bar_time), instrument=Instrument.objects.get(symbol="GOOG"),
                           strategy=strategy_default_ensure())

    signal.refresh_from_db()
    assert signal.bar_time == datetime(2013, 1, 2, tzinfo=UTC)
    assert before <= signal.created_at <= timezone.now()
    assert signal.valid_until == signal.created_at + timedelta(days=20)  # 20 daily bars
    assert signal.valid_until > timezone.now()


def test_a_draft_is_valid_for_the_strategys_bars_of_its_timeframe():
    strategy = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)
    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    draft = next(d for t in range(300, 900, 7)
                 if (d := analyse(bars.upto(t), instrument=EURUSD, timeframe="H1", strategy=strategy)))

    assert draft.valid_for_seconds == strategy.validity_bars * 3600 == 20 * 3600
