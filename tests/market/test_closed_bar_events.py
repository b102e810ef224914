from datetime import UTC, datetime

from django.test import override_settings

from market.bar_events import bars_closed_emit
from market.models import BarClose
from market.services import bars_ingest
from tests.market.conftest import bars_from, utc

AT = lambda text: datetime.fromtimestamp(utc(text), tz=UTC)  # noqa: E731


@override_settings(BAR_CLOSED_TASKS=["tests.probe.bar_closed"])
def test_a_closed_bar_event_is_emitted_once_per_bar(eurusd, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("market.bar_events.current_app.send_task",
                        lambda name, args=None, kwargs=None, **options: sent.append((name, kwargs)))
    bars = bars_from([("2018-01-08 10:00", 1.2, 1.21, 1.19, 1.2, 10)])

    with django_capture_on_commit_callbacks(execute=True):
        bars_ingest(instrument=eurusd, timeframe="H1", bars=bars, source="t", emit_events=True,
                    now=AT("2018-01-08 11:00"))
    with django_capture_on_commit_callbacks(execute=True):
        bars_ingest(instrument=eurusd, timeframe="H1", bars=bars, source="t", emit_events=True,
                    now=AT("2018-01-08 12:00"))

    assert sent == [("tests.probe.bar_closed", {"instrument_id": eurusd.pk, "timeframe": "H1",
                                                "time": utc("2018-01-08 10:00")})]
    assert BarClose.objects.count() == 1


def test_a_forming_bar_never_emits_a_closed_event(eurusd):
    emitted = bars_closed_emit(instrument=eurusd, timeframe="H1", times=[utc("2018-01-08 10:00")],
                               now=AT("2018-01-08 10:59"))

    assert emitted == 0
    assert not BarClose.objects.exists()
