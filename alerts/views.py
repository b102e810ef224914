"""The website's alerts: the alerts page (the rules the member sees with what they watch and when they
last fired, a form to create one, pause / activate / delete buttons by htmx, and the newest events);
each member's own alert channels (webhook endpoints with their delivery log, Telegram chats, Discord
webhooks, this browser's push) and notifications. Objects are read through the tenant (and, for
channels and notifications, the member), so another member's or another tenant's object is a 404."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.db.models import Max
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.forms import form_add_domain_error
from accounts.tenancy import get_for_tenant_or_404, tenant_required
from alerts import deliveries, destinations, digests, notifications, selectors, services
from alerts.forms import AlertRuleForm
from alerts.models import Channel, Delivery, Destination, Notification, RuleStatus
from alerts.telegram_linking import telegram_update_handle
from billing.entitlements import tenant_entitlements
from config.errors import DomainError
from market.models import Instrument
from watchlists.actors import actor_of_request
from watchlists.selectors import watchlist_list, watchlist_visible

EVENTS_SHOWN = 50
LOG_PAGE = 50


def _rules_context(request, error: str = "") -> dict:
    actor = actor_of_request(request)
    return {"rules": selectors.alert_rule_list(actor=actor).annotate(last_event_at=Max("events__fired_at")),
            "active": selectors.alert_rule_active_count(tenant=request.tenant),
            "plan": tenant_entitlements(tenant=request.tenant), "error": error}


def _form_add_refusal(form: AlertRuleForm, refused: DomainError) -> None:
    """Each field's message on its field, the others' on top; and the whole message on top too when some
    concern what the form does not ask (the plan's active places: it says how many and what to do)."""
    form_add_domain_error(form, refused)
    if any(field not in form.fields for field in refused.fields):
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
        **_rules_context(request), "form": form, "live": _has_live_feed(request),
        "events": selectors.alert_event_list(actor=actor)[:EVENTS_SHOWN]})


def _has_live_feed(request) -> bool:
    """Whether the pages follow the live feed: the plan includes it."""
    return tenant_entitlements(tenant=request.tenant).websocket_connections > 0


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


# --- a member's alert channels and notifications ----------------------------------------------------

def _destination(request, destination_id: int) -> Destination:
    return get_for_tenant_or_404(Destination.objects.filter(member=request.user), tenant=request.tenant,
                                 pk=destination_id)


def _error_text(error: DomainError) -> str:
    return " ".join(m for messages_ in error.fields.values() for m in messages_) or error.message


def _done(request, call, success: str, *, to: str = "alerts:channels", **kwargs):
    """Run a service; say how it went on the next page."""
    try:
        call()
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.info(request, success)
    return redirect(to, **kwargs)


@tenant_required
def channels(request):
    member, tenant = request.user, request.tenant
    mine = list(selectors.destination_list(tenant=tenant, member=member))
    return render(request, "alerts/channels.html", {
        "allowed": tenant_entitlements(tenant=tenant).alert_channels,
        "settings_row": digests.member_alert_settings_get(tenant=tenant, member=member),
        "digest_choices": digests.DIGEST_CHOICES,
        "by_channel": {channel: [d for d in mine if d.channel == channel] for channel in Channel.values},
        "telegram_code": request.session.pop("alerts_telegram_code", None),
        "telegram_bot": settings.TELEGRAM_BOT_USERNAME,
        "vapid_public_key": settings.VAPID_PUBLIC_KEY,
    })


@tenant_required
@require_POST
def digest_update(request):
    raw = request.POST.get("email_digest_minutes", "")
    minutes = int(raw) if raw.isdigit() else -1
    return _done(request, lambda: digests.email_digest_set(tenant=request.tenant, member=request.user,
                                                           minutes=minutes), "Email preference saved.")


@tenant_required
@require_POST
def webhook_create(request):
    return _done(request, lambda: destinations.webhook_endpoint_create(
        tenant=request.tenant, member=request.user, url=request.POST.get("url", ""),
        label=request.POST.get("label", "")), "Webhook endpoint added: send it a test.")


@tenant_required
@require_POST
def discord_create(request):
    return _done(request, lambda: destinations.discord_webhook_add(
        tenant=request.tenant, member=request.user, url=request.POST.get("url", ""),
        label=request.POST.get("label", "")), "Discord webhook added: send it a test.")


@tenant_required
@require_POST
def telegram_code_create(request):
    try:
        code = destinations.telegram_link_code_create(tenant=request.tenant, member=request.user)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        request.session["alerts_telegram_code"] = code  # shown once, on the next page
    return redirect("alerts:channels")


@tenant_required
def destination_detail(request, destination_id: int):
    destination = _destination(request, destination_id)
    log = list(selectors.delivery_log(destination=destination)[:LOG_PAGE])
    response = render(request, "alerts/destination.html", {
        "destination": destination, "log": log,
        "shown_url": destination.url,  # a Discord webhook's without its token
    })
    response["Cache-Control"] = "no-store"  # the page shows a signing secret
    return response


@tenant_required
@require_POST
def destination_test(request, destination_id: int):
    destination = _destination(request, destination_id)
    return _done(request, lambda: deliveries.destination_test_send(destination=destination),
                 "Test alert queued: its delivery shows below.", to="alerts:destination", destination_id=destination.pk)


@tenant_required
@require_POST
def destination_enable(request, destination_id: int):
    destination = _destination(request, destination_id)
    return _done(request, lambda: destinations.destination_enable(destination=destination), "Turned back on.",
                 to="alerts:destination", destination_id=destination.pk)


@tenant_required
@require_POST
def webhook_secret_rotate(request, destination_id: int):
    destination = _destination(request, destination_id)
    if destination.channel != Channel.WEBHOOK:
        raise Http404
    return _done(request, lambda: destinations.webhook_secret_rotate(destination=destination),
                 "New signing secret: update your receiver.", to="alerts:destination", destination_id=destination.pk)


@tenant_required
@require_POST
def destination_delete(request, destination_id: int):
    destination = _destination(request, destination_id)
    return _done(request, lambda: destinations.destination_delete(destination=destination), "Removed.")


@tenant_required
@require_POST
def delivery_redeliver(request, delivery_id: int):
    delivery = get_for_tenant_or_404(Delivery.objects.filter(member=request.user, destination__isnull=False),
                                     tenant=request.tenant, pk=delivery_id)
    return _done(request, lambda: deliveries.delivery_redeliver(delivery=delivery), "Delivery queued again.",
                 to="alerts:destination", destination_id=delivery.destination_id)


@tenant_required
@require_POST
def push_subscribe(request):
    """Store this browser's push subscription (JSON from static/js/alerts-push.js)."""
    try:
        body = json.loads(request.body)
        keys = body.get("keys") or {}
        endpoint, p256dh, auth = str(body["endpoint"]), str(keys["p256dh"]), str(keys["auth"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return JsonResponse({"error": "Send the browser's PushSubscription as JSON."}, status=400)
    try:
        destinations.push_subscription_save(tenant=request.tenant, member=request.user, endpoint=endpoint,
                                            p256dh=p256dh, auth=auth)
    except DomainError as error:
        return JsonResponse({"error": _error_text(error)}, status=error.status)
    return JsonResponse({"ok": True}, status=201)


@tenant_required
@require_POST
def push_unsubscribe(request):
    try:
        endpoint = str(json.loads(request.body)["endpoint"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "Send the subscription's endpoint as JSON."}, status=400)
    removed = destinations.push_subscription_remove(tenant=request.tenant, member=request.user, endpoint=endpoint)
    return JsonResponse({"removed": removed})


@tenant_required
def notification_list(request):
    items = list(selectors.notification_list(tenant=request.tenant, member=request.user)[:100])
    return render(request, "alerts/notifications.html", {
        "notifications": items, "live": _has_live_feed(request),
        "unread": selectors.notification_unread_count(tenant=request.tenant, member=request.user)})


@tenant_required
@require_POST
def notification_read(request, notification_id: int):
    notification = get_for_tenant_or_404(Notification.objects.filter(member=request.user), tenant=request.tenant,
                                         pk=notification_id)
    notifications.notification_mark_read(notification=notification)
    return redirect("alerts:notifications")


@tenant_required
@require_POST
def notifications_read_all(request):
    notifications.notifications_mark_all_read(tenant=request.tenant, member=request.user)
    return redirect("alerts:notifications")


@csrf_exempt
@require_POST
def telegram_webhook(request):
    """Telegram's updates to our bot: verified by the secret token we gave setWebhook; a code links the chat
    it came from, and the answer is the reply (a webhook may answer with one Bot API method)."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not secret:
        raise Http404
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponse(status=403)
    try:
        update = json.loads(request.body)
    except ValueError:
        return HttpResponse(status=400)
    reply = telegram_update_handle(update=update)
    return JsonResponse(reply.as_method()) if reply is not None else HttpResponse(status=200)
