"""Every alert delivery route that names an object answers 404 to another tenant (charlie) and to
another member of the same tenant (bob): destinations, deliveries and notifications are a member's
own. Nothing changes."""

import pytest

from alerts.deliveries import deliveries_create_for_event
from alerts.models import Channel, Delivery, DeliveryStatus, Destination, Notification
from tests.alerts.conftest import alert_event, destination, key_headers, subscribe
from tests.isolation import assert_other_tenant_gets_404


@pytest.fixture
def alices(premium_a, alice):
    """Alice's webhook endpoint with a sent delivery, and her unread notification."""
    endpoint = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK)
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT)
    notification = Notification.objects.create(tenant=premium_a, member=alice, title="for alice")
    return endpoint, delivery, notification


def _site_routes(endpoint, delivery, notification):
    return [
        (f"/alerts/channels/{endpoint.pk}/", ("get",)),
        (f"/alerts/channels/{endpoint.pk}/test/", ("post",)),
        (f"/alerts/channels/{endpoint.pk}/enable/", ("post",)),
        (f"/alerts/channels/{endpoint.pk}/rotate-secret/", ("post",)),
        (f"/alerts/channels/{endpoint.pk}/delete/", ("post",)),
        (f"/alerts/deliveries/{delivery.pk}/redeliver/", ("post",)),
        (f"/alerts/notifications/{notification.pk}/read/", ("post",)),
    ]


def _api_routes(endpoint, delivery, notification):
    base = f"/api/v1/webhook-endpoints/{endpoint.pk}/"
    return [
        (base, ("get", "put", "patch", "delete")),
        (f"{base}deliveries/", ("get",)),
        (f"{base}test/", ("post",)),
        (f"{base}enable/", ("post",)),
        (f"{base}deliveries/{delivery.pk}/redeliver/", ("post",)),
        (f"/api/v1/notifications/{notification.pk}/", ("get",)),
        (f"/api/v1/notifications/{notification.pk}/read/", ("post",)),
    ]


def _unchanged(endpoint, delivery, notification):
    endpoint_now = Destination.objects.get(pk=endpoint.pk)
    assert (endpoint_now.secret, endpoint_now.label, endpoint_now.disabled_at) == (endpoint.secret, endpoint.label,
                                                                                   None)
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT
    assert Delivery.objects.filter(is_test=True).count() == 0
    assert Notification.objects.get(pk=notification.pk).read_at is None


@pytest.mark.parametrize("outsider", ["charlie", "bob"])
def test_another_tenant_or_another_member_gets_404_on_every_site_route(client, alices, outsider, request):
    for url, methods in _site_routes(*alices):
        assert_other_tenant_gets_404(client, outsider=request.getfixturevalue(outsider), url=url, methods=methods,
                                     update_data={"label": "taken"})

    _unchanged(*alices)


@pytest.mark.parametrize("outsider", ["charlie", "bob"])
def test_another_tenant_or_another_member_gets_404_on_every_api_route(client, alices, outsider, request, tenant_b):
    user = request.getfixturevalue(outsider)
    tenant = tenant_b if outsider == "charlie" else alices[0].tenant
    subscribe(tenant, "premium")
    headers = key_headers(tenant, user)
    for url, methods in _api_routes(*alices):
        assert_other_tenant_gets_404(client, url=url, headers=headers, methods=methods,
                                     update_data={"url": "https://evil.example.com/x", "label": "taken"})

    _unchanged(*alices)
    assert client.get("/api/v1/webhook-endpoints/", headers=headers).json()["results"] == []
    assert client.get("/api/v1/notifications/", headers=headers).json()["results"] == []
    assert client.post("/api/v1/notifications/read-all/", headers=headers).json() == {"marked": 0}


def test_the_owner_reaches_every_route(client, alices, alice):
    client.force_login(alice)
    routes = sorted(_site_routes(*alices), key=lambda route: "/delete/" in route[0])  # removing it comes last

    for url, methods in routes:
        for method in methods:
            assert getattr(client, method)(url).status_code in (200, 302), url
    assert Notification.objects.get(pk=alices[2].pk).read_at is not None
    assert not Destination.objects.filter(pk=alices[0].pk).exists()


def test_another_members_page_lists_nothing_of_alices(client, alices, bob):
    client.force_login(bob)

    page = client.get("/alerts/channels/").content.decode()

    assert f"/alerts/channels/{alices[0].pk}/" not in page
    assert "for alice" not in client.get("/alerts/notifications/").content.decode()
