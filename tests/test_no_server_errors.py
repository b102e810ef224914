"""Bad input gets a clear 4xx, never a 500: every site and API route, anonymous and signed in, fed
malformed query strings, forms and bodies. Left out: the admin (its own tests) and /healthz, whose
503 is its answer when a dependency is down (as beat is in tests)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Invitation, Membership

GARBAGE_FORMS = [
    {},
    {"email": "not-an-email", "password": "", "code": "x" * 500, "role": "emperor", "name": "\x00", "scopes": "both"},
    {"email": ["a@b.c", "d@e.f"], "next": "//evil.example/", "token": "../../etc", "plan": "0" * 300},
]
GARBAGE_BODIES = [b"", b"{", b'{"a": [1, 2', b"\xff\xfe\x00", b'{"email": 5, "scopes": {"x": null}}']
QUERY_STRINGS = ["", "?page=-1&next=javascript:alert(1)&tenant=abc", "?page=99999999999999999999&format=x"]


def _routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and not (prefix + str(pattern.pattern)).startswith(("admin/", "healthz")):
            yield prefix + str(pattern.pattern)


def _fill(route: str, ids: dict) -> str:
    for name, value in {"<slug:plan_code>": "no-such-plan", "<str:token>": "no-such-token",
                        "<uidb64>": "MQ", "<token>": "set-password", "<int:tenant_id>": ids["tenant"],
                        "<int:invitation_id>": ids["invitation"], "<int:membership_id>": ids["membership"],
                        "<int:key_id>": 987654}.items():
        route = route.replace(name, str(value))
    return "/" + route


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_route_answers_malformed_input_with_a_server_error(client, alice, tenant_a, charlie, signed_in):
    invitation = Invitation.objects.create(tenant=tenant_a, email="x@example.com", role="member",
                                           invited_by=alice, token_hash="0" * 64, expires_at=timezone.now())
    ids = {"tenant": tenant_a.pk, "invitation": invitation.pk,
           "membership": Membership.objects.filter(user=charlie).first().pk}
    failures, answered_ok = [], set()
    for route in sorted(set(_routes())):
        url = _fill(route, ids)
        if signed_in:
            client.force_login(alice)  # again for each route: one of them is the logout
        for query in QUERY_STRINGS:
            response = client.get(url + query)
            if response.status_code < 300:
                answered_ok.add(url)
            if response.status_code >= 500:
                failures.append(f"GET {url}{query}: {response.status_code}")
        for form in GARBAGE_FORMS:
            response = client.post(url, form)
            if response.status_code >= 500:
                failures.append(f"POST form {url} {sorted(form)}: {response.status_code}")
        for body in GARBAGE_BODIES:
            for method in (client.post, client.put, client.patch, client.delete):
                response = method(url, body, content_type="application/json")
                if response.status_code >= 500:
                    failures.append(f"{method.__name__.upper()} {url} {body[:20]!r}: {response.status_code}")
    assert failures == []
    assert len(answered_ok) >= (15 if signed_in else 8)  # the requests reached real views
