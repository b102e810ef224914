"""The website's number and time formatting: prices at the instrument's precision, signed figures."""

from datetime import UTC, datetime

from django.template import Context, Template

from config.templatetags.display import delay_words, iso_time, price, result_words, signed
from market.models import Instrument


def test_a_price_is_written_at_the_instruments_precision_with_thousands_separators():
    assert price(1.084123456, Instrument(price_precision=5)) == "1.08412"
    assert price(42350.5, Instrument(price_precision=2)) == "42,350.50"
    assert price(150.0, 0) == "150"
    assert price(None, 2) == "" and price("x", 2) == ""


def test_signed_iso_times_delays_and_results_read_as_words():
    assert (signed(1.5), signed(-0.754), signed(0)) == ("+1.50", "-0.75", "+0.00")
    assert iso_time("2026-03-02T15:00:02.118000Z") == datetime(2026, 3, 2, 15, 0, 2, 118000, tzinfo=UTC)
    assert iso_time("garbage") is None
    assert (delay_words(3600), delay_words(900), delay_words(90)) == ("1 hour", "15 minutes", "90 seconds")
    assert (result_words("target_2"), result_words("stop")) == ("Target 2", "Stop")


def test_a_template_shows_an_api_timestamp_in_the_active_zone():
    from django.utils import timezone

    with timezone.override("Asia/Tokyo"):
        text = Template('{% load display %}{{ t|iso_time|date:"H:i" }}').render(Context({"t": "2026-03-02T15:00:00Z"}))
    assert text == "00:00"
