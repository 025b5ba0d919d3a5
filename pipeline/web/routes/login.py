"""登录 and 退出. The login form carries its own CSRF token (a cookie and a hidden field that
must agree) because there is no session yet; a successful login always starts a new session
(no fixation), and ends the one the browser had."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from registry import sessions
from pipeline.web.auth import (COOKIE, LOGIN_COOKIE, Forbidden, Viewer, check_origin, client_address,
                               engine_of, require, settings_of)
from pipeline.web.render import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 (the query name)
    return _login_form(request, _safe_next(next))


def _login_form(request: Request, target: str, message: str | None = None, status_code: int = 200,
                name: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status_code, login_csrf=token, next=target,
                      message=message, name=name)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="lax", path="/login",
                        secure=settings_of(request).web.secure_cookie)
    return response


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form(""),
          next: str = Form("/")) -> Response:  # noqa: A002
    expected = request.cookies.get(LOGIN_COOKIE, "")
    check_origin(request)
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise Forbidden("登录页面已过期，请刷新后重新登录")
    engine, settings = engine_of(request), settings_of(request)
    if not username.strip() or not password:
        return _login_form(request, _safe_next(next), "请输入用户名和密码", 400, username)
    signed_in = sessions.login(engine, settings.web, username, password, client_address(request))
    if signed_in is None:
        return _login_form(request, _safe_next(next), "用户名或密码不正确", 401, username)
    if (old := request.cookies.get(COOKIE)) and (previous := sessions.current(engine, settings.web, old)):
        sessions.logout(engine, previous)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE, signed_in.token, httponly=True, samesite="lax", path="/",
                        secure=settings.web.secure_cookie)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, viewer: Viewer = Depends(require("home"))) -> Response:
    if viewer.session_id is not None:  # the session require() found; an API token has none to end
        sessions.logout(engine_of(request), sessions.SignedIn(viewer.account, viewer.csrf_token, viewer.session_id))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
