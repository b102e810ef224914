"""The fields a tenant's plan hides, decided once (DESIGN.md principle 4: entitlements are data).

A hidden field stays in the payload as null, so every plan sees the same shape, and `hidden_fields`
names what was hidden, so a client can tell "hidden by your plan" from "empty". An endpoint either
calls `mask_fields` on a payload or serializes with a `TierMaskedSerializer`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

from billing.entitlements import Entitlements, tenant_entitlements

# The entitlement that shows them -> the payload fields a plan without it sees as null.
FIELDS_SHOWN_BY: dict[str, tuple[str, ...]] = {
    "shows_confidence": ("confidence",),
    "shows_reasoning": ("reasoning", "contributions"),
}
# The engine's live state of a pair (the screener) also hides its score, leaning and the parts of the
# score from a plan that receives signals after a delay: they say a signal is there before its time.
# (A released signal's own score is shown to every plan.)
ENGINE_STATE_FIELDS_SHOWN_BY: dict[str, tuple[str, ...]] = {
    **FIELDS_SHOWN_BY,
    "shows_live_scores": ("score", "leaning", "contributions"),
}


def hidden_fields(entitlements: Entitlements, shown_by: dict[str, tuple[str, ...]] = FIELDS_SHOWN_BY) -> list[str]:
    """The fields of `shown_by` the plan hides, each once, in a stable order."""
    return list(dict.fromkeys(field for entitlement, fields in shown_by.items()
                              if not getattr(entitlements, entitlement) for field in fields))


def mask_fields(payload: dict[str, Any], entitlements: Entitlements,
                shown_by: dict[str, tuple[str, ...]] = FIELDS_SHOWN_BY) -> tuple[dict[str, Any], list[str]]:
    """A copy of `payload` with the fields the plan hides set to None, and the names of those fields
    (only the ones the payload has), in a stable order."""
    hidden = [field for field in hidden_fields(entitlements, shown_by) if field in payload]
    return {**payload, **dict.fromkeys(hidden)}, hidden


class TierMaskedSerializer(serializers.Serializer[object]):
    """Base of a serializer whose output some plans see in part: its fields, masked for the plan, and
    `hidden_fields`. The plan is `context["entitlements"]`, or else the one of `context["request"].tenant`,
    read once per serialization (a list of 500 items reads it once)."""

    fields_shown_by: ClassVar[dict[str, tuple[str, ...]]] = FIELDS_SHOWN_BY  # which entitlement shows which fields
    hidden_fields = serializers.SerializerMethodField(help_text="The fields your plan hides (sent as null).")

    def get_hidden_fields(self, instance: object) -> list[str]:
        return []  # filled in by to_representation, which sees every field

    def to_representation(self, instance: object) -> dict[str, Any]:
        if "entitlements" not in self.context:
            # The stubs type `context` as a read-only Mapping; it is the root serializer's dict, written
            # here so that every item of a list reads the plan once.
            self.context["entitlements"] = tenant_entitlements(  # type: ignore[index]
                tenant=self.context["request"].tenant)
        payload, hidden = mask_fields(super().to_representation(instance), self.context["entitlements"],
                                      self.fields_shown_by)
        payload["hidden_fields"] = hidden
        return payload
