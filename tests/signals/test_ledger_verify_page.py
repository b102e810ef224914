"""The ledger verification page: anyone gives a range (?from=&to=) and Beacon recomputes its hashes."""

import pytest
from django.db import connection

from market.services import instrument_catalogue_load
from tests.api_v1.conftest import close, publish

URL = "/ledger/verify/"


@pytest.fixture
def ledger(db):
    """Four signals, two of them closed: six entries."""
    instrument_catalogue_load()
    signals = [publish(symbol, timeframe="D1") for symbol in ("GOOG", "AAPL", "EURUSD", "BTCUSD")]
    close(signals[0], r_multiple=1.0)
    close(signals[1], r_multiple=-1.0)


def test_without_a_range_the_newest_entries_are_verified(client, ledger):
    page = client.get(URL).content.decode()

    assert "<strong>Verified.</strong> Entries 1 to 6: 6 hashes recomputed" in page
    assert page.count('<td class="hash">') == 6
    assert "/api/v1/ledger/?from_seq=1&amp;to_seq=6" in page and "docs/ledger.md" in page


def test_a_range_is_verified_from_the_hash_before_it(client, ledger):
    page = client.get(URL + "?from=3&to=5").content.decode()

    assert "Entries 3 to 5: 3 hashes recomputed" in page and "starting from entry 2" in page


def test_an_edited_entry_is_named(client, ledger):
    with connection.cursor() as cursor:  # as someone who lifted the append-only trigger would
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE signals_ledgerentry SET canonical = replace(canonical, 'D1', 'H1') WHERE seq = 4")

    page = client.get(URL + "?from=1&to=6").content.decode()

    assert "Broken at entry 4</strong>" in page and "3 entries before it verified" in page


def test_an_empty_ledger_says_so(client, db):
    assert "The ledger is empty" in client.get(URL).content.decode()


@pytest.mark.parametrize(("query", "field"), [("from=0", "from"), ("from=x", "from"), ("from=5&to=4", "to"),
                                              ("to=99999999999999999999", "to"), ("from=1&to=10001", "to")])
def test_a_bad_range_is_a_400_naming_the_parameter(client, ledger, query, field):
    response = client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert f"<li>{field}:" in response.content.decode()
