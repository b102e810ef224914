"""The alerts page: rules created with a message per field at fault and the plan's refusals; pause,
activate and delete by htmx; the newest events; charlie gets 404."""

import pytest

from alerts.models import AlertRule, RuleStatus
from tests.alerts.conftest import a_rule, subscribe
from tests.isolation import assert_other_tenant_gets_404

HTMX = {"HX-Request": "true"}
RSI = {"name": "RSI hot", "kind": "indicator", "instrument": "btcusd", "timeframe": "H1", "left": "rsi(14)",
       "op": "above", "value": "70", "channels": ["in_app"], "cooldown_seconds": "0", "repeat": "every_time"}


@pytest.fixture
def page(client, alice, alice_actor, btc):
    client.force_login(alice)
    return client


def test_a_rule_is_created_from_the_form_and_listed(page):
    created = page.post("/app/alerts/", RSI)

    assert created.status_code == 302
    listing = page.get("/app/alerts/").content.decode()
    assert "RSI hot" in listing and "rsi(14) is above 70" in listing and "BTCUSD H1" in listing
    assert AlertRule.objects.get().instrument.symbol == "BTCUSD"


def test_mistakes_are_shown_on_their_fields_and_nothing_is_saved(page):
    response = page.post("/app/alerts/", RSI | {"left": "rsi(1)", "value": "170", "instrument": "NOPE"})
    response_2 = page.post("/app/alerts/", RSI | {"left": "rsi(1)", "value": "170"})

    assert "No instrument &#x27;NOPE&#x27;." in response.content.decode()
    body = response_2.content.decode()
    assert "rsi: period must be from 2 to 200." in body
    assert not AlertRule.objects.exists()


def test_the_plans_refusal_says_why(page, alice_actor):
    subscribe(alice_actor.tenant, "free")
    for i in range(3):
        page.post("/app/alerts/", RSI | {"name": f"Rule {i}"})

    body = page.post("/app/alerts/", RSI | {"name": "Fourth"}).content.decode()

    assert "allows 3 active alerts and 3 are active" in body
    assert AlertRule.objects.count() == 3


def test_pause_activate_and_delete_answer_with_the_rules(page, alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc)
    url = f"/app/alerts/{rule.pk}/"

    paused = page.post(url, {"pause": "1"}, headers=HTMX)
    assert AlertRule.objects.get().status == RuleStatus.PAUSED and "paused by a member" in paused.content.decode()
    activated = page.post(url, {"activate": "1"}, headers=HTMX)
    assert AlertRule.objects.get().status == RuleStatus.ACTIVE and "Pause" in activated.content.decode()
    deleted = page.post(url, {"delete": "1"}, headers=HTMX)

    assert deleted.content.decode().startswith('<div id="rules">') and not AlertRule.objects.exists()


def test_the_newest_events_are_shown(page, alice_actor, btc, feed):
    a_rule(alice_actor, instrument=btc, op="above", value=99.5, name="Breakout")
    feed(btc, [95.0, 96.0, 100.0])

    body = page.get("/app/alerts/").content.decode()

    assert "BTCUSD H1: close 100.00 is above 99.50" in body


def test_charlie_gets_404_and_the_rule_is_unchanged(client, alice_actor, btc, charlie):
    rule = a_rule(alice_actor, instrument=btc)

    assert_other_tenant_gets_404(client, outsider=charlie, url=f"/app/alerts/{rule.pk}/", methods=("post",),
                                 update_data={"delete": "1"})
    assert "Test alert" not in client.get("/app/alerts/").content.decode()
    assert AlertRule.objects.filter(pk=rule.pk, status=RuleStatus.ACTIVE).exists()


def test_bob_cannot_pause_alices_rule(client, alice_actor, bob, btc):
    rule = a_rule(alice_actor, instrument=btc)
    client.force_login(bob)

    refused = client.post(f"/app/alerts/{rule.pk}/", {"pause": "1"}, headers=HTMX)

    assert "Only the member who made this alert" in refused.content.decode()
    assert AlertRule.objects.get().status == RuleStatus.ACTIVE
