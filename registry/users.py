"""Users: who acts in wenshu, with which roles and 保密 clearance, and how they prove it.

Passwords are kept as argon2id hashes (argon2-cffi), API tokens as SHA-256 (a token is random,
32 bytes, and printed once when it is made). Every change to a user is an audit event naming
who made it; no event carries a password, a hash or a token. Users are disabled, never deleted.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from core.vocab import CLEARANCES, ROLES
from registry.audit import Action, utc_now
from registry.models import ApiToken, User, WebSession
from registry.writing import write_transaction

MIN_PASSWORD = 8
_HASHER = PasswordHasher()
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True)
class Account:
    name: str
    display_name: str | None
    roles: tuple[str, ...]
    clearance: str | None
    disabled: bool

    def to_json(self) -> dict:
        return {"name": self.name, "display_name": self.display_name, "roles": list(self.roles),
                "clearance": self.clearance, "disabled": self.disabled}


def account_of(user: User) -> Account:
    return Account(user.name, user.display_name, tuple(user.roles.split(",")), user.clearance, user.disabled)


def check_roles(roles: list[str]) -> tuple[str, ...]:
    """Roles by their code or their Chinese name (文书 or clerk), each once, in the table's order."""
    by_name = {name: code for code, name in ROLES.items()}
    codes = {by_name.get(role.strip(), role.strip()) for role in roles}
    unknown = sorted(codes - set(ROLES))
    if unknown or not codes:
        raise InvalidValue(f"角色「{'、'.join(unknown) or '（未给出）'}」无效",
                           fix="Give --role with one of: " + ", ".join(f"{c} ({n})" for c, n in ROLES.items()))
    return tuple(code for code in ROLES if code in codes)


def _check_clearance(clearance: str | None) -> str | None:
    if clearance not in (None, "", *CLEARANCES):
        raise InvalidValue(f"保密级别「{clearance}」无效", fix="One of: " + "、".join(CLEARANCES))
    return clearance or None


def _check_name(name: str) -> str:
    if not name or len(name) > 80 or not set(name) <= _NAME_CHARS:
        raise InvalidValue(f"用户名「{name}」无效：只能用小写字母、数字和 . _ -",
                           fix="Choose a login name such as zhang.li; the display name may be Chinese.")
    return name


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(f"密码太短：至少 {MIN_PASSWORD} 个字符", fix="Choose a longer password.")
    return password


def add_user(engine: Engine, name: str, *, roles: list[str], password: str, actor: str,
             clearance: str | None = None, display_name: str | None = None) -> Account:
    user = User(name=_check_name(name), display_name=display_name or None, roles=",".join(check_roles(roles)),
                clearance=_check_clearance(clearance), password_hash=_HASHER.hash(_check_password(password)),
                disabled=False, created_at=utc_now())
    with write_transaction(engine, actor) as txn:
        if txn.session.scalar(select(User.id).where(User.name == name)) is not None:
            raise InvalidValue(f"用户「{name}」已存在", fix="Choose another name, or change this user instead.")
        txn.session.add(user)
        txn.record(Action.USER_ADDED, None, {"user": name, "display_name": user.display_name,
                                             "roles": user.roles.split(","), "clearance": user.clearance})
    return account_of(user)


def list_users(engine: Engine) -> list[Account]:
    with Session(engine) as session:
        return [account_of(user) for user in session.scalars(select(User).order_by(User.name))]


def get_account(engine: Engine, name: str) -> Account | None:
    """The account of this login name, enabled or not; None when there is none."""
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
        return None if user is None else account_of(user)


def has_users(engine: Engine) -> bool:
    """Whether any account exists (none yet: the first ``wenshu user add`` needs no --user)."""
    with Session(engine) as session:
        return session.scalar(select(User.id).limit(1)) is not None


def set_password(engine: Engine, name: str, password: str, actor: str) -> None:
    """A new password; the user's web sessions end (whoever knew the old one is signed out)."""
    hashed = _HASHER.hash(_check_password(password))
    with write_transaction(engine, actor) as txn:
        user = _user(txn.session, name)
        user.password_hash = hashed
        ended = _end_sessions(txn.session, user.id)
        txn.record(Action.PASSWORD_CHANGED, None, {"user": name, "sessions_ended": ended})


def change(engine: Engine, name: str, actor: str, *, roles: list[str] | None = None,
           clearance: str | None = None, display_name: str | None = None, enable: bool = False) -> Account:
    """Change a user's roles, clearance ('' removes it) or display name, or enable them again.
    Live sessions end, so the new roles and clearance apply from the next login."""
    with write_transaction(engine, actor) as txn:
        user = _user(txn.session, name)
        before = account_of(user)
        if roles is not None:
            user.roles = ",".join(check_roles(roles))
        if clearance is not None:
            user.clearance = _check_clearance(clearance)
        if display_name is not None:
            user.display_name = display_name.strip() or None
        if enable:
            user.disabled = False
        after = account_of(user)
        changed = {key: {"old": value, "new": after.to_json()[key]}
                   for key, value in before.to_json().items() if after.to_json()[key] != value}
        if not changed:
            raise InvalidValue(f"用户「{name}」没有变化", fix="Nothing to do.")
        ended = _end_sessions(txn.session, user.id)
        txn.record(Action.USER_CHANGED, None, {"user": name, "changed": changed, "sessions_ended": ended})
    return after


def _end_sessions(session: Session, user_id: int) -> int:
    return session.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
                           .values(ended_at=utc_now())).rowcount


def disable(engine: Engine, name: str, actor: str, reason: str) -> None:
    """Disable a user: their API tokens are revoked and their web sessions end at once."""
    if not reason.strip():
        raise InvalidValue("停用用户必须说明理由", fix='Give it with --reason "…".')
    with write_transaction(engine, actor) as txn:
        user = _user(txn.session, name)
        if user.disabled:
            raise InvalidValue(f"用户「{name}」已停用", fix="Nothing to do.")
        user.disabled = True
        revoked = txn.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                      .values(revoked_at=utc_now())).rowcount
        ended = _end_sessions(txn.session, user.id)
        txn.record(Action.USER_DISABLED, None, {"user": name, "reason": reason.strip(), "tokens_revoked": revoked,
                                                "sessions_ended": ended})


def issue_token(engine: Engine, name: str, actor: str) -> str:
    """A new API token for the user, returned once; only its SHA-256 is kept."""
    token = secrets.token_urlsafe(32)
    with write_transaction(engine, actor) as txn:
        user = _user(txn.session, name)
        if user.disabled:
            raise InvalidValue(f"用户「{name}」已停用，不能发放令牌", fix="Enable the user first.")
        txn.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=utc_now()))
        txn.record(Action.TOKEN_ISSUED, None, {"user": name})
    return token


def authenticate(engine: Engine, name: str, password: str) -> Account | None:
    """The enabled user with this name and password, else None (the same for every reason)."""
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
    if user is None:
        _HASHER.hash(password)  # as long as a real check: no telling names apart by time
        return None
    try:
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return None if user.disabled else account_of(user)


def by_token(engine: Engine, token: str) -> Account | None:
    """The enabled user an unrevoked API token belongs to, else None."""
    with Session(engine) as session:
        user = session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id).where(
            ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)))
    return None if user is None or user.disabled else account_of(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"没有用户「{name}」", fix="List them with `wenshu user list`.")
    return user
