"""Reads of alert rules and events: what an actor sees, and the rules an evaluation loads; and of their
deliveries: a member's destinations and their delivery log, notifications and their unread count.

A member sees the tenant's rules but those that follow a teammate's private watchlist (as they do
not see the list); an API key sees the rules on instruments, on shared watchlists and on every
instrument. The evaluation's loads are one query each, whatever the number of rules. Reads of
deliveries take the tenant and the member: one member never sees another's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.tenancy import get_for_tenant_or_404
from alerts.conditions import BAR_KINDS
from alerts.evaluation import BarRules
from alerts.models import (
    AlertEvent,
    AlertRule,
    Delivery,
    DeliveryAttempt,
    Destination,
    Notification,
    PausedReason,
    Repeat,
    RuleStatus,
)
from billing.entitlements import Entitlements, plan_default, plan_effective
from billing.models import Subscription
from watchlists.actors import Actor


def alert_rule_visible(*, actor: Actor) -> QuerySet[AlertRule]:
    """The tenant's rules the actor may see."""
    followed_list_shown = Q(watchlist=None) | Q(watchlist__is_shared=True)
    if actor.user is not None:
        followed_list_shown |= Q(watchlist__created_by=actor.user)
    return AlertRule.objects.for_tenant(actor.tenant).filter(followed_list_shown)


def alert_rule_list(*, actor: Actor) -> QuerySet[AlertRule]:
    return alert_rule_visible(actor=actor).select_related("instrument", "watchlist", "created_by").order_by(
        "-created_at", "-id")


def alert_rule_get(*, actor: Actor, pk) -> AlertRule:
    """One rule the actor sees; Http404 for any other."""
    return get_for_tenant_or_404(alert_rule_visible(actor=actor).select_related("instrument", "watchlist"),
                                 tenant=actor.tenant, pk=pk)


def alert_rule_active_count(*, tenant, excluding: int | None = None) -> int:
    """The tenant's active rules (what the plan's active_alerts counts), but `excluding` (a rule's id)."""
    return AlertRule.objects.for_tenant(tenant).filter(status=RuleStatus.ACTIVE).exclude(pk=excluding).count()


def alert_event_list(*, actor: Actor, rule: AlertRule | None = None) -> QuerySet[AlertEvent]:
    """Events of the rules the actor sees, newest first."""
    events = AlertEvent.objects.for_tenant(actor.tenant).filter(rule__in=alert_rule_visible(actor=actor))
    if rule is not None:
        events = events.filter(rule=rule)
    return events.select_related("rule", "instrument").order_by("-created_at", "-id")


def _may_fire_at(moment: datetime) -> Q:
    """Active, or paused by firing once at this very moment (its other matches of that moment count)."""
    return Q(status=RuleStatus.ACTIVE) | Q(paused_reason=PausedReason.FIRED_ONCE, last_fired_at=moment)


@dataclass(frozen=True)
class LoadedBarRules:
    """Bar rules of a batch of instruments, with what storing their events needs, row by row."""

    rules: BarRules
    tenant_id: np.ndarray  # int64
    once: np.ndarray  # bool

    @property
    def stateful(self) -> np.ndarray:
        """Rows whose rule records its firing: it has a cooldown or fires once."""
        return (self.rules.cooldown > 0) | self.once


BAR_RULE_COLUMNS = ("id", "left", "op", "right", "value", "status", "paused_reason", "last_fired_at",
                    "cooldown_seconds", "expires_at", "tenant_id", "repeat")
# The same rows on PostgreSQL, packed by the server into two values: the numbers as fixed binary records that
# numpy reads in place (BAR_RULE_RECORD), and the conditions as text, a rule a line ("left<tab>op<tab>right":
# series keys and operators hold no tab or newline), in the same order (both aggregates read the same rows one
# after the other). A few distinct conditions repeat over thousands of rules: each is split once. A fraction of
# the time of text parsed by pandas, itself a third of a binary COPY's, which psycopg reads a row at a time
# (measured with bench/bench_alerts.py).
BAR_RULES_PACKED = """
SELECT string_agg(int8send(r.target) || int8send(r.id) || float8send(COALESCE(r.value, 'NaN'))
                  || timestamptz_send(COALESCE(r.last_fired_at, '-infinity'))
                  || float8send(r.cooldown_seconds::float8)
                  || timestamptz_send(COALESCE(r.expires_at, '-infinity'))
                  || int8send(r.tenant_id) || boolsend(r.status = %(active)s)
                  || boolsend(r.paused_reason = %(fired_once)s) || boolsend(r.repeat = %(once)s), ''::bytea),
       string_agg(r."left" || E'\t' || r.op || E'\t' || r."right", E'\n')
FROM (
  SELECT r.*, r.instrument_id AS target FROM alerts_alertrule r
  WHERE r.instrument_id = ANY(%(ids)s) AND r.timeframe = %(timeframe)s AND r.kind = ANY(%(kinds)s)
    AND (r.status = %(active)s OR (r.paused_reason = %(fired_once)s AND r.last_fired_at = %(moment)s))
  UNION ALL
  SELECT r.*, w.instrument_id FROM alerts_alertrule r JOIN watchlists_watchlistitem w ON w.watchlist_id = r.watchlist_id
  WHERE w.instrument_id = ANY(%(ids)s) AND r.timeframe = %(timeframe)s AND r.kind = ANY(%(kinds)s)
    AND (r.status = %(active)s OR (r.paused_reason = %(fired_once)s AND r.last_fired_at = %(moment)s))
) r
"""
# Times as PostgreSQL sends them: microseconds from 2000-01-01 UTC, a missing one as -infinity (int64's least).
BAR_RULE_RECORD = np.dtype([("instrument_id", ">i8"), ("rule_id", ">i8"), ("value", ">f8"), ("last_fired", ">i8"),
                            ("cooldown", ">f8"), ("expires", ">i8"), ("tenant_id", ">i8"), ("active", "?"),
                            ("fired_once", "?"), ("once", "?")])
NEVER = np.iinfo(np.int64).min  # -infinity
POSTGRES_EPOCH_US = 946_684_800 * 1_000_000


def _epoch_seconds(sent: np.ndarray) -> np.ndarray:
    """Epoch seconds (float64, NaN for -infinity) of sent times: one rounding, as datetime.timestamp() makes."""
    return np.where(sent == NEVER, np.nan, (sent.astype(np.int64) + POSTGRES_EPOCH_US) / 1e6)


def bar_rules_for(*, instrument_ids: list[int], timeframe: str, moment: datetime) -> LoadedBarRules:
    """The bar rules of `timeframe` that may fire at `moment` on these instruments, one row per (rule,
    instrument): rules on an instrument, and rules that follow a watchlist holding it (as the list is now).
    One query."""
    if connection.vendor == "postgresql":
        return _bar_rules_postgres(instrument_ids, timeframe, moment)
    may_fire = _may_fire_at(moment) & Q(timeframe=timeframe, kind__in=BAR_KINDS)
    direct = AlertRule.objects.filter(may_fire, instrument_id__in=instrument_ids).order_by().values_list(
        "instrument_id", *BAR_RULE_COLUMNS)
    followed = (AlertRule.objects.filter(may_fire, watchlist__items__instrument_id__in=instrument_ids).order_by()
                .values_list("watchlist__items__instrument_id", *BAR_RULE_COLUMNS))
    return _loaded(list(direct.union(followed, all=True)))


def _bar_rules_postgres(instrument_ids: list[int], timeframe: str, moment: datetime) -> LoadedBarRules:
    params: dict[str, Any] = {"ids": list(instrument_ids), "timeframe": timeframe, "kinds": list(BAR_KINDS),
                              "moment": moment, "active": RuleStatus.ACTIVE.value,
                              "fired_once": PausedReason.FIRED_ONCE.value, "once": Repeat.ONCE.value}
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:  # binary results
        cursor.execute(BAR_RULES_PACKED, params, binary=True)
        packed, conditions = cursor.fetchone() or (None, None)
    if not packed:
        return _loaded([])
    records = np.frombuffer(packed, dtype=BAR_RULE_RECORD)
    lines: list[str] = str(conditions).split("\n")
    codes, distinct = pd.factorize(pd.Series(lines, dtype=object))
    left, op, right = (np.array(column, dtype=object)[codes]
                       for column in zip(*(condition.split("\t") for condition in distinct), strict=True))
    rules = BarRules(rule_id=records["rule_id"].astype(np.int64),
                     instrument_id=records["instrument_id"].astype(np.int64), left=left, op=op, right=right,
                     value=records["value"].astype(np.float64),
                     active=records["active"].copy(), fired_once=records["fired_once"].copy(),
                     last_fired=_epoch_seconds(records["last_fired"]),
                     cooldown=records["cooldown"].astype(np.float64), expires=_epoch_seconds(records["expires"]))
    return LoadedBarRules(rules=rules, tenant_id=records["tenant_id"].astype(np.int64), once=records["once"].copy())


def _epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _loaded(rows: list[tuple]) -> LoadedBarRules:
    as_rules = [(rule_id, instrument_id, left, op, right, value, status == RuleStatus.ACTIVE,
                 paused_reason == PausedReason.FIRED_ONCE, _epoch(last_fired), float(cooldown), _epoch(expires))
                for (instrument_id, rule_id, left, op, right, value, status, paused_reason, last_fired, cooldown,
                     expires, _tenant, _repeat) in rows]
    return LoadedBarRules(rules=BarRules.from_rows(as_rules),
                          tenant_id=np.array([row[-2] for row in rows], dtype=np.int64),
                          once=np.array([row[-1] == Repeat.ONCE for row in rows], dtype=bool))


def signal_rules_for(*, kind: str, instrument_id: int, moment: datetime) -> QuerySet[AlertRule]:
    """Signal or outcome rules (`kind`) that may fire at `moment` for a signal on the instrument: rules on
    it, on a watchlist holding it, or on every instrument."""
    target = Q(instrument_id=instrument_id) | Q(watchlist__items__instrument_id=instrument_id) \
        | Q(instrument=None, watchlist=None)
    return AlertRule.objects.filter(_may_fire_at(moment), target, kind=kind).distinct()


def alert_rules_among(*, rule_ids: Sequence[int]) -> QuerySet[AlertRule]:
    """The rules with these ids. On PostgreSQL the ids travel as one array (id = ANY(%s)): binding thousands
    as IN (%s, ...) cost Django and psycopg ten times the query (7,100 ids: 40 to 100 ms against 5, measured)."""
    if connection.vendor == "postgresql":
        return AlertRule.objects.filter(RawSQL('"alerts_alertrule"."id" = ANY(%s)', (list(rule_ids),),
                                               output_field=BooleanField()))
    return AlertRule.objects.filter(pk__in=rule_ids)


def rules_state_for_update(*, rule_ids: list[int]) -> list[tuple]:
    """(id, status, paused_reason, last_fired_at, cooldown_seconds, expires_at) of the rules, locked (in id
    order, so that two evaluations never deadlock) until the transaction ends: what an evaluation checks
    again before it stores events."""
    return list(alert_rules_among(rule_ids=rule_ids).select_for_update().order_by("pk")
                .values_list("id", "status", "paused_reason", "last_fired_at", "cooldown_seconds", "expires_at"))


RULE_RECIPIENTS_SQL = "SELECT id, created_by_id, channels::text FROM alerts_alertrule WHERE id = ANY(%s)"


def alert_rule_recipients(*, rule_ids: set[int]) -> dict[int, tuple[int | None, list[str]]]:
    """(the id of its maker, or None; its channels) of each rule, by id. One query."""
    if connection.vendor != "postgresql":
        rows = AlertRule.objects.filter(pk__in=rule_ids).values_list("pk", "created_by_id", "channels")
        return {pk: (member_id, list(channels)) for pk, member_id, channels in rows}
    with connection.cursor() as cursor:
        cursor.execute(RULE_RECIPIENTS_SQL, [sorted(rule_ids)])
        return {pk: (member_id, json.loads(channels)) for pk, member_id, channels in cursor.fetchall()}


def tenant_entitlements_many(*, tenant_ids, now: datetime | None = None) -> dict[int, Entitlements]:
    """The entitlements of each tenant's effective plan (billing.entitlements' rule), in two queries."""
    now = now or timezone.now()
    subscriptions = Subscription.objects.select_related("plan").filter(tenant_id__in=set(tenant_ids))
    plans = {s.tenant_id: plan_effective(subscription=s, now=now) for s in subscriptions}
    default = None
    entitlements = {}
    for tenant_id in set(tenant_ids):
        plan = plans.get(tenant_id)
        if plan is None:
            default = default or plan_default()
            plan = default
        entitlements[tenant_id] = Entitlements.from_plan(plan)
    return entitlements


# --- deliveries ---------------------------------------------------------------------------------------

def destination_list(*, tenant: Tenant, member: User, channel: str | None = None) -> QuerySet[Destination]:
    destinations = Destination.objects.for_tenant(tenant).filter(member=member)
    if channel is not None:
        destinations = destinations.filter(channel=channel)
    return destinations.order_by("channel", "created_at", "pk")


def delivery_log(*, destination: Destination) -> QuerySet[Delivery]:
    """The destination's deliveries, newest first, each with its attempts (newest first)."""
    return (Delivery.objects.filter(tenant_id=destination.tenant_id, destination=destination)
            .select_related("event").order_by("-created_at", "-pk")
            .prefetch_related(Prefetch("log", queryset=DeliveryAttempt.objects.order_by("-number", "-pk"))))


def notification_list(*, tenant: Tenant, member: User, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.for_tenant(tenant).filter(member=member)
    if unread_only:
        notifications = notifications.filter(read_at=None)
    return notifications.order_by("-created_at", "-pk")


def notification_unread_count(*, tenant: Tenant, member: User) -> int:
    return Notification.objects.for_tenant(tenant).filter(member=member, read_at=None).count()
