"""Times are shown in the member's time zone: the profile sets it, the middleware activates it."""

from django.utils import timezone

from accounts.middleware import member_zone


def test_the_profile_offers_the_time_zones_and_the_pages_use_the_one_chosen(alice_client, alice):
    page = alice_client.get("/accounts/settings/profile/").content.decode()
    assert 'list="time-zones"' in page and '<option value="America/New_York">' in page

    alice_client.post("/accounts/settings/profile/", {"full_name": "Alice", "time_zone": "America/New_York"})
    response = alice_client.get("/accounts/settings/profile/")

    assert "Times are shown in America/New_York" in response.content.decode()
    assert str(timezone.get_current_timezone()) == "UTC"  # the request's zone did not leak out of it


def test_a_zone_the_system_does_not_know_shows_utc():
    assert member_zone("Mars/Olympus") is None and member_zone("") is None
    assert str(member_zone("Europe/London")) == "Europe/London"
