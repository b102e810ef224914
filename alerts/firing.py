"""Firing: rules evaluated against what happened, events stored once, then handed on.

- A closed bar (`bar_closed_evaluate`): the first event of a bar's close claims every instrument of
  the timeframe whose newest bar is that bar (one conditional upsert of AlertBarCursor, so the other
  events of the same close find their instrument done), loads their bar rules (one query), their bars
  (one query) and evaluates them in one pass (alerts.evaluation). Only the newest bar of an instrument
  is evaluated: a backfill's older bars are not, and an event that comes after the next bar closed
  (a busy queue) evaluates that newest bar. Once the claim is committed, the worker remembers it (the
  other events of the close it takes ask the database nothing) and queues one task that puts the
  close's prices on the live feed (watchlists.services.prices_announce).
- A signal publication (`signal_published_evaluate`): the signal rules of the tenants on the
  publication's tier, so each plan hears of a signal when it sees it (Free after its delay).
- Recorded outcomes (`outcomes_evaluate_new`): read after a cursor, for the outcome rules of tenants
  whose tier was shown the signal.

What fires is stored by alerts.event_books.events_store: once per rule and trigger, with the rules'
state checked again under a lock.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from celery import current_app
from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from alerts.conditions import OUTCOME, SIGNAL
from alerts.evaluation import (
    BarFirings,
    SignalFacts,
    bar_firing_message,
    bar_rules_evaluate,
    lookback_bars,
    signal_firing_message,
    signal_rules_match,
)
from alerts.event_books import Candidate, events_store, rules_may_fire
from alerts.models import AlertOutcomeCursor, AlertRule, Repeat
from alerts.selectors import LoadedBarRules, bar_rules_for, signal_rules_for, tenant_entitlements_many
from config.sql import datetime_from_row
from market.models import Instrument
from market.selectors import bars_latest_arrays
from market.timeframes import Timeframe
from signals.models import OutcomeResult, SignalOutcome, SignalPublication

logger = logging.getLogger(__name__)

# The newest bar of one instrument and timeframe, and how far alerts have evaluated that pair.
DUE_SQL = ("SELECT (SELECT b.time FROM market_bar b WHERE b.instrument_id = %s AND b.timeframe = %s"
           " ORDER BY b.time DESC LIMIT 1),"
           " (SELECT c.last_bar_time FROM alerts_alertbarcursor c WHERE c.instrument_id = %s AND c.timeframe = %s)")
# Claims, in one statement, every instrument whose newest bar of the timeframe is the one that closed
# and that no evaluation has claimed at that bar: the rows inserted or moved forward come back.
CLAIM_SQL = (
    "INSERT INTO alerts_alertbarcursor (instrument_id, timeframe, last_bar_time)"
    " SELECT i.id, %s, %s FROM market_instrument i"
    " WHERE (SELECT b.time FROM market_bar b WHERE b.instrument_id = i.id AND b.timeframe = %s"
    " ORDER BY b.time DESC LIMIT 1) = %s"
    " ON CONFLICT (instrument_id, timeframe) DO UPDATE SET last_bar_time = excluded.last_bar_time"
    " WHERE alerts_alertbarcursor.last_bar_time < excluded.last_bar_time"
    " RETURNING instrument_id")


PRICES_ANNOUNCE_TASK = "alerts.tasks.prices_on_bar_closed"  # kwargs instrument_ids, timeframe, time (epoch s)

# The closes this process claimed, once committed, by (timeframe, bar time): the other events of such a close,
# which a worker takes one after the other (a thousand for a thousand instruments), are answered here
# without a query. A claim only moves forward, so an instrument claimed at a bar stays done for that bar.
_claimed_here: dict[tuple[str, datetime], frozenset[int]] = {}
CLAIMS_REMEMBERED = 32


def _remember_claim(timeframe: str, bar_time: datetime, claimed: list[int]) -> None:
    _claimed_here[(timeframe, bar_time)] = frozenset(claimed)
    while len(_claimed_here) > CLAIMS_REMEMBERED:
        _claimed_here.pop(next(iter(_claimed_here)))


def _prices_announce_queue(instrument_ids: list[int], timeframe: str, bar_time: datetime) -> None:
    """The close's prices go to the live feed (the watchlist pages) by a task of their own, one per close,
    off the evaluation's path. A failure to queue it is logged: the pages catch up on their next load."""
    try:
        current_app.signature(PRICES_ANNOUNCE_TASK, kwargs={
            "instrument_ids": instrument_ids, "timeframe": timeframe, "time": int(bar_time.timestamp())}).apply_async()
    except Exception:
        logger.exception("queueing the prices of the %s close at %s failed", timeframe, bar_time)


def claims_forget() -> None:
    """Forget the closes this process claimed (a test whose database was emptied under it)."""
    _claimed_here.clear()


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# --- closed bars --------------------------------------------------------------------------------------

def bar_closed_evaluate(*, instrument_id: int, timeframe: str, bar_time: datetime) -> int:
    """A bar of the instrument closed: evaluate the bar rules of every instrument whose newest bar is the
    instrument's newest and is not claimed yet. That is the event's bar, or a later one when the event
    waited in the queue past the next close (whose own event then finds it done): an event that comes
    late still fires on the newest bar rather than on none. Returns the events stored (0 when another
    evaluation had it)."""
    if instrument_id in _claimed_here.get((timeframe, bar_time), ()):
        return 0
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(DUE_SQL, [instrument_id, timeframe, instrument_id, timeframe])
        newest, claimed_at = cursor.fetchone()
    newest, claimed_at = datetime_from_row(newest), datetime_from_row(claimed_at)
    if newest is None or newest < bar_time or (claimed_at is not None and claimed_at >= newest):
        return 0
    bar_time = newest
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(CLAIM_SQL, [timeframe, adapt(bar_time), timeframe, adapt(bar_time)])
            claimed = sorted(instrument for (instrument,) in cursor.fetchall())
        if claimed:
            transaction.on_commit(lambda: _remember_claim(timeframe, bar_time, claimed))
            transaction.on_commit(lambda: _prices_announce_queue(claimed, timeframe, bar_time))
        return bar_rules_fire(instrument_ids=claimed, timeframe=timeframe, bar_time=bar_time)


def bar_rules_fire(*, instrument_ids: list[int], timeframe: str, bar_time: datetime) -> int:
    """Evaluate the bar rules of these instruments at their bar opened at `bar_time` (the newest of each)
    and store what fires. Returns the events stored."""
    if not instrument_ids:
        return 0
    moment = bar_time + timedelta(seconds=Timeframe(timeframe).seconds)  # the bar's close
    loaded = bar_rules_for(instrument_ids=instrument_ids, timeframe=timeframe, moment=moment)
    rules = loaded.rules
    if not len(rules):
        return 0
    count = lookback_bars(pd.unique(np.concatenate([rules.left, rules.right])).tolist())
    wanted = np.unique(rules.instrument_id).tolist()
    bars = {pk: arrays for pk, arrays in bars_latest_arrays(instrument_ids=wanted, timeframe=timeframe, count=count,
                                                            until=bar_time).items()
            if int(arrays.time[-1]) == int(bar_time.timestamp())}
    firings = bar_rules_evaluate(rules, bars, now=moment.timestamp())
    if not len(firings):
        return 0
    candidates = _bar_candidates(loaded, firings, timeframe=timeframe, bar_time=bar_time)
    return len(events_store(candidates=candidates, moment=moment))


def _bar_candidates(loaded: LoadedBarRules, firings: BarFirings, *, timeframe: str,
                    bar_time: datetime) -> list[Candidate]:
    """The events of the rows that fire, with their message in words."""
    picked = firings.rows
    rules = loaded.rules
    instrument_ids = rules.instrument_id[picked].tolist()
    facts = {pk: (symbol, precision) for pk, symbol, precision in Instrument.objects.filter(
        RawSQL('"market_instrument"."id" = ANY(%s)', (sorted(set(instrument_ids)),), output_field=BooleanField())
        if connection.vendor == "postgresql" else Q(pk__in=set(instrument_ids)))
        .values_list("pk", "symbol", "price_precision")}
    epoch = int(bar_time.timestamp())
    candidates = []
    for (rule_id, tenant_id, once, stateful, instrument_id, left, op, right, value, left_value, right_value,
         lower) in zip(
            rules.rule_id[picked].tolist(), loaded.tenant_id[picked].tolist(), loaded.once[picked].tolist(),
            loaded.stateful[picked].tolist(), instrument_ids, rules.left[picked], rules.op[picked],
            rules.right[picked], rules.value[picked].tolist(), firings.left_value.tolist(),
            firings.right_value.tolist(), firings.lower_value.tolist(), strict=True):
        symbol, precision = facts[instrument_id]
        candidates.append(Candidate(
            rule_id=rule_id, tenant_id=tenant_id, once=once, stateful=stateful,
            trigger_key=f"bar:{instrument_id}:{timeframe}:{epoch}", instrument_id=instrument_id, timeframe=timeframe,
            bar_time=bar_time, left_value=_finite(left_value), right_value=_finite(right_value),
            message=bar_firing_message(symbol=symbol, timeframe=timeframe, left=left, op=op, right=right, value=value,
                                       left_value=left_value, right_value=right_value, lower_value=lower,
                                       precision=precision)))
    return candidates


# --- signals and outcomes ---------------------------------------------------------------------------

def signal_published_evaluate(*, publication_id: int) -> int:
    """A signal became visible to a tier: fire the matching signal rules of the tenants on that tier.
    Returns the events stored."""
    publication = (SignalPublication.objects.select_related("signal__instrument")
                   .filter(pk=publication_id).exclude(published_at=None).first())
    if publication is None or publication.published_at is None:
        return 0
    signal = publication.signal
    facts = SignalFacts(direction=signal.direction, confidence=signal.confidence, timeframe=signal.timeframe,
                        asset_class=signal.asset_class)
    message = signal_firing_message(symbol=signal.instrument.symbol, timeframe=signal.timeframe,
                                    direction=signal.direction, entry=signal.entry,
                                    precision=signal.instrument.price_precision)
    return _signal_kind_fire(kind=SIGNAL, signal=signal, tiers={publication.tier}, facts=facts, message=message,
                             trigger_key=f"signal:{signal.pk}", moment=publication.published_at)


def outcomes_evaluate_new(*, limit: int = 500) -> int:
    """Fire the outcome rules of the outcomes recorded since the last call, oldest first (at most
    `limit`). Returns the events stored."""
    stored = 0
    with transaction.atomic():
        cursor, _ = AlertOutcomeCursor.objects.select_for_update().get_or_create(pk=1)
        outcomes = list(SignalOutcome.objects.filter(pk__gt=cursor.last_outcome_id)
                        .select_related("signal__instrument").order_by("pk")[:limit])
        for outcome in outcomes:
            stored += _outcome_fire(outcome)
        if outcomes:
            AlertOutcomeCursor.objects.filter(pk=cursor.pk).update(last_outcome_id=outcomes[-1].pk)
    return stored


def _outcome_fire(outcome: SignalOutcome) -> int:
    if outcome.result == OutcomeResult.EXPIRED:
        return 0
    result = "stop" if outcome.result == OutcomeResult.STOP else "target"
    signal = outcome.signal
    facts = SignalFacts(direction=signal.direction, confidence=signal.confidence, timeframe=signal.timeframe,
                        asset_class=signal.asset_class, outcome=result)
    tiers = set(SignalPublication.objects.filter(signal=signal).exclude(published_at=None)
                .values_list("tier", flat=True))
    message = signal_firing_message(symbol=signal.instrument.symbol, timeframe=signal.timeframe,
                                    direction=signal.direction, entry=signal.entry,
                                    precision=signal.instrument.price_precision, outcome=result,
                                    r_multiple=outcome.r_multiple)
    return _signal_kind_fire(kind=OUTCOME, signal=signal, tiers=tiers, facts=facts, message=message,
                             trigger_key=f"outcome:{signal.pk}", moment=outcome.recorded_at)


def _signal_kind_fire(*, kind: str, signal, tiers: set[str], facts: SignalFacts, message: str, trigger_key: str,
                      moment: datetime) -> int:
    """Fire the `kind` rules on the signal's instrument of tenants whose plan is one of `tiers`."""
    rules = list(signal_rules_for(kind=kind, instrument_id=signal.instrument_id, moment=moment))
    if not rules:
        return 0
    plans = tenant_entitlements_many(tenant_ids={rule.tenant_id for rule in rules})
    rules = [rule for rule in rules if plans[rule.tenant_id].plan_code in tiers]
    if not rules:
        return 0
    hides_confidence = np.array([not plans[rule.tenant_id].shows_confidence for rule in rules])
    min_confidence = np.array([np.nan if r.min_confidence is None else r.min_confidence for r in rules])
    matches = signal_rules_match(
        op=np.array([r.op for r in rules], dtype=object), direction=np.array([r.direction for r in rules],
                                                                             dtype=object),
        min_confidence=np.where(hides_confidence & ~np.isnan(min_confidence), np.inf, min_confidence),
        timeframe=np.array([r.timeframe for r in rules], dtype=object),
        asset_class=np.array([r.asset_class for r in rules], dtype=object), facts=facts)
    matches &= _eligible(rules, moment)
    candidates = [Candidate(rule_id=rule.pk, tenant_id=rule.tenant_id, once=rule.repeat == Repeat.ONCE,
                            stateful=rule.repeat == Repeat.ONCE or rule.cooldown_seconds > 0,
                            trigger_key=trigger_key, message=message, instrument_id=signal.instrument_id,
                            timeframe=signal.timeframe, signal_id=signal.pk)
                  for rule, match in zip(rules, matches.tolist(), strict=True) if match]
    return len(events_store(candidates=candidates, moment=moment))


def _eligible(rules: list[AlertRule], moment: datetime) -> np.ndarray:
    return rules_may_fire([(r.status, r.paused_reason, r.last_fired_at, r.cooldown_seconds, r.expires_at)
                           for r in rules], moment)
