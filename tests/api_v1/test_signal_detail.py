"""A signal's detail: levels, distances, reasoning, contributions, its outcome once closed, and its
ledger entries."""

from signals.models import LedgerEntry
from tests.api_v1.conftest import close, publish


def test_an_open_signal_shows_its_levels_distances_reasoning_and_ledger_entry(client, pro_headers):
    signal = publish("EURUSD", timeframe="H1", entry=1.2, confidence=0.6)
    entry = LedgerEntry.objects.get(signal=signal, kind="signal")

    body = client.get(f"/api/v1/signals/{signal.pk}/", headers=pro_headers).json()

    assert (body["entry"], body["stop"], body["targets"]) == (1.2, signal.stop, [signal.target_1, signal.target_2,
                                                                                   signal.target_3])
    assert body["distances"] == {"stop_percent": 2.0, "target_1_percent": 2.0}
    assert body["status"] == "open" and body["outcome"] is None
    assert body["ledger"] == {"seq": entry.seq, "hash": entry.hash, "prev_hash": entry.prev_hash}
    assert body["strategy"] == "Confluence v1" and body["instrument"] == "EURUSD"


def test_a_closed_signal_shows_its_outcome_and_the_outcomes_ledger_entry(client, pro_headers):
    signal = publish("GOOG", timeframe="D1")
    close(signal, r_multiple=-1.0)
    outcome_entry = LedgerEntry.objects.get(signal=signal, kind="outcome")

    body = client.get(f"/api/v1/signals/{signal.pk}/", headers=pro_headers).json()

    assert body["status"] == "closed"
    outcome = body["outcome"]
    assert (outcome["result"], outcome["r_multiple"], outcome["target_1_hit"]) == ("stop", -1.0, False)
    assert outcome["ledger"]["seq"] == outcome_entry.seq == body["ledger"]["seq"] + 1
    assert outcome["ledger"]["hash"] == outcome_entry.hash


def test_an_unknown_signal_is_a_json_404(client, pro_headers):
    response = client.get("/api/v1/signals/987654321/", headers=pro_headers)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_detail_reads_the_signal_in_one_query_and_its_ledger_entries_in_another(client, pro_headers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signal = publish("GOOG", timeframe="D1")
    close(signal, r_multiple=2.0)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/v1/signals/{signal.pk}/", headers=pro_headers).status_code == 200

    reads = [q["sql"] for q in queries.captured_queries if "signals_" in q["sql"]]
    assert len(reads) == 2 and "signals_signaloutcome" in reads[0] and "signals_ledgerentry" in reads[1]
