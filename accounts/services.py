"""Writes of accounts data: signup, tenants, API keys, audit. Keyword-only, atomic."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import ApiKey, ApiKeyScope, AuditEvent, Invitation, Membership, Role, Tenant, User
from accounts.ratelimits import client_ip
from accounts.tenancy import manager_ensure
from billing.entitlements import limit_ensure_available
from config.absolute_url import absolute_url
from config.errors import InvalidInput, NotPermitted

API_KEY_PREFIX = "bk_"
API_KEY_CACHE_PREFIX = "beacon:api-key:"
API_KEY_CACHE_SECONDS = 60
API_KEY_REVOKED = "revoked"  # the cache's mark of a revoked key


def audit_record(
    *, action: str, actor: User | None = None, tenant: Tenant | None = None, request=None, **details
) -> AuditEvent:
    """Append an audit event; IP and user agent come from the request when there is one."""
    ip, agent = None, ""
    if request is not None:
        ip = client_ip(request) or None
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
    tenant = tenant_create(name=organisation or f"{full_name or email.split('@')[0]}'s organisation", owner=user)
    audit_record(action="user.signed_up", actor=user, tenant=tenant)
    return user


def _hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, tenant: Tenant, name: str, scope: str, created_by: User | None, request=None) -> tuple[ApiKey,
                                                                                                             str]:
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


@transaction.atomic
def api_key_derived_ensure(*, tenant: Tenant, name: str, scope: str, label: str) -> tuple[ApiKey, str] | None:
    """The tenant's key named `name` whose plaintext is derived from SECRET_KEY and `label` (HMAC-SHA256),
    with that plaintext; created on the first call, the same key on every later one, so seeded demo data
    can print it again without storing it. The key is as secret as SECRET_KEY. A key of that name from an
    earlier SECRET_KEY is revoked; None if this one was revoked (a revocation is never undone)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"beacon api key:{label}".encode(), hashlib.sha256).digest()
    prefix = API_KEY_PREFIX + digest[:4].hex()
    plaintext = f"{prefix}.{base64.urlsafe_b64encode(digest[4:]).rstrip(b'=').decode()}"
    key_hash = _hash_key(plaintext)
    for stale in ApiKey.objects.for_tenant(tenant).filter(name=name, revoked_at=None).exclude(key_hash=key_hash):
        api_key_revoke(key=stale, actor=None)
    key = ApiKey.objects.filter(key_hash=key_hash).first()
    if key is None:
        key = ApiKey.objects.create(tenant=tenant, name=name, prefix=prefix, key_hash=key_hash, scope=scope)
        audit_record(action="api_key.created", actor=None, tenant=tenant, key_prefix=prefix, name=name, scope=scope)
    if key.tenant_id != tenant.pk or not key.is_active:
        return None
    return key, plaintext


def _api_key_cache_key(key_hash: str) -> str:
    return API_KEY_CACHE_PREFIX + key_hash


def api_key_authenticate(*, plaintext: str) -> ApiKey | None:
    """The active key (with its tenant) whose hash matches; None for an unknown or revoked key.

    A hit comes from Django's cache (Redis in production, shared by every web process) without
    touching the database; a miss reads the key and, if its last use is over a minute old, writes
    `last_used_at`. An entry lives API_KEY_CACHE_SECONDS, so a key in use is read, and its last use
    recorded, about once a minute. Unknown keys are not cached, so a new key works at once; a revoked
    one leaves the cache when its revocation commits (`api_key_revoke`)."""
    key_hash = _hash_key(plaintext)
    cache_key = _api_key_cache_key(key_hash)
    cached = cache.get(cache_key)
    if isinstance(cached, ApiKey):
        return cached
    if cached == API_KEY_REVOKED:
        return None
    key = ApiKey.objects.select_related("tenant").filter(key_hash=key_hash, revoked_at=None).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > API_KEY_CACHE_SECONDS:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    # add, not set: a revocation that committed since the read above left its mark, which must stay.
    cache.add(cache_key, key, API_KEY_CACHE_SECONDS)
    return key


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User | None, request=None) -> ApiKey:
    """Revoke the key; once that commits, the cache refuses it at once in every web process."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(action="api_key.revoked", actor=actor, tenant=key.tenant, request=request, key_prefix=key.prefix)
    # The mark outlives any entry a request that read the key just before the commit could still add.
    cache_key = _api_key_cache_key(key.key_hash)
    transaction.on_commit(lambda: cache.set(cache_key, API_KEY_REVOKED, 2 * API_KEY_CACHE_SECONDS))
    return key


# --- Email verification ---------------------------------------------------------------------

EMAIL_VERIFY_SALT = "accounts.email-verify"
EMAIL_VERIFY_MAX_AGE = 3 * 24 * 3600


def email_verification_token(*, user: User) -> str:
    """A signed, timestamped token that proves the holder received mail at the user's address."""
    return signing.TimestampSigner(salt=EMAIL_VERIFY_SALT).sign_object({"u": user.pk, "e": user.email})


def email_verification_send(*, user: User, request=None) -> None:
    """Email the verification link (after the surrounding transaction commits)."""
    link = absolute_url(reverse("accounts:verify_email", args=[email_verification_token(user=user)]))
    transaction.on_commit(lambda: send_mail(
        "Verify your email for Beacon",
        f"Welcome to Beacon.\n\nConfirm your email address by opening this link within 3 days:\n{link}\n",
        None, [user.email],
    ))


def email_verify(*, token: str) -> User:
    """Mark the token's user verified; InvalidInput says whether the link expired or is not valid."""
    signer = signing.TimestampSigner(salt=EMAIL_VERIFY_SALT)
    try:
        data = signer.unsign_object(token, max_age=EMAIL_VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput("This verification link has expired. Log in and ask for a new one.") from None
    except signing.BadSignature:
        raise InvalidInput("This verification link is not valid.") from None
    user = User.objects.filter(pk=data.get("u"), email=data.get("e")).first()
    if user is None:
        raise InvalidInput("This verification link is not valid.")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit_record(action="email.verified", actor=user)
    return user


# --- Members and roles ----------------------------------------------------------------------


@transaction.atomic
def membership_role_change(*, actor_membership: Membership, membership: Membership, role: str,
                           request=None) -> Membership:
    """Change a member's role. Only owners grant or take ownership; the last owner stays owner."""
    manager_ensure(membership=actor_membership)
    if role not in Role.values:
        raise InvalidInput("Unknown role.", fields={"role": [f"Choose one of {', '.join(Role.values)}."]})
    touches_owner = Role.OWNER in (role, membership.role)
    if touches_owner and actor_membership.role != Role.OWNER:
        raise NotPermitted("Only an owner can grant or remove the owner role.")
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.tenant) == 1:
        raise InvalidInput("A tenant needs at least one owner.", fields={"role": ["This is the last owner."]})
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(action="member.role_changed", actor=actor_membership.user, tenant=membership.tenant,
                 request=request, member=membership.user.email, previous=previous, role=role)
    return membership


def _owner_count(tenant: Tenant) -> int:
    return Membership.objects.filter(tenant=tenant, role=Role.OWNER).count()


@transaction.atomic
def membership_remove(*, actor_membership: Membership, membership: Membership, request=None) -> None:
    """Remove a member from the tenant; the last owner cannot be removed."""
    manager_ensure(membership=actor_membership)
    if membership.role == Role.OWNER and actor_membership.role != Role.OWNER:
        raise NotPermitted("Only an owner can remove an owner.")
    if membership.role == Role.OWNER and _owner_count(membership.tenant) == 1:
        raise InvalidInput("A tenant needs at least one owner.")
    audit_record(action="member.removed", actor=actor_membership.user, tenant=membership.tenant,
                 request=request, member=membership.user.email, role=membership.role)
    membership.delete()


# --- Invitations ----------------------------------------------------------------------------


def _invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seats_in_use(*, tenant: Tenant) -> int:
    """Members plus pending invitations: what counts against the plan's seats."""
    pending = Invitation.objects.for_tenant(tenant).filter(
        accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()).count()
    return Membership.objects.filter(tenant=tenant).count() + pending


@transaction.atomic
def invitation_create(*, actor_membership: Membership, email: str, role: str, request=None) -> tuple[Invitation, str]:
    """Invite `email` with `role`; returns the invitation and its token (emailed, stored only as a hash)."""
    manager_ensure(membership=actor_membership)
    tenant = actor_membership.tenant
    email = email.strip().lower()
    if role not in Role.values:
        raise InvalidInput("Unknown role.", fields={"role": [f"Choose one of {', '.join(Role.values)}."]})
    if role == Role.OWNER and actor_membership.role != Role.OWNER:
        raise NotPermitted("Only an owner can invite another owner.")
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise InvalidInput("Already a member.", fields={"email": ["This person is already a member."]})
    if Invitation.objects.for_tenant(tenant).filter(email__iexact=email, accepted_at=None, revoked_at=None,
                                                     expires_at__gt=timezone.now()).exists():
        raise InvalidInput("Already invited.", fields={"email": ["An invitation to this address is pending."]})
    limit_ensure_available(tenant=tenant, limit="seats", used=seats_in_use(tenant=tenant))
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        tenant=tenant, email=email, role=role, token_hash=_invitation_token_hash(token),
        invited_by=actor_membership.user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    link = absolute_url(reverse("accounts:invitation_accept", args=[token]))
    transaction.on_commit(lambda: send_mail(
        f"You are invited to {tenant.name} on Beacon",
        f"{actor_membership.user.email} invited you to join {tenant.name} on Beacon with the {Role(role).label} "
        "role.\n\n"
        f"Accept within {settings.INVITATION_TTL_DAYS} days: {link}\n",
        None, [email],
    ))
    audit_record(action="invitation.created", actor=actor_membership.user, tenant=tenant, request=request,
                 email=email, role=role)
    return invitation, token


def invitation_by_token(*, token: str) -> Invitation:
    """The invitation for a token; InvalidInput says why it cannot be used."""
    invitation = Invitation.objects.select_related("tenant").filter(token_hash=_invitation_token_hash(token)).first()
    if invitation is None:
        raise InvalidInput("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise InvalidInput("This invitation has already been used.")
    if invitation.revoked_at is not None:
        raise InvalidInput("This invitation was withdrawn.")
    if invitation.expires_at <= timezone.now():
        raise InvalidInput("This invitation has expired. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User, request=None) -> Membership:
    """Join the invitation's tenant; the logged-in user's email must be the invited one."""
    invitation = invitation_by_token(token=token)
    if invitation.email.lower() != user.email.lower():
        raise InvalidInput(f"This invitation is for {invitation.email}; you are logged in as {user.email}.")
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(accepted_at=timezone.now())
    if not claimed:
        raise InvalidInput("This invitation has already been used.")
    membership, _ = Membership.objects.get_or_create(user=user, tenant=invitation.tenant,
                                                     defaults={"role": invitation.role})
    if user.email_verified_at is None:  # the link arrived at this address
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    audit_record(action="invitation.accepted", actor=user, tenant=invitation.tenant, request=request,
                 email=invitation.email, role=invitation.role)
    return membership


@transaction.atomic
def invitation_revoke(*, actor_membership: Membership, invitation: Invitation, request=None) -> Invitation:
    manager_ensure(membership=actor_membership)
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(action="invitation.revoked", actor=actor_membership.user, tenant=invitation.tenant,
                     request=request, email=invitation.email)
    return invitation


# --- Profile --------------------------------------------------------------------------------


def profile_update(*, user: User, full_name: str, time_zone: str) -> User:
    if time_zone not in available_timezones():
        raise InvalidInput("Unknown time zone.", fields={"time_zone": [f"'{time_zone}' is not a time zone."]})
    user.full_name = full_name.strip()[:150]
    user.time_zone = time_zone
    user.save(update_fields=["full_name", "time_zone"])
    return user
