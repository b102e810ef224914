"""The public ledger: entries over a range, its verification, and the few lines docs/ledger.md gives a
third party, run exactly as written against the endpoint's real output."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from signals.models import LedgerEntry
from tests.api_v1.conftest import close, publish

DOC = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"


def verifier():
    """The `verify` function of docs/ledger.md, taken from its first Python block and run as written."""
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # our own doc's code, as a reader would run it
    return namespace["verify"], code


def all_entries(client, url="/api/v1/ledger/"):
    entries = []
    while url:
        body = client.get(url).json()
        entries += body["results"]
        url = body["next"]
    return entries


@pytest.fixture
def ledger(catalogue):
    """Four signals, two of them closed: six entries."""
    signals = [publish(symbol, timeframe="D1") for symbol in ("GOOG", "AAPL", "EURUSD", "BTCUSD")]
    close(signals[0], r_multiple=1.0)
    close(signals[2], r_multiple=-1.0)
    return signals


def test_the_documented_verifier_accepts_the_real_ledger_and_returns_the_newest_hash(client, ledger):
    verify, _ = verifier()

    entries = all_entries(client)

    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5, 6]
    assert verify(entries) == LedgerEntry.objects.get(seq=6).hash


def test_the_documented_verifier_checks_a_range_from_the_hash_before_it(client, ledger):
    verify, _ = verifier()
    entries = all_entries(client, "/api/v1/ledger/?from_seq=3&to_seq=5")

    assert [e["seq"] for e in entries] == [3, 4, 5]
    assert verify(entries, prev_hash=LedgerEntry.objects.get(seq=2).hash) == LedgerEntry.objects.get(seq=5).hash


@pytest.mark.parametrize("change", ["text", "link"])
def test_the_documented_verifier_catches_an_edited_entry(client, ledger, change):
    verify, _ = verifier()
    entries = all_entries(client)
    revealed = next(e for e in entries if e["canonical"] is not None and e["seq"] > 1)
    if change == "text":
        revealed["canonical"] = revealed["canonical"].replace('"BUY"', '"SELL"').replace('"stop"', '"target_1"')
    else:
        revealed["prev_hash"] = "0" * 64

    with pytest.raises(ValueError, match=f"entry {revealed['seq']}"):
        verify(entries)


def test_the_api_describes_the_same_verifier_as_the_doc(client, db):
    _, code = verifier()

    schema = client.get("/api/v1/schema/?format=json").json()

    assert code in schema["paths"]["/api/v1/ledger/"]["get"]["description"]


def test_a_live_signals_entry_shows_its_hash_but_not_its_text_until_it_closes(client, ledger):
    goog, aapl, _eurusd, _btc = ledger
    by_signal = {(e["signal_id"], e["kind"]): e for e in all_entries(client)}

    assert by_signal[(goog.pk, "signal")]["revealed"] is True
    assert '"direction":"BUY"' in by_signal[(goog.pk, "signal")]["canonical"]
    assert by_signal[(goog.pk, "outcome")]["canonical"].startswith('{"bars_held"')
    live = by_signal[(aapl.pk, "signal")]
    assert (live["revealed"], live["canonical"]) == (False, None)
    assert live["hash"] == LedgerEntry.objects.get(signal=aapl, kind="signal").hash

    close(aapl, r_multiple=0.5)
    assert all_entries(client, f"/api/v1/ledger/?from_seq={live['seq']}&to_seq={live['seq']}")[0]["canonical"] == \
        LedgerEntry.objects.get(signal=aapl, kind="signal").canonical


def test_an_expired_signals_entry_is_revealed(client, ledger):
    aapl = ledger[1]
    with time_machine.travel(aapl.valid_until + timedelta(seconds=1)):
        [entry] = all_entries(client, "/api/v1/ledger/?from_seq=2&to_seq=2")

    assert entry["signal_id"] == aapl.pk and entry["revealed"] is True and entry["canonical"] is not None


def test_the_ledger_and_its_verification_need_no_key(client, ledger):
    assert client.get("/api/v1/ledger/").status_code == 200
    assert client.get("/api/v1/ledger/verify/").status_code == 200


def test_verification_of_an_intact_ledger_and_of_a_range(client, ledger):
    whole = client.get("/api/v1/ledger/verify/").json()
    part = client.get("/api/v1/ledger/verify/?from_seq=4&to_seq=6").json()
    beyond = client.get("/api/v1/ledger/verify/?from_seq=50").json()

    assert whole == {"ok": True, "from_seq": 1, "to_seq": 10000, "head_seq": 6, "checked": 6,
                     "first_broken_seq": None, "reason": ""}
    assert (part["ok"], part["checked"]) == (True, 3)
    assert (beyond["ok"], beyond["checked"], beyond["head_seq"]) == (True, 0, 6)


def _tamper(sql: str, params: list) -> None:
    """As someone with a SQL prompt and the power to lift the append-only trigger would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off, this transaction only
        cursor.execute(sql, params)


def test_verification_names_an_edited_entry_even_of_a_live_signal(client, ledger):
    entry = LedgerEntry.objects.get(signal=ledger[3], kind="signal")  # BTCUSD, still live
    _tamper("UPDATE signals_ledgerentry SET canonical = replace(canonical, 'BUY', 'SELL') WHERE seq = %s",
            [entry.seq])

    body = client.get("/api/v1/ledger/verify/").json()
    after = client.get(f"/api/v1/ledger/verify/?from_seq={entry.seq + 1}").json()

    assert (body["ok"], body["first_broken_seq"], body["checked"]) == (False, entry.seq, entry.seq - 1)
    assert "edited" in body["reason"]
    assert after["ok"] is True  # the entries after it still follow its stored hash


def test_verification_names_a_deleted_entry(client, ledger):
    _tamper("DELETE FROM signals_ledgerentry WHERE seq = %s", [3])

    body = client.get("/api/v1/ledger/verify/").json()
    starting_after = client.get("/api/v1/ledger/verify/?from_seq=4").json()

    assert (body["ok"], body["first_broken_seq"]) == (False, 4) and "jumps from 2 to 4" in body["reason"]
    assert (starting_after["ok"], starting_after["first_broken_seq"]) == (False, 3)


@pytest.mark.parametrize(("query", "field"), [
    ("from_seq=0", "from_seq"), ("from_seq=x", "from_seq"), ("from_seq=5&to_seq=4", "to_seq"),
    ("to_seq=99999999999999999999", "to_seq"),
])
def test_bad_ranges_are_400s_naming_the_field(client, db, query, field):
    for url in ("/api/v1/ledger/", "/api/v1/ledger/verify/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400 and list(response.json()["error"]["fields"]) == [field]


def test_verification_takes_at_most_ten_thousand_entries_a_request(client, db):
    response = client.get("/api/v1/ledger/verify/?from_seq=1&to_seq=10001")

    assert response.status_code == 400
    assert "at most 10000 entries" in response.json()["error"]["fields"]["to_seq"][0]


def test_entries_are_paginated_in_order_of_sequence(client, catalogue):
    for day in range(55):
        publish("GOOG", timeframe="D1", bar_time=timezone.now() - timedelta(days=3 + day))

    first = client.get("/api/v1/ledger/").json()
    second = client.get(first["next"]).json()

    assert [e["seq"] for e in first["results"]] == list(range(1, 51))
    assert [e["seq"] for e in second["results"]] == list(range(51, 56)) and second["next"] is None
