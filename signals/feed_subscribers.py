"""Who is on the other end of a feed socket: a tenant, through the website session or an API key.

Sync services (they read the database); the connection calls them on the feed hub's threads
(FeedHub.run_for_connection).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from accounts.middleware import SESSION_TENANT_KEY
from accounts.models import ApiKey, Membership, Tenant
from accounts.selectors import membership_active
from accounts.services import API_KEY_PREFIX, api_key_authenticate
from billing.entitlements import Entitlements, tenant_entitlements
from signals.feed_protocol import CLOSE_NOT_ENTITLED, CLOSE_PLAN_CHANGED, CLOSE_UNAUTHENTICATED, FeedRefused

URL_CREDENTIAL_NAMES = frozenset({"key", "api_key", "apikey", "token", "access_token"})


@dataclass(frozen=True)
class FeedSubscriber:
    """An authenticated feed client: its tenant and what the tenant's plan entitles it to."""

    tenant_id: int
    entitlements: Entitlements
    via: str  # "api_key" or "session"
    api_key_id: int | None = None
    user_id: int | None = None  # the session's member
    member_id: int | None = None  # whose notifications it sees: the session's member, or the key's creator
    key_prefix: str | None = None  # the API key's visible prefix, for the logs

    @property
    def tier(self) -> str:
        return self.entitlements.plan_code


def url_carries_key(query_string: bytes) -> bool:
    """Whether the URL's query names a credential or carries something shaped like an API key."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return any(name.lower() in URL_CREDENTIAL_NAMES or value.startswith(API_KEY_PREFIX) for name, value in pairs)


def feed_subscriber_for_key(*, plaintext: str) -> FeedSubscriber:
    """The subscriber an active API key stands for; FeedRefused (4401) for an unknown or revoked key."""
    key = api_key_authenticate(plaintext=plaintext)
    if key is None:
        raise FeedRefused(CLOSE_UNAUTHENTICATED, "Invalid or revoked API key.")
    return _entitled(tenant=key.tenant, via="api_key", api_key_id=key.pk, member_id=key.created_by_id,
                     key_prefix=key.prefix)


def feed_subscriber_for_session(*, user, session) -> FeedSubscriber:
    """The subscriber of a logged-in website session: the user's active tenant."""
    membership = membership_active(user=user, tenant_id=session.get(SESSION_TENANT_KEY))
    if membership is None:
        raise FeedRefused(CLOSE_NOT_ENTITLED, "Your account belongs to no organisation.")
    return _entitled(tenant=membership.tenant, via="session", user_id=user.pk, member_id=user.pk)


def _entitled(*, tenant, via: str, api_key_id: int | None = None, user_id: int | None = None,
              member_id: int | None = None, key_prefix: str | None = None) -> FeedSubscriber:
    entitlements = tenant_entitlements(tenant=tenant)
    if entitlements.websocket_connections < 1:
        raise FeedRefused(CLOSE_NOT_ENTITLED, f"Your {entitlements.plan_name} plan does not include the live feed.")
    return FeedSubscriber(tenant_id=tenant.pk, entitlements=entitlements, via=via, api_key_id=api_key_id,
                          user_id=user_id, member_id=member_id, key_prefix=key_prefix)


def feed_subscribers_refused(*, subscribers: list[FeedSubscriber]) -> dict[int, FeedRefused]:
    """Which of these connected subscribers hold what they may no longer have (position -> why): a key
    revoked since, a member who left the tenant, a tenant whose plan changed. A few queries for all."""
    key_ids = {s.api_key_id for s in subscribers if s.api_key_id is not None}
    revoked = set(ApiKey.objects.filter(pk__in=key_ids, revoked_at__isnull=False).values_list("pk", flat=True))
    user_ids = {s.user_id for s in subscribers if s.user_id is not None}
    members = set(Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "tenant_id"))
    plans = {tenant_id: tenant_entitlements(tenant=Tenant(pk=tenant_id))
             for tenant_id in {s.tenant_id for s in subscribers}}
    refused = {}
    for position, subscriber in enumerate(subscribers):
        plan = plans[subscriber.tenant_id]
        if subscriber.api_key_id in revoked:
            refused[position] = FeedRefused(CLOSE_UNAUTHENTICATED, "This API key was revoked.")
        elif subscriber.user_id is not None and (subscriber.user_id, subscriber.tenant_id) not in members:
            refused[position] = FeedRefused(CLOSE_NOT_ENTITLED, "You are no longer a member of this organisation.")
        elif plan != subscriber.entitlements:
            refused[position] = FeedRefused(CLOSE_PLAN_CHANGED, f"Your organisation's plan changed (now "
                                                                f"{plan.plan_name}): reconnect to get its feed.")
    return refused
