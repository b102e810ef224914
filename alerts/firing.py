"""Firing: rules evaluated against what happened, events stored once, then handed on.

- A closed bar (`bar_closed_evaluate`): the first event of a bar's close claims every instrument of
  the timeframe whose newest bar is that bar (one conditional upsert of AlertBarCursor, so the other
  events of the same close find their instrument done), loads their bar rules (one query), their bars
  (one query) and evaluates them in one pass (alerts.evaluation). A bar that is not the newest of its
  instrument (a backfill's) is left to the event of the newest.
- A signal publication (`signal_published_evaluate`): the signal rules of the tenants on the
  publication's tier, so each plan hears of a signal when it sees it (Free after its delay).
- Recorded outcomes (`outcomes_evaluate_new`): read after a cursor, for the outcome rules of tenants
  whose tier was shown the signal.

Storing (`_events_store`) locks the rules that fire, checks their state again (another evaluation may
have fired them meanwhile), inserts the events not stored yet (unique per rule and trigger), moves the
rules' last firing (and pauses "once" rules), and hands the events to `alert_events_fired`; all in one
transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction

from alerts.conditions import OUTCOME, SIGNAL
from alerts.evaluation import (
    SignalFacts,
    bar_firing_message,
    bar_rules_evaluate,
    lookback_bars,
    rules_eligible,
    signal_firing_message,
    signal_rules_match,
)
from alerts.models import AlertEvent, AlertOutcomeCursor, AlertRule, PausedReason, Repeat, RuleStatus
from alerts.selectors import bar_rules_for, rules_state_for_update, signal_rules_for, tenant_entitlements_many
from alerts.services import alert_events_fired
from config.sql import datetime_from_row
from market.models import Instrument
from market.selectors import bars_latest_arrays
from market.timeframes import Timeframe
from signals.models import OutcomeResult, SignalOutcome, SignalPublication

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


@dataclass(frozen=True)
class Candidate:
    """An event a rule would fire, before its state is checked again and it is stored."""

    rule_id: int
    tenant_id: int
    once: bool
    trigger_key: str
    message: str
    instrument_id: int | None = None
    timeframe: str = ""
    bar_time: datetime | None = None
    signal_id: int | None = None
    left_value: float | None = None
    right_value: float | None = None


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


# --- closed bars --------------------------------------------------------------------------------------

def bar_closed_evaluate(*, instrument_id: int, timeframe: str, bar_time: datetime) -> int:
    """A bar of the instrument closed: evaluate the bar rules of every instrument whose same bar closed
    and is not claimed yet. Returns the events stored (0 when another evaluation had it)."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(DUE_SQL, [instrument_id, timeframe, instrument_id, timeframe])
        newest, claimed_at = cursor.fetchone()
    newest, claimed_at = datetime_from_row(newest), datetime_from_row(claimed_at)
    if newest != bar_time or (claimed_at is not None and claimed_at >= bar_time):
        return 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(CLAIM_SQL, [timeframe, adapt(bar_time), timeframe, adapt(bar_time)])
            claimed = sorted(instrument for (instrument,) in cursor.fetchall())
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
    count = lookback_bars(np.unique(np.concatenate([rules.left, rules.right])).tolist())
    wanted = np.unique(rules.instrument_id).tolist()
    bars = {pk: arrays for pk, arrays in bars_latest_arrays(instrument_ids=wanted, timeframe=timeframe, count=count,
                                                            until=bar_time).items()
            if int(arrays.time[-1]) == int(bar_time.timestamp())}
    firings = bar_rules_evaluate(rules, bars, now=moment.timestamp())
    if not len(firings):
        return 0
    instruments = Instrument.objects.in_bulk(np.unique(rules.instrument_id[firings.rows]).tolist())
    epoch = int(bar_time.timestamp())
    candidates = []
    for row, left_value, right_value, lower_value in zip(firings.rows.tolist(), firings.left_value.tolist(),
                                                         firings.right_value.tolist(), firings.lower_value.tolist(),
                                                         strict=True):
        instrument = instruments[int(rules.instrument_id[row])]
        candidates.append(Candidate(
            rule_id=int(rules.rule_id[row]), tenant_id=int(loaded.tenant_id[row]), once=bool(loaded.once[row]),
            trigger_key=f"bar:{instrument.pk}:{timeframe}:{epoch}", instrument_id=instrument.pk, timeframe=timeframe,
            bar_time=bar_time, left_value=_finite(left_value), right_value=_finite(right_value),
            message=bar_firing_message(symbol=instrument.symbol, timeframe=timeframe, left=rules.left[row],
                                       op=rules.op[row], right=rules.right[row], value=rules.value[row],
                                       left_value=left_value, right_value=right_value, lower_value=lower_value,
                                       precision=instrument.price_precision)))
    return len(_events_store(candidates=candidates, moment=moment))


# --- signals and outcomes ---------------------------------------------------------------------------

def signal_published_evaluate(*, publication_id: int) -> int:
    """A signal became visible to a tier: fire the matching signal rules of the tenants on that tier.
    Returns the events stored."""
    publication = (SignalPublication.objects.select_related("signal__instrument")
                   .filter(pk=publication_id).exclude(published_at=None).first())
    if publication is None:
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
        op=np.array([r.op for r in rules], dtype=object), direction=np.array([r.direction for r in rules], dtype=object),
        min_confidence=np.where(hides_confidence & ~np.isnan(min_confidence), np.inf, min_confidence),
        timeframe=np.array([r.timeframe for r in rules], dtype=object),
        asset_class=np.array([r.asset_class for r in rules], dtype=object), facts=facts)
    matches &= _eligible(rules, moment)
    candidates = [Candidate(rule_id=rule.pk, tenant_id=rule.tenant_id, once=rule.repeat == Repeat.ONCE,
                            trigger_key=trigger_key, message=message, instrument_id=signal.instrument_id,
                            timeframe=signal.timeframe, signal_id=signal.pk)
                  for rule, match in zip(rules, matches.tolist(), strict=True) if match]
    return len(_events_store(candidates=candidates, moment=moment))


def _eligible(rules: list[AlertRule], moment: datetime) -> np.ndarray:
    def epoch(value: datetime | None) -> float:
        return np.nan if value is None else value.timestamp()

    return rules_eligible(now=moment.timestamp(), active=np.array([r.status == RuleStatus.ACTIVE for r in rules]),
                          fired_once=np.array([r.paused_reason == PausedReason.FIRED_ONCE for r in rules]),
                          last_fired=np.array([epoch(r.last_fired_at) for r in rules], dtype=np.float64),
                          cooldown=np.array([float(r.cooldown_seconds) for r in rules]),
                          expires=np.array([epoch(r.expires_at) for r in rules], dtype=np.float64))


# --- storing ------------------------------------------------------------------------------------------

@transaction.atomic
def _events_store(*, candidates: list[Candidate], moment: datetime) -> list[AlertEvent]:
    """Store the candidates whose rule may still fire at `moment` and that are not stored yet; returns
    the events stored."""
    if not candidates:
        return []
    locked = list(rules_state_for_update(rule_ids=sorted({c.rule_id for c in candidates})))
    still = {rule.pk for rule, ok in zip(locked, _eligible(locked, moment).tolist(), strict=True) if ok}
    stored = set(AlertEvent.objects.filter(rule_id__in=still, trigger_key__in={c.trigger_key for c in candidates})
                 .values_list("rule_id", "trigger_key"))
    events, seen = [], set()
    for c in candidates:
        key = (c.rule_id, c.trigger_key)
        if c.rule_id not in still or key in stored or key in seen:
            continue
        seen.add(key)
        events.append(AlertEvent(tenant_id=c.tenant_id, rule_id=c.rule_id, trigger_key=c.trigger_key,
                                 instrument_id=c.instrument_id, timeframe=c.timeframe, bar_time=c.bar_time,
                                 signal_id=c.signal_id, fired_at=moment, message=c.message[:300],
                                 left_value=c.left_value, right_value=c.right_value))
    if not events:
        return []
    AlertEvent.objects.bulk_create(events, batch_size=2000)
    fired = {event.rule_id for event in events}
    AlertRule.objects.filter(pk__in=fired).update(last_fired_at=moment)
    once = {c.rule_id for c in candidates if c.once and c.rule_id in fired}
    AlertRule.objects.filter(pk__in=once, status=RuleStatus.ACTIVE).update(status=RuleStatus.PAUSED,
                                                                          paused_reason=PausedReason.FIRED_ONCE)
    alert_events_fired(events=events)
    return events

