"""The vault stays off the alerts' hot path: creating a close's deliveries opens no secret and reads no
data key; a delivery's send opens its destination's secret once, with the data key kept in memory."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.deliveries import deliveries_create_for_events, delivery_attempt
from alerts.models import Channel, Delivery, DeliveryStatus
from tests.alerts.conftest import alert_event, destination
from vault.services import data_keys_forget


def _vault_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "vault_tenantkey" in q["sql"]]


def test_creating_deliveries_opens_no_secret_and_sending_opens_each_once(premium_a, alice, receiver,
                                                                          local_receivers_allowed):
    for number in range(3):
        destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=f"{receiver.url}/hook{number}")
    events = [alert_event(tenant=premium_a, member=alice, channels=["webhook"]) for _ in range(4)]
    data_keys_forget()

    with CaptureQueriesContext(connection) as creating:
        deliveries_create_for_events(events=events)
    with CaptureQueriesContext(connection) as sending:
        for delivery in Delivery.objects.order_by("pk"):
            delivery_attempt(delivery_id=delivery.pk)

    assert _vault_queries(creating.captured_queries) == []
    assert len(_vault_queries(sending.captured_queries)) == 1  # the tenant's data key, once for 12 sends
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 12 and len(receiver.received) == 12
