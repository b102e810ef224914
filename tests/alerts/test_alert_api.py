"""/api/v1/alert-rules/ and /api/v1/alert-events/: rules created, changed, paused, activated and deleted
with a message per field at fault and the plan's refusals; events read-only; charlie gets 404; a read
key cannot write; a rule on a teammate's private watchlist stays hidden."""


from alerts.models import AlertEvent, AlertRule, RuleStatus
from tests.alerts.conftest import a_rule, key_headers, patch, post, subscribe
from tests.isolation import assert_other_tenant_gets_404
from watchlists.services import watchlist_create

RULES, EVENTS = "/api/v1/alert-rules/", "/api/v1/alert-events/"
RSI = {"name": "RSI hot", "kind": "indicator", "instrument": "BTCUSD", "timeframe": "H1", "left": "rsi",
       "op": "above", "value": 70, "channels": ["in_app", "email"]}


def test_a_rule_is_created_canonically_and_read_back(alice_api, btc):
    created = post(alice_api, RULES, RSI)

    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("kind", "instrument", "left", "op", "value", "status", "channels", "created_by")} == {
        "kind": "indicator", "instrument": "BTCUSD", "left": "rsi(14)", "op": "above", "value": 70.0,
        "status": "active", "channels": ["in_app", "email"], "created_by": "alice@example.com"}
    assert alice_api.get(f"{RULES}{body['id']}/").json() == body
    assert [r["id"] for r in alice_api.get(RULES).json()["results"]] == [body["id"]]


def test_every_field_at_fault_is_named_and_nothing_is_saved(alice_api, btc):
    response = post(alice_api, RULES, RSI | {"left": "rsi(0)", "value": 170, "channels": [], "timeframe": "H7",
                                             "cooldown_seconds": "soon", "instrument": "NOPE"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"cooldown_seconds"}  # types first, as the serializer reads
    response = post(alice_api, RULES, RSI | {"left": "rsi(0)", "value": 170, "channels": [], "timeframe": "H7"})
    assert set(response.json()["error"]["fields"]) == {"left", "channels", "timeframe"}
    assert post(alice_api, RULES, RSI | {"instrument": "NOPE"}).json()["error"]["fields"] == {
        "instrument": ["No instrument 'NOPE'."]}
    assert not AlertRule.objects.exists()


def test_a_rule_is_paused_activated_and_changed_with_patch(alice_api, btc):
    url = f"{RULES}{post(alice_api, RULES, RSI).json()['id']}/"

    paused = patch(alice_api, url, {"status": "paused"}).json()
    changed = patch(alice_api, url, {"value": 75, "op": "crosses_up"}).json()
    active = patch(alice_api, url, {"status": "active"}).json()

    assert (paused["status"], paused["paused_reason"]) == ("paused", "member")
    assert (changed["value"], changed["op"], changed["status"]) == (75.0, "crosses_up", "paused")
    assert (active["status"], active["paused_reason"]) == ("active", "")
    assert patch(alice_api, url, {"value": 700}).status_code == 400
    assert AlertRule.objects.get().value == 75.0


def test_the_plans_refusals_say_why(alice_api, alice_actor, btc):
    subscribe(alice_actor.tenant, "free")
    for i in range(3):
        post(alice_api, RULES, RSI | {"name": f"Rule {i}"})

    over = post(alice_api, RULES, RSI | {"name": "Fourth"})
    webhook = post(alice_api, RULES, RSI | {"name": "Hook", "status": "paused", "channels": ["webhook"]})
    activate = patch(alice_api, f"{RULES}{webhook.json()['id']}/", {"status": "active"})

    assert over.status_code == 402 and over.json()["error"]["fields"] == {
        "status": ["Every active alert your plan allows is in use."]}
    assert webhook.status_code == 201  # paused, it may name a channel the plan lacks
    assert activate.status_code == 403 and "channels" in activate.json()["error"]["fields"]
    assert AlertRule.objects.filter(status=RuleStatus.ACTIVE).count() == 3


def test_a_rule_follows_a_watchlist_you_see_only(alice_api, alice_actor, bob, bob_actor, client, btc):
    private = watchlist_create(actor=bob_actor, name="Bob's", is_shared=False)
    shared = watchlist_create(actor=alice_actor, name="Team")

    refused = post(alice_api, RULES, RSI | {"instrument": None, "watchlist": private.pk})
    follows = post(alice_api, RULES, RSI | {"instrument": None, "watchlist": shared.pk})

    assert refused.json()["error"]["fields"] == {"watchlist": ["No such watchlist."]}
    assert follows.status_code == 201 and follows.json()["watchlist"] == shared.pk
    bobs = a_rule(bob_actor, watchlist=private, name="On Bob's list")
    assert alice_api.get(f"{RULES}{bobs.pk}/").status_code == 404  # alice does not see Bob's private list


def test_events_are_listed_newest_first_and_by_rule(alice_api, alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5)
    other = a_rule(alice_actor, instrument=btc, op="above", value=99.0, name="Other")
    feed(btc, [95.0, 96.0, 97.0, 98.0, 99.0, 100.0])
    feed(btc, [101.0], first=6)

    everything = alice_api.get(EVENTS).json()["results"]
    ours = alice_api.get(EVENTS, {"rule": rule.pk}).json()["results"]

    assert len(everything) == 4
    assert [e["rule"] for e in ours] == [rule.pk, rule.pk]
    assert ours[0]["message"] == "BTCUSD H1: close 101.00 is above 99.50" and ours[0]["instrument"] == "BTCUSD"
    assert alice_api.get(f"{RULES}{rule.pk}/").json()["last_fired_at"] is not None
    assert alice_api.get(EVENTS, {"rule": "x"}).status_code == 400
    assert alice_api.get(f"{EVENTS}{ours[0]['id']}/").json()["rule_name"] == "Test alert" and other.pk


def test_charlie_gets_404_on_every_rule_and_event_route(client, alice_actor, btc, charlie, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=1.0)
    feed(btc, [5.0, 6.0])
    event = AlertEvent.objects.get()

    assert_other_tenant_gets_404(client, outsider=charlie, url=f"{RULES}{rule.pk}/", methods=("get", "patch", "delete"),
                                 update_data={"name": "Mine now", "status": "paused"})
    assert_other_tenant_gets_404(client, url=f"{EVENTS}{event.pk}/", methods=("get",))
    assert client.get(RULES).json()["results"] == [] and client.get(EVENTS).json()["results"] == []
    assert AlertRule.objects.get().name == "Test alert"


def test_a_read_key_reads_rules_but_cannot_write_them(client, alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc)
    headers = key_headers(alice_actor.tenant, scope="read")

    assert client.get(f"{RULES}{rule.pk}/", headers=headers).status_code == 200
    refused = [post(client, RULES, RSI, headers=headers),
               patch(client, f"{RULES}{rule.pk}/", {"status": "paused"}, headers=headers),
               client.delete(f"{RULES}{rule.pk}/", headers=headers)]

    assert {r.json()["error"]["code"] for r in refused} == {"read_only_key"}
    assert AlertRule.objects.get().status == RuleStatus.ACTIVE


def test_a_write_key_creates_and_deletes_rules(client, alice_actor, alice, btc):
    headers = key_headers(alice_actor.tenant, created_by=alice)

    created = post(client, RULES, RSI, headers=headers)
    deleted = client.delete(f"{RULES}{created.json()['id']}/", headers=headers)

    assert created.status_code == 201 and created.json()["created_by"] == "alice@example.com"
    assert deleted.status_code == 204 and not AlertRule.objects.exists()


def test_bob_cannot_change_alices_rule(client, alice_actor, bob, btc):
    rule = a_rule(alice_actor, instrument=btc)
    client.force_login(bob)

    assert client.get(f"{RULES}{rule.pk}/").status_code == 200
    assert patch(client, f"{RULES}{rule.pk}/", {"status": "paused"}).status_code == 403
    assert client.delete(f"{RULES}{rule.pk}/").status_code == 403
    assert AlertRule.objects.get().status == RuleStatus.ACTIVE
