"""A run computes its first chunk itself and sends the others to workers."""

from celery.signals import task_prerun

from signals.scheduling import engine_run_start
from tests.signals.conftest import NOW


def test_a_run_computes_its_first_chunk_itself_and_fans_the_rest_out_to_workers(market, monkeypatch,
                                                                               django_capture_on_commit_callbacks):
    monkeypatch.setattr("signals.scheduling.CHUNK_SIZE", 1)
    chunk_tasks = []

    def record(sender=None, kwargs=None, **_):
        if sender.name == "signals.tasks.engine_compute_chunk":
            chunk_tasks.append(kwargs["pairs"])

    task_prerun.connect(record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = engine_run_start(tier="premium", now=NOW)
    finally:
        task_prerun.disconnect(record)

    run.refresh_from_db()
    assert (run.chunks_total, run.chunks_done, run.pairs_computed) == (5, 5, 5)  # GOOG, EURUSD, BTCUSD, SPX, IXIC
    assert len(chunk_tasks) == 4 and all(len(pairs) == 1 for pairs in chunk_tasks)
    assert run.finished_at is not None
