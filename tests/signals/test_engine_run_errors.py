"""One pair failing fails alone: the run goes on and records its error."""

import signals.services as services
from signals.models import EngineError
from signals.scheduling import engine_run_start
from tests.signals.conftest import NOW


def test_one_bad_instrument_fails_alone_and_its_error_is_recorded(market, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    real = services.analyse_many

    def broken_for_eurusd(items, **kwargs):
        if any(instrument.symbol == "EURUSD" for _, _, instrument, _ in items):
            raise ValueError("corrupt history")
        return real(items, **kwargs)

    monkeypatch.setattr(services, "analyse_many", broken_for_eurusd)
    with django_capture_on_commit_callbacks(execute=True):
        run = engine_run_start(tier="premium", now=NOW)

    run.refresh_from_db()
    assert run.error_count == 1 and run.pairs_computed == 4 and run.finished_at is not None
    error = EngineError.objects.get()
    assert error.instrument.symbol == "EURUSD" and "corrupt history" in error.error
