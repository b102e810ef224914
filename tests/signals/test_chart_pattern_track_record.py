"""Each chart pattern has its own record: hit rate and sample size of the signals it voted for."""

from dataclasses import replace
from datetime import UTC, datetime
from io import StringIO

from django.core.management import call_command

from market.models import Instrument
from signals.engine.outcomes import Outcome
from signals.services import outcomes_record, signal_create, strategy_default_ensure
from signals.track_record_selectors import chart_pattern_track_records
from tests.signals.test_outcomes_recorded import a_draft


def _pattern(name, direction):
    return {"name": name, "label": name, "timeframe": "D1", "direction": direction, "confirmed_at": 0, "level": 1.0,
            "level_name": "neckline", "points": [], "lines": {}, "touches": 3, "volume_confirmed": None}


def test_each_pattern_counts_the_signals_it_voted_for_and_their_outcomes(market):
    strategy, goog = strategy_default_ensure(), Instrument.objects.get(symbol="GOOG")
    cases = [  # (day, patterns at the signal's bar, R)
        (2, [_pattern("double_bottom", "up")], 1.0),
        (3, [_pattern("double_bottom", "up"), _pattern("ascending_channel", "down")], -1.0),
        (4, [_pattern("double_bottom", "up")], 1.0),
        (7, [], -1.0),
    ]
    for day, patterns, r in cases:
        draft = replace(a_draft(bar_time=int(datetime(2013, 1, day, tzinfo=UTC).timestamp())), chart_patterns=patterns)
        signal = signal_create(draft=draft, instrument=goog, strategy=strategy)
        assert signal.chart_pattern_geometry == patterns
        outcomes_record([(signal, Outcome(result="target_1" if r > 0 else "stop", target_1_hit=r > 0,
                                          targets_hit=int(r > 0), exit_price=1.0, r_multiple=r, mfe_r=1.0,
                                          mae_r=-1.0, bars_held=3,
                                          closed_bar_time=int(datetime(2013, 1, 10 + day, tzinfo=UTC).timestamp())))])

    (group,) = chart_pattern_track_records()  # the channel broke against the BUY: it did not vote for it

    assert group.key == {"chart_pattern": "double_bottom"}
    assert (group.record.count, group.record.hit_rate) == (3, 0.6667)
    out = StringIO()
    call_command("model_report", stdout=out)
    assert "Double bottom: n=3, target-1 hit rate 0.6667" in out.getvalue()
