import hashlib
import math

import pytest

from signals.engine.ledger import GENESIS_HASH, NotCanonical, canonical_json, entry_hash, verify_chain


def _chain(payloads):
    entries, previous = [], GENESIS_HASH
    for seq, payload in enumerate(payloads, start=1):
        digest = entry_hash(previous, payload)
        entries.append({"seq": seq, "prev_hash": previous, "hash": digest, "payload": payload})
        previous = digest
    return entries


PAYLOADS = [{"signal_id": 1, "direction": "BUY", "entry": 1.0841, "targets": [1.09, 1.1, 1.11]},
            {"signal_id": 1, "result": "target_1", "r_multiple": 1.5},
            {"signal_id": 2, "direction": "SELL", "entry": 104.25, "reasoning": "Downtrend on H4 (ADX 31) — «RSI» 41"}]


def test_the_hash_is_sha256_of_the_previous_hash_and_the_canonical_json():
    payload = {"b": 1, "a": 0.1, "c": "é"}

    assert canonical_json(payload) == '{"a":0.1,"b":1,"c":"é"}'
    assert entry_hash(GENESIS_HASH, payload) == hashlib.sha256(
        (GENESIS_HASH + '{"a":0.1,"b":1,"c":"é"}').encode()).hexdigest()


def test_key_order_does_not_change_the_hash():
    assert entry_hash("x", {"a": 1, "b": 2}) == entry_hash("x", {"b": 2, "a": 1})


def test_an_intact_chain_verifies():
    result = verify_chain(_chain(PAYLOADS))

    assert (result.ok, result.checked, result.first_broken_seq) == (True, 3, None)


def test_an_edited_payload_is_named():
    entries = _chain(PAYLOADS)
    entries[1]["payload"] = {**entries[1]["payload"], "r_multiple": 3.0}

    result = verify_chain(entries)

    assert (result.ok, result.first_broken_seq, result.checked) == (False, 2, 1)
    assert "edited" in result.reason


def test_a_rewritten_previous_hash_is_named():
    entries = _chain(PAYLOADS)
    entries[2]["prev_hash"] = GENESIS_HASH

    assert verify_chain(entries).first_broken_seq == 3


def test_a_deleted_entry_is_named_by_the_gap():
    entries = _chain(PAYLOADS)
    del entries[1]

    result = verify_chain(entries)

    assert result.first_broken_seq == 3 and "jumps from 1 to 3" in result.reason


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_infinity_can_never_be_published(bad):
    with pytest.raises(NotCanonical):
        canonical_json({"confidence": bad})
    with pytest.raises(NotCanonical):
        canonical_json({"levels": [1.0, {"stop": bad}]})


def test_negative_zero_is_written_as_zero_so_a_database_cannot_change_the_text():
    assert canonical_json({"volume": -0.0, "list": [-0.0, 1.5]}) == '{"list":[0.0,1.5],"volume":0.0}'


def test_verification_checks_the_stored_canonical_text():
    entries = _chain(PAYLOADS)
    stored = [{**e, "canonical": canonical_json(e["payload"])} for e in entries]
    stored[0]["canonical"] = stored[0]["canonical"].replace("BUY", "SELL")

    assert verify_chain(stored).first_broken_seq == 1


def test_a_range_verifies_from_the_hash_of_the_entry_before_it():
    entries = _chain(PAYLOADS)

    result = verify_chain(entries[1:], first_seq=2, previous_hash=entries[0]["hash"])

    assert (result.ok, result.checked) == (True, 2)


def test_a_range_that_does_not_follow_the_given_hash_is_named_at_its_first_entry():
    entries = _chain(PAYLOADS)

    result = verify_chain(entries[1:], first_seq=2, previous_hash=GENESIS_HASH)

    assert (result.ok, result.first_broken_seq) == (False, 2)
