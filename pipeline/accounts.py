"""Managing accounts from the web 用户 page: ``registry.users`` does the work (audited, sessions
ended); this adds the rules of doing it to oneself. An administrator cannot disable their own
account or take away their own 管理员 role (no one would be left to undo it), and a password
reset with none given gets a generated one, shown once.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Engine

from core.errors import InvalidValue, NotFound
from registry import users
from registry.users import Account

# No 0/O, 1/l/I: a generated password is read off a screen.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_password(length: int = 16) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def disable(engine: Engine, name: str, actor: str, reason: str) -> None:
    if name == actor:
        raise InvalidValue("不能停用自己的账户", fix="Another administrator may disable it.")
    users.disable(engine, name, actor, reason)


def change(engine: Engine, name: str, actor: str, *, roles: list[str] | None = None, clearance: str | None = None,
           display_name: str | None = None, enable: bool = False) -> Account:
    if name == actor and roles is not None and "admin" not in users.check_roles(roles):
        raise InvalidValue("不能取消自己的管理员角色", fix="Another administrator may change it.")
    return users.change(engine, name, actor, roles=roles, clearance=clearance, display_name=display_name,
                        enable=enable)


def reset_password(engine: Engine, name: str, actor: str, password: str | None) -> str | None:
    """Set ``password`` (or a generated one, returned to be shown once); the user's sessions end."""
    generated = None if password else new_password()
    users.set_password(engine, name, password or generated, actor)
    return generated


def get(engine: Engine, name: str) -> Account:
    account = users.get_account(engine, name)
    if account is None:
        raise NotFound(f"没有用户「{name}」", fix="See the 用户 page.")
    return account


def add(engine: Engine, name: str, actor: str, *, roles: list[str], clearance: str | None = None,
        display_name: str | None = None, password: str | None = None) -> str | None:
    """A new account; with no password given, a generated one (returned, to be shown once)."""
    generated = None if password else new_password()
    users.add_user(engine, name, roles=roles, password=password or generated, actor=actor,
                   clearance=clearance or None, display_name=display_name or None)
    return generated
