"""Writes of alert rules, the plan's limits on them, and what follows a stored event.

A rule is checked whole before it is saved (alerts.conditions for its condition, then its target,
timeframe, filters, channels, cooldown and expiry): a refused save raises InvalidInput with a message
per field and changes nothing. An active rule also needs the plan's room: its channels among the
plan's alert_channels, and a free place among its active_alerts; over either, the rule cannot be
activated and the error says why. When a tenant's plan shrinks, `alert_rules_fit_plan` pauses the
rules beyond it, newest first; nothing is deleted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from alerts.conditions import BAR_KINDS, Condition, condition_check
from alerts.deliveries import deliveries_create_for_events
from alerts.event_fields import FiredEvent
from alerts.models import (
    AlertRule,
    Channel,
    PausedReason,
    Repeat,
    RuleStatus,
    SignalDirection,
)
from alerts.selectors import alert_rule_active_count
from billing.entitlements import Entitlements, tenant_entitlements, upgrade_url
from billing.models import UsageMetric
from billing.usage import usage_increment_many
from config.errors import InvalidInput, NotEntitled, NotPermitted, PlanLimitReached
from market.models import AssetClass, Instrument
from market.timeframes import Timeframe
from watchlists.actors import Actor
from watchlists.models import Watchlist
from watchlists.selectors import watchlist_visible

NAME_MAX = 80
COOLDOWN_MAX = 30 * 86400
EDITABLE = ("name", "kind", "instrument", "watchlist", "timeframe", "left", "op", "right", "value", "direction",
            "min_confidence", "asset_class", "channels", "cooldown_seconds", "expires_at", "repeat", "status")


def alert_rule_ensure_editable(*, actor: Actor, rule: AlertRule) -> None:
    """NotPermitted unless the actor made the rule or manages the tenant."""
    if actor.manages or (actor.user is not None and rule.created_by_id == actor.user.pk):
        return
    raise NotPermitted("Only the member who made this alert, or an owner or admin, can change it.")


@transaction.atomic
def alert_rule_create(*, actor: Actor, name: str, kind: str, channels: list[str], instrument: Instrument | None = None,
                      watchlist: Watchlist | None = None, timeframe: str = "", left: str = "", op: str = "",
                      right: str = "", value: float | None = None, direction: str = "",
                      min_confidence: float | None = None, asset_class: str = "", cooldown_seconds: int = 0,
                      expires_at: datetime | None = None, repeat: str = Repeat.EVERY_TIME,
                      status: str = RuleStatus.ACTIVE) -> AlertRule:
    """A new rule of the actor's tenant, credited to the actor; active unless `status` says paused."""
    rule = AlertRule(tenant=actor.tenant, created_by=actor.credited_to)
    fields = {"name": name, "kind": kind, "instrument": instrument, "watchlist": watchlist, "timeframe": timeframe,
              "left": left, "op": op, "right": right, "value": value, "direction": direction,
              "min_confidence": min_confidence, "asset_class": asset_class, "channels": channels,
              "cooldown_seconds": cooldown_seconds, "expires_at": expires_at, "repeat": repeat, "status": status}
    return _save(actor=actor, rule=rule, fields=fields)


@transaction.atomic
def alert_rule_update(*, actor: Actor, rule: AlertRule, **changes: Any) -> AlertRule:
    """Change some fields of a rule (pausing and activating it too: `status`); checked whole, as on create."""
    alert_rule_ensure_editable(actor=actor, rule=rule)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput("Unknown fields.", fields={field: ["Not a field of an alert rule."] for field in unknown})
    fields = {field: getattr(rule, field) for field in EDITABLE} | changes
    return _save(actor=actor, rule=rule, fields=fields)


@transaction.atomic
def alert_rule_delete(*, actor: Actor, rule: AlertRule) -> None:
    """Delete a rule with its events. The rule is locked first: an evaluation storing its event right now
    (which locks it FOR KEY SHARE, alerts.event_books) finishes before the deletion reads the events, or
    finds the rule gone."""
    alert_rule_ensure_editable(actor=actor, rule=rule)
    AlertRule.objects.select_for_update().filter(pk=rule.pk).first()
    rule.delete()


def _save(*, actor: Actor, rule: AlertRule, fields: dict[str, Any]) -> AlertRule:
    condition, errors = _checked(actor=actor, fields=fields)
    if errors:
        raise InvalidInput("The alert was not saved: " + "; ".join(f"{f}: {m[0]}" for f, m in errors.items()),
                           fields=errors)
    Tenant.objects.select_for_update().filter(pk=actor.tenant.pk).first()  # one activation at a time
    was_active = rule.pk is not None and AlertRule.objects.filter(pk=rule.pk, status=RuleStatus.ACTIVE).exists()
    if fields["status"] == RuleStatus.ACTIVE:
        _ensure_plan_allows(tenant=actor.tenant, rule=rule, fields=fields, newly_active=not was_active)
    for field, value in fields.items():
        setattr(rule, field, value)
    rule.left, rule.op, rule.right = condition.left, condition.op, condition.right
    rule.name = fields["name"].strip()
    rule.channels = list(dict.fromkeys(fields["channels"]))
    if fields["status"] == RuleStatus.ACTIVE:
        rule.paused_reason = PausedReason.NONE
    elif was_active or rule.pk is None:
        rule.paused_reason = PausedReason.MEMBER  # else it keeps why it was paused (plan, fired once)
    rule.updated_at = timezone.now()
    rule.save()
    return rule


def _checked(*, actor: Actor, fields: dict[str, Any]) -> tuple[Condition, dict[str, list[str]]]:
    """The rule's condition made canonical, and every field's errors."""
    condition, errors = condition_check(Condition(kind=fields["kind"], left=fields["left"] or "",
                                                  op=fields["op"] or "", right=fields["right"] or "",
                                                  value=fields["value"]))
    name = fields["name"]
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX \
            or any(ord(character) < 32 for character in name):
        errors["name"] = [f"Give the alert a name of 1 to {NAME_MAX} printable characters."]
    _check_target(actor, fields, errors)
    _check_filters(fields, errors)
    _check_delivery(fields, errors)
    return condition, errors


def _check_target(actor: Actor, fields: dict[str, Any], errors: dict[str, list[str]]) -> None:
    kind, instrument, watchlist = fields["kind"], fields["instrument"], fields["watchlist"]
    timeframe = fields["timeframe"] or ""
    if instrument is not None and watchlist is not None:
        errors["watchlist"] = ["Choose an instrument or a watchlist, not both."]
    elif kind in BAR_KINDS and instrument is None and watchlist is None:
        errors["instrument"] = ["Choose the instrument or the watchlist to watch."]
    if instrument is not None and not instrument.active:
        errors["instrument"] = [f"{instrument.symbol} is not traded on Beacon any more."]
    if watchlist is not None and not watchlist_visible(actor=actor).filter(pk=watchlist.pk).exists():
        errors["watchlist"] = ["No such watchlist."]
    if timeframe and timeframe not in Timeframe.__members__:
        errors["timeframe"] = [f"Choose one of {', '.join(Timeframe.__members__)}."]
    elif kind in BAR_KINDS and not timeframe:
        errors["timeframe"] = ["Choose the timeframe of the bars to watch."]


def _check_filters(fields: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Direction, minimum confidence and asset class filter signals: only signal and outcome rules have them."""
    filters_signals = fields["kind"] not in BAR_KINDS
    if fields["direction"] not in SignalDirection.values:
        errors["direction"] = ["Choose BUY, SELL or leave it empty for either."]
    if fields["asset_class"] and fields["asset_class"] not in AssetClass.values:
        errors["asset_class"] = [f"Choose one of {', '.join(AssetClass.values)}, or leave it empty for any."]
    confidence = fields["min_confidence"]
    if confidence is not None and not (isinstance(confidence, int | float) and 0 <= confidence <= 1):
        errors["min_confidence"] = ["A probability from 0 to 1."]
    if not filters_signals:
        for field in ("direction", "asset_class", "min_confidence"):
            if fields[field] not in ("", None) and field not in errors:
                errors[field] = ["Only signal and outcome alerts filter signals."]


def _check_delivery(fields: dict[str, Any], errors: dict[str, list[str]]) -> None:
    channels = fields["channels"]
    if not isinstance(channels, list) or not channels:
        errors["channels"] = ["Choose at least one channel."]
    elif unknown := [c for c in channels if c not in Channel.values]:
        errors["channels"] = [f"Unknown channel {unknown[0]!r}: choose from {', '.join(Channel.values)}."]
    cooldown = fields["cooldown_seconds"]
    if not isinstance(cooldown, int) or not 0 <= cooldown <= COOLDOWN_MAX:
        errors["cooldown_seconds"] = [f"Whole seconds from 0 to {COOLDOWN_MAX} (30 days)."]
    if fields["repeat"] not in Repeat.values:
        errors["repeat"] = [f"Choose one of {', '.join(Repeat.values)}."]
    if fields["status"] not in RuleStatus.values:
        errors["status"] = [f"Choose one of {', '.join(RuleStatus.values)}."]
    expires_at = fields["expires_at"]
    if expires_at is not None and (not isinstance(expires_at, datetime) or timezone.is_naive(expires_at)):
        errors["expires_at"] = ["A date and time with its time zone."]
    elif expires_at is not None and expires_at <= timezone.now() and fields["status"] == RuleStatus.ACTIVE:
        errors["expires_at"] = ["That time has passed: set a later expiry to keep the alert active."]


def _ensure_plan_allows(*, tenant: Tenant, rule: AlertRule, fields: dict[str, Any], newly_active: bool) -> None:
    """NotEntitled for a channel or filter the plan lacks; PlanLimitReached when every active place is taken."""
    entitlements = tenant_entitlements(tenant=tenant)
    missing = [c for c in fields["channels"] if c not in entitlements.alert_channels]
    if missing:
        label = Channel(missing[0]).label
        raise NotEntitled(f"Your {entitlements.plan_name} plan does not include {label} alerts. Upgrade to use it.",
                          fields={"channels": [f"{label} is not in your plan."]}, feature="alert_channels",
                          upgrade_url=upgrade_url())
    if fields["min_confidence"] is not None and not entitlements.shows_confidence:
        raise NotEntitled(f"Your {entitlements.plan_name} plan does not show the confidence of signals.",
                          fields={"min_confidence": ["Your plan does not show confidence."]},
                          feature="shows_confidence", upgrade_url=upgrade_url())
    if newly_active:
        used = alert_rule_active_count(tenant=tenant, excluding=rule.pk)
        if used >= entitlements.active_alerts:
            raise PlanLimitReached(
                f"Your {entitlements.plan_name} plan allows {entitlements.active_alerts} active alerts and "
                f"{used} are active: pause one or upgrade to activate this one.",
                fields={"status": ["Every active alert your plan allows is in use."]}, limit="active_alerts",
                allowed=entitlements.active_alerts, used=used, upgrade_url=upgrade_url())


def _fits(rule: AlertRule, entitlements: Entitlements) -> bool:
    return set(rule.channels) <= entitlements.alert_channels and (
        rule.min_confidence is None or entitlements.shows_confidence)


@transaction.atomic
def alert_rules_fit_plan(*, tenant: Tenant, now: datetime | None = None) -> list[int]:
    """Pause (not delete) the active rules the tenant's plan (as of `now`) no longer allows: those on a
    channel or filter it lacks, then the newest beyond its active_alerts. Returns the ids paused. Called
    where billing applies a plan change (billing.sync)."""
    entitlements = tenant_entitlements(tenant=tenant, now=now)
    active = list(AlertRule.objects.for_tenant(tenant).select_for_update().filter(status=RuleStatus.ACTIVE)
                  .order_by("created_at", "id").only("id", "channels", "min_confidence"))
    fitting = [rule for rule in active if _fits(rule, entitlements)]
    keep = {rule.pk for rule in fitting[:entitlements.active_alerts]}
    paused = [rule.pk for rule in active if rule.pk not in keep]
    AlertRule.objects.filter(pk__in=paused).update(status=RuleStatus.PAUSED, paused_reason=PausedReason.PLAN,
                                                   updated_at=timezone.now())
    return paused


def alert_events_fired(*, events: Sequence[FiredEvent],
                       recipients: dict[int, tuple[int | None, list[str]]] | None = None) -> None:
    """What follows events just stored, in their transaction, so that neither they nor their deliveries
    are stored without the other: each tenant's usage counted, then every delivery of the batch created
    at once (alerts.deliveries), their sends queued after the commit."""
    usage_increment_many(metric=UsageMetric.ALERTS_FIRED, counts=Counter(event.tenant_id for event in events))
    deliveries_create_for_events(events=events, recipients=recipients)
