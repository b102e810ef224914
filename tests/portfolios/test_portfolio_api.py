"""/api/v1/portfolios/: list, create (within the plan), change, reset, delete; orders placed (a bracket by
default), listed and cancelled; positions, journal (JSON and CSV), risk, follow rules and drift. Writes need
a write key; bad orders are a 400 naming each field; a breaker is a 409 with reasons; another tenant gets
404 on every route, and nothing changes."""

import json

import pytest

from accounts.services import api_key_create
from portfolios.models import FollowRule, PaperOrder, Portfolio
from portfolios.services import order_place
from tests.api_v1.conftest import grant_api
from tests.isolation import assert_other_tenant_gets_404
from tests.portfolios.conftest import order

pytestmark = pytest.mark.django_db


def key(tenant, user, scope="write") -> dict[str, str]:
    _, plaintext = api_key_create(tenant=tenant, name="bot", scope=scope, created_by=user)
    return {"Authorization": f"Bearer {plaintext}"}


def post(client, url, body, headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def writes(alice_actor, tenant_a, alice):
    return key(tenant_a, alice)


@pytest.fixture
def btc(tape):
    feed = tape("BTCUSD")
    feed.bar(100, 101, 99, 100)
    return feed


def test_a_portfolio_is_created_traded_and_read_through_the_api(client, writes, btc):
    made = post(client, "/api/v1/portfolios/", {"name": "Bot", "starting_balance": 50_000}, writes)
    assert made.status_code == 201 and made.json()["equity"] == 50_000
    url = f"/api/v1/portfolios/{made.json()['id']}/"
    placed = post(client, f"{url}orders/", {"symbol": "BTCUSD", "side": "buy", "quantity": 3, "stop_loss": 95,
                                            "targets": [{"price": 110, "fraction": 1}]}, writes)
    assert placed.status_code == 201 and [o["role"] for o in placed.json()["orders"]] == ["entry", "stop", "target_1"]
    btc.bar(100, 101, 99, 100.5)
    [position] = client.get(f"{url}positions/", headers=writes).json()
    assert position["symbol"] == "BTCUSD" and position["quantity"] == 3 and position["initial_stop"] == 95
    btc.bar(100.5, 111, 100, 110)  # the target closes it
    journal = client.get(f"{url}journal/", headers=writes).json()["results"]
    assert journal[0]["symbol"] == "BTCUSD" and journal[0]["r_multiple"] > 1.5
    csv = client.get(f"{url}journal/csv/", headers=writes)
    assert csv["Content-Type"] == "text/csv" and "BTCUSD" in csv.content.decode()
    risk = client.get(f"{url}risk/", headers=writes).json()
    assert risk["marks"] == 2 and "historical_95" in risk["var"]
    orders = client.get(f"{url}orders/?status=closed", headers=writes).json()["results"]
    assert {o["status"] for o in orders} == {"filled", "cancelled"}
    reset = post(client, f"{url}reset/", {}, writes)
    assert reset.json()["equity"] == 50_000 and client.get(f"{url}journal/", headers=writes).json()["results"] == []


def test_bad_orders_are_refused_with_a_reason_per_field(client, writes, portfolio, btc):
    url = f"/api/v1/portfolios/{portfolio.pk}/orders/"
    response = post(client, url, {"symbol": "NOPE", "side": "long", "quantity": 0, "order_type": "iceberg"}, writes)
    fields = response.json()["error"]["fields"]
    assert response.status_code == 400
    assert set(fields) >= {"symbol", "side", "order_type"}
    response = post(client, url, {"symbol": "BTCUSD", "side": "buy", "quantity": -2, "stop_loss": 120,
                                  "targets": [{"price": 90, "fraction": 0.5}]}, writes)
    fields = response.json()["error"]["fields"]
    assert fields["quantity"] == ["The quantity must be a number above zero."]
    assert any("below the entry" in m for m in fields["stop_loss"]) and "targets" in fields
    response = post(client, url, {"symbol": "BTCUSD", "side": "buy", "quantity": "x"}, writes)
    assert response.json()["error"]["fields"]["quantity"] == ["A valid number is required."]
    response = post(client, url, {"symbol": "BTCUSD", "side": "buy", "quantity": 1, "bracket": False,
                                  "order_type": "stop_limit", "stop_price": 105}, writes)
    assert response.json()["error"]["fields"]["limit_price"] == ["A stop-limit order needs a limit price."]
    assert not PaperOrder.objects.exists()


def test_a_circuit_breaker_answers_409_with_its_reasons(client, writes, portfolio, btc):
    portfolio.max_cluster_exposure = 0.01
    portfolio.save()
    response = post(client, f"/api/v1/portfolios/{portfolio.pk}/orders/",
                    {"symbol": "BTCUSD", "side": "buy", "quantity": 100, "bracket": False}, writes)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "circuit_breaker" and response.json()["error"]["reasons"]
    assert not PaperOrder.objects.exists()


def test_cancel_and_follow_rules(client, writes, alice_actor, portfolio, btc):
    [working] = order_place(actor=alice_actor, portfolio=portfolio, request=order(
        "BTCUSD", "buy", 1, order_type="limit", limit_price=90))
    url = f"/api/v1/portfolios/{portfolio.pk}/"
    cancelled = post(client, f"{url}orders/{working.pk}/cancel/", {}, writes)
    assert cancelled.status_code == 200 and cancelled.json()["orders"][0]["status"] == "cancelled"
    assert post(client, f"{url}orders/{working.pk}/cancel/", {}, writes).status_code == 400
    rule = post(client, f"{url}follow-rules/", {"sizing": "kelly", "min_confidence": 0.6}, writes)
    assert rule.status_code == 201
    assert client.get(f"{url}follow-rules/", headers=writes).json()[0]["sizing"] == "kelly"
    assert post(client, f"{url}follow-rules/", {"sizing": "martingale"}, writes).json()["error"]["fields"] == {
        "sizing": ["One of fixed_fraction, fixed_amount, kelly."]}
    assert client.delete(f"{url}follow-rules/{rule.json()['id']}/", headers=writes).status_code == 204
    assert not FollowRule.objects.exists()
    assert client.get(f"{url}drift/", headers=writes).json() == []


def test_the_plan_limits_portfolios_with_a_clear_reason(client, writes, alice_actor):
    for n in range(5):
        assert post(client, "/api/v1/portfolios/", {"name": f"P{n}"}, writes).status_code == 201
    refused = post(client, "/api/v1/portfolios/", {"name": "Sixth"}, writes)
    assert refused.status_code == 402
    error = refused.json()["error"]
    assert error["code"] == "plan_limit" and "allows 5 paper portfolios; you use 5" in error["message"]
    assert Portfolio.objects.count() == 5


def test_a_read_key_and_a_member_cannot_write(client, tenant_a, alice, bob, portfolio, btc):
    reads = key(tenant_a, alice, scope="read")
    assert client.get("/api/v1/portfolios/", headers=reads).status_code == 200
    refused = post(client, f"/api/v1/portfolios/{portfolio.pk}/orders/", {"symbol": "BTCUSD", "side": "buy",
                                                                         "quantity": 1}, reads)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "read_only_key"
    client.force_login(bob)
    assert client.get(f"/api/v1/portfolios/{portfolio.pk}/").status_code == 200
    assert client.post(f"/api/v1/portfolios/{portfolio.pk}/reset/").status_code == 403
    assert not PaperOrder.objects.exists()


def test_every_route_is_404_for_another_tenant(client, alice_actor, portfolio, btc, tenant_b, charlie):
    grant_api("free")
    [working] = order_place(actor=alice_actor, portfolio=portfolio, request=order(
        "BTCUSD", "buy", 1, order_type="limit", limit_price=90))
    rule = FollowRule.objects.create(portfolio=portfolio)
    outsider = key(tenant_b, charlie)
    base = f"/api/v1/portfolios/{portfolio.pk}/"
    for url in (base, f"{base}reset/", f"{base}orders/", f"{base}orders/{working.pk}/cancel/", f"{base}positions/",
                f"{base}journal/", f"{base}journal/csv/", f"{base}risk/", f"{base}drift/", f"{base}follow-rules/",
                f"{base}follow-rules/{rule.pk}/"):
        allowed = {"get", "post", "patch", "delete"}
        assert_other_tenant_gets_404(client, url=url, headers=outsider, methods=tuple(
            m for m in ("get", "post", "patch", "delete") if m in allowed and _answers(client, url, m, outsider)))
    assert PaperOrder.objects.get(pk=working.pk).status == "working" and Portfolio.objects.filter(pk=portfolio.pk)


def _answers(client, url, method, headers) -> bool:
    """Whether the route has `method` (a method it lacks is a 405 for everyone, which tells nothing)."""
    return getattr(client, method)(url, headers=headers).status_code != 405
