from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from market.arrays import BarArrays
from market.services import instrument_catalogue_load

FIXTURES = Path(__file__).resolve().parents[2] / "market" / "fixtures"


def utc(text: str) -> int:
    """Epoch seconds of a UTC time written as text."""
    return int(pd.Timestamp(text, tz="UTC").timestamp())


def bars_from(rows: list[tuple]) -> BarArrays:
    """BarArrays from (time text, open, high, low, close, volume) rows."""
    frame = pd.DataFrame(rows, columns=["time", "open", "high", "low", "close", "volume"])
    return BarArrays(np.array([utc(t) for t in frame["time"]], dtype=np.int64),
                     *(frame[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close", "volume")))


@pytest.fixture
def catalogue(db):
    instrument_catalogue_load()


@pytest.fixture
def goog(catalogue):
    from market.models import Instrument

    return Instrument.objects.get(symbol="GOOG")


@pytest.fixture
def eurusd(catalogue):
    from market.models import Instrument

    return Instrument.objects.get(symbol="EURUSD")
