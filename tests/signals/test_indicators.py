"""The fast path agrees with the `ta` library to 1e-6 relative after the warm-up on the bundled
real data, and follows the standard definitions where `ta` does not."""

import numpy as np
import pandas as pd
import pytest
import ta

from market.arrays import BarArrays
from signals.engine import indicators as ind
from tests.market.conftest import FIXTURES

FILES = ["GOOG_D1.csv", "EURUSD_H1.csv", "BTCUSD_MN1.csv"]
WARM_UP = 100  # bars after which an EMA's seed no longer matters to 1e-6
# Wilder's alpha is 1/14 (and MACD's slow EMA 2/27): a different seed decays as (13/14)^k, below
# 1e-6 only after ~190 bars.
WILDER_WARM_UP = 250


@pytest.fixture(params=FILES)
def bars(request) -> BarArrays:
    return BarArrays.from_csv(FIXTURES / request.param)


@pytest.fixture(params=FILES[:2])
def long_bars(request) -> BarArrays:
    """The files long enough to pass Wilder's warm-up (BTC's 156 monthly bars are not)."""
    return BarArrays.from_csv(FIXTURES / request.param)


def _agree(ours, reference, warm_up=WARM_UP):
    reference = np.asarray(reference, dtype=float)
    assert len(reference) > warm_up + 50, "too few bars to compare after the warm-up"
    ours, reference = ours[warm_up:], reference[warm_up:]
    # 1e-6 relative; where a series crosses zero (MACD), relative to the series' own magnitude.
    scale = np.nanmax(np.abs(reference))
    np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-6 * scale)
    assert np.isfinite(ours).all()


def _s(values):
    return pd.Series(values)


def test_moving_averages_agree_with_ta(bars):
    close = _s(bars.close)
    _agree(ind.sma(bars.close, 20), ta.trend.SMAIndicator(close, 20).sma_indicator())
    _agree(ind.ema(bars.close, 12), ta.trend.EMAIndicator(close, 12).ema_indicator())
    _agree(ind.wma(bars.close, 10), ta.trend.WMAIndicator(close, 10).wma())


def test_rsi_macd_and_atr_agree_with_ta(long_bars):
    bars = long_bars
    close, high, low = _s(bars.close), _s(bars.high), _s(bars.low)
    _agree(ind.atr(bars.high, bars.low, bars.close), ta.volatility.AverageTrueRange(high, low, close, 14)
           .average_true_range(), WILDER_WARM_UP)
    _agree(ind.rsi(bars.close, 14), ta.momentum.RSIIndicator(close, 14).rsi(), WILDER_WARM_UP)
    line, signal, hist = ind.macd(bars.close)
    reference = ta.trend.MACD(close)
    _agree(line, reference.macd(), WILDER_WARM_UP)  # the slow EMA's alpha, 2/27, decays as slowly
    _agree(signal, reference.macd_signal(), WILDER_WARM_UP)
    _agree(hist, reference.macd_diff(), WILDER_WARM_UP)


def test_bollinger_and_stochastic_agree_with_ta(bars):
    high, low, close = _s(bars.high), _s(bars.low), _s(bars.close)
    upper, _, lower = ind.bollinger(bars.close)
    reference = ta.volatility.BollingerBands(close, 20, 2)
    _agree(upper, reference.bollinger_hband())
    _agree(lower, reference.bollinger_lband())
    k, d = ind.stochastic(bars.high, bars.low, bars.close)
    stoch = ta.momentum.StochasticOscillator(high, low, close, 14, 3)
    _agree(k, stoch.stoch())
    _agree(d, stoch.stoch_signal())
    _agree(ind.williams_r(bars.high, bars.low, bars.close), ta.momentum.WilliamsRIndicator(high, low, close, 14)
           .williams_r())


def test_ema_is_seeded_with_the_sma_of_the_first_values():
    values = np.array([2.0, 4.0, 6.0, 8.0, 10.0])

    out = ind.ema(values, 3)

    assert np.isnan(out[:2]).all()
    assert out[2] == 4.0  # SMA(2, 4, 6)
    assert out[3] == pytest.approx(4.0 + 0.5 * (8.0 - 4.0))


def test_rsi_uses_wilders_smoothing_seeded_with_the_average():
    close = np.array([1.0, 2.0, 1.0, 2.0, 3.0, 2.0])  # changes +1 -1 +1 +1 -1
    period = 2

    out = ind.rsi(close, period)

    # seed over the first 2 changes: gain 0.5, loss 0.5; then Wilder: g = (g*(n-1) + x) / n
    gain, loss = 0.5, 0.5
    expected = []
    for change in (1.0, 1.0, -1.0):
        gain, loss = (gain + max(change, 0)) / 2, (loss + max(-change, 0)) / 2
        expected.append(100 - 100 / (1 + gain / loss))
    assert out[2] == pytest.approx(50.0)
    np.testing.assert_allclose(out[3:], expected)


def test_obv_leaves_an_unchanged_close_alone_where_ta_adds_the_volume():
    close = np.array([10.0, 11.0, 11.0, 10.0])
    volume = np.array([100.0, 200.0, 300.0, 400.0])

    ours = ind.obv(close, volume)
    theirs = ta.volume.OnBalanceVolumeIndicator(_s(close), _s(volume)).on_balance_volume().to_numpy()

    np.testing.assert_array_equal(ours, [0.0, 200.0, 200.0, -200.0])
    assert theirs[2] - theirs[1] == 300.0  # `ta` adds volume on an unchanged close: not OBV


def test_a_flat_stretch_gives_finite_neutral_oscillators_where_ta_divides_by_zero():
    flat = np.full(30, 5.0)

    k, d = ind.stochastic(flat, flat, flat)
    wr = ind.williams_r(flat, flat, flat)

    assert (k[13:] == 50.0).all() and (d[15:] == 50.0).all() and (wr[13:] == -50.0).all()
    reference = ta.momentum.StochasticOscillator(_s(flat), _s(flat), _s(flat)).stoch().to_numpy()
    assert not np.isfinite(reference[13:]).any()


def test_vwap_restarts_each_session_and_survives_zero_volume():
    high = np.array([11.0, 13.0, 20.0, 22.0])
    low = np.array([9.0, 11.0, 18.0, 20.0])
    close = np.array([10.0, 12.0, 19.0, 21.0])
    volume = np.array([1.0, 3.0, 0.0, 2.0])

    out = ind.vwap(high, low, close, volume, session_id=[1, 1, 2, 2])

    assert out[0] == 10.0 and out[1] == pytest.approx((10 * 1 + 12 * 3) / 4)
    assert out[2] == 19.0  # no volume yet in session 2: the typical price
    assert out[3] == 21.0


def test_volume_zscore_is_zero_on_constant_volume_and_standard_otherwise():
    assert (ind.volume_zscore(np.full(25, 7.0), 20)[19:] == 0).all()
    volume = np.arange(1.0, 21.0)
    assert ind.volume_zscore(volume, 20)[-1] == pytest.approx((20 - volume.mean()) / volume.std())


def test_adx_and_directional_indicators_agree_with_ta(long_bars):
    bars = long_bars
    high, low, close = _s(bars.high), _s(bars.low), _s(bars.close)
    reference = ta.trend.ADXIndicator(high, low, close, 14)

    adx, plus_di, minus_di = ind.adx(bars.high, bars.low, bars.close)

    # ADX smooths twice with Wilder's alpha, so its seed fades later than RSI's.
    _agree(adx, reference.adx(), 300)
    _agree(plus_di, reference.adx_pos(), 300)
    _agree(minus_di, reference.adx_neg(), 300)


def test_supertrend_follows_a_trend_and_flips_when_the_close_crosses_the_band():
    up = np.linspace(100, 130, 40)
    down = np.linspace(130, 90, 40)
    close = np.concatenate((up, down))
    high, low = close + 1, close - 1

    line, direction = ind.supertrend(high, low, close, period=10, multiplier=3)

    assert direction[35] == 1 and line[35] < close[35]
    assert direction[-1] == -1 and line[-1] > close[-1]
    decided = np.flatnonzero(direction != 0)[0]  # the first close beyond a band: no side before it
    assert np.isfinite(line[decided:]).all() and np.isnan(line[:decided]).all()
    assert 10 < decided < 35


def test_ichimoku_lines_are_midpoints_of_their_windows():
    high = np.arange(1.0, 61.0)
    low = high - 2

    out = ind.ichimoku(high, low)

    assert out["tenkan"][8] == (9.0 + (1.0 - 2)) / 2
    assert out["kijun"][30] == (31.0 + (6.0 - 2)) / 2  # bars 5..30: highest 31, lowest 6 - 2
    assert out["span_a"][30] == (out["tenkan"][30] + out["kijun"][30]) / 2
    assert np.isnan(out["span_b"][50]) and np.isfinite(out["span_b"][51])


def test_floor_pivots_and_fibonacci_levels_follow_their_formulas():
    pivots = ind.floor_pivots(110.0, 90.0, 100.0)
    assert (pivots["pivot"], pivots["r1"], pivots["s1"], pivots["r2"], pivots["s2"]) == (
        100.0, 110.0, 90.0, 120.0, 80.0)

    levels = ind.fibonacci_retracements(100.0, 200.0)
    assert levels[0.5] == 150.0 and levels[0.618] == pytest.approx(138.2)


def test_ichimoku_lines_agree_with_ta(bars):
    high, low = _s(bars.high), _s(bars.low)
    reference = ta.trend.IchimokuIndicator(high, low, 9, 26, 52)

    cloud = ind.ichimoku(bars.high, bars.low)

    _agree(cloud["tenkan"], reference.ichimoku_conversion_line(), 60)
    _agree(cloud["kijun"], reference.ichimoku_base_line(), 60)
    _agree(cloud["span_a"], reference.ichimoku_a(), 60)
    _agree(cloud["span_b"], reference.ichimoku_b(), 60)


def _supertrend_by_index(high, low, close, period=10, multiplier=3.0):
    """Supertrend written bar by bar, the reference for both fast paths."""
    average = ind.atr(high, low, close, period)
    upper = (high + low) / 2 + multiplier * average
    lower = (high + low) / 2 - multiplier * average
    start = int(np.argmax(np.isfinite(average)))
    direction = np.zeros(len(close))
    final_upper, final_lower, trend = upper[start], lower[start], 0.0
    for i in range(start, len(close)):
        if i > start and (upper[i] < final_upper or close[i - 1] > final_upper):
            final_upper = upper[i]
        if i > start and (lower[i] > final_lower or close[i - 1] < final_lower):
            final_lower = lower[i]
        if trend >= 0 and close[i] < final_lower and not (trend == 0 and close[i] > final_upper):
            trend = -1.0
        elif trend <= 0 and close[i] > final_upper and not (trend == 0 and close[i] < final_lower):
            trend = 1.0
        direction[i] = trend
    return direction


def test_supertrend_of_many_instruments_at_once_equals_each_alone_and_the_bar_by_bar_rule():
    from market.synthetic import synthetic_bars

    series = [synthetic_bars(count=400, seed=seed) for seed in range(6)]
    high, low, close = (np.vstack([getattr(b, name) for b in series]) for name in ("high", "low", "close"))

    lines, directions = ind.supertrend(high, low, close)

    np.testing.assert_array_equal(ind.supertrend_directions(high, low, close), directions)  # the live batch's
    for row, bars in enumerate(series):
        line, direction = ind.supertrend(bars.high, bars.low, bars.close)
        np.testing.assert_array_equal(direction, _supertrend_by_index(bars.high, bars.low, bars.close))
        np.testing.assert_array_equal(directions[row], direction)
        np.testing.assert_array_equal(lines[row], line)
        assert (np.diff(direction[10:]) != 0).sum() >= 2  # it flipped, so the rule was exercised
