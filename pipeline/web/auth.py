"""Who is asking, and may they: the session cookie or an API token, the permission table, and
the CSRF and Origin checks on every request that changes something.

Every route takes ``viewer: Viewer = Depends(require("action"))``. The check runs before the
route: not signed in → the login page (API: 401), a role without the action → 403, an unsafe
request from a browser session without the page's CSRF token or from another origin → 403.
API clients sending ``Authorization: Bearer <token>`` carry no cookie, so CSRF cannot reach
them and they are not asked for a CSRF token.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from core.settings import Settings
from registry import sessions, users
from registry.users import Account
from pipeline.web.access import may

COOKIE = "wenshu_session"
LOGIN_COOKIE = "wenshu_login"   # the login form's own CSRF token, before there is a session
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedIn(Exception):
    """No valid session or token: pages go to the login page, the API answers 401."""


class Forbidden(Exception):
    """Signed in, but this may not be done (or the CSRF/Origin check failed): 403."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of this request."""

    account: Account
    csrf_token: str | None = None      # None for API tokens
    session_id: int | None = None

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def roles(self) -> tuple[str, ...]:
        return self.account.roles

    @property
    def clearance(self) -> str | None:
        return self.account.clearance

    def may(self, action: str) -> bool:
        return may(self.account.roles, action)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def identify(request: Request) -> Viewer | None:
    """The user behind this request's bearer token or session cookie, if any (blocking: DB)."""
    engine, settings = engine_of(request), settings_of(request)
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        account = users.by_token(engine, credential.strip())
        return Viewer(account) if account else None
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    signed_in = sessions.current(engine, settings.web, token)
    return Viewer(signed_in.account, signed_in.csrf_token, signed_in.session_id) if signed_in else None


def require(action: str):
    """The dependency for a route doing ``action``."""

    async def dependency(request: Request) -> Viewer:
        viewer = await run_in_threadpool(identify, request)
        if viewer is None:
            raise NotSignedIn()
        if request.method not in SAFE_METHODS and viewer.csrf_token is not None:
            check_origin(request)
            await check_csrf(request, viewer.csrf_token)
        if not viewer.may(action):
            raise Forbidden("您的角色无权进行此操作")
        request.state.viewer = viewer
        return viewer

    dependency.action = action  # read by the route × role test and docs
    return dependency


async def check_csrf(request: Request, expected: str) -> None:
    """The token from the ``X-CSRF-Token`` header (htmx, fetch) or the form's ``csrf_token``."""
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get("csrf_token")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("页面已过期或请求来源不明（CSRF 校验未通过），请刷新页面后重试")


def check_origin(request: Request) -> None:
    """A browser says where an unsafe request comes from (Origin, else Referer); it must be
    this server or one of ``[web] origins``."""
    origin = request.headers.get("origin")
    if origin is None and (referer := request.headers.get("referer")):
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin is None or origin.rstrip("/") not in allowed_origins(request):
        raise Forbidden("请求来源不明（来源校验未通过），请从本系统的页面操作")


def allowed_origins(request: Request) -> set[str]:
    own = {f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"}
    return own | {origin.rstrip("/") for origin in settings_of(request).web.origins}


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
