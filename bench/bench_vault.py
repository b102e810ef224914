"""What the vault adds to a webhook delivery, in microseconds (pure: vault.crypto, no database).

Medians over RUNS of N operations each:
1. Opening a sealed signing secret with a data key kept in memory (what a delivery pays, once).
2. Unwrapping a data key (what a process pays once per tenant every DATA_KEY_SECONDS).
3. Sealing a secret (what saving an endpoint pays).
Baseline in the same run: signing one webhook body (HMAC-SHA256 of ~600 bytes), which every delivery
pays already. Data are synthetic.
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vault import crypto

RUNS, N = 7, 2000
SECRET = "whsec_" + "ab" * 32
BODY = b'{"id":"00000000-0000-0000-0000-000000000000","type":"alert","data":{"text":"' + b"x" * 500 + b'"}}'


def per_op_us(call) -> float:
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for _ in range(N):
            call()
        runs.append((time.perf_counter() - started) / N * 1e6)
    return statistics.median(runs)


def main() -> None:
    master = crypto.master_keys_parse([crypto.master_key_new_entry("bench")])[0]
    data_key = crypto.data_key_new()
    wrapped = crypto.data_key_wrap(master=master, data_key=data_key, tenant_id=7, version=1)
    sealed = crypto.seal(data_key=data_key, version=1, plaintext=SECRET, tenant_id=7, field="alerts.destination.s")

    baseline = per_op_us(lambda: hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest())
    figures = {
        "open a sealed secret (data key in memory)": per_op_us(
            lambda: crypto.unseal(data_key=data_key, sealed=sealed, tenant_id=7, field="alerts.destination.s")),
        "unwrap a data key": per_op_us(
            lambda: crypto.data_key_unwrap(master=master, wrapped=wrapped, tenant_id=7, version=1)),
        "seal a secret": per_op_us(
            lambda: crypto.seal(data_key=data_key, version=1, plaintext=SECRET, tenant_id=7,
                                field="alerts.destination.s")),
    }
    print(f"baseline: sign a webhook body (HMAC-SHA256): {baseline:.2f} µs")
    for name, value in figures.items():
        print(f"{name}: {value:.2f} µs ({value / baseline:.1f}x the signature)")


if __name__ == "__main__":
    main()
