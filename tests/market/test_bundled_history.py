"""The bundled real history: each file loads with the bars, dates and sane prices its README states, the
S&P 500 and NASDAQ Composite files are arch's data with nothing changed but the format, and both indices are
in the catalogue and served by the bundled provider."""

import numpy as np
import pytest

from market.arrays import BarArrays
from market.fixtures.from_arch import fixture_rows
from market.models import Instrument
from market.providers.bundled import BundledProvider
from market.timeframes import Timeframe
from tests.market.conftest import FIXTURES, utc

BUNDLED = [
    ("GOOG_D1.csv", 2148, "2004-08-19", "2013-03-01"),
    ("EURUSD_H1.csv", 5000, "2017-04-19 09:00", "2018-02-07 15:00"),
    ("BTCUSD_MN1.csv", 156, "2012-01-31", "2024-12-31"),
    ("SPX_D1.csv", 5031, "1999-01-04", "2018-12-31"),
    ("IXIC_D1.csv", 5031, "1999-01-04", "2018-12-31"),
]


@pytest.mark.parametrize(("name", "count", "first", "last"), BUNDLED)
def test_each_bundled_file_has_its_bars_in_order_with_sane_prices(name, count, first, last):
    bars = BarArrays.from_csv(FIXTURES / name)

    assert len(bars) == count
    assert (bars.time[0], bars.time[-1]) == (utc(first), utc(last))
    assert (np.diff(bars.time) > 0).all()
    values = np.vstack([bars.open, bars.high, bars.low, bars.close, bars.volume])
    assert np.isfinite(values).all() and (values[:4] > 0).all() and (bars.volume >= 0).all()
    assert (bars.low <= np.minimum(bars.open, bars.close)).all()
    assert (np.maximum(bars.open, bars.close) <= bars.high).all()


@pytest.mark.parametrize("name", ["SPX_D1.csv", "IXIC_D1.csv"])
def test_the_index_files_hold_one_bar_per_weekday_at_midnight_utc(name):
    bars = BarArrays.from_csv(FIXTURES / name)

    assert (bars.time % 86_400 == 0).all()
    weekdays = ((bars.time // 86_400) + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
    assert weekdays.max() <= 4


def test_the_index_files_keep_arch_s_values_as_written():
    # The first and last rows of arch 8.0.0's arch/data/sp500/sp500.csv.gz and nasdaq.csv.gz, as shipped.
    spx = (FIXTURES / "SPX_D1.csv").read_text().splitlines()
    ixic = (FIXTURES / "IXIC_D1.csv").read_text().splitlines()

    assert spx[0] == "time,open,high,low,close,volume"
    assert spx[1] == "1999-01-04,1229.22998,1248.810059,1219.099976,1228.099976,877000000"
    assert spx[-1] == "2018-12-31,2498.939941,2509.23999,2482.820068,2506.850098,3442870000"
    assert ixic[1] == "1999-01-04,2207.540039,2233.570068,2192.679932,2208.050049,936660000"
    assert ixic[-1] == "2018-12-31,6649.52002,6659.959961,6570.060059,6635.279785,2098560000"


def test_the_conversion_changes_the_date_format_and_drops_adj_close_only():
    arch_csv = ("Date,Open,High,Low,Close,Adj Close,Volume\n"
                "1/4/1999,1229.22998,1248.810059,1219.099976,1228.099976,1228.099976,877000000\n"
                "12/31/2018,2498.939941,2509.23999,2482.820068,2506.850098,2506.850098,3442870000\n")

    assert fixture_rows(arch_csv) == [
        ["time", "open", "high", "low", "close", "volume"],
        ["1999-01-04", "1229.22998", "1248.810059", "1219.099976", "1228.099976", "877000000"],
        ["2018-12-31", "2498.939941", "2509.23999", "2482.820068", "2506.850098", "3442870000"],
    ]


def test_the_conversion_refuses_an_adj_close_that_differs_from_close():
    arch_csv = "Date,Open,High,Low,Close,Adj Close,Volume\n1/4/1999,10,11,9,10.5,10.2,100\n"

    with pytest.raises(ValueError, match=r"1/4/1999: Adj Close 10\.2 differs from Close 10\.5"):
        fixture_rows(arch_csv)


def test_the_indices_are_us_stock_instruments_of_the_catalogue(catalogue):
    for symbol, name in (("SPX", "S&P 500 index"), ("IXIC", "NASDAQ Composite index")):
        index = Instrument.objects.get(symbol=symbol)
        assert (index.display_name, index.asset_class, index.calendar) == (name, "stock", "XNYS")
        assert (index.price_precision, index.tick_size, index.quote_currency) == (2, 0.01, "USD")
        assert not index.is_synthetic
    assert Instrument.objects.count() == 41  # 12 stocks, 2 indices, 17 forex pairs, 10 crypto


def test_the_bundled_provider_serves_the_index_history_between_two_dates():
    bars = BundledProvider().history("SPX", Timeframe.D1, utc("2008-09-15"), utc("2008-09-19"))

    assert len(bars) == 5
    assert (bars.time[0], bars.time[-1]) == (utc("2008-09-15"), utc("2008-09-19"))
    assert bars.close[0] == pytest.approx(1192.699951)  # the day Lehman Brothers filed
