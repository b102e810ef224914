"""Feed connections per tenant, counted in the cache that every web process shares (Redis in production).

A tenant whose plan allows N connections has N slots, `feed:connections:<tenant>:<0..N-1>`. A
connection holds one slot (its value is the connection's id) with an expiry its process renews;
a process that crashes stops renewing, so its slots free themselves within SLOT_TTL_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

SLOT_TTL_SECONDS = 90
SLOT_RENEW_SECONDS = 30


@dataclass(frozen=True)
class Slot:
    key: str
    connection_id: str


def _slot_key(tenant_id: int, index: int) -> str:
    return f"feed:connections:{tenant_id}:{index}"


def connection_slot_claim(*, tenant_id: int, limit: int, connection_id: str,
                          ttl: int = SLOT_TTL_SECONDS) -> Slot | None:
    """A free slot of the tenant's `limit`, now held by `connection_id`; None when all are taken."""
    keys = [_slot_key(tenant_id, index) for index in range(limit)]
    taken = cache.get_many(keys)
    for key in keys:
        if key not in taken and cache.add(key, connection_id, timeout=ttl):
            return Slot(key=key, connection_id=connection_id)
    return None


def connection_slots_renew(*, slots: list[Slot], ttl: int = SLOT_TTL_SECONDS) -> None:
    """Extend the expiry of slots this process holds (one round trip)."""
    if slots:
        cache.set_many({slot.key: slot.connection_id for slot in slots}, timeout=ttl)


def connection_slot_release(*, slot: Slot) -> None:
    """Free the slot, unless it expired and another connection holds it now."""
    if cache.get(slot.key) == slot.connection_id:
        cache.delete(slot.key)
