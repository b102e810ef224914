"""The fields a tenant's plan hides from a signal: the one function the signals API masks with.

Mirrors `signals.payloads.signal_payload_for_tier` (what the live feed sends): `confidence` is hidden
unless the plan shows confidence; `reasoning` and `contributions` unless it shows reasoning. A hidden
field stays in the payload as null, so every plan sees the same shape, and the names of the hidden
fields come back, so a response can say what the plan hides. (At merge this becomes
`api.masking.mask_fields`, which has the same signature and rules.)
"""

from __future__ import annotations

from typing import Any

from billing.entitlements import Entitlements

# The entitlement that shows them -> the payload fields a plan without it sees as null.
FIELDS_SHOWN_BY = {
    "shows_confidence": ("confidence",),
    "shows_reasoning": ("reasoning", "contributions"),
}


def mask_fields(payload: dict[str, Any], entitlements: Entitlements) -> tuple[dict[str, Any], list[str]]:
    """A copy of `payload` with the fields the plan hides set to None, and the names of those fields
    (only the ones the payload has)."""
    hidden = [field for entitlement, fields in FIELDS_SHOWN_BY.items() if not getattr(entitlements, entitlement)
              for field in fields if field in payload]
    return {**payload, **dict.fromkeys(hidden)}, hidden
