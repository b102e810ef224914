"""Reads behind the news component's measured value: a strategy's resolved signals with the news vote at
each one's bar close, measured by signals.engine.sentiment_value. The model report command, the admin and
the track record page all read it from here, so they say the same."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.core.cache import cache

from config.epoch import utc_from_epoch
from market.timeframes import Timeframe
from news.selectors import news_scores_for
from signals.engine.sentiment import news_sentiment, news_window_seconds
from signals.engine.sentiment_value import RESAMPLES, Difference, HitRate, SentimentValue, sentiment_value
from signals.engine.strategy import COMPONENTS, StrategyConfig
from signals.models import SignalOutcome, Strategy
from signals.selectors import strategy_active

# The news weight measured against 0 by default: that of a typical component (adx's and macd's).
CANDIDATE_WEIGHT = 1.0
PAGE_CACHE_SECONDS = 600  # the track record page's copy: it reads every outcome and resamples them


def sentiment_value_of(*, strategy: Strategy, weight: float = CANDIDATE_WEIGHT, seed: int = 0,
                       resamples: int = RESAMPLES) -> SentimentValue:
    """The news component's value over the strategy's resolved signals (every tier's): the news vote of
    each at its bar close from the items published before it, its score without the news, its target-1 hit."""
    config = StrategyConfig.from_dict(strategy.config)
    component_weights = sum(config.weights.get(name, 0.0) for name in COMPONENTS)
    published_share = config.news_weight / (component_weights + config.news_weight)
    rows = list(SignalOutcome.objects.filter(signal__strategy=strategy).order_by("closed_bar_time", "pk").values_list(
        "target_1_hit", "signal__direction", "signal__score", "signal__contributions", "signal__instrument_id",
        "signal__timeframe", "signal__bar_time"))
    closes = [int(bar_time.timestamp()) + Timeframe(timeframe).seconds for *_, timeframe, bar_time in rows]
    windows = [news_window_seconds(Timeframe(timeframe).seconds) for *_, timeframe, _ in rows]
    news = news_scores_for(instrument_ids=sorted({row[4] for row in rows}),
                           since=utc_from_epoch(min(c - w for c, w in zip(closes, windows, strict=True))),
                           until=utc_from_epoch(max(closes)) + timedelta(seconds=1)) if rows else {}
    votes = [news_sentiment(news.get(row[4]), at=close, window_seconds=window)
             for row, close, window in zip(rows, closes, windows, strict=True)]
    return sentiment_value(
        side=np.array([1 if direction == "BUY" else -1 for _, direction, *_ in rows], dtype=np.int64),
        hit=np.array([hit for hit, *_ in rows], dtype=bool),
        # The score the components gave: the published one without the news' part, if it had a weight then.
        base_score=np.array([(score - (parts or {}).get("news", 0.0)) / (1 - published_share)
                             for _, _, score, parts, *_ in rows], dtype=float),
        vote=np.array([v.vote for v in votes], dtype=float), items=np.array([v.items for v in votes], dtype=np.int64),
        component_weights=component_weights, threshold=config.threshold, weight=weight, seed=seed,
        resamples=resamples)


def sentiment_value_active() -> tuple[Strategy, SentimentValue] | None:
    """The active strategy's measurement at CANDIDATE_WEIGHT, computed at most PAGE_CACHE_SECONDS ago;
    None without an active strategy."""
    strategy = strategy_active()
    if strategy is None:
        return None
    key = f"beacon:sentiment-value:{strategy.pk}"
    value = cache.get(key)
    if value is None:
        value = sentiment_value_of(strategy=strategy)
        cache.set(key, value, PAGE_CACHE_SECONDS)
    return strategy, value


def sentiment_value_lines(value: SentimentValue) -> list[str]:
    """The measurement as lines of text (the model report's and the command's)."""

    def rate(label: str, group: HitRate) -> str:
        if group.rate is None:
            return f"    {label:<22} n={group.count}"
        return (f"    {label:<22} n={group.count:<5} target-1 hit rate {group.rate:.4f} "
                f"(95% {group.low:.4f} to {group.high:.4f})")

    def difference(label: str, d: Difference) -> str:
        if d.value is None:
            return f"    {label}: n/a"
        return f"    {label}: {d.value:+.4f} (bootstrap 95% {d.low:+.4f} to {d.high:+.4f})"

    return [
        f"  {value.signals} resolved signals; news vote at each bar close from items published before it:",
        rate("news agreed", value.agree), rate("news disagreed", value.disagree),
        rate("news neutral", value.neutral), rate("no fresh news", value.no_news),
        difference("agreed minus disagreed", value.agree_minus_disagree),
        f"  With vs without the news (weight {value.weight:g} vs 0, the same signals re-scored):",
        rate("without (weight 0)", value.without), rate(f"with (weight {value.weight:g})", value.with_news),
        f"    withheld by the news: {value.dropped}",
        difference("with minus without", value.with_minus_without),
        "    (a bar the news alone would have raised to a signal has no recorded outcome: not counted)",
        f"  {value.verdict}",
    ]


def sentiment_report_lines(*, weight: float = CANDIDATE_WEIGHT, seed: int = 0) -> list[str]:
    """The measurement of every strategy with resolved signals, as lines of text; one line without any."""
    strategies = Strategy.objects.filter(signals__outcome__isnull=False).distinct().order_by("name", "version")
    lines = []
    for strategy in strategies:
        config = StrategyConfig.from_dict(strategy.config)
        lines.append(f"News sentiment component of {strategy} (news weight now {config.news_weight:g}), out of sample:")
        lines += sentiment_value_lines(sentiment_value_of(strategy=strategy, weight=weight, seed=seed))
    return lines or ["News sentiment component: no signal has been resolved yet, so it is not measured."]
