"""/api/v1/watchlists/: create, rename, share, delete, add, annotate, remove and reorder by symbol; bob sees
and uses shared lists, not alice's private ones; charlie gets 404 everywhere; a read key cannot write."""

from django.core.management import call_command

from tests.alerts.conftest import key_headers, patch, post, subscribe
from tests.isolation import assert_other_tenant_gets_404
from watchlists.models import Watchlist, WatchlistItem
from watchlists.services import watchlist_create, watchlist_item_add

BASE = "/api/v1/watchlists/"


def test_a_member_builds_a_watchlist_through_the_api(alice_api, instruments):
    created = post(alice_api, BASE, {"name": "Tech"})
    assert created.status_code == 201
    url = f"{BASE}{created.json()['id']}/"

    for symbol in ("goog", "AAPL", "MSFT"):
        assert post(alice_api, url + "items/", {"symbol": symbol}).status_code == 201
    assert patch(alice_api, url + "items/AAPL/", {"note": "earnings"}).json()["note"] == "earnings"
    assert alice_api.delete(url + "items/MSFT/").status_code == 204
    reordered = post(alice_api, url + "reorder/", {"symbols": ["AAPL", "GOOG"]})
    renamed = patch(alice_api, url, {"name": "Big tech"})

    assert reordered.status_code == 200
    body = alice_api.get(url).json()
    assert (body["name"], body["is_shared"], body["created_by"]) == ("Big tech", True, "alice@example.com")
    assert [(i["symbol"], i["note"], i["position"]) for i in body["items"]] == [("AAPL", "earnings", 0), ("GOOG", "",
                                                                                                          1)]
    assert renamed.json()["name"] == "Big tech"
    assert alice_api.delete(url).status_code == 204
    assert not Watchlist.objects.exists()


def test_the_list_shows_shared_lists_and_the_members_own(client, alice_actor, bob, bob_actor):
    watchlist_create(actor=alice_actor, name="Team")
    watchlist_create(actor=alice_actor, name="Alice's", is_shared=False)
    watchlist_create(actor=bob_actor, name="Bob's", is_shared=False)
    client.force_login(bob)

    body = client.get(BASE).json()

    assert sorted(w["name"] for w in body["results"]) == ["Bob's", "Team"]


def test_bad_input_gets_a_message_per_field_and_changes_nothing(alice_api, instruments):
    created = post(alice_api, BASE, {"name": ""})

    assert created.status_code == 400 and "name" in created.json()["error"]["fields"]
    assert not Watchlist.objects.exists()
    url = f"{BASE}{post(alice_api, BASE, {'name': 'Kept'}).json()['id']}/"
    unknown = post(alice_api, url + "items/", {"symbol": "NOPE"})
    twice = [post(alice_api, url + "items/", {"symbol": "GOOG"}) for _ in range(2)]
    bad_order = post(alice_api, url + "reorder/", {"symbols": ["GOOG", "GOOG"]})

    assert unknown.json()["error"]["fields"] == {"symbol": ["No instrument 'NOPE'."]}
    assert [r.status_code for r in twice] == [201, 409]
    assert bad_order.status_code == 400 and "symbols" in bad_order.json()["error"]["fields"]
    assert list(WatchlistItem.objects.values_list("instrument__symbol", flat=True)) == ["GOOG"]


def test_over_the_plans_watchlists_the_api_answers_402_with_the_limit(alice_api, alice_actor):
    subscribe(alice_actor.tenant, "free")
    post(alice_api, BASE, {"name": "One"})

    refused = post(alice_api, BASE, {"name": "Two"})

    assert refused.status_code == 402
    assert refused.json()["error"]["limit"] == "watchlists"
    assert Watchlist.objects.count() == 1


def test_bob_uses_a_shared_list_but_cannot_change_it_and_gets_404_on_alices_private_one(client, alice_actor, bob,
                                                                                     instruments):
    shared = watchlist_create(actor=alice_actor, name="Team")
    watchlist_item_add(actor=alice_actor, watchlist=shared, instrument=instruments["GOOG"])
    private = watchlist_create(actor=alice_actor, name="Mine", is_shared=False)
    client.force_login(bob)

    assert [i["symbol"] for i in client.get(f"{BASE}{shared.pk}/").json()["items"]] == ["GOOG"]
    assert patch(client, f"{BASE}{shared.pk}/", {"name": "Bob's"}).status_code == 403
    assert post(client, f"{BASE}{shared.pk}/items/", {"symbol": "AAPL"}).status_code == 403
    assert client.get(f"{BASE}{private.pk}/").status_code == 404
    assert Watchlist.objects.get(pk=shared.pk).name == "Team"


def test_another_tenant_gets_404_on_every_route(client, alice_actor, charlie, instruments):
    watchlist = watchlist_create(actor=alice_actor, name="Team")
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["GOOG"])
    url = f"{BASE}{watchlist.pk}/"

    routes = {url: ("get", "patch", "delete"), url + "items/": ("post",), url + "items/GOOG/": ("patch", "delete"),
              url + "reorder/": ("post",)}
    for route, methods in routes.items():
        assert_other_tenant_gets_404(client, outsider=charlie, url=route, methods=methods,
                                     update_data={"name": "Mine now", "symbols": ["GOOG"], "note": "x"})
    assert Watchlist.objects.get().name == "Team" and WatchlistItem.objects.count() == 1


def test_another_tenants_key_gets_404_and_its_list_is_empty(client, alice_actor, tenant_b):
    watchlist = watchlist_create(actor=alice_actor, name="Team")
    subscribe(tenant_b, "pro")
    headers = key_headers(tenant_b)

    assert_other_tenant_gets_404(client, url=f"{BASE}{watchlist.pk}/", headers=headers,
                                 methods=("get", "patch", "delete"), update_data={"name": "Mine now"})
    assert client.get(BASE, headers=headers).json()["results"] == []


def test_a_read_key_reads_but_cannot_write(client, alice_actor):
    watchlist = watchlist_create(actor=alice_actor, name="Team")
    headers = key_headers(alice_actor.tenant, scope="read")

    assert client.get(f"{BASE}{watchlist.pk}/", headers=headers).status_code == 200
    refused = [post(client, BASE, {"name": "Bot's"}, headers=headers),
               patch(client, f"{BASE}{watchlist.pk}/", {"name": "Renamed"}, headers=headers),
               client.delete(f"{BASE}{watchlist.pk}/", headers=headers),
               post(client, f"{BASE}{watchlist.pk}/items/", {"symbol": "GOOG"}, headers=headers)]

    assert {r.json()["error"]["code"] for r in refused} == {"read_only_key"}
    assert list(Watchlist.objects.values_list("name", flat=True)) == ["Team"]


def test_a_write_key_sees_and_changes_shared_lists_only(client, alice_actor, alice, instruments):
    shared = watchlist_create(actor=alice_actor, name="Team")
    private = watchlist_create(actor=alice_actor, name="Mine", is_shared=False)
    headers = key_headers(alice_actor.tenant, created_by=alice)

    listed = client.get(BASE, headers=headers).json()["results"]
    added = post(client, f"{BASE}{shared.pk}/items/", {"symbol": "GOOG"}, headers=headers)

    assert [w["name"] for w in listed] == ["Team"]
    assert added.status_code == 201
    assert client.get(f"{BASE}{private.pk}/", headers=headers).status_code == 404
    assert post(client, BASE, {"name": "Secret", "is_shared": False}, headers=headers).status_code == 400


def test_the_schema_validates_with_the_watchlist_and_alert_endpoints(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    schema = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/watchlists/{id}/items/{symbol}/:", "/api/v1/watchlists/{id}/reorder/:",
                 "/api/v1/alert-rules/{id}/:", "/api/v1/alert-events/:"):
        assert path in schema
