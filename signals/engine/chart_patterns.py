"""Classical chart patterns from swing points, on closed bars only, without repainting. No Django.

Swing points (pivots): a swing high at bar i is a high above the ORDER highs before it and at least
each of the ORDER highs after it (a swing low mirrored); it is known at bar i + ORDER, when those
bars have closed. Each time a pivot becomes known (bar c), the pivots known by then within LOOKBACK
bars are reduced to alternating highs and lows (of consecutive highs the highest stays, of lows the
lowest), and the newest of them are matched against the patterns below. A match waits at most
MAX_WAIT bars for its breakout: the first close beyond its breakout level confirms it at that bar,
unless a close beyond its invalidation level comes first. So a pattern is reported at the bar that
confirms it, from bars up to that one only, and never changes afterwards; the vote of bar t depends
on the bars t - SPAN .. t only (the live path computes just those).

Tolerance: prices within TOLERANCE_ATR x ATR(14) at the last pivot are "equal"; a pattern is at least
MIN_HEIGHT_ATR ATRs tall. Lines run through two pivots; a line is flat when it moves less than the
tolerance over the pattern.

  double top / bottom      high, low, high with equal highs; breaks the low between (the neckline)
  triple top / bottom      three equal highs with two lows between; breaks the lower of the two lows
  head and shoulders       high, low, higher high (head), low, high about as high as the first
                           (the shoulders); breaks the neckline through the two lows (inverse: mirrored)
  triangles                the two newest highs and lows: flat top and rising lows (ascending,
                           breaks up), falling highs and flat bottom (descending, breaks down),
                           falling highs and rising lows (symmetrical, breaks either way)
  wedges                   both lines rising and converging (rising wedge, breaks down), both falling
                           and converging (falling wedge, breaks up)
  channels                 parallel lines (ascending, descending or horizontal), breaks either way
  flags and pennants       a small parallel (flag) or converging (pennant) range right after a pole
                           (a move of POLE_ATR ATRs in POLE_BARS bars); breaks in the pole's direction
  trendline break          a line through the two newest swing lows rising (support) or swing highs
                           falling (resistance) with at least MIN_TOUCHES swing points on it; a close
                           through it breaks it
Volume confirms a breakout when the breakout bar's volume is at least VOLUME_RATIO x the mean of the
20 bars before it; where volume is not meaningful (zero or constant) it is None.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat

import numpy as np

from market.arrays import FloatArray, IntArray

ORDER = 3
LOOKBACK = 120
MAX_WAIT = 20
HOLD = 3  # bars a confirmed pattern keeps voting: the bar it is confirmed and the two after
TOLERANCE_ATR = 0.6
MIN_HEIGHT_ATR = 1.5
POLE_BARS = 10
POLE_ATR = 3.0
MIN_TOUCHES = 3
VOLUME_RATIO = 1.5
VOLUME_BARS = 20
SPAN = LOOKBACK + MAX_WAIT + HOLD + 2 * ORDER + POLE_BARS + 1

NAMES = {
    "head_and_shoulders": "Head and shoulders", "inverse_head_and_shoulders": "Inverse head and shoulders",
    "double_top": "Double top", "double_bottom": "Double bottom", "triple_top": "Triple top",
    "triple_bottom": "Triple bottom", "ascending_triangle": "Ascending triangle",
    "descending_triangle": "Descending triangle", "symmetrical_triangle": "Symmetrical triangle",
    "rising_wedge": "Rising wedge", "falling_wedge": "Falling wedge", "ascending_channel": "Ascending channel",
    "descending_channel": "Descending channel", "horizontal_channel": "Horizontal channel",
    "bull_flag": "Bull flag", "bear_flag": "Bear flag", "bull_pennant": "Bull pennant",
    "bear_pennant": "Bear pennant", "support_break": "Support trendline break",
    "resistance_break": "Resistance trendline break",
}
LEVEL_NAMES = {"neckline": "neckline", "upper": "upper line", "lower": "lower line", "trendline": "trendline"}

Point = tuple[int, float]  # (bar index, price)
Line = tuple[Point, Point]


@dataclass(frozen=True)
class ChartPattern:
    """A confirmed pattern: what, which way, where it was confirmed and its geometry (bar indexes)."""

    name: str  # a key of NAMES
    direction: int  # +1 bullish (broke up), -1 bearish (broke down)
    confirmed_at: int  # the bar whose close broke the level
    level: float  # the broken line's price at that bar
    level_name: str  # a key of LEVEL_NAMES: which line broke
    points: tuple[Point, ...]  # the swing points it is made of, oldest first
    lines: dict[str, Line] = field(default_factory=dict)  # neckline / upper / lower / trendline
    touches: int = 0  # swing points on its lines
    volume_confirmed: bool | None = None  # None where volume is not meaningful

    def describe(self, timeframe: str, precision: int) -> str:
        """e.g. "Inverse head and shoulders confirmed on H4, neckline 1.0842"."""
        volume = {True: ", on rising volume", False: ", without volume confirmation", None: ""}[self.volume_confirmed]
        return f"{NAMES[self.name]} confirmed on {timeframe}, {LEVEL_NAMES[self.level_name]} " \
               f"{self.level:.{precision}f}{volume}"

    def geometry(self, times: IntArray, timeframe: str) -> dict[str, object]:
        """JSON for drawing it: points and lines as (epoch s, price), the breakout and its level."""
        def at(point: Point) -> list[float]:
            return [int(times[point[0]]), round(point[1], 10)]
        return {"name": self.name, "label": NAMES[self.name], "timeframe": timeframe,
                "direction": "up" if self.direction > 0 else "down",
                "confirmed_at": int(times[self.confirmed_at]), "level": round(self.level, 10),
                "level_name": self.level_name, "points": [at(p) for p in self.points],
                "lines": {name: [at(a), at(b)] for name, (a, b) in self.lines.items()},
                "touches": self.touches, "volume_confirmed": self.volume_confirmed}


def swing_points(high: FloatArray, low: FloatArray, order: int = ORDER) -> tuple[IntArray, IntArray]:
    """(indexes of swing highs, indexes of swing lows), each known at index + order."""
    n = len(high)
    if n < 2 * order + 1:
        empty = np.array([], dtype=np.int64)
        return empty, empty
    centre = slice(order, n - order)
    highest, lowest = high[:n - order + 1], low[:n - order + 1]  # of the `order` bars from each bar on
    for k in range(1, order):
        highest, lowest = np.maximum(highest, high[k:n - order + 1 + k]), np.minimum(lowest, low[k:n - order + 1 + k])
    is_high = (high[centre] > highest[:-order - 1]) & (high[centre] >= highest[order + 1:])
    is_low = (low[centre] < lowest[:-order - 1]) & (low[centre] <= lowest[order + 1:])
    return np.flatnonzero(is_high) + order, np.flatnonzero(is_low) + order


def _slope(line: Line) -> float:
    (i0, p0), (i1, p1) = line
    return (p1 - p0) / (i1 - i0) if i1 != i0 else 0.0


def _y(line: Line, index: int) -> float:
    """The line's price at bar `index`."""
    (i0, p0), _ = line
    return p0 + _slope(line) * (index - i0)


@dataclass(frozen=True)
class _Candidate:
    name: str
    direction: int  # 0: the first break decides
    points: tuple[Point, ...]
    lines: dict[str, Line]
    breakout: str  # the line that confirms it ("neckline", "upper", "lower", "trendline")
    invalid_above: float = np.inf  # a close above this (bearish) or below `invalid_below` first cancels it
    invalid_below: float = -np.inf
    touches: int = 0


def _alternating(points: list[tuple[int, float, int]]) -> list[tuple[int, float, int]]:
    """Pivots (index, price, +1 high / -1 low) in index order, reduced to alternating highs and lows."""
    out: list[tuple[int, float, int]] = []
    kind = 0  # of the newest point kept
    for point in points:
        if point[2] != kind:
            out.append(point)
            kind = point[2]
        elif kind * (point[1] - out[-1][1]) > 0:
            out[-1] = point
    return out


def _reversal(seq: list[tuple[int, float, int]], tol: float) -> _Candidate | None:
    """Head and shoulders, triple, then double top or bottom ending at the newest pivot."""
    kind = seq[-1][2]  # +1: the pattern's peaks are highs (a top), -1: lows (a bottom)
    s = kind  # in "top" orientation, peaks are s * price maxima
    if len(seq) >= 5:
        p1, t1, p2, t2, p3 = seq[-5:]
        a, b, c = s * p1[1], s * p2[1], s * p3[1]
        troughs = (s * t1[1], s * t2[1])
        if b > a + tol and b > c + tol and abs(a - c) <= 2 * tol and min(a, c) - max(troughs) >= MIN_HEIGHT_ATR * tol:
            name = "head_and_shoulders" if kind > 0 else "inverse_head_and_shoulders"
            return _Candidate(name, -kind, tuple((p[0], p[1]) for p in seq[-5:]),
                              {"neckline": ((t1[0], t1[1]), (t2[0], t2[1]))}, "neckline",
                              *_invalid(kind, p2[1]))
        if max(a, b, c) - min(a, b, c) <= tol and min(a, b, c) - max(troughs) >= MIN_HEIGHT_ATR * tol:
            neck = min(troughs)  # the lower trough (for a top), in top orientation
            name = "triple_top" if kind > 0 else "triple_bottom"
            level = s * neck
            return _Candidate(name, -kind, tuple((p[0], p[1]) for p in seq[-5:]),
                              {"neckline": ((t1[0], level), (p3[0], level))}, "neckline",
                              *_invalid(kind, s * max(a, b, c)))
    if len(seq) >= 3:
        p1, t1, p2 = seq[-3:]
        a, c, trough = s * p1[1], s * p2[1], s * t1[1]
        if abs(a - c) <= tol and min(a, c) - trough >= MIN_HEIGHT_ATR * tol and p2[0] - p1[0] >= 2 * ORDER:
            name = "double_top" if kind > 0 else "double_bottom"
            return _Candidate(name, -kind, tuple((p[0], p[1]) for p in seq[-3:]),
                              {"neckline": ((t1[0], t1[1]), (p2[0], t1[1]))}, "neckline",
                              *_invalid(kind, s * max(a, c)))
    return None


def _invalid(kind: int, extreme: float) -> tuple[float, float]:
    """(invalid_above, invalid_below): a top is cancelled by a close above its highest peak, a bottom by
    one below its lowest trough."""
    return (extreme, -np.inf) if kind > 0 else (np.inf, extreme)


def _lines(seq: list[tuple[int, float, int]], close: list[float], tol: float) -> _Candidate | None:
    """Flag, pennant, wedge, triangle or channel from the two newest highs and lows."""
    if len(seq) < 4:
        return None
    first, second, third, fourth = ((i, p) for i, p, _ in seq[-4:])  # alternating highs and lows
    upper, lower = ((first, third), (second, fourth)) if seq[-4][2] > 0 else ((second, fourth), (first, third))
    start, end = first[0], fourth[0]
    rise_u, rise_l = _slope(upper) * (end - start), _slope(lower) * (end - start)
    width_start = _y(upper, start) - _y(lower, start)
    width_end = _y(upper, end) - _y(lower, end)
    if width_end <= 0 or width_start <= 0:
        return None
    flat_u, flat_l = abs(rise_u) <= tol, abs(rise_l) <= tol
    parallel = abs(width_end - width_start) <= tol
    converging = width_end < 0.8 * width_start and not parallel
    points = (first, second, third, fourth)
    lines = {"upper": upper, "lower": lower}
    pole = close[start] - close[start - POLE_BARS] if start >= POLE_BARS else 0.0
    height = max(width_start, width_end)
    if abs(pole) >= POLE_ATR * tol / TOLERANCE_ATR and height <= 0.5 * abs(pole) and (parallel or converging):
        up = pole > 0
        if parallel and _sign(rise_u + rise_l) != _sign(pole):
            name = "bull_flag" if up else "bear_flag"
        elif converging:
            name = "bull_pennant" if up else "bear_pennant"
        else:
            name = ""
        if name:
            return _Candidate(name, 1 if up else -1, points, lines, "upper" if up else "lower")
    if converging:
        if flat_u and rise_l > tol:
            return _Candidate("ascending_triangle", 1, points, lines, "upper")
        if flat_l and rise_u < -tol:
            return _Candidate("descending_triangle", -1, points, lines, "lower")
        if rise_u < -tol and rise_l > tol:
            return _Candidate("symmetrical_triangle", 0, points, lines, "")
        if rise_u > tol and rise_l > tol:
            return _Candidate("rising_wedge", -1, points, lines, "lower")
        if rise_u < -tol and rise_l < -tol:
            return _Candidate("falling_wedge", 1, points, lines, "upper")
    if parallel and width_end >= MIN_HEIGHT_ATR * tol:
        name = ("horizontal_channel" if flat_u and flat_l else
                "ascending_channel" if rise_u > 0 else "descending_channel")
        return _Candidate(name, 0, points, lines, "")
    return None


def _sign(value: float) -> float:
    """np.sign of a float: -1.0, 0.0 or 1.0, NaN for NaN."""
    return math.nan if math.isnan(value) else float((value > 0) - (value < 0))


def _trendline(seq: list[tuple[int, float, int]], tol: float) -> _Candidate | None:
    """The rising support through the two newest swing lows, or the falling resistance through the two
    newest swing highs, with at least MIN_TOUCHES swing points within the tolerance of it."""
    kind = seq[-1][2]
    same = [(i, p) for i, p, k in seq if k == kind]
    if len(same) < 2:
        return None
    line: Line = (same[-2], same[-1])
    rising = same[-1][1] > same[-2][1]
    if (kind < 0) != rising:
        return None  # a support must rise, a resistance fall
    on_line = [(i, p) for i, p in same if abs(p - _y(line, i)) <= tol]
    crossed = any(kind * (p - _y(line, i)) > tol for i, p in same if i >= line[0][0])
    if len(on_line) < MIN_TOUCHES or crossed:
        return None
    name = "support_break" if kind < 0 else "resistance_break"
    return _Candidate(name, kind, tuple(on_line), {"trendline": line}, "trendline",
                      touches=len(on_line))


def _confirm(candidate: _Candidate, c: int, close: list[float], volume: FloatArray,
             start: int) -> ChartPattern | None:
    """The candidate known at bar c, confirmed at the first close beyond its breakout line within
    MAX_WAIT bars (before any close beyond its invalidation), or None. Its volume is only judged
    from `start` on (before it, the pattern is not reported)."""
    end = min(c + MAX_WAIT, len(close) - 1)
    if end <= c:
        return None
    options = []  # (first bar, direction, line name) of each way it can break
    for direction, name in _ways(candidate):
        line = candidate.lines[name]
        (i0, p0), slope = line[0], _slope(line)
        for t in range(c + 1, end + 1):
            if direction * (close[t] - (p0 + slope * (t - i0))) > 0:
                options.append((t, direction, name))
                break
    if not options:
        return None
    t, direction, name = min(options)
    if any(price > candidate.invalid_above or price < candidate.invalid_below for price in close[c + 1:t]):
        return None
    touches = candidate.touches or len(candidate.points)
    return ChartPattern(name=candidate.name, direction=direction, confirmed_at=t,
                        level=_y(candidate.lines[name], t), level_name=name, points=candidate.points,
                        lines=candidate.lines, touches=touches,
                        volume_confirmed=_volume_confirms(volume, t) if t >= start else None)


def _ways(candidate: _Candidate) -> list[tuple[int, str]]:
    """(direction, line) by which the candidate can break out."""
    if candidate.direction == 0:
        return [(1, "upper"), (-1, "lower")]
    return [(candidate.direction, candidate.breakout)]


def _volume_confirms(volume: FloatArray, t: int) -> bool | None:
    before = volume[max(t - VOLUME_BARS, 0):t]
    if before.size < VOLUME_BARS or not (before > 0).all() or float(before.std()) == 0.0:
        return None
    return bool(volume[t] >= VOLUME_RATIO * float(before.mean()))


def chart_patterns(high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray, atr: FloatArray,
                   *, start: int = 0) -> list[ChartPattern]:
    """Every pattern confirmed at a bar >= `start`, in the order confirmed (bars before `start` are only read)."""
    highs, lows = swing_points(high, low)
    pivots = sorted([*zip(highs.tolist(), high[highs].tolist(), repeat(1)),
                     *zip(lows.tolist(), low[lows].tolist(), repeat(-1))])
    at = [p[0] for p in pivots]
    closes, atrs = close.tolist(), atr.tolist()
    found: dict[tuple[str, int], ChartPattern] = {}
    # Only the pivots known from MAX_WAIT bars before `start` on can be confirmed from it on.
    for n in range(bisect_left(at, start - MAX_WAIT - 1 - ORDER), len(pivots)):
        index = at[n]
        c = index + ORDER  # when this pivot became known
        if c >= len(closes):
            break
        if not math.isfinite(atrs[c]) or atrs[c] <= 0:
            continue
        seq = _alternating(pivots[bisect_left(at, c - LOOKBACK):n + 1])
        if seq[-1][0] != index:
            continue  # merged into an older, more extreme pivot: nothing new at this bar
        tol = TOLERANCE_ATR * atrs[c]
        # The first shape that fits the newest pivots is the one it makes (a head and shoulders is
        # not also reported as the triangle its four newest pivots draw).
        candidate = _reversal(seq, tol) or _lines(seq, closes, tol) or _trendline(seq, tol)
        pattern = _confirm(candidate, c, closes, volume, start) if candidate is not None else None
        if pattern is not None:
            found.setdefault((pattern.name, pattern.confirmed_at), pattern)
    confirmed: list[ChartPattern] = []
    last_break: dict[str, int] = {}  # the same breakout seen again from a newer pivot within HOLD bars is one
    for pattern in sorted(found.values(), key=lambda p: (p.confirmed_at, p.name)):
        key = f"{pattern.name}{pattern.direction}"
        if pattern.confirmed_at - last_break.get(key, -HOLD - 1) > HOLD:
            confirmed.append(pattern)
        last_break[key] = pattern.confirmed_at
    return [p for p in confirmed if p.confirmed_at >= start]


def chart_pattern_vote(patterns: Sequence[ChartPattern], n: int, weights: Mapping[str, float]) -> FloatArray:
    """Per bar, the weighted directions of the patterns confirmed in the last HOLD bars, in [-1, 1]:
    each pattern counts its weight (1 when not given), halved when volume did not confirm it."""
    vote = np.zeros(n)
    for pattern in patterns:
        weight = weights.get(pattern.name, 1.0) * (0.5 if pattern.volume_confirmed is False else 1.0)
        vote[pattern.confirmed_at:pattern.confirmed_at + HOLD] += pattern.direction * weight
    return np.clip(vote, -1.0, 1.0)


def recent_patterns(patterns: Sequence[ChartPattern], newest: int) -> list[ChartPattern]:
    """The patterns still voting at bar `newest` (confirmed in its last HOLD bars), newest first."""
    return [p for p in reversed(patterns) if newest - HOLD < p.confirmed_at <= newest]


def _shifted(pattern: ChartPattern, offset: int) -> ChartPattern:
    """The pattern with its bar indexes moved by `offset` (from a tail's to the whole history's)."""
    def move(point: Point) -> Point:
        return point[0] + offset, point[1]
    return replace(pattern, confirmed_at=pattern.confirmed_at + offset, points=tuple(map(move, pattern.points)),
                   lines={name: (move(a), move(b)) for name, (a, b) in pattern.lines.items()})


def newest_chart_patterns(high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray,
                          atr: FloatArray) -> list[ChartPattern]:
    """The patterns voting at the newest bar (confirmed in its last HOLD bars), found from its last SPAN
    bars only (all it depends on), with indexes into the whole arrays; `atr` is the whole history's."""
    offset = max(len(close) - SPAN, 0)
    tail = slice(offset, None)
    found = chart_patterns(high[tail], low[tail], close[tail], volume[tail], atr[tail],
                           start=max(len(close) - offset - HOLD, 0))
    return [_shifted(p, offset) for p in found]
