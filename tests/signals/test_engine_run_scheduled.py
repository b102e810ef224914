"""A tier's scheduled run computes each pair with a new closed bar once and records the run."""

from signals.models import EngineRun
from signals.scheduling import engine_run_start
from tests.signals.conftest import NOW


def test_a_tier_run_computes_each_pair_with_a_new_bar_once_and_records_the_run(market,
                                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        premium = engine_run_start(tier="premium", now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        again = engine_run_start(tier="pro", now=NOW)  # same pairs, same bars: nothing to compute

    premium.refresh_from_db()
    assert premium.pairs_wanted == 5 and premium.pairs_computed == 5 and premium.finished_at is not None
    assert premium.error_count == 0
    assert again.pairs_wanted == 0
    assert EngineRun.objects.count() == 2
