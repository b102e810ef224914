"""Writes of accounts data: signup, tenants, API keys, audit. Keyword-only, atomic."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import ApiKey, ApiKeyScope, AuditEvent, Membership, Role, Tenant, User
from config.errors import InvalidInput

API_KEY_PREFIX = "bk_"


def audit_record(
    *, action: str, actor: User | None = None, tenant: Tenant | None = None, request=None, **details
) -> AuditEvent:
    """Append an audit event; IP and user agent come from the request when there is one."""
    ip, agent = None, ""
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
        agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    return AuditEvent.objects.create(
        action=action, actor=actor, tenant=tenant, ip_address=ip, user_agent=agent, details=details
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "org"
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def tenant_create(*, name: str, owner: User) -> Tenant:
    """Create a tenant with `owner` as its owner."""
    tenant = Tenant.objects.create(name=name, slug=_unique_slug(name))
    Membership.objects.create(user=owner, tenant=tenant, role=Role.OWNER)
    return tenant


@transaction.atomic
def user_signup(*, email: str, password: str, full_name: str = "", organisation: str = "") -> User:
    """Create a user and their own tenant, of which they are the owner."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput("An account with this email already exists.", fields={"email": ["Already registered."]})
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    tenant_create(name=organisation or f"{full_name or email.split('@')[0]}'s organisation", owner=user)
    return user


def _hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, tenant: Tenant, name: str, scope: str, created_by: User | None, request=None) -> tuple[ApiKey, str]:
    """Create a key; returns it with its plaintext, which is shown once and never stored."""
    if scope not in ApiKeyScope.values:
        raise InvalidInput("Unknown scope.", fields={"scope": [f"Choose one of {', '.join(ApiKeyScope.values)}."]})
    name = name.strip()
    if not name:
        raise InvalidInput("A key needs a name.", fields={"name": ["This field is required."]})
    prefix = API_KEY_PREFIX + secrets.token_hex(4)
    plaintext = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        tenant=tenant, name=name, prefix=prefix, key_hash=_hash_key(plaintext), scope=scope, created_by=created_by
    )
    audit_record(action="api_key.created", actor=created_by, tenant=tenant, request=request,
                 key_prefix=prefix, name=name, scope=scope)
    return key, plaintext


def api_key_authenticate(*, plaintext: str) -> ApiKey | None:
    """The active key whose hash matches, with its last-used time touched; None otherwise."""
    key = ApiKey.objects.select_related("tenant").filter(key_hash=_hash_key(plaintext), revoked_at=None).first()
    if key is not None:
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User | None, request=None) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(action="api_key.revoked", actor=actor, tenant=key.tenant, request=request, key_prefix=key.prefix)
    return key
