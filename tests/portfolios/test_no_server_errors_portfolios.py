"""No input to a portfolio route, site or API, however malformed, gets a 500: alice's real portfolio, order
and rule ids, fed garbage forms, JSON bodies and query strings."""

import json

import pytest

from accounts.services import api_key_create
from portfolios.models import FollowRule
from portfolios.services import order_place
from tests.portfolios.conftest import order

pytestmark = pytest.mark.django_db

GARBAGE_VALUES = ["", "-1", "0", "1e309", "nan", "-inf", "x" * 500, "\x00", "é\u202e", "[]", "null",
                  "99999999999999999999"]
FIELDS = ["name", "currency", "starting_balance", "symbol", "side", "quantity", "order_type", "limit_price",
          "stop_price", "trail_amount", "trail_percent", "time_in_force", "expires_at", "timeframe", "bracket",
          "stop_loss", "targets", "target_1", "fraction_1", "trailing_stop", "daily_loss_limit", "max_open_positions",
          "max_cluster_exposure", "correlation_threshold", "sizing", "risk_fraction", "amount", "min_confidence",
          "kelly_cap", "kelly_multiplier", "asset_class", "strategy"]
BODIES = [b"", b"{", b"\xff\xfe", b"[]", b'{"targets": "x"}', b'{"targets": [1, {"price": "a"}, {}]}',
          b'{"quantity": 1e400, "symbol": 5, "side": ["buy"], "expires_at": "2026-02-30"}',
          json.dumps({"symbol": "BTCUSD", "side": "buy", "quantity": 1, "stop_loss": -1,
                      "targets": [{"price": 1e308, "fraction": 1}] * 5}).encode()]


def test_portfolio_routes_never_answer_garbage_with_a_server_error(client, alice, tenant_a, alice_actor, portfolio,
                                                                   tape):
    tape("BTCUSD").bar(100, 101, 99, 100)
    [working] = order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1,
                                                                                  order_type="limit", limit_price=90))
    rule = FollowRule.objects.create(portfolio=portfolio)
    _, plaintext = api_key_create(tenant=tenant_a, name="bot", scope="write", created_by=alice)
    headers = {"Authorization": f"Bearer {plaintext}"}
    site = f"/app/portfolios/{portfolio.pk}/"
    api = f"/api/v1/portfolios/{portfolio.pk}/"
    site_routes = ["/app/portfolios/", "/app/portfolios/order/", site, f"{site}order/", f"{site}settings/",
                   f"{site}follow/", f"{site}journal.csv", f"{site}follow/{rule.pk}/delete/"]
    api_routes = ["/api/v1/portfolios/", api, f"{api}orders/", f"{api}follow-rules/", f"{api}positions/",
                  f"{api}journal/", f"{api}risk/", f"{api}drift/", f"{api}orders/{working.pk}/cancel/"]
    failures = []
    client.force_login(alice)
    for url in site_routes:
        for value in GARBAGE_VALUES:
            for response in (client.post(url, {field: value for field in FIELDS}),
                             client.get(url, {"signal": value, "status": value})):
                if response.status_code >= 500:
                    failures.append(f"{url} {value[:20]!r}: {response.status_code}")
    for url in api_routes:
        for value in GARBAGE_VALUES:
            body = json.dumps({field: value for field in FIELDS})
            for response in (client.post(url, body, content_type="application/json", headers=headers),
                             client.patch(url, body, content_type="application/json", headers=headers),
                             client.get(url, {"status": value, "limit": value, "cursor": value}, headers=headers)):
                if response.status_code >= 500:
                    failures.append(f"{url} {value[:20]!r}: {response.status_code}")
        for body in BODIES:
            response = client.post(url, body, content_type="application/json", headers=headers)
            if response.status_code >= 500:
                failures.append(f"POST {url} {body[:30]!r}: {response.status_code}")
    assert failures == []
