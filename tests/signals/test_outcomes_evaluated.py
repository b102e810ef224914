"""A closed bar evaluates the open signals of its pair; each final outcome is recorded once."""

from dataclasses import replace
from datetime import UTC, datetime

from market.models import Instrument
from signals.ledger import ledger_verify
from signals.models import LedgerEntry, SignalOutcome
from signals.services import outcomes_evaluate, signal_create, strategy_default_ensure
from tests.signals.test_outcomes_recorded import a_draft


def test_outcomes_are_evaluated_when_a_bar_closes_and_each_is_recorded_once(market):
    goog = Instrument.objects.get(symbol="GOOG")
    signals = [signal_create(draft=a_draft(bar_time=int(datetime(2013, 1, day, tzinfo=UTC).timestamp())),
                             instrument=goog, strategy=strategy_default_ensure()) for day in (2, 3)]
    closed = datetime(2013, 3, 1, tzinfo=UTC)

    recorded = outcomes_evaluate(instrument_id=goog.pk, timeframe="D1", closed_bar_time=closed)
    again = outcomes_evaluate(instrument_id=goog.pk, timeframe="D1", closed_bar_time=closed)

    assert (recorded, again) == (2, 0)
    for signal in signals:
        outcome = SignalOutcome.objects.get(signal=signal)
        assert outcome.result in ("target_1", "target_2", "target_3", "stop", "expired")
        assert LedgerEntry.objects.filter(kind="outcome", signal=signal).count() == 1
    assert list(LedgerEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert ledger_verify().ok


def test_a_monthly_signal_is_evaluated_on_every_month_after_it_february_included(market):
    btc = Instrument.objects.get(symbol="BTCUSD")
    opened = int(datetime(2019, 1, 31, tzinfo=UTC).timestamp())
    # BTCUSD's months after January 2019 (bars stamped on the month's last day): February's high
    # 4,190 and March's 4,130 stay below target 1; April's 5,627 passes all three.
    draft = replace(a_draft(bar_time=opened), timeframe="MN1", entry=3400.0, stop=3000.0,
                    targets=(4500.0, 4800.0, 5100.0), valid_for_seconds=20 * 30 * 86400)
    signal = signal_create(draft=draft, instrument=btc, strategy=strategy_default_ensure())

    recorded = outcomes_evaluate(instrument_id=btc.pk, timeframe="MN1",
                                 closed_bar_time=datetime(2019, 4, 30, tzinfo=UTC))

    outcome = SignalOutcome.objects.get(signal=signal)
    assert recorded == 1
    assert (outcome.result, outcome.bars_held, outcome.exit_price) == ("target_3", 3, 4500.0)
