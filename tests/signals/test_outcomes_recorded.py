from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, InternalError

from market.models import Instrument
from signals.engine.analysis import SignalDraft
from signals.models import Signal


def a_draft(*, bar_time: int | None = None) -> SignalDraft:
    """A plausible GOOG daily BUY draft (entry near the early-2013 price)."""
    bar_time = bar_time or int(datetime(2013, 1, 2, tzinfo=UTC).timestamp())
    return SignalDraft(direction="BUY", score=0.6, confidence=None, entry=723.25, stop=700.0,
                       targets=(746.5, 769.75, 793.0), risk_reward=1.0, position_size_fraction=0.311,
                       distances={"stop_ticks": 2325, "stop_percent": 3.2147}, regime="trending_up",
                       timeframe="D1", reasoning="Uptrend (EMA20 above EMA50), Supertrend up.",
                       contributions={"trend": 0.13, "supertrend": 0.09}, features={}, bar_time=bar_time,
                       valid_for_seconds=20 * 86400)


@pytest.mark.postgres
def test_append_only_postgresql_refuses_to_edit_or_delete_a_published_signal(db):
    from market.services import instrument_catalogue_load
    from signals.services import signal_create, strategy_default_ensure

    instrument_catalogue_load()
    signal = signal_create(draft=a_draft(), instrument=Instrument.objects.get(symbol="GOOG"),
                           strategy=strategy_default_ensure())

    def raw_delete():  # as someone with a SQL prompt would (the ORM is stopped earlier, by PROTECT)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM signals_ledgerentry WHERE signal_id = %s", [signal.pk])

    for change in (lambda: Signal.objects.filter(pk=signal.pk).update(entry=1.0), raw_delete):
        with pytest.raises((DatabaseError, InternalError), match="append-only"), transaction.atomic():
            change()
    assert Signal.objects.get(pk=signal.pk).entry == 723.25
    assert connection.vendor == "postgresql"
