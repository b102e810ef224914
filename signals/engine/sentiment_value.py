"""The news sentiment component's out-of-sample value, measured on resolved signals. No Django.

Each resolved signal brings its side (+1 buy, -1 sell), whether target 1 was hit, its score without the
news (the components' weighted score, what a news weight of 0 publishes) and the news vote at its bar
close with how many items it counted (0: no fresh news; only items published before the close count).
Every outcome was recorded after its signal was published, so the figures are out of sample.

1. Agreement: the target-1 hit rate of the signals whose news agreed with their side
   (vote x side >= band), disagreed (<= -band), was neutral or was absent, and agree minus disagree
   with a bootstrap 95% interval (each group resampled on its own).
2. With vs without: each signal re-scored with the news at a candidate weight w,
       score_w = (score_0 * W + w * vote) / (W + w)        W = the components' total weight,
   is kept when side x score_w still reaches the threshold. The hit rate of the kept signals against
   that of every signal (w = 0), with a paired bootstrap 95% interval of the difference. A bar that only
   the news would have raised to a signal has no recorded outcome: it cannot be counted, so this measures
   the news as a filter of the signals the components gave, which is what a weight above 0 would add
   first.

Randomness is an argument (the seed); every figure is a finite float or None.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from market.arrays import BoolArray, FloatArray, IntArray
from signals.engine.sentiment import NEUTRAL_BAND
from signals.engine.track_record import wilson_interval

MIN_SAMPLE = 30  # signals in each compared group before a difference is read at all
RESAMPLES = 2000
CHUNK = 250  # resamples drawn at once (memory: CHUNK x signals indices)


@dataclass(frozen=True)
class HitRate:
    """Target-1 hits of a group of signals, with the Wilson 95% interval (None without signals)."""

    count: int
    hits: int
    rate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Difference:
    """A difference of two hit rates (fractions) with its bootstrap 95% interval; None when not defined."""

    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class SentimentValue:
    signals: int
    agree: HitRate
    disagree: HitRate
    neutral: HitRate
    no_news: HitRate
    agree_minus_disagree: Difference
    weight: float  # the candidate news weight compared with 0
    without: HitRate  # every signal the components give (news weight 0)
    with_news: HitRate  # those still given at `weight`
    dropped: int  # signals the news at `weight` would have withheld
    with_minus_without: Difference
    helps: bool  # enough signals, and the with-vs-without interval above 0
    verdict: str


def hit_rate(hit: BoolArray) -> HitRate:
    """The hit rate of `hit` with its Wilson 95% interval, 4 places."""
    count, hits = int(hit.size), int(hit.sum())
    if count == 0:
        return HitRate(count=0, hits=0, rate=None, low=None, high=None)
    low, high = wilson_interval(hits, count)
    return HitRate(count=count, hits=hits, rate=round(hits / count, 4), low=round(low, 4), high=round(high, 4))


def _percentiles(differences: FloatArray) -> tuple[float | None, float | None]:
    finite = differences[np.isfinite(differences)]
    if not finite.size:
        return None, None
    low, high = np.percentile(finite, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


def _resampled_rates(hit: BoolArray, rng: np.random.Generator, resamples: int) -> FloatArray:
    """The hit rate of `resamples` bootstrap resamples of `hit`."""
    rates = []
    for start in range(0, resamples, CHUNK):
        picks = rng.integers(0, hit.size, size=(min(CHUNK, resamples - start), hit.size))
        rates.append(hit[picks].mean(axis=1))
    return np.concatenate(rates)


def independent_difference(first: BoolArray, second: BoolArray, *, rng: np.random.Generator,
                           resamples: int = RESAMPLES) -> Difference:
    """Hit rate of `first` minus that of `second` (two independent groups), bootstrap 95% interval."""
    if not first.size or not second.size:
        return Difference(value=None, low=None, high=None)
    value = round(float(first.mean() - second.mean()), 4)
    low, high = _percentiles(_resampled_rates(first, rng, resamples) - _resampled_rates(second, rng, resamples))
    return Difference(value=value, low=low, high=high)


def paired_difference(hit: BoolArray, kept: BoolArray, base: BoolArray, *, rng: np.random.Generator,
                      resamples: int = RESAMPLES) -> Difference:
    """Hit rate of the `kept` signals minus that of the `base` ones, both read on the same resamples of
    all signals (paired bootstrap 95% interval)."""
    if not kept.any() or not base.any():
        return Difference(value=None, low=None, high=None)
    value = round(float(hit[kept].mean() - hit[base].mean()), 4)
    differences = []
    for start in range(0, resamples, CHUNK):
        picks = rng.integers(0, hit.size, size=(min(CHUNK, resamples - start), hit.size))
        h, k, b = hit[picks], kept[picks], base[picks]
        with np.errstate(invalid="ignore", divide="ignore"):
            differences.append((h & k).sum(axis=1) / k.sum(axis=1) - (h & b).sum(axis=1) / b.sum(axis=1))
    low, high = _percentiles(np.concatenate(differences))
    return Difference(value=value, low=low, high=high)


def rescored(base_score: FloatArray, vote: FloatArray, *, component_weights: float, weight: float) -> FloatArray:
    """The score with the news weighed in at `weight`: (score_0 * W + weight * vote) / (W + weight)."""
    return (base_score * component_weights + weight * vote) / (component_weights + weight)


def sentiment_value(*, side: IntArray, hit: BoolArray, base_score: FloatArray, vote: FloatArray, items: IntArray,
                    component_weights: float, threshold: float, weight: float, band: float = NEUTRAL_BAND,
                    min_sample: int = MIN_SAMPLE, resamples: int = RESAMPLES, seed: int = 0) -> SentimentValue:
    """The news component's value over resolved signals (arrays of one length, one per signal)."""
    side, hit = np.asarray(side, dtype=np.int64), np.asarray(hit, dtype=bool)
    base_score, vote = np.asarray(base_score, dtype=float), np.asarray(vote, dtype=float)
    has_news = np.asarray(items) > 0
    rng = np.random.default_rng(seed)
    aligned = vote * side
    agree, disagree = has_news & (aligned >= band), has_news & (aligned <= -band)
    neutral = has_news & ~agree & ~disagree
    base = side * base_score >= threshold - 1e-9
    kept = side * rescored(base_score, vote, component_weights=component_weights, weight=weight) >= threshold - 1e-9
    value = SentimentValue(
        signals=int(side.size), agree=hit_rate(hit[agree]), disagree=hit_rate(hit[disagree]),
        neutral=hit_rate(hit[neutral]), no_news=hit_rate(hit[~has_news]),
        agree_minus_disagree=independent_difference(hit[agree], hit[disagree], rng=rng, resamples=resamples),
        weight=weight, without=hit_rate(hit[base]), with_news=hit_rate(hit[kept]), dropped=int((base & ~kept).sum()),
        with_minus_without=paired_difference(hit, kept, base, rng=rng, resamples=resamples),
        helps=False, verdict="")
    changed = int((base != kept).sum())
    enough = min(value.agree.count, value.disagree.count) >= min_sample and changed >= min_sample
    difference = value.with_minus_without
    helps = enough and difference.low is not None and difference.low > 0
    return replace(value, helps=helps, verdict=_verdict(value, changed=changed, enough=enough, helps=helps,
                                                         min_sample=min_sample))


def _verdict(value: SentimentValue, *, changed: int, enough: bool, helps: bool, min_sample: int) -> str:
    """One plain sentence: what the figures allow to conclude."""
    if not enough:
        return (f"Too few signals to conclude: {value.agree.count} with agreeing news, {value.disagree.count} with "
                f"disagreeing news and {changed} changed by the weight {value.weight:g} (at least {min_sample} of "
                f"each needed). This is not evidence either way; the news weight stays 0.")
    difference = value.with_minus_without
    figures = f"{difference.value:+.4f} (95% {difference.low:+.4f} to {difference.high:+.4f})"
    if helps:
        return (f"Weighing the news in at {value.weight:g} raised the target-1 hit rate by {figures} over "
                f"{value.signals} signals: it helps out of sample.")
    if difference.high is not None and difference.high < 0:
        return (f"Weighing the news in at {value.weight:g} lowered the target-1 hit rate by {figures}: it hurts; "
                f"the news weight stays 0.")
    return (f"Weighing the news in at {value.weight:g} changed the target-1 hit rate by {figures}: no difference "
            f"shown out of sample; the news weight stays 0.")
