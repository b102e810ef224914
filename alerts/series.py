"""The series an alert rule can compare: prices, engine indicators, volume and percent change. No Django.

A series is written as a name with optional parameters, `rsi(14)`, `ema(20)`, `bollinger(20,2)`,
`close`; `series_parse` checks it and gives its canonical key (every parameter written, defaults
filled in: `rsi` and `rsi( 14 )` are both `rsi(14)`), which is what a rule stores. Values come from
the engine's own indicator functions (signals.engine.indicators), computed over the bars given,
oldest first; a value inside an indicator's warm-up is NaN and never fires a rule.

A band (`bollinger`) is two series, its upper and lower lines: only `outside` and `inside` compare
with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from market.arrays import BarArrays, FloatArray
from signals.engine import indicators

MAX_PERIOD = 200
MIN_LOOKBACK, MAX_LOOKBACK = 30, 1000


@dataclass(frozen=True)
class Param:
    name: str
    default: float
    low: float
    high: float
    integer: bool = True


def _period(default: int, name: str = "period", low: int = 2) -> Param:
    return Param(name, default, low, MAX_PERIOD)


# Bars of history per bar of period for a value to have forgotten where its computation started: a
# window (SMA, Bollinger, change) needs its period; an exponential average (alpha = 2 / (n + 1)) keeps
# e^-6 = 0.25% of its seed after 3 periods; Wilder's smoothing (alpha = 1 / n: RSI, ATR, ADX) keeps
# e^-5 = 0.7% after 5.
WINDOW, EXPONENTIAL, WILDER = 1, 3, 5


@dataclass(frozen=True)
class SeriesKind:
    """One name of the vocabulary: its parameters, how to compute it and what values make sense."""

    params: tuple[Param, ...]
    compute: Callable[..., np.ndarray | tuple[np.ndarray, np.ndarray]]
    family: str  # price | oscillator | volume | change | other: which rule kinds and values fit
    value_range: tuple[float, float] | None = None  # the values a rule may compare it with
    band: bool = False
    help: str = ""
    memory: int = WINDOW  # periods of history a value depends on (WINDOW, EXPONENTIAL, WILDER)


def _volume_ratio(bars: BarArrays, period: int) -> np.ndarray:
    """volume / mean volume of the `period` bars before it; NaN where that mean is 0 or unknown."""
    volume = np.asarray(bars.volume, dtype=np.float64)
    out = np.full(volume.shape, np.nan)
    if len(volume) > period:
        before = indicators.sma(volume, period)[period - 1:-1]  # the mean up to the bar before each
        with np.errstate(invalid="ignore", divide="ignore"):
            out[period:] = np.where(before > 0, volume[period:] / before, np.nan)
    return out


def _change_pct(bars: BarArrays, count: int) -> np.ndarray:
    """100 x (close / close `count` bars earlier - 1), in percent."""
    close = np.asarray(bars.close, dtype=np.float64)
    out = np.full(close.shape, np.nan)
    if len(close) > count:
        with np.errstate(invalid="ignore", divide="ignore"):
            out[count:] = 100.0 * (close[count:] / close[:-count] - 1.0)
    return out


def _field(name: str) -> SeriesKind:
    return SeriesKind((), lambda bars: np.asarray(getattr(bars, name), dtype=np.float64),
                      "volume" if name == "volume" else "price", help=f"the bar's {name}")


def _hl(bars: BarArrays) -> tuple[FloatArray, FloatArray]:
    return bars.high, bars.low


def _hlc(bars: BarArrays) -> tuple[FloatArray, FloatArray, FloatArray]:
    return bars.high, bars.low, bars.close

_MACD = (Param("fast", 12, 2, MAX_PERIOD), Param("slow", 26, 2, MAX_PERIOD), Param("signal", 9, 2, MAX_PERIOD))
_BB = (_period(20), Param("k", 2.0, 0.1, 10.0, integer=False))
_PERCENT = (0.0, 100.0)

SERIES: dict[str, SeriesKind] = {
    "open": _field("open"), "high": _field("high"), "low": _field("low"), "close": _field("close"),
    "volume": _field("volume"),
    "sma": SeriesKind((_period(20),), lambda b, n: indicators.sma(b.close, n), "price", help="simple moving average"),
    "ema": SeriesKind((_period(20),), lambda b, n: indicators.ema(b.close, n), "price",
                      help="exponential moving average", memory=EXPONENTIAL),
    "wma": SeriesKind((_period(20),), lambda b, n: indicators.wma(b.close, n), "price",
                      help="weighted moving average"),
    "bb_upper": SeriesKind(_BB, lambda b, n, k: indicators.bollinger(b.close, n, k)[0], "price",
                           help="upper Bollinger band"),
    "bb_middle": SeriesKind(_BB, lambda b, n, k: indicators.bollinger(b.close, n, k)[1], "price",
                            help="middle Bollinger band"),
    "bb_lower": SeriesKind(_BB, lambda b, n, k: indicators.bollinger(b.close, n, k)[2], "price",
                           help="lower Bollinger band"),
    "bollinger": SeriesKind(_BB, lambda b, n, k: indicators.bollinger(b.close, n, k)[::2], "price", band=True,
                            help="the Bollinger bands (upper, lower), for outside / inside"),
    "supertrend": SeriesKind((_period(10), Param("multiplier", 3.0, 0.1, 20.0, integer=False)),
                             lambda b, n, m: indicators.supertrend(*_hlc(b), n, m)[0], "price",
                             help="Supertrend line", memory=WILDER),
    "tenkan": SeriesKind((_period(9),), lambda b, n: indicators.ichimoku(*_hl(b), tenkan=n)["tenkan"], "price",
                         help="Ichimoku conversion line"),
    "kijun": SeriesKind((_period(26),), lambda b, n: indicators.ichimoku(*_hl(b), kijun=n)["kijun"], "price",
                        help="Ichimoku base line"),
    "atr": SeriesKind((_period(14),), lambda b, n: indicators.atr(*_hlc(b), n), "other", (0.0, float("inf")),
                      help="average true range, in price", memory=WILDER),
    "rsi": SeriesKind((_period(14),), lambda b, n: indicators.rsi(b.close, n), "oscillator", _PERCENT,
                      help="relative strength index, 0 to 100", memory=WILDER),
    "adx": SeriesKind((_period(14),), lambda b, n: indicators.adx(*_hlc(b), n)[0], "oscillator", _PERCENT,
                      help="average directional index, 0 to 100", memory=WILDER),
    "plus_di": SeriesKind((_period(14),), lambda b, n: indicators.adx(*_hlc(b), n)[1], "oscillator", _PERCENT,
                          help="+DI, 0 to 100", memory=WILDER),
    "minus_di": SeriesKind((_period(14),), lambda b, n: indicators.adx(*_hlc(b), n)[2], "oscillator", _PERCENT,
                           help="-DI, 0 to 100", memory=WILDER),
    "stoch_k": SeriesKind((_period(14), Param("smooth", 3, 1, 50)),
                          lambda b, n, s: indicators.stochastic(*_hlc(b), n, s)[0], "oscillator", _PERCENT,
                          help="stochastic %K, 0 to 100"),
    "stoch_d": SeriesKind((_period(14), Param("smooth", 3, 1, 50)),
                          lambda b, n, s: indicators.stochastic(*_hlc(b), n, s)[1], "oscillator", _PERCENT,
                          help="stochastic %D, 0 to 100"),
    "williams_r": SeriesKind((_period(14),), lambda b, n: indicators.williams_r(*_hlc(b), n), "oscillator",
                             (-100.0, 0.0), help="Williams %R, -100 to 0"),
    "macd": SeriesKind(_MACD, lambda b, f, s, g: indicators.macd(b.close, f, s, g)[0], "other",
                       help="MACD line", memory=EXPONENTIAL),
    "macd_signal": SeriesKind(_MACD, lambda b, f, s, g: indicators.macd(b.close, f, s, g)[1], "other",
                              help="MACD signal line", memory=EXPONENTIAL),
    "macd_hist": SeriesKind(_MACD, lambda b, f, s, g: indicators.macd(b.close, f, s, g)[2], "other",
                            help="MACD histogram", memory=EXPONENTIAL),
    "obv": SeriesKind((), lambda b: indicators.obv(b.close, b.volume), "other", help="on-balance volume"),
    "volume_z": SeriesKind((_period(20),), lambda b, n: indicators.volume_zscore(b.volume, n), "volume",
                           (-50.0, 50.0), help="volume z-score over `period` bars"),
    "volume_ratio": SeriesKind((_period(20, low=1),), _volume_ratio, "volume", (0.0, 1000.0),
                               help="volume as a multiple of the average of the `period` bars before"),
    "change": SeriesKind((_period(1, name="bars", low=1),), _change_pct, "change", (-100.0, 10000.0),
                         help="percent change of the close over `bars` bars"),
    "abs_change": SeriesKind((_period(1, name="bars", low=1),), lambda b, n: np.abs(_change_pct(b, n)), "change",
                             (0.0, 10000.0), help="size of the percent change of the close over `bars` bars"),
}

_SYNTAX = re.compile(r"\s*([a-z_]+)\s*(?:\((.*)\))?\s*")


@dataclass(frozen=True)
class SeriesSpec:
    """A parsed series: its name and every parameter's value."""

    name: str
    params: tuple[float, ...]

    @property
    def kind(self) -> SeriesKind:
        return SERIES[self.name]

    @property
    def key(self) -> str:
        """The canonical text: `rsi(14)`, `bollinger(20,2)`, `close`."""
        if not self.params:
            return self.name
        return f"{self.name}({','.join(_number(p) for p in self.params)})"

    @property
    def lookback(self) -> int:
        """Bars to compute it over: its periods (summed: MACD's signal smooths its slow average) times its
        memory, plus two for the cross, within [MIN_LOOKBACK, MAX_LOOKBACK]."""
        span = sum(int(v) for v, p in zip(self.params, self.kind.params, strict=True) if p.integer)
        return min(max(self.kind.memory * span + 2, MIN_LOOKBACK), MAX_LOOKBACK)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else format(value, "g")


@lru_cache(maxsize=4096)
def series_parse(text: str) -> SeriesSpec:
    """The series `text` names; ValueError saying what is wrong (unknown name, parameter out of range).
    Remembered: an evaluation parses the same few keys for every rule that names them."""
    match = _SYNTAX.fullmatch(text or "")
    if match is None or match.group(1) not in SERIES:
        known = ", ".join(sorted(SERIES))
        raise ValueError(f"Unknown series {text[:40]!r}: use one of {known}, e.g. rsi(14) or ema(20).")
    name, inside = match.group(1), match.group(2)
    kind = SERIES[name]
    given = [part.strip() for part in inside.split(",")] if inside and inside.strip() else []
    if len(given) > len(kind.params):
        raise ValueError(f"{name} takes {_params_words(kind)}.")
    values = []
    for position, param in enumerate(kind.params):
        raw = given[position] if position < len(given) else None
        values.append(_param_value(name, param, raw))
    return SeriesSpec(name, tuple(values))


def _params_words(kind: SeriesKind) -> str:
    if not kind.params:
        return "no parameters"
    return "(" + ", ".join(f"{p.name}={_number(p.default)}" for p in kind.params) + ")"


def _param_value(name: str, param: Param, raw: str | None) -> float:
    if raw is None or raw == "":
        return param.default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: {param.name} must be a number; got {raw[:20]!r}.") from None
    if param.integer and not value.is_integer():
        raise ValueError(f"{name}: {param.name} must be a whole number; got {raw[:20]!r}.")
    if not param.low <= value <= param.high:
        raise ValueError(f"{name}: {param.name} must be from {_number(param.low)} to {_number(param.high)}.")
    return value


def series_last_two(bars: BarArrays, spec: SeriesSpec) -> np.ndarray:
    """The series' values at the bar before the newest and at the newest, as [[prev, curr], [prev, curr]]:
    row 0 the series (a band's upper line), row 1 a band's lower line (NaN for other series)."""
    out = np.full((2, 2), np.nan)
    if len(bars) == 0:
        return out
    args = [int(v) if p.integer else v for v, p in zip(spec.params, spec.kind.params, strict=True)]
    computed = spec.kind.compute(bars, *args)
    lines = computed if spec.kind.band else (computed,)
    for row, line in enumerate(lines):
        tail = np.asarray(line, dtype=np.float64)[-2:]
        out[row, 2 - len(tail):] = tail
    return out


def _field_tails(name: str) -> Callable[[Sequence[BarArrays]], np.ndarray]:
    def tails(many: Sequence[BarArrays]) -> np.ndarray:
        return np.array([getattr(bars, name)[-2:] for bars in many], dtype=np.float64)
    return tails


def _change_tails(many: Sequence[BarArrays], count: int) -> np.ndarray:
    """_change_pct's last two values, with its arithmetic, from the last count + 2 closes of each."""
    close = np.array([bars.close[-count - 2:] for bars in many], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100.0 * (close[:, count:] / close[:, :2] - 1.0)


# Series whose last two values need only a few newest bars: (their values for many instruments at once, from
# the stacked newest bars; how many bars that takes, from the parameters). A call per instrument cost more
# than the arithmetic.
TAILS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., int]]] = {
    **{name: (_field_tails(name), lambda: 2) for name in ("open", "high", "low", "close", "volume")},
    "change": (_change_tails, lambda count: count + 2),
    "abs_change": (lambda many, count: np.abs(_change_tails(many, count)), lambda count: count + 2),
}


def series_last_two_many(many: Sequence[BarArrays], spec: SeriesSpec) -> np.ndarray:
    """series_last_two of each bars of `many`, stacked: shape (len(many), 2, 2). The same values; those of
    TAILS from the stacked newest bars, the others computed for each and their tails stacked at once (a
    step per instrument cost more than an indicator over its bars)."""
    args = [int(v) if p.integer else v for v, p in zip(spec.params, spec.kind.params, strict=True)]
    if not many or min(len(bars) for bars in many) < 2:
        return np.array([series_last_two(bars, spec) for bars in many], dtype=np.float64).reshape(len(many), 2, 2)
    out = np.full((len(many), 2, 2), np.nan)
    if spec.name in TAILS and min(len(bars) for bars in many) >= TAILS[spec.name][1](*args):
        out[:, 0] = TAILS[spec.name][0](many, *args)
        return out
    compute = spec.kind.compute
    computed = [compute(bars, *args) for bars in many]
    if spec.kind.band:
        out[:, 0] = [upper[-2:] for upper, _ in computed]
        out[:, 1] = [lower[-2:] for _, lower in computed]
    else:
        out[:, 0] = [line[-2:] for line in computed]
    return out
