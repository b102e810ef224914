"""Watchlists: create, rename, share, delete; who sees and who changes them; the plan's limit."""

import pytest
from django.http import Http404

from accounts.services import api_key_create
from alerts.models import AlertRule
from billing.models import Plan
from config.errors import InvalidInput, NotPermitted, PlanLimitReached
from tests.alerts.conftest import a_rule, subscribe
from watchlists.actors import Actor
from watchlists.models import Watchlist
from watchlists.selectors import watchlist_get, watchlist_list
from watchlists.services import watchlist_create, watchlist_delete, watchlist_item_add, watchlist_update


def test_a_member_creates_and_renames_a_watchlist(alice_actor):
    watchlist = watchlist_create(actor=alice_actor, name="  Tech  ")

    watchlist_update(actor=alice_actor, watchlist=watchlist, name="Big tech")

    stored = Watchlist.objects.get()
    assert (stored.name, stored.is_shared, stored.created_by, stored.tenant) == (
        "Big tech", True, alice_actor.user, alice_actor.tenant)


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, None, "Tech\x00", "Tab\there"])
def test_a_bad_name_is_refused_and_nothing_changes(alice_actor, name):
    with pytest.raises(InvalidInput) as caught:
        watchlist_create(actor=alice_actor, name=name)
    assert "name" in caught.value.fields
    assert not Watchlist.objects.exists()

    watchlist = watchlist_create(actor=alice_actor, name="Kept")
    if name is not None:  # None leaves the name as it is
        with pytest.raises(InvalidInput):
            watchlist_update(actor=alice_actor, watchlist=watchlist, name=name)
    assert Watchlist.objects.get().name == "Kept"


def test_the_plan_limits_the_watchlists_of_the_tenant(alice_actor, bob_actor):
    subscribe(alice_actor.tenant, "free")  # one watchlist
    watchlist_create(actor=alice_actor, name="First")

    with pytest.raises(PlanLimitReached) as caught:
        watchlist_create(actor=bob_actor, name="Second", is_shared=False)

    assert caught.value.extra["limit"] == "watchlists"
    assert Watchlist.objects.count() == 1


def test_the_limit_comes_from_the_plan_not_its_name(alice_actor):
    Plan.objects.filter(code="pro").update(watchlists=2)
    watchlist_create(actor=alice_actor, name="One")
    watchlist_create(actor=alice_actor, name="Two")

    with pytest.raises(PlanLimitReached):
        watchlist_create(actor=alice_actor, name="Three")


def test_members_see_shared_lists_and_their_own_private_ones(alice_actor, bob_actor):
    shared = watchlist_create(actor=alice_actor, name="Team")
    alices = watchlist_create(actor=alice_actor, name="Alice's", is_shared=False)
    bobs = watchlist_create(actor=bob_actor, name="Bob's", is_shared=False)

    assert [w.name for w in watchlist_list(actor=bob_actor)] == ["Bob's", "Team"]
    assert [w.name for w in watchlist_list(actor=alice_actor)] == ["Alice's", "Team"]
    assert watchlist_get(actor=bob_actor, pk=shared.pk) == shared
    with pytest.raises(Http404):
        watchlist_get(actor=bob_actor, pk=alices.pk)
    with pytest.raises(Http404):
        watchlist_get(actor=alice_actor, pk=bobs.pk)  # an owner does not see a member's private list


def test_another_tenant_sees_nothing(alice_actor, charlie_actor):
    watchlist = watchlist_create(actor=alice_actor, name="Team")

    assert list(watchlist_list(actor=charlie_actor)) == []
    with pytest.raises(Http404):
        watchlist_get(actor=charlie_actor, pk=watchlist.pk)


def test_a_member_uses_a_shared_list_but_only_its_maker_or_a_manager_changes_it(alice_actor, bob_actor):
    team = watchlist_create(actor=alice_actor, name="Team")
    bobs_shared = watchlist_create(actor=bob_actor, name="Bob's ideas")

    with pytest.raises(NotPermitted):
        watchlist_update(actor=bob_actor, watchlist=team, name="Hijacked")
    with pytest.raises(NotPermitted):
        watchlist_delete(actor=bob_actor, watchlist=team)
    watchlist_update(actor=alice_actor, watchlist=bobs_shared, name="Bob's, tidied")

    assert Watchlist.objects.get(pk=team.pk).name == "Team"
    assert Watchlist.objects.get(pk=bobs_shared.pk).name == "Bob's, tidied"


def test_only_its_maker_makes_a_list_private(alice_actor, bob_actor):
    bobs = watchlist_create(actor=bob_actor, name="Bob's ideas")

    with pytest.raises(InvalidInput):
        watchlist_update(actor=alice_actor, watchlist=bobs, is_shared=False)
    watchlist_update(actor=bob_actor, watchlist=bobs, is_shared=False)

    assert Watchlist.objects.get(pk=bobs.pk).is_shared is False


def test_an_api_key_creates_shared_lists_only(alice_actor, alice):
    key, _ = api_key_create(tenant=alice_actor.tenant, name="bot", scope="write", created_by=alice)
    actor = Actor.api_key(key)

    with pytest.raises(InvalidInput) as caught:
        watchlist_create(actor=actor, name="Secret", is_shared=False)
    watchlist = watchlist_create(actor=actor, name="Bot's")

    assert "is_shared" in caught.value.fields
    assert (watchlist.is_shared, watchlist.created_by) == (True, alice)


def test_deleting_a_list_deletes_its_items_and_the_rules_that_follow_it(alice_actor, instruments):
    watchlist = watchlist_create(actor=alice_actor, name="Team")
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["GOOG"])
    on_list = a_rule(alice_actor, watchlist=watchlist)
    elsewhere = a_rule(alice_actor, instrument=instruments["GOOG"])

    watchlist_delete(actor=alice_actor, watchlist=watchlist)

    assert list(AlertRule.objects.values_list("pk", flat=True)) == [elsewhere.pk]
    assert not Watchlist.objects.exists() and not AlertRule.objects.filter(pk=on_list.pk).exists()
