"""The track record is read from the outcomes recorded, per tier and in the order they closed, and
each new signal carries the same figures."""

from datetime import UTC, datetime

from market.models import Instrument
from signals.engine.outcomes import Outcome
from signals.models import Signal
from signals.selectors import success_summary_for, track_record_for
from signals.services import outcomes_record, signal_create, strategy_default_ensure
from tests.signals.test_outcomes_recorded import a_draft


def test_the_track_record_is_kept_per_tier(market):
    strategy = strategy_default_ensure()
    goog = Instrument.objects.get(symbol="GOOG")
    for day, r in ((2, 1.0), (3, -1.0)):
        signal = signal_create(draft=a_draft(bar_time=int(datetime(2013, 1, day, tzinfo=UTC).timestamp())),
                               instrument=goog, strategy=strategy)
        outcomes_record([(signal, Outcome(result="target_1" if r > 0 else "stop", target_1_hit=r > 0,
                                          targets_hit=int(r > 0), exit_price=1.0, r_multiple=r, mfe_r=1.0, mae_r=-1.0,
                                          bars_held=3,
                                          closed_bar_time=int(datetime(2013, 1, 9, tzinfo=UTC).timestamp())))])

    everyone = track_record_for(strategy=strategy, instrument=goog, timeframe="D1")
    free = track_record_for(strategy=strategy, tier="free")
    nobody = track_record_for(strategy=strategy, tier="enterprise")

    assert (everyone.count, everyone.hit_rate, everyone.profit_factor) == (2, 0.5, 1.0)
    assert free.count == 2  # GOOG D1 is in Free's universe
    assert nobody.count == 0


def test_the_record_follows_the_order_outcomes_closed_in_and_signals_carry_the_same_figures(market):
    strategy = strategy_default_ensure()
    goog = Instrument.objects.get(symbol="GOOG")
    # Recorded in this order, closed in day order: R by close time is +1, -1, -1, +1.5 (drawdown 2);
    # in the order recorded it would be -1, +1, -1, +1.5 (drawdown 1).
    for closed_day, r in ((20, -1.0), (10, 1.0), (25, -1.0), (28, 1.5)):
        signal = signal_create(draft=a_draft(bar_time=int(datetime(2013, 1, closed_day - 7, tzinfo=UTC).timestamp())),
                               instrument=goog, strategy=strategy)
        outcomes_record([(signal, Outcome(
            result="target_1" if r > 0 else "stop", target_1_hit=r > 0, targets_hit=int(r > 0), exit_price=1.0,
            r_multiple=r, mfe_r=max(r, 0.0), mae_r=-1.0, bars_held=3,
            closed_bar_time=int(datetime(2013, 1, closed_day, tzinfo=UTC).timestamp())))])

    record = track_record_for(strategy=strategy, instrument=goog, timeframe="D1")
    summary = success_summary_for(strategy=strategy, instrument=goog, timeframe="D1")
    newest = Signal.objects.order_by("-pk").first()

    assert record.max_drawdown_r == 2.0
    assert (summary.count, summary.hit_rate, summary.average_r, summary.worst_r) == (
        record.count, record.hit_rate, record.average_r, record.worst_r) == (4, 0.5, 0.125, -1.0)
    assert (newest.success_sample_size, newest.success_rate, newest.avg_r, newest.worst_loss_r) == (
        3, 0.3333, -0.3333, -1.0)
