"""Stripe webhooks replayed, reordered and duplicated under load, against two live web processes at
once: each event is applied once (a copy answers "duplicate"), each tenant ends in the state of its
newest event whatever the order of arrival, and a forged copy is refused and changes nothing.

The payloads are signed as Stripe signs them (tests.billing.conftest), with the server's secret; the
events carry their subscription, so no call to Stripe is needed. A grant is an event applied to a
subscription: 0 double grants means no event id is ever applied twice."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from accounts.models import Tenant
from billing.models import StripeEvent, Subscription
from billing.services import plan_catalogue_seed
from tests.billing.conftest import WEBHOOK_SECRET, event, signed_headers
from tests.faults.processes import WebServer, database_url, process_env

pytestmark = pytest.mark.postgres  # concurrent writers need a real database
TENANTS = 4
EVENTS_PER_TENANT = 6  # state changes of one subscription, a second apart
COPIES = 3  # each event sent three times: a duplicate at once, a replay later
STATES = [("price_pro_monthly", "trialing"), ("price_pro_monthly", "active"), ("price_premium_monthly", "active"),
          ("price_premium_monthly", "past_due"), ("price_pro_monthly", "active"), ("price_premium_monthly", "active")]


def subscription_event(tenant: Tenant, number: int, *, created: int) -> tuple[str, bytes]:
    price, status = STATES[number]
    event_id = f"evt_faults_{tenant.pk}_{number}"
    return event_id, event("customer.subscription.updated", {
        "id": f"sub_faults_{tenant.pk}", "object": "subscription", "customer": f"cus_faults_{tenant.pk}",
        "status": status, "metadata": {"tenant_id": str(tenant.pk)}, "cancel_at_period_end": False,
        "current_period_end": created + 30 * 86400, "items": {"data": [{"price": {"id": price}}]},
    }, created=created, event_id=event_id)


@pytest.fixture
def web_processes(transactional_db, private_redis, tmp_path):
    env = process_env(DATABASE_URL=database_url(connection.settings_dict["NAME"]), REDIS_URL=private_redis.url,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    servers = [WebServer(env, tmp_path / f"daphne{n}.log").launch() for n in range(2)]
    for server in servers:
        server.ready()
    yield servers
    for server in servers:
        server.stop()


def test_webhooks_replayed_reordered_and_duplicated_under_load_are_applied_once_each_in_the_right_state(
        web_processes):
    plan_catalogue_seed()
    tenants = [Tenant.objects.create(name=f"Desk {n}", slug=f"desk-{n}") for n in range(TENANTS)]
    now = int(time.time())
    events = {tenant.pk: [subscription_event(tenant, n, created=now - 600 + n) for n in range(EVENTS_PER_TENANT)]
              for tenant in tenants}
    sends = [payload for chain in events.values() for _, payload in chain for _ in range(COPIES)]
    random.Random(21).shuffle(sends)  # reordered: an older state often arrives after a newer one
    _, genuine = events[tenants[0].pk][0]
    forged = genuine.replace(b"trialing", b"active")  # signed before it was changed
    sends += [forged] * 4

    def post(numbered: tuple[int, bytes]) -> tuple[bytes, int, dict]:
        number, payload = numbered
        headers = signed_headers(payload if payload is not forged else genuine)
        url = web_processes[number % 2].url + "/billing/stripe/webhook/"
        response = requests.post(url, data=payload, headers={**headers, "Content-Type": "application/json"},
                                 timeout=60)
        return payload, response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(post, enumerate(sends)))

    genuine_answers = [(payload, status, body) for payload, status, body in answers if payload is not forged]
    assert {status for _, status, _ in genuine_answers} == {200}
    assert [status for payload, status, _ in answers if payload is forged] == [400] * 4
    applied: dict[bytes, int] = {}
    for payload, _, body in genuine_answers:
        if body["outcome"] != "duplicate: already received":
            applied[payload] = applied.get(payload, 0) + 1
    assert len(applied) == TENANTS * EVENTS_PER_TENANT and set(applied.values()) == {1}  # 0 double grants
    assert StripeEvent.objects.count() == TENANTS * EVENTS_PER_TENANT
    assert not StripeEvent.objects.filter(processed_at=None).exists()
    for tenant in tenants:
        subscription = Subscription.objects.select_related("plan").get(tenant=tenant)
        price, status = STATES[-1]
        assert (subscription.plan.stripe_price_monthly, subscription.status) == (price, status)
        assert subscription.stripe_updated_at.timestamp() == now - 600 + EVENTS_PER_TENANT - 1  # the newest
        assert subscription.past_due_since is None
