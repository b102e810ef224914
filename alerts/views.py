"""The alerts page: the rules the member sees with what they watch and when they last fired, a form to
create one, pause / activate / delete buttons (htmx), and the newest events."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Max
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.views.team import tenant_required
from alerts import selectors, services
from alerts.forms import AlertRuleForm
from alerts.models import RuleStatus
from billing.entitlements import tenant_entitlements
from config.errors import DomainError
from market.models import Instrument
from watchlists.actors import actor_of_request
from watchlists.selectors import watchlist_list, watchlist_visible

EVENTS_SHOWN = 50


def _rules_context(request, error: str = "") -> dict:
    actor = actor_of_request(request)
    return {"rules": selectors.alert_rule_list(actor=actor).annotate(last_event_at=Max("events__fired_at")),
            "active": selectors.alert_rule_active_count(tenant=request.tenant),
            "plan": tenant_entitlements(tenant=request.tenant), "error": error}


def _form_add_refusal(form: AlertRuleForm, refused: DomainError) -> None:
    """Each field's message on its field; the whole message on top when it concerns something else."""
    on_fields = {field: errors for field, errors in refused.fields.items() if field in form.fields}
    for field, errors in on_fields.items():
        form.add_error(field, errors)
    if len(on_fields) < len(refused.fields) or not refused.fields:
        form.add_error(None, refused.message)


@tenant_required
def alert_index(request):
    """The rules, the newest events, and the form that creates a rule (POST)."""
    actor = actor_of_request(request)
    form = AlertRuleForm(request.POST or None, watchlists=watchlist_list(actor=actor))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        symbol = data.pop("instrument").strip().upper()
        data["instrument"] = Instrument.objects.filter(symbol=symbol).first() if symbol else None
        data["watchlist"] = watchlist_visible(actor=actor).filter(pk=data["watchlist"]).first() \
            if data["watchlist"] else None
        if symbol and data["instrument"] is None:
            form.add_error("instrument", f"No instrument {symbol!r}.")
        else:
            try:
                rule = services.alert_rule_create(actor=actor, **data)
            except DomainError as refused:
                _form_add_refusal(form, refused)
            else:
                messages.info(request, f"Alert “{rule.name}” created.")
                return redirect("alerts:index")
    return render(request, "alerts/index.html", {
        **_rules_context(request), "form": form,
        "events": selectors.alert_event_list(actor=actor)[:EVENTS_SHOWN]})


@tenant_required
@require_POST
def alert_rule_change(request, rule_id: int):
    """Pause (`pause`), activate (`activate`) or delete (`delete`) a rule."""
    actor = actor_of_request(request)
    rule = selectors.alert_rule_get(actor=actor, pk=rule_id)
    error = ""
    try:
        if "delete" in request.POST:
            services.alert_rule_delete(actor=actor, rule=rule)
        else:
            wanted = RuleStatus.ACTIVE if "activate" in request.POST else RuleStatus.PAUSED
            services.alert_rule_update(actor=actor, rule=rule, status=wanted)
    except DomainError as refused:
        error = refused.message
    if request.htmx:
        return render(request, "alerts/_rules.html", _rules_context(request, error))
    if error:
        messages.error(request, error)
    return redirect("alerts:index")
