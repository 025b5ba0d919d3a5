"""用户 (administrators): the accounts, adding one, and for each: roles, clearance and display
name, a new password, disabling (with a reason) and enabling again. Every change is one audited
``registry.users`` call naming the administrator (through ``pipeline.accounts``, which keeps an
administrator from disabling themself or dropping their own 管理员 role); a new password and
disabling end that user's sessions at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from core.vocab import CLEARANCES
from pipeline import accounts
from registry import users
from pipeline.web.auth import Viewer, engine_of, require
from pipeline.web.render import render

router = APIRouter()


def _list(request: Request, viewer: Viewer, status_code: int = 200, **context: Any) -> Response:
    return render(request, "users.html", viewer, status_code, accounts=users.list_users(engine_of(request)),
                  clearances=CLEARANCES, **context)


def _one(request: Request, viewer: Viewer, name: str, **context: Any) -> Response:
    return render(request, "users_edit.html", viewer, account=accounts.get(engine_of(request), name),
                  clearances=CLEARANCES, **context)


@router.get("/users")
def users_page(request: Request, viewer: Viewer = Depends(require("users"))) -> Response:
    return _list(request, viewer)


@router.get("/api/users")
def users_api(request: Request, viewer: Viewer = Depends(require("users"))) -> Response:
    return JSONResponse([account.to_json() for account in users.list_users(engine_of(request))])


@router.post("/users")
def add(request: Request, name: Annotated[str, Form()] = "", display_name: Annotated[str, Form()] = "",
        roles: Annotated[list[str], Form()] = [], clearance: Annotated[str, Form()] = "",  # noqa: B006
        password: Annotated[str, Form()] = "", viewer: Viewer = Depends(require("users"))) -> Response:
    generated = accounts.add(engine_of(request), name.strip(), viewer.name, roles=roles, clearance=clearance,
                             display_name=display_name.strip(), password=password)
    return _list(request, viewer, added=name.strip(), generated=generated)


@router.get("/users/{name}")
def user_page(request: Request, name: str, viewer: Viewer = Depends(require("users"))) -> Response:
    return _one(request, viewer, name)


@router.post("/users/{name}/change")
def change(request: Request, name: str, display_name: Annotated[str, Form()] = "",
           roles: Annotated[list[str], Form()] = [], clearance: Annotated[str, Form()] = "",  # noqa: B006
           viewer: Viewer = Depends(require("users"))) -> Response:
    accounts.change(engine_of(request), name, viewer.name, roles=roles, clearance=clearance,
                    display_name=display_name)
    return _one(request, viewer, name, message="已保存：该用户的会话已结束，新的角色和保密级别在其重新登录后生效。")


@router.post("/users/{name}/password")
def password(request: Request, name: str, password: Annotated[str, Form()] = "",
             viewer: Viewer = Depends(require("users"))) -> Response:
    generated = accounts.reset_password(engine_of(request), name, viewer.name, password or None)
    return _one(request, viewer, name, generated=generated,
                message="密码已重设，该用户的会话已全部结束。" + ("您需要用新密码重新登录。" if name == viewer.name else ""))


@router.post("/users/{name}/disable")
def disable(request: Request, name: str, reason: Annotated[str, Form()] = "",
            viewer: Viewer = Depends(require("users"))) -> Response:
    accounts.disable(engine_of(request), name, viewer.name, reason)
    return _one(request, viewer, name, message="已停用：该用户的会话和 API 令牌已全部失效。")


@router.post("/users/{name}/enable")
def enable(request: Request, name: str, viewer: Viewer = Depends(require("users"))) -> Response:
    accounts.change(engine_of(request), name, viewer.name, enable=True)
    return _one(request, viewer, name, message="已重新启用。")
