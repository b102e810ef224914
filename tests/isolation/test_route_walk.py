"""Tenant isolation, generated from the URL conf and the OpenAPI schema rather than listed by hand.

Every route is walked as charlie, the owner of tenant B, by session and (under /api/v1/) by API key:
- a route that names an object of tenant A answers exactly as it would for an object that does not
  exist, for every method, and nothing of tenant A changes;
- a route that names nothing shows none of tenant A's markers;
- a route with arguments that tests/isolation/routes.py does not declare fails the walk, so a new
  route is isolated by default or explained.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, resolve, reverse

from tests.isolation.routes import ROUTES, SKIPPED_NAMESPACES, Owned, Public
from tests.isolation.world import outsider_key_headers, tenant_rows, world_build

METHODS = ("get", "post", "put", "patch", "delete")
MISSING_ID = 987_654_321


def _route_arguments() -> dict[str, frozenset[str]]:
    """Each named route (namespace:name) and the names of its URL arguments; format suffixes left out."""
    found: dict[str, frozenset[str]] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
                if inner.split(":")[0] not in SKIPPED_NAMESPACES:
                    walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                arguments = frozenset(pattern.pattern.regex.groupindex)
                if "format" not in arguments:
                    found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = arguments
    walk(get_resolver().url_patterns, "")
    return found


ROUTE_ARGUMENTS = _route_arguments()
NAMING_ROUTES = sorted(name for name, arguments in ROUTE_ARGUMENTS.items() if arguments)
PLAIN_ROUTES = sorted(name for name, arguments in ROUTE_ARGUMENTS.items() if not arguments
                      and name != "api-v1:endpoint-not-found")
OWNED_ROUTES = sorted(name for name, kind in ROUTES.items() if isinstance(kind, Owned))


def test_every_route_that_names_something_is_declared_owned_or_public():
    undeclared = [name for name in NAMING_ROUTES if name not in ROUTES]
    stale = [name for name in ROUTES if name not in ROUTE_ARGUMENTS]

    assert not undeclared, f"Declare these routes in tests/isolation/routes.py (Owned or Public): {undeclared}"
    assert not stale, f"These declared routes no longer exist: {stale}"
    assert all(kind.reason for kind in ROUTES.values() if isinstance(kind, Public))


@pytest.fixture
def world(db):
    return world_build()


def _call(client: Client, method: str, url: str, headers: dict[str, str]):
    if method in ("put", "patch"):
        return getattr(client, method)(url, data=json.dumps({"name": "taken"}), content_type="application/json",
                                       headers=headers)
    if method == "post":
        return client.post(url, data={"name": "taken", "label": "taken"}, headers=headers)
    return getattr(client, method)(url, headers=headers)


def _as_charlie(world, route: str) -> list[tuple[str, Client, dict[str, str]]]:
    """The ways charlie reaches `route`: his session, and under /api/v1/ his write key too."""
    session = Client()
    session.force_login(world.charlie)
    ways = [("session", session, {})]
    if route.startswith("api-v1:"):
        ways.append(("api key", Client(), outsider_key_headers(world)))
    return ways


def _missing(kwargs: dict) -> dict:
    return {name: MISSING_ID if isinstance(value, int) else value for name, value in kwargs.items()}


def owned_route_problems(world, route: str, kwargs: dict) -> list[str]:
    """What tenant B can tell about, or do to, tenant A's object behind `route`: [] when nothing."""
    url, missing_url = reverse(route, kwargs=kwargs), reverse(route, kwargs=_missing(kwargs))
    before = tenant_rows(world.tenant_a)
    problems = []
    for way, client, headers in _as_charlie(world, route):
        statuses = {}
        for method in METHODS:
            answer = _call(client, method, url, headers)
            expected = _call(client, method, missing_url, headers)
            if answer.status_code != expected.status_code or b"Traceback" in answer.content:
                problems.append(f"{method.upper()} {url} by tenant B ({way}) answered {answer.status_code}, "
                                f"but {expected.status_code} for an object that does not exist")
            statuses[method] = answer.status_code
        if 404 not in statuses.values():
            problems.append(f"{url} ({way}): no method looked the object up: {statuses}")
    if tenant_rows(world.tenant_a) != before:
        problems.append(f"{url}: tenant B changed tenant A's rows")
    return problems


def plain_route_problems(world, route: str) -> list[str]:
    """What of tenant A a page or list without arguments shows tenant B: [] when nothing."""
    url = reverse(route)
    problems = []
    for way, client, headers in _as_charlie(world, route):
        answer = client.get(url, headers=headers)
        text = answer.content.decode(errors="replace")
        if answer.status_code == 500:  # (/healthz may answer 503: that is its answer, not an error)
            problems.append(f"GET {url} ({way}) answered 500")
        leaked = [marker for marker in world.markers if marker in text]
        if leaked:
            problems.append(f"GET {url} by tenant B ({way}) shows {leaked}")
    return problems


@pytest.mark.parametrize("route", OWNED_ROUTES)
def test_another_tenant_cannot_tell_an_object_from_one_that_does_not_exist(world, route):
    assert owned_route_problems(world, route, ROUTES[route].kwargs(world)) == []  # type: ignore[union-attr]


@pytest.mark.parametrize("route", PLAIN_ROUTES)
def test_a_page_or_list_shows_another_tenant_nothing_of_tenant_a(world, route):
    assert plain_route_problems(world, route) == []


def test_the_walk_catches_a_route_that_forgets_the_tenant(world, settings):
    """The walk's own proof: a detail view and a list that read without the tenant are both caught."""
    settings.ROOT_URLCONF = "tests.isolation.leaky_urls"
    clear_url_caches()

    shown = plain_route_problems(world, "leaky_list")
    leaks = owned_route_problems(world, "leaky_detail", {"watchlist_id": world.objects["watchlist"].pk})

    assert any("answered 200, but 404" in problem for problem in leaks)
    assert any("changed tenant A's rows" in problem for problem in leaks)
    assert shown and "ALPHA-SECRET" in shown[0]
    clear_url_caches()


def test_every_operation_of_the_schema_is_a_walked_route(client):
    schema = client.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()

    unwalked = []
    for path in schema["paths"]:
        concrete = path
        for part in path.split("{")[1:]:
            concrete = concrete.replace("{" + part.split("}")[0] + "}", "1")
        match = resolve(concrete)
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        if name not in ROUTES and name not in PLAIN_ROUTES:
            unwalked.append((path, name))

    assert len(schema["paths"]) >= 20
    assert not unwalked, f"Schema paths the walk does not reach: {unwalked}"
