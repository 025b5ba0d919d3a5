"""Signing in and out for real (issue 15, "Security, tested"): a new session at every login (no
fixation), logout, disabling a user and changing a password end sessions at once, idle and
absolute expiry, throttled guessing, the login form's own CSRF and Origin checks, cookies,
``next=`` that never leaves the server, and every login, logout and failed login in the audit
log with who and from where. TestClient over a real data directory and SQLite registry."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry import users
from registry.audit import utc_now
from registry.models import AuditEvent, WebSession
from registry.sessions import token_hash
from tests.web.conftest import LOGIN_CSRF, ORIGIN, PASSWORD, Office

COOKIE = "wenshu_session"
ADDRESS = "testclient"  # TestClient's client address, as the server sees it


def signed_in(client) -> bool:
    """Whether this client's cookie is a live session (a page, not the way to the login page)."""
    response = client.get("/")
    if response.status_code == 303:
        assert response.headers["location"].startswith("/login")
        return False
    assert response.status_code == 200, response.status_code
    return True


def set_cookie_headers(response) -> dict[str, str]:
    """Each cookie the response sets, by name: its whole Set-Cookie header."""
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


def replay(office: Office, cookie: str):
    """A new client presenting only this session cookie."""
    client = office.anonymous()
    client.cookies.set(COOKIE, cookie)
    return client


def session_row(office: Office, cookie: str) -> WebSession:
    with Session(office.engine) as session:
        return session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(cookie)))


def events_of(office: Office, *actions: str) -> list[dict]:
    with Session(office.engine) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.seq))
        return [{"actor": row.actor, "action": row.action, "details": json.loads(row.details)} for row in rows]


# --- no fixation: a new session at every login -------------------------------------------------

def test_a_cookie_planted_before_login_is_not_the_session_after_it(plain_office):
    office = plain_office
    client = office.anonymous()
    client.cookies.set(COOKIE, "planted-by-someone-else")
    response = office.login("clerk", client=client)
    assert response.status_code == 303
    issued = set_cookie_headers(response)[COOKIE]
    token = issued.split("=", 1)[1].split(";", 1)[0]
    assert token != "planted-by-someone-else" and len(token) >= 40
    assert not signed_in(replay(office, "planted-by-someone-else"))
    assert signed_in(replay(office, token))


def test_signing_in_again_ends_the_session_the_browser_had(plain_office):
    office = plain_office
    client = office.anonymous()
    assert office.login("clerk", client=client).status_code == 303
    first = client.cookies.get(COOKIE)
    assert office.login("leader", client=client).status_code == 303
    second = client.cookies.get(COOKIE)
    assert second != first
    assert not signed_in(replay(office, first))
    assert session_row(office, first).ended_at is not None
    assert signed_in(replay(office, second))
    assert session_row(office, second).csrf_token != session_row(office, first).csrf_token


# --- ending sessions -------------------------------------------------------------------------

def test_logout_ends_the_session_on_the_server_at_once(plain_office):
    office = plain_office
    client = office.client_for("clerk")
    cookie = client.cookies.get(COOKIE)
    response = client.post("/logout", data={"csrf_token": client.csrf_token})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert f'{COOKIE}=""' in set_cookie_headers(response)[COOKIE] or "Max-Age=0" in set_cookie_headers(response)[COOKIE]
    again = replay(office, cookie)                      # the old cookie, kept by someone
    page = again.get("/")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    api = again.get("/api/search", params={"q": "通知"})
    assert api.status_code == 401 and api.json()["error"] == "not_signed_in"
    assert session_row(office, cookie).ended_at is not None


def test_logout_needs_the_sessions_csrf_token(plain_office):
    office = plain_office
    client = office.client_for("clerk")
    client.headers.pop("X-CSRF-Token")
    assert client.post("/logout").status_code == 403   # a page elsewhere cannot sign the clerk out
    assert signed_in(client)


def test_disabling_a_user_ends_their_sessions_at_once(fresh_office):
    office = fresh_office()
    clerk, other = office.client_for("clerk"), office.client_for("clerk")
    leader = office.client_for("leader")
    users.disable(office.engine, "clerk", "admin", "调离")
    assert not signed_in(clerk) and not signed_in(other)
    assert signed_in(leader)
    assert office.login("clerk").status_code == 401    # and cannot sign in again


def test_an_administrator_disabling_or_resetting_on_the_users_page_ends_sessions_at_once(fresh_office):
    office = fresh_office()
    clerk, leader, admin = office.client_for("clerk"), office.client_for("leader"), office.client_for("admin")
    assert admin.post("/users/clerk/disable", data={"reason": "调离"}).status_code == 200
    assert not signed_in(clerk)
    assert admin.post("/users/leader/password", data={"password": "xin-mima-2026-web"}).status_code == 200
    assert not signed_in(leader)
    assert office.login("leader", "xin-mima-2026-web").status_code == 303
    assert signed_in(admin)


def test_changing_a_password_ends_the_users_sessions_at_once(fresh_office):
    office = fresh_office()
    clerk = office.client_for("clerk")
    users.set_password(office.engine, "clerk", "xin-mima-2026-web", "admin")
    assert not signed_in(clerk)
    assert office.login("clerk").status_code == 401
    assert office.login("clerk", "xin-mima-2026-web").status_code == 303


def test_a_session_ends_after_idle_minutes_without_a_request(fresh_office):
    office = fresh_office(web={"idle_minutes": 5, "session_hours": 2})
    client = office.client_for("clerk")
    cookie = client.cookies.get(COOKIE)

    def idle_for(minutes: float) -> None:
        with office.engine.begin() as connection:
            connection.execute(update(WebSession).where(WebSession.token_hash == token_hash(cookie))
                               .values(seen_at=utc_now() - timedelta(minutes=minutes)))

    idle_for(4)
    assert signed_in(client)                            # 4 minutes idle: still signed in, and seen now
    assert utc_now() - session_row(office, cookie).seen_at.replace(tzinfo=utc_now().tzinfo) < timedelta(minutes=1)
    idle_for(5.1)
    assert not signed_in(client)
    assert session_row(office, cookie).ended_at is not None
    idle_for(0)                                         # an ended session does not come back
    assert not signed_in(client)


def test_a_session_ends_session_hours_after_login_however_busy(fresh_office):
    office = fresh_office(web={"idle_minutes": 5, "session_hours": 2})
    client = office.client_for("clerk")
    cookie = client.cookies.get(COOKIE)
    row = session_row(office, cookie)
    assert row.expires_at - row.created_at == timedelta(hours=2)

    def logged_in_ago(hours: float) -> None:
        shift = timedelta(hours=hours)
        with office.engine.begin() as connection:
            connection.execute(update(WebSession).where(WebSession.id == row.id).values(
                created_at=row.created_at - shift, expires_at=row.expires_at - shift, seen_at=utc_now()))

    logged_in_ago(1.9)
    assert signed_in(client)
    logged_in_ago(2.01)                                 # busy all along (seen just now), but too long
    assert not signed_in(client)


# --- throttled guessing ----------------------------------------------------------------------

THROTTLED = "登录失败次数过多"


@pytest.mark.parametrize("name", ["clerk", "nobody.here"])
def test_logins_are_throttled_after_failures_for_real_and_unknown_names(fresh_office, name):
    office = fresh_office(web={"login_attempts": 3, "login_window_minutes": 10})
    for _ in range(3):
        response = office.login(name, "wrong-password-1")
        assert response.status_code == 401 and "用户名或密码不正确" in response.text
    throttled = office.login(name, "wrong-password-1")
    assert throttled.status_code == 429 and THROTTLED in throttled.text and "分钟后再试" in throttled.text
    if name == "clerk":                                 # not even the right password gets through now
        right = office.login(name, PASSWORD)
        assert right.status_code == 429 and COOKIE not in set_cookie_headers(right)
    assert office.login("leader").status_code == 303    # another name from the same address still may


def test_a_successful_login_resets_the_count(fresh_office):
    office = fresh_office(web={"login_attempts": 3})
    for _ in range(2):
        assert office.login("clerk", "wrong-password-1").status_code == 401
    assert office.login("clerk").status_code == 303
    for _ in range(2):
        assert office.login("clerk", "wrong-password-1").status_code == 401
    assert office.login("clerk").status_code == 303     # 4 failures in the window, but 2 since success


def test_one_address_guessing_many_names_is_throttled_too(fresh_office):
    office = fresh_office(web={"login_attempts": 1})    # one name: 1 failure; one address: 1 × 4
    for n in range(4):
        assert office.login(f"guess{n}", "wrong-password-1").status_code == 401
    response = office.login("clerk")
    assert response.status_code == 429 and THROTTLED in response.text


# --- the audit log -----------------------------------------------------------------------------

def test_logins_logouts_and_failed_logins_are_audited_with_who_and_where(fresh_office):
    office = fresh_office()
    assert office.login("nobody.here", "wrong-password-1").status_code == 401
    assert office.login("clerk", "wrong-password-2").status_code == 401
    client = office.client_for("clerk")
    assert client.post("/logout", data={"csrf_token": client.csrf_token}).status_code == 303
    events = events_of(office, "login_failed", "logged_in", "logged_out")
    assert [(e["action"], e["actor"]) for e in events] == [
        ("login_failed", "匿名"), ("login_failed", "匿名"), ("logged_in", "clerk"), ("logged_out", "clerk")]
    assert [e["details"].get("user") for e in events[:2]] == ["nobody.here", "clerk"]
    assert all(e["details"]["address"] == ADDRESS for e in events[:3])
    assert events[3]["details"]["session"] == events[2]["details"]["session"]
    assert not any("wrong-password" in json.dumps(e, ensure_ascii=False) for e in events)
    # and the auditor reads them on the 审计 page's JSON twin, by action
    auditor = office.client_for("auditor")
    failed = auditor.get("/api/audit", params={"action": "login_failed"}).json()
    assert sorted(e["details"]["user"] for e in failed) == ["clerk", "nobody.here"]
    assert {e["actor"] for e in failed} == {"匿名"}


# --- the login form: its own CSRF token and the Origin check ---------------------------------

def _login_token(client) -> str:
    return LOGIN_CSRF.search(client.get("/login").text).group(1)


@pytest.mark.parametrize("case", ["no token", "wrong token", "no cookie", "other origin", "no origin"])
def test_the_login_form_refuses_a_post_it_did_not_serve(plain_office, case):
    office = plain_office
    before = len(events_of(office, "logged_in"))
    client = office.anonymous()
    token = _login_token(client)
    form = {"username": "clerk", "password": PASSWORD, "csrf_token": token, "next": "/"}
    headers = {"Origin": ORIGIN}
    if case == "no token":
        form["csrf_token"] = ""
    elif case == "wrong token":
        form["csrf_token"] = _login_token(office.anonymous())   # a real token, of another browser
    elif case == "no cookie":
        client.cookies.clear()
    elif case == "other origin":
        headers = {"Origin": "https://evil.example"}
    elif case == "no origin":
        headers = {}
    response = client.post("/login", data=form, headers=headers)
    assert response.status_code == 403
    assert COOKIE not in set_cookie_headers(response)
    assert len(events_of(office, "logged_in")) == before


def test_a_referer_of_this_server_stands_for_a_missing_origin(plain_office):
    office = plain_office
    client = office.anonymous()
    form = {"username": "clerk", "password": PASSWORD, "csrf_token": _login_token(client), "next": "/"}
    assert client.post("/login", data=form, headers={"Referer": f"{ORIGIN}/login"}).status_code == 303
    other = office.anonymous()
    form["csrf_token"] = _login_token(other)
    assert other.post("/login", data=form, headers={"Referer": "https://evil.example/login"}).status_code == 403


# --- cookies -----------------------------------------------------------------------------------

def _attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_cookies_are_httponly_and_samesite_lax_and_not_secure_over_plain_http(plain_office):
    office = plain_office
    client = office.anonymous()
    form_cookie = set_cookie_headers(client.get("/login"))["wenshu_login"]
    response = office.login("clerk", client=client)
    session_cookie = set_cookie_headers(response)[COOKIE]
    for header in (form_cookie, session_cookie):
        attributes = _attributes(header)
        assert "httponly" in attributes and "samesite=lax" in attributes and "secure" not in attributes
    assert "path=/" in _attributes(session_cookie)


def test_cookies_are_secure_when_the_office_says_it_is_behind_https(fresh_office):
    office = fresh_office(web={"secure_cookie": True})
    client = office.anonymous()
    client.base_url = client.base_url.copy_with(scheme="https")  # the proxy ends TLS; cookies go over HTTPS
    page = client.get("/login")
    token = LOGIN_CSRF.search(page.text).group(1)
    assert "secure" in _attributes(set_cookie_headers(page)["wenshu_login"])
    response = client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": token,
                                           "next": "/"}, headers={"Origin": "https://testserver"})
    assert response.status_code == 303
    attributes = _attributes(set_cookie_headers(response)[COOKIE])
    assert {"secure", "httponly", "samesite=lax"} <= attributes


# --- next= stays on this server ------------------------------------------------------------

def _as_a_browser_reads_it(location: str) -> str:
    """What a browser makes of a Location header: tabs and newlines dropped, backslashes read as
    slashes (the WHATWG URL parser, for http and https)."""
    return location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "http://evil.example",
                                    "/\\evil.example", "/\t/evil.example", "\\\\evil.example",
                                    "javascript:alert(1)", "//evil.example/%2F..", "/\n/evil.example",
                                    " //evil.example"])
def test_next_never_leads_off_the_server(plain_office, target):
    office = plain_office
    client = office.anonymous()
    response = office.login("clerk", client=client, next_path=target)
    assert response.status_code == 303
    location = _as_a_browser_reads_it(response.headers["location"])
    assert location.startswith("/") and not location.startswith("//"), response.headers["location"]


def test_next_leads_back_to_the_page_asked_for(plain_office):
    office = plain_office
    client = office.anonymous()
    first = client.get("/register", params={"direction": "收文", "from": "2026-01-01"})
    assert first.status_code == 303
    login_url = first.headers["location"]
    assert login_url.startswith("/login?next=")
    page = client.get(login_url)
    target = html.unescape(re.search(r'name="next" value="([^"]*)"', page.text).group(1))
    assert unquote(target) == "/register?direction=收文&from=2026-01-01"
    response = office.login("clerk", client=client, next_path=target)
    assert response.headers["location"] == target
    assert client.get(target).status_code == 200
