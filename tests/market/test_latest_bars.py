from datetime import UTC, datetime

import numpy as np
import pytest

from market.arrays import BarArrays
from market.models import Instrument
from market.selectors import bar_time_latest, bars_latest_arrays
from market.services import bars_ingest
from tests.market.conftest import FIXTURES, utc


def _load(goog, eurusd):
    goog_bars = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    bars_ingest(instrument=goog, timeframe="D1", bars=goog_bars, source="t")
    bars_ingest(instrument=eurusd, timeframe="D1", bars=goog_bars.tail(20), source="t")
    return goog_bars


def _check(goog, eurusd):
    goog_bars = _load(goog, eurusd)
    until = datetime.fromtimestamp(utc("2013-02-28"), tz=UTC)
    empty = Instrument.objects.get(symbol="AAPL")

    arrays = bars_latest_arrays(instrument_ids=[goog.pk, eurusd.pk, empty.pk], timeframe="D1", count=100, until=until)

    assert set(arrays) == {goog.pk, eurusd.pk}
    got = arrays[goog.pk]
    assert len(got) == 100 and got.time[-1] == utc("2013-02-28")
    np.testing.assert_array_equal(got.close, goog_bars.close[-101:-1])
    np.testing.assert_array_equal(got.time, goog_bars.time[-101:-1])
    assert len(arrays[eurusd.pk]) == 19


def test_latest_bars_of_many_instruments_in_one_query(goog, eurusd, django_assert_num_queries):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL runs one COPY on the raw psycopg cursor, outside Django's query log")
    _load(goog, eurusd)
    with django_assert_num_queries(1):
        arrays = bars_latest_arrays(instrument_ids=[goog.pk, eurusd.pk], timeframe="D1", count=10)

    assert {len(a) for a in arrays.values()} == {10}


def test_latest_bars_are_the_newest_n_up_to_a_time_oldest_first(goog, eurusd):
    _check(goog, eurusd)


@pytest.mark.postgres
def test_latest_bars_on_postgresql_use_copy_and_agree(goog, eurusd):
    _check(goog, eurusd)


def test_the_newest_bar_time_is_per_instrument_and_timeframe_and_none_without_bars(goog, eurusd):
    goog_bars = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    bars_ingest(instrument=goog, timeframe="D1", bars=goog_bars, source="t")
    bars_ingest(instrument=eurusd, timeframe="D1", bars=goog_bars.upto(9), source="t")

    assert bar_time_latest(instrument=goog, timeframe="D1") == datetime(2013, 3, 1, tzinfo=UTC)
    assert bar_time_latest(instrument=eurusd, timeframe="D1") == datetime.fromtimestamp(goog_bars.time[9], tz=UTC)
    assert bar_time_latest(instrument=goog, timeframe="H1") is None
