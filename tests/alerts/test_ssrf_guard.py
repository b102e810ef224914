"""Alert traffic reaches public addresses only: refused before the request (scheme, and every address
the host resolves to) and on the connection actually made (so a DNS rebind between the two cannot get
through); redirects are never followed. Against a real receiver on 127.0.0.1."""

import pytest
import requests

from alerts.channels.public_network import (
    BlockedAddress,
    PublicOnlyAdapter,
    PublicSession,
    address_allowed,
    url_refusal,
)
from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.destinations import webhook_endpoint_create
from alerts.models import Channel, DeliveryStatus, Destination
from config.errors import InvalidInput
from tests.alerts.conftest import alert_event, destination

REFUSED = ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "127.1.2.3", "169.254.169.254", "100.64.0.1",
           "0.0.0.0", "224.0.0.1", "::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "::ffff:10.0.0.1",
           "::ffff:127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::", "ff02::1", "2001:db8::1", "::"]
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "2a00:1450:4001:81b::200e"]


@pytest.mark.parametrize("address", REFUSED)
def test_private_loopback_link_local_and_reserved_addresses_are_refused_in_ipv4_and_ipv6(address):
    assert not address_allowed(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert address_allowed(address)


def test_the_loopback_setting_lets_loopback_through_and_nothing_else(settings):
    settings.ALERTS_OUTBOUND_ALLOW_LOOPBACK = True

    assert address_allowed("127.0.0.1") and address_allowed("::1") and address_allowed("::ffff:127.0.0.1")
    assert not address_allowed("10.0.0.1") and not address_allowed("169.254.169.254")


@pytest.mark.parametrize(("url", "says"), [
    ("http://hooks.example.com/beacon", "https"),
    ("ftp://hooks.example.com/beacon", "https"),
    ("https://127.0.0.1/hook", "127.0.0.1"),
    ("https://[::1]:8443/hook", "::1"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("https://10.0.0.5:8443/hook", "10.0.0.5"),
    ("https://[fe80::1]/hook", "fe80::1"),
    ("https://localhost/hook", "127.0.0.1"),
    ("https://user:secret@hooks.example.com/", "credentials"),
    ("https:///no-host", "no host"),
])
def test_a_url_is_refused_for_its_scheme_credentials_or_any_address_its_host_resolves_to(url, says):
    assert says in url_refusal(url)


def test_a_public_https_url_or_one_that_does_not_resolve_yet_passes_the_check():
    assert url_refusal("https://93.184.216.34/hook") is None
    assert url_refusal("https://hooks.beacon-customer.invalid/hook") is None  # the connection will fail instead


def test_a_request_to_a_refused_address_never_leaves(receiver):
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1"):
        PublicSession().post(receiver.url.replace("http:", "https:") + "/hook", data=b"{}")

    assert receiver.received == []


def test_the_connection_made_is_checked_even_when_no_check_ran_before_it_as_after_a_dns_rebind(receiver, settings):
    settings.ALERTS_OUTBOUND_ALLOW_HTTP = True
    session = requests.Session()  # no pre-check: only the connection's own
    session.mount("http://", PublicOnlyAdapter())

    with pytest.raises(BlockedAddress, match=r"connected to 127\.0\.0\.1"):
        session.post(receiver.url + "/hook", data=b"{}")
    assert receiver.received == []

    settings.ALERTS_OUTBOUND_ALLOW_LOOPBACK = True
    assert session.post(receiver.url + "/hook", data=b"{}").status_code == 200
    assert len(receiver.received) == 1


def test_a_redirect_to_a_private_address_is_not_followed(receiver, local_receivers_allowed):
    receiver.replies.append((302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""))

    response = PublicSession().post(receiver.url + "/hook", data=b"{}")

    assert response.status_code == 302
    assert len(receiver.received) == 1


def test_proxies_from_the_environment_are_not_used(receiver, local_receivers_allowed, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.1:3128")

    assert PublicSession().post(receiver.url + "/hook", data=b"{}").status_code == 200
    assert len(receiver.received) == 1


# --- through a webhook endpoint --------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://localhost/hook", "https://127.0.0.1/hook", "https://[::1]/hook",
                                 "https://169.254.169.254/latest/meta-data/", "https://[fd00::1]/hook",
                                 "http://hooks.example.com/beacon"])
def test_an_endpoint_on_a_refused_address_or_without_https_cannot_be_added(premium_a, alice, url):
    with pytest.raises(InvalidInput) as error:
        webhook_endpoint_create(tenant=premium_a, member=alice, url=url)

    assert "url" in error.value.fields
    assert not Destination.objects.exists()


def test_a_delivery_to_a_host_that_now_resolves_to_loopback_fails_without_a_request(premium_a, alice, receiver,
                                                                                   settings):
    settings.ALERTS_OUTBOUND_ALLOW_HTTP = True  # loopback stays refused
    port = receiver.url.rsplit(":", 1)[1]
    destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=f"http://localhost:{port}/hook")
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))

    failed = delivery_attempt(delivery_id=delivery.pk)

    assert failed.status == DeliveryStatus.FAILED and "127.0.0.1" in failed.last_error
    assert receiver.received == []


def test_a_delivery_answered_with_a_redirect_to_a_private_address_fails_and_the_redirect_is_not_followed(
        premium_a, alice, receiver, local_receivers_allowed):
    receiver.replies.append((307, {"Location": "http://10.0.0.7/internal"}, b""))
    destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))

    failed = delivery_attempt(delivery_id=delivery.pk)

    assert failed.status == DeliveryStatus.FAILED and "redirect, not followed" in failed.last_error
    assert len(receiver.received) == 1
