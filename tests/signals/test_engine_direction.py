"""The engine has no side of its own: a falling market gets SELL signals, and a market mirrored
around a price gets the opposite signals with the same strength."""

from datetime import UTC, datetime

import numpy as np
import pytest

from market.arrays import BarArrays, InstrumentSpec
from market.resample import resample
from market.timeframes import Timeframe
from signals.engine.analysis import analyse
from signals.engine.indicators import supertrend
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.engine.structure import structure_events
from tests.market.conftest import FIXTURES

STRATEGY = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)
CRYPTO = InstrumentSpec("FALL", "crypto", 0.01, 2)
GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2)
GOOG_CENTS = InstrumentSpec("GOOG-CENTS", "stock", 1.0, 0)  # prices in whole cents: mirrored exactly
LOOKBACK = 500  # bars the live path loads


def a_decline(*, count: int, seed: int) -> BarArrays:
    """Daily bars of a random walk drifting down 0.3% a bar (1% noise), from 400."""
    rng = np.random.default_rng(seed)
    close = 400.0 * np.exp(np.cumsum(-0.003 + 0.01 * rng.standard_normal(count)))
    open_ = np.concatenate(([400.0], close[:-1]))
    high = np.maximum(open_, close) * (1 + 0.004 * np.abs(rng.standard_normal(count)))
    low = np.minimum(open_, close) * (1 - 0.004 * np.abs(rng.standard_normal(count)))
    time = int(datetime(2010, 1, 1, tzinfo=UTC).timestamp()) + 86400 * np.arange(count)
    return BarArrays(time, open_, high, low, close, rng.gamma(2.0, 1000.0, count))


def mirrored(bars: BarArrays, level: float) -> BarArrays:
    """The same market upside down around `level`: each price p becomes 2 x level - p."""
    return BarArrays(bars.time, 2 * level - bars.open, 2 * level - bars.low, 2 * level - bars.high,
                     2 * level - bars.close, bars.volume)


def signal_at(bars: BarArrays, t: int, *, instrument: InstrumentSpec, timeframe: Timeframe, calendar: str):
    """What the live path computes when bar t closes: its lookback window and the higher timeframe
    resampled from it."""
    window = BarArrays(*(column[max(0, t + 1 - LOOKBACK):t + 1] for column in
                         (bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume)))
    higher = resample(window, target=timeframe.higher, calendar=calendar, now=int(window.time[-1]) + timeframe.seconds)
    return analyse(window, instrument=instrument, timeframe=timeframe, strategy=STRATEGY, higher=higher)


def directions(drafts) -> dict[str, int]:
    """How many BUY and SELL signals among the drafts (None for no signal)."""
    sides = [draft.direction for draft in drafts if draft is not None]
    return {side: sides.count(side) for side in ("BUY", "SELL")}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_steady_decline_gets_sell_signals_and_never_a_buy(seed):
    bars = a_decline(count=400, seed=seed)

    drafts = [signal_at(bars, t, instrument=CRYPTO, timeframe=Timeframe.D1, calendar="ALWAYS") for t in range(300, 400)]

    counts = directions(drafts)
    assert counts["BUY"] == 0 and counts["SELL"] >= 60
    assert all(d.score <= -STRATEGY.threshold and d.stop > d.entry > d.targets[0] for d in drafts if d)


def test_the_real_2008_fall_of_goog_gets_mostly_sell_signals():
    bars = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    first, last = (int(np.searchsorted(bars.time, datetime(*day, tzinfo=UTC).timestamp())) for day in
                   ((2007, 11, 1), (2008, 11, 30)))

    counts = directions(signal_at(bars, t, instrument=GOOG, timeframe=Timeframe.D1, calendar="XNYS")
                        for t in range(first, last))

    assert bars.close[last] < 0.4 * bars.close[first]  # 703 -> 266
    assert counts["SELL"] > 3 * counts["BUY"] and counts["SELL"] >= 80


def test_mirroring_the_market_around_a_price_flips_every_signal_and_keeps_its_score():
    real = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    cents = BarArrays(real.time, *(np.round(100 * column) for column in (real.open, real.high, real.low, real.close)),
                      real.volume)
    level = float(cents.high.max())  # whole cents: 2 x level - p is exact, so ties stay ties
    upside_down = mirrored(cents, level)

    pairs = [tuple(signal_at(bars, t, instrument=GOOG_CENTS, timeframe=Timeframe.D1, calendar="XNYS")
                   for bars in (cents, upside_down)) for t in range(len(cents) - 300, len(cents), 2)]

    assert sum(draft is not None for draft, _ in pairs) >= 50
    for draft, flipped in pairs:
        assert (draft is None) == (flipped is None)
        if draft is None:
            continue
        assert {draft.direction, flipped.direction} == {"BUY", "SELL"}
        assert flipped.score == pytest.approx(-draft.score, abs=1e-6)
        assert (flipped.entry, flipped.stop) == (2 * level - draft.entry, 2 * level - draft.stop)
        assert flipped.contributions == pytest.approx({k: -v for k, v in draft.contributions.items()}, abs=1e-6)
    assert directions(d for d, _ in pairs) == {"BUY": directions(f for _, f in pairs)["SELL"],
                                               "SELL": directions(f for _, f in pairs)["BUY"]}


def test_the_supertrend_takes_no_side_before_the_close_first_crosses_a_band():
    bars = a_decline(count=200, seed=3)
    upside_down = mirrored(bars, 500.0)

    _, direction = supertrend(bars.high, bars.low, bars.close)
    _, flipped = supertrend(upside_down.high, upside_down.low, upside_down.close)

    first = int(np.flatnonzero(direction)[0])
    assert first > 10 and (direction[:first] == 0).all() and direction[first] == -1
    np.testing.assert_array_equal(flipped, -direction)


def test_the_market_structure_of_a_market_upside_down_is_the_opposite():
    from market.synthetic import synthetic_bars

    for bars in [BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")] + [synthetic_bars(count=2000, seed=s) for s in range(3)]:
        cents = [np.round(100 * column) for column in (bars.high, bars.low, bars.close)]
        events = structure_events(*cents)
        flipped = structure_events(100_000_000 - cents[1], 100_000_000 - cents[0], 100_000_000 - cents[2])

        np.testing.assert_array_equal(flipped.event, -events.event)
        np.testing.assert_array_equal(flipped.trend, -events.trend)
