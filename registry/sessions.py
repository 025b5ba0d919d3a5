"""Web sessions: signing in, being signed in, signing out, and throttling guesses.

The browser holds a random token in a cookie; the database keeps only its SHA-256, so a copy of
the database signs no one in. A session ends on logout, when its user is disabled, after
``idle_minutes`` without a request, and ``session_hours`` after login, whichever comes first;
an ended session's row stays (``ended_at``) as the record of who was signed in when. Logins,
logouts and failed logins are audit events. Failed logins are also kept in ``login_failures``,
by the name typed and the address, so guessing is slowed for names that do not exist too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from core.errors import Exit, WenshuError
from core.settings import WebSettings
from registry import users
from registry.audit import Action, as_utc, utc_now
from registry.models import LoginFailure, User, WebSession
from registry.writing import write_transaction

ANONYMOUS = "匿名"
# How often a session's last-seen time is written: not on every request (a write each time).
SEEN_EVERY = timedelta(seconds=60)
ADDRESS_FACTOR = 4  # one address may fail this many times more than one name (an office NAT)


class LoginThrottled(WenshuError):
    """Too many failed logins for this name or from this address within the window."""

    exit_code = Exit.INVALID_VALUE


@dataclass(frozen=True)
class SignedIn:
    """A live session: who, its CSRF token, and the token for the cookie (only at login)."""

    account: users.Account
    csrf_token: str
    session_id: int
    token: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(engine: Engine, web: WebSettings, name: str, password: str, address: str | None) -> SignedIn | None:
    """A new session for a right name and password; None (audited) otherwise. Raises
    ``LoginThrottled`` before checking anything once the window's failures are used up."""
    name = name.strip()[:80]
    _check_throttle(engine, web, name, address)
    account = users.authenticate(engine, name, password)
    if account is None:
        with write_transaction(engine, ANONYMOUS) as txn:
            txn.session.add(LoginFailure(name=name, address=address, at=utc_now()))
            txn.record(Action.LOGIN_FAILED, None, {"user": name, "address": address})
        return None
    token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), utc_now()
    row = WebSession(token_hash=token_hash(token), user_id=_user_id(engine, name), csrf_token=csrf,
                     address=address, created_at=now, seen_at=now,
                     expires_at=now + timedelta(hours=web.session_hours))
    with write_transaction(engine, account.name) as txn:
        txn.session.add(row)
        txn.session.execute(delete(LoginFailure).where(LoginFailure.name == name))
        txn.session.flush()
        txn.record(Action.LOGGED_IN, None, {"address": address, "session": row.id})
    return SignedIn(account, csrf, row.id, token)


def _check_throttle(engine: Engine, web: WebSettings, name: str, address: str | None) -> None:
    since = utc_now() - timedelta(minutes=web.login_window_minutes)
    recent = select(func.count(), func.min(LoginFailure.at)).where(LoginFailure.at >= since)
    with Session(engine) as session:
        by_name, first_by_name = session.execute(recent.where(LoginFailure.name == name)).one()
        by_address, first_by_address = (session.execute(recent.where(LoginFailure.address == address)).one()
                                        if address else (0, None))
    if by_name >= web.login_attempts:
        first = first_by_name
    elif by_address >= web.login_attempts * ADDRESS_FACTOR:
        first = first_by_address
    else:
        return
    wait = as_utc(first) + timedelta(minutes=web.login_window_minutes) - utc_now()
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    raise LoginThrottled(f"登录失败次数过多，请 {minutes} 分钟后再试", fix="Wait, or ask an administrator.")


def _user_id(engine: Engine, name: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(User.id).where(User.name == name))


def current(engine: Engine, web: WebSettings, token: str) -> SignedIn | None:
    """The live session this cookie token belongs to, else None. Ends a session found idle or
    past its time, and one whose user was disabled."""
    now = utc_now()
    with Session(engine) as session:
        found = session.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                                .where(WebSession.token_hash == token_hash(token),
                                       WebSession.ended_at.is_(None))).one_or_none()
    if found is None:
        return None
    row, user = found
    seen = as_utc(row.seen_at)
    if user.disabled or now >= as_utc(row.expires_at) or now - seen >= timedelta(minutes=web.idle_minutes):
        _end(engine, row.id, now)
        return None
    if now - seen >= SEEN_EVERY:
        with engine.begin() as connection:
            connection.execute(update(WebSession).where(WebSession.id == row.id).values(seen_at=now))
    return SignedIn(users.account_of(user), row.csrf_token, row.id)


def logout(engine: Engine, signed_in: SignedIn) -> None:
    with write_transaction(engine, signed_in.account.name) as txn:
        txn.session.execute(update(WebSession).where(WebSession.id == signed_in.session_id,
                                                     WebSession.ended_at.is_(None)).values(ended_at=utc_now()))
        txn.record(Action.LOGGED_OUT, None, {"session": signed_in.session_id})


def _end(engine: Engine, session_id: int, moment: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None))
                           .values(ended_at=moment))
