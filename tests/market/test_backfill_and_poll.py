from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from market.models import Bar, BarClose
from market.providers.bundled import BundledProvider
from market.services import bars_poll
from tests.market.conftest import utc


def test_backfill_from_the_bundled_provider_imports_the_range(goog, capsys):
    call_command("backfill", "--symbol", "GOOG", "--timeframe", "D1", "--since", "2013-01-01", "--until", "2013-03-01",
                 "--provider", "bundled")

    assert "stored or changed" in capsys.readouterr().out
    assert Bar.objects.filter(instrument=goog).count() == 21 + 19 + 1  # Jan, Feb 2013 sessions and 1 March


def test_backfill_errors_are_clear(goog):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("backfill", "--symbol", "GOOG", "--timeframe", "D1", "--since", "yesterday",
                     "--provider", "bundled")
    with pytest.raises(CommandError, match="No bundled history for GOOG H1"):
        call_command("backfill", "--symbol", "GOOG", "--timeframe", "H1", "--since", "2013-01-01",
                     "--provider", "bundled")
    with pytest.raises(CommandError, match="ALPHA_VANTAGE_API_KEY"):
        call_command("backfill", "--symbol", "GOOG", "--timeframe", "D1", "--since", "2013-01-01")


def test_polling_ingests_only_closed_bars_since_the_newest_and_emits_their_events(eurusd):
    provider = BundledProvider()
    now = datetime.fromtimestamp(utc("2018-02-07 12:30"), tz=UTC)
    Bar.objects.create(instrument=eurusd, timeframe="H1", time=datetime.fromtimestamp(utc("2018-02-07 09:00"), tz=UTC),
                       open=1, high=1, low=1, close=1, volume=1)

    report = bars_poll(instrument=eurusd, timeframe="H1", provider=provider, now=now)

    assert report.stored == 2  # 10:00 and 11:00; the 12:00 bar is still forming
    assert report.events_emitted == 2
    assert BarClose.objects.count() == 2
