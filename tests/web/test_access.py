"""Every route × every role, and anonymous → the expected status (issue 15, "Security, tested").

The table is ``route_table.TABLE``, written out by hand. Every route of the application must be
in it, and every route but the login form must be guarded by ``require(action)`` naming the
table's action, so a new unguarded route, or one wired to another action, fails here. Requests
that change data carry the session's CSRF token and this server's Origin, so what is tested is
the permission, not the CSRF check (tests/web/test_security.py tests that)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.routing import iter_route_contexts

from tests.web.conftest import Office
from tests.web.route_table import OPEN, ROLES, TABLE, Route

FORBIDDEN = "您的角色无权进行此操作"


def app_routes(app) -> dict[str, object]:
    """The application's routes by "METHOD /path" (the static files' mount left out)."""
    found = {}
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            found[f"{method} {route.path}"] = route
    return found


def guards(route) -> list[str]:
    """The actions of the ``require`` dependencies a route runs, however deep."""
    def walk(dependant) -> Iterator[str]:
        for dependency in dependant.dependencies:
            if hasattr(dependency.call, "action"):
                yield dependency.call.action
            yield from walk(dependency)
    return list(walk(route.dependant))


def test_every_route_is_in_the_table_and_guarded_by_the_tables_action(office):
    found = app_routes(office.app)
    table = {route.key: route for route in TABLE}
    unlisted = sorted(set(found) - set(table) - OPEN)
    assert not unlisted, f"routes missing from tests/web/route_table.py (who may use them?): {unlisted}"
    for key, route in found.items():
        if key in OPEN:
            assert guards(route) == [], f"{key} is the login form: it needs no session"
        else:
            assert guards(route) == [table[key].action], f"{key} requires {guards(route)}, " \
                                                         f"the table says {table[key].action!r}"


def test_the_table_lists_only_routes_that_exist(office):
    found = app_routes(office.app)
    assert sorted(route.key for route in TABLE if route.key not in found) == []


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
@pytest.mark.parametrize("route", TABLE, ids=[route.key for route in TABLE])
def test_route_by_role(office: Office, route: Route, role: str):
    may = role in route.allowed
    call = route.build(office, may)
    if role == "anonymous":
        client = office.anonymous()
    elif route.own_session:
        client = office.client_for(role)
    else:
        client = office.shared_client(role)
    response = client.request(route.method, call.path, **call.kwargs)
    body = response.text[:400]
    if role == "anonymous":
        if route.api:
            assert response.status_code == 401, body
            assert response.json()["error"] == "not_signed_in"
        else:
            assert response.status_code == 303, body
            assert response.headers["location"].startswith("/login?next=")
    elif not may:
        assert response.status_code == 403, f"{role} {route.key}: {response.status_code} {body}"
        if route.api:
            assert response.json() == {"error": "forbidden", "message": FORBIDDEN}
        else:
            assert FORBIDDEN in response.text and "text/html" in response.headers["content-type"]
    else:
        assert response.status_code == route.success, f"{role} {route.key}: {response.status_code} {body}"
        kind = response.headers.get("content-type", "")
        files = (".csv", ".xlsx", ".docx", ".pdf", ".zip", "/original")
        if route.success == 200 and route.api and not route.path.endswith(files):
            assert kind.startswith("application/json"), kind
        elif route.success == 200 and not route.api and not route.path.endswith("/original"):
            assert kind.startswith("text/html"), kind
