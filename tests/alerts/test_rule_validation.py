"""A rule is checked whole when it is saved: every field at fault gets its own message, and a refused
save changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import api_key_create
from alerts.models import AlertRule
from alerts.services import alert_rule_update
from config.errors import InvalidInput, NotPermitted
from tests.alerts.conftest import a_rule
from watchlists.actors import Actor
from watchlists.services import watchlist_create


def refused(actor, **fields) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as caught:
        a_rule(actor, **fields)
    assert not AlertRule.objects.exists()
    return caught.value.fields


@pytest.mark.parametrize(("fields", "field", "says"), [
    ({"name": " "}, "name", "name of 1 to 80"),
    ({"name": "Hot\x00"}, "name", "printable"),
    ({"kind": "weather"}, "kind", "Choose one of"),
    ({"op": "sideways"}, "op", "Choose one of"),
    ({"value": None}, "value", "Give the value"),
    ({"value": 0.0}, "value", "above 0"),
    ({"kind": "indicator", "left": "rsi(500)", "op": "above", "value": 70.0}, "left", "from 2 to 200"),
    ({"kind": "indicator", "left": "rsi(14)", "op": "above", "value": 170.0}, "value", "0 to 100"),
    ({"kind": "indicator", "left": "rsi(14)", "op": "above", "right": "nope(3)", "value": None}, "right", "Unknown"),
    ({"timeframe": "H2"}, "timeframe", "Choose one of"),
    ({"timeframe": ""}, "timeframe", "Choose the timeframe"),
    ({"channels": []}, "channels", "at least one"),
    ({"channels": ["pigeon"]}, "channels", "Unknown channel"),
    ({"cooldown_seconds": -5}, "cooldown_seconds", "from 0 to"),
    ({"repeat": "sometimes"}, "repeat", "Choose one of"),
    ({"status": "asleep"}, "status", "Choose one of"),
    ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expires_at", "has passed"),
    ({"direction": "BUY"}, "direction", "Only signal and outcome alerts"),
    ({"kind": "signal", "op": "", "value": None, "min_confidence": 1.5}, "min_confidence", "from 0 to 1"),
    ({"kind": "signal", "op": "", "value": None, "asset_class": "bonds"}, "asset_class", "Choose one of"),
])
def test_each_bad_field_is_refused_with_its_own_message(alice_actor, btc, fields, field, says):
    errors = refused(alice_actor, **({"instrument": btc} | fields))

    assert field in errors and says in errors[field][0]


def test_a_bar_rule_needs_an_instrument_or_a_watchlist_but_not_both(alice_actor, btc):
    watchlist = watchlist_create(actor=alice_actor, name="Crypto")

    assert "Choose the instrument" in refused(alice_actor)["instrument"][0]
    assert "not both" in refused(alice_actor, instrument=btc, watchlist=watchlist)["watchlist"][0]


def test_several_mistakes_are_reported_together(alice_actor, btc):
    errors = refused(alice_actor, instrument=btc, name="", op="nope", channels=[], cooldown_seconds="soon")

    assert set(errors) == {"name", "op", "channels", "cooldown_seconds"}


def test_a_rule_cannot_follow_a_teammates_private_watchlist(alice_actor, bob_actor, btc):
    private = watchlist_create(actor=alice_actor, name="Mine", is_shared=False)

    assert refused(bob_actor, watchlist=private)["watchlist"] == ["No such watchlist."]


def test_an_inactive_instrument_is_refused(alice_actor, btc):
    type(btc).objects.filter(pk=btc.pk).update(active=False)
    btc.refresh_from_db()

    assert "not traded" in refused(alice_actor, instrument=btc)["instrument"][0]


def test_a_valid_rule_is_stored_canonically(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc, kind="indicator", left="ema( 20 )", op="crosses_up", right="ema(50)",
                  value=None, channels=["in_app", "email", "in_app"])

    assert (rule.left, rule.right, rule.channels, rule.created_by) == ("ema(20)", "ema(50)", ["in_app", "email"],
                                                                       alice_actor.user)


def test_a_refused_update_changes_nothing(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc)

    with pytest.raises(InvalidInput) as caught:
        alert_rule_update(actor=alice_actor, rule=rule, value=-3.0, name="")

    assert set(caught.value.fields) == {"value", "name"}
    stored = AlertRule.objects.get(pk=rule.pk)
    assert (stored.value, stored.name) == (100.0, "Test alert")


def test_a_member_cannot_change_a_teammates_rule_but_an_owner_can(alice_actor, bob_actor, btc):
    rule = a_rule(bob_actor, instrument=btc)
    alices = a_rule(alice_actor, instrument=btc, name="Alice's")

    with pytest.raises(NotPermitted):
        alert_rule_update(actor=bob_actor, rule=alices, name="Bob's now")
    alert_rule_update(actor=alice_actor, rule=rule, name="Renamed by the owner")

    assert AlertRule.objects.get(pk=alices.pk).name == "Alice's"
    assert AlertRule.objects.get(pk=rule.pk).name == "Renamed by the owner"


def test_an_api_key_credits_what_it_creates_to_the_keys_maker(alice_actor, alice, btc):
    key, _ = api_key_create(tenant=alice_actor.tenant, name="bot", scope="write", created_by=alice)

    assert a_rule(Actor.api_key(key), instrument=btc).created_by == alice
