"""Writes of signals: compute pairs, create and publish signals with their ledger entries, record outcomes.

The engine (signals.engine) is pure; this module loads its inputs from the database, calls it and
stores what it returns, atomically, announcing nothing before the commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from config.epoch import utc_from_epoch
from market.models import Instrument
from market.resample import resample
from market.selectors import bars_latest_arrays
from market.timeframes import Timeframe
from news.selectors import news_scores_for
from signals.confidence import model_active
from signals.engine.analysis import (
    Analysis,
    AnalysisItem,
    ConfidenceScorer,
    PairState,
    SignalDraft,
    analyse_many,
)
from signals.engine.outcomes import Outcome, SignalLevels, evaluate
from signals.engine.sentiment import NewsScores, news_window_seconds
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.ledger import ledger_append, ledger_append_many, lock_ledger
from signals.list_cache import signal_list_changed
from signals.models import LedgerKind, Signal, SignalOutcome, Strategy
from signals.payloads import outcome_ledger_payload, signal_ledger_payload
from signals.publishing import publications_schedule
from signals.run_books import engine_run_record_chunk, pair_claim
from signals.screener_rows import screener_rows_upsert
from signals.selectors import success_summary_for

logger = logging.getLogger(__name__)
LOOKBACK_BARS = 500
HIGHER_LOOKBACK_BARS = 300
LEVEL_FIELDS = ("id", "strategy_id", "direction", "entry", "stop", "target_1", "target_2", "target_3", "bar_time")


def strategy_default_ensure() -> Strategy:
    """The shipped "Confluence" strategy, created once."""
    strategy, _ = Strategy.objects.get_or_create(
        name=DEFAULT_CONFLUENCE["name"], version=DEFAULT_CONFLUENCE["version"],
        defaults={"config": DEFAULT_CONFLUENCE, "is_active": True})
    return strategy


def _higher_bars(instrument: Instrument, timeframe: Timeframe, until: datetime, lower):
    """The higher timeframe's closed bars: stored ones, else resampled from the lower bars."""
    higher = timeframe.higher
    if higher is None:
        return None
    stored = bars_latest_arrays(instrument_ids=[instrument.pk], timeframe=higher, count=HIGHER_LOOKBACK_BARS,
                                until=until).get(instrument.pk)
    if stored is not None and len(stored) >= 50:
        return stored
    if timeframe.seconds < Timeframe.D1.seconds or higher in (Timeframe.W1, Timeframe.MN1):
        return resample(lower, target=higher, calendar=instrument.calendar, now=int(until.timestamp()))
    return None


@transaction.atomic
def signal_create(*, draft: SignalDraft, instrument: Instrument, strategy: Strategy,
                  model_version=None) -> Signal:
    """Store a draft with its track record, append it to the ledger, schedule its publications."""
    record = success_summary_for(strategy=strategy, instrument=instrument, timeframe=draft.timeframe)
    published_at = timezone.now()  # valid from here: a signal of a replayed or caught-up bar is not born expired
    signal = Signal.objects.create(
        instrument=instrument, asset_class=instrument.asset_class, timeframe=draft.timeframe,
        direction=draft.direction, score=draft.score, confidence=draft.confidence, entry=draft.entry,
        stop=draft.stop, target_1=draft.targets[0], target_2=draft.targets[1], target_3=draft.targets[2],
        risk_reward=draft.risk_reward, position_size_fraction=draft.position_size_fraction,
        risk_per_trade=StrategyConfig.from_dict(strategy.config).risk_per_trade, distances=draft.distances,
        regime=draft.regime, reasoning=draft.reasoning, contributions=draft.contributions,
        chart_pattern_geometry=draft.chart_patterns,
        success_rate=record.hit_rate, success_sample_size=record.count, success_source="live" if record.count else "",
        avg_r=record.average_r, worst_loss_r=record.worst_r, strategy=strategy, model_version=model_version,
        bar_time=utc_from_epoch(draft.bar_time),
        created_at=published_at, valid_until=published_at + timedelta(seconds=draft.valid_for_seconds),
    )
    ledger_append(kind=LedgerKind.SIGNAL, signal=signal, payload=signal_ledger_payload(signal))
    publications_schedule(signal=signal)
    return signal


def engine_compute_chunk(*, run_id: int, strategy_id: int, pairs: list[tuple[int, str, datetime]]) -> None:
    """A chunk a run sent to a worker: its pairs, with the run's strategy."""
    engine_compute_pairs(run_id=run_id, strategy=Strategy.objects.get(pk=strategy_id), pairs=pairs)


@transaction.atomic
def engine_compute_pairs(*, run_id: int, strategy: Strategy, pairs: list[tuple[int, str, datetime]]) -> None:
    """Compute each claimed (instrument, timeframe, bar) pair: store the signal it gives, if any, and
    the chunk's states for the screener (one statement); one failing pair fails alone. One transaction:
    the claims, signals and counts of a chunk whose worker dies are rolled back together, so its
    redelivered task computes the chunk again, neither losing a claimed pair's signal nor counting it twice."""
    config = StrategyConfig.from_dict(strategy.config)
    model_version, model = model_active(strategy=strategy)
    computed, created = 0, 0
    errors: list[tuple[int, str, str]] = []  # (instrument id, timeframe, error), as EngineError stores them
    states: list[tuple[int, str, PairState, int | None]] = []  # (instrument id, timeframe, state, signal id)
    by_timeframe: defaultdict[str, list[tuple[int, datetime]]] = defaultdict(list)
    for instrument_id, timeframe, bar_time in pairs:
        if pair_claim(strategy_id=strategy.pk, instrument_id=instrument_id, timeframe=timeframe, bar_time=bar_time):
            by_timeframe[timeframe].append((instrument_id, bar_time))
    for timeframe, claimed in by_timeframe.items():
        until = max(bar_time for _, bar_time in claimed)
        arrays = bars_latest_arrays(instrument_ids=[i for i, _ in claimed], timeframe=timeframe,
                                    count=LOOKBACK_BARS, until=until)
        instruments = Instrument.objects.in_bulk([i for i, _ in claimed])
        items: list[AnalysisItem[int]] = []
        for instrument_id, bar_time in claimed:
            bars = arrays.get(instrument_id)
            if bars is None:
                continue
            bars = bars.upto(int(np.searchsorted(bars.time, bar_time.timestamp(), side="right")) - 1)
            instrument = instruments[instrument_id]
            items.append((instrument_id, bars, instrument.spec,
                          _higher_bars(instrument, Timeframe(timeframe), bar_time, bars)))
        news = _news_for(items, Timeframe(timeframe))
        for instrument_id, analysis in _analyse_each(items, timeframe, config, model, errors, news).items():
            computed += 1
            signal = None
            if analysis.draft is not None:
                try:
                    signal = signal_create(draft=analysis.draft, instrument=instruments[instrument_id],
                                           strategy=strategy, model_version=model_version)
                    created += 1
                except Exception as error:  # one bad instrument must not stop the run; it is recorded
                    logger.exception("storing the signal of %s %s failed", instrument_id, timeframe)
                    errors.append((instrument_id, timeframe, f"{error.__class__.__name__}: {error}"))
            if analysis.state is not None:
                states.append((instrument_id, timeframe, analysis.state, signal.pk if signal else None))
    screener_rows_upsert(strategy_id=strategy.pk, states=states)
    engine_run_record_chunk(run_id=run_id, computed=computed, signals=created, errors=errors)


def _news_for(items: list[AnalysisItem[int]], timeframe: Timeframe) -> dict[int, NewsScores]:
    """The scored news the engine may read for these items: published before the newest bar's close."""
    if not items:
        return {}
    closes = [int(bars.time[-1]) + timeframe.seconds for _, bars, _, _ in items]
    return news_scores_for(instrument_ids=[key for key, *_ in items],
                           since=utc_from_epoch(min(closes) - news_window_seconds(timeframe.seconds)),
                           until=utc_from_epoch(max(closes)))


def _analyse_each(items: list[AnalysisItem[int]], timeframe: str, config: StrategyConfig,
                  model: ConfidenceScorer | None, errors: list[tuple[int, str, str]],
                  news: dict[int, NewsScores]) -> dict[int, Analysis]:
    """All items in one batch; if the batch fails, each alone, so one bad instrument fails alone."""
    try:
        return analyse_many(items, timeframe=timeframe, strategy=config, model=model, news=news)
    except Exception:
        results: dict[int, Analysis] = {}
        for item in items:
            try:
                results.update(analyse_many([item], timeframe=timeframe, strategy=config, model=model, news=news))
            except Exception as error:
                logger.exception("engine failed on instrument %s %s", item[0], timeframe)
                errors.append((item[0], timeframe, f"{error.__class__.__name__}: {error}"))
        return results


def outcomes_evaluate(*, instrument_id: int, timeframe: str, closed_bar_time: datetime) -> int:
    """Evaluate the open signals of a pair after a closed bar; record the final ones. Returns how many."""
    open_signals = list(Signal.objects.filter(instrument_id=instrument_id, timeframe=timeframe, outcome=None,
                                              bar_time__lt=closed_bar_time).only(*LEVEL_FIELDS))
    if not open_signals:
        return 0
    oldest = min(s.bar_time for s in open_signals)
    # `evaluate` reads only the bars after each signal's bar, and no more of them can lie between the
    # oldest open signal's bar and the closed one than whole periods fit, plus one (a month counts 30
    # days: February alone is the one shorter, and the test with a monthly signal covers it).
    periods = int((closed_bar_time - oldest).total_seconds() // Timeframe(timeframe).seconds) + 1
    bars = bars_latest_arrays(instrument_ids=[instrument_id], timeframe=timeframe, count=periods,
                              until=closed_bar_time).get(instrument_id)
    if bars is None:
        return 0
    validity = {pk: StrategyConfig.from_dict(config).validity_bars for pk, config in
                Strategy.objects.filter(pk__in={s.strategy_id for s in open_signals}).values_list("pk", "config")}
    final: list[tuple[Signal, Outcome]] = []
    for signal in open_signals:
        outcome = evaluate(SignalLevels(direction=signal.direction, entry=signal.entry, stop=signal.stop,
                                        targets=(signal.target_1, signal.target_2, signal.target_3),
                                        bar_time=int(signal.bar_time.timestamp()),
                                        valid_bars=validity[signal.strategy_id]), bars)
        if outcome is not None:
            final.append((signal, outcome))
    return len(outcomes_record(final))


@transaction.atomic
def outcomes_record(results: Sequence[tuple[Signal, Outcome]]) -> list[SignalOutcome]:
    """Store each (signal, outcome) whose outcome is not recorded yet and append them to the ledger,
    in one transaction; returns the records stored. Under the ledger's lock, so two workers
    evaluating the same bar record each outcome once."""
    if not results:
        return []
    lock_ledger()
    recorded = set(SignalOutcome.objects.filter(signal__in=[signal for signal, _ in results])
                   .values_list("signal_id", flat=True))
    records = SignalOutcome.objects.bulk_create([
        SignalOutcome(
            signal=signal, result=outcome.result, target_1_hit=outcome.target_1_hit, targets_hit=outcome.targets_hit,
            r_multiple=outcome.r_multiple, mfe_r=outcome.mfe_r, mae_r=outcome.mae_r, exit_price=outcome.exit_price,
            bars_held=outcome.bars_held,
            duration_seconds=max(int(outcome.closed_bar_time - signal.bar_time.timestamp()), 0),
            closed_bar_time=utc_from_epoch(outcome.closed_bar_time))
        for signal, outcome in results if signal.pk not in recorded
    ])
    ledger_append_many(kind=LedgerKind.OUTCOME,
                       entries=[(record.signal, outcome_ledger_payload(record)) for record in records])
    if records:
        signal_list_changed()  # a closed signal's status, result and R change on the API's list
    return records
