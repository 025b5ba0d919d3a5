"""The watchers' heartbeat: each running watcher says it is alive, so that the web 工作台 can
show whether files dropped in the inbox are being taken.

A beat is not data: it is not audited and takes neither the audit chain's write lock nor
SQLite's ``BEGIN IMMEDIATE`` queue. Each call is one plain, short transaction of one upsert
statement (``INSERT … ON CONFLICT DO UPDATE``, on SQLite and on PostgreSQL alike), so a beat
never waits behind a registration for long and never holds anything while it waits.

A watcher is named by ``host:pid``. It beats when it starts (``starting=True`` begins a new
run), every ``EVERY_SECONDS`` from its loop, and marks itself stopped when it exits; a watcher
killed outright just stops beating, so ``alive`` asks for a recent beat as well.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, case, select, update
from sqlalchemy.dialects import postgresql, sqlite

from registry.audit import as_utc, utc_now
from registry.models import Heartbeat

EVERY_SECONDS = 15.0  # how often a running watcher beats; allow a few missed beats in ``alive``


@dataclass(frozen=True)
class Beat:
    process: str  # host:pid
    kind: str  # watcher
    started_at: datetime  # UTC
    beat_at: datetime  # UTC


def this_process() -> str:
    """``host:pid`` of the calling process, as a heartbeat names it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(engine: Engine, process: str, kind: str, *, starting: bool = False) -> None:
    """Say that ``process`` is alive now; ``starting``: it has just started (a new run of a
    process that stopped or died under the same name begins again from now)."""
    now = utc_now()
    dialect = {"sqlite": sqlite, "postgresql": postgresql}[engine.dialect.name]
    statement = dialect.insert(Heartbeat).values(process=process, kind=kind, started_at=now, beat_at=now,
                                                 stopped_at=None)
    changes = {"kind": kind, "beat_at": now, "stopped_at": None}
    if starting:
        changes["started_at"] = now
    else:  # a row marked stopped came back to life (the same pid again): it starts now
        changes["started_at"] = case((Heartbeat.stopped_at.is_not(None), now), else_=Heartbeat.started_at)
    with engine.begin() as connection:
        connection.execute(statement.on_conflict_do_update(index_elements=[Heartbeat.process], set_=changes))


def stopped(engine: Engine, process: str) -> None:
    """``process`` exits: it is no longer alive, whenever it last beat."""
    with engine.begin() as connection:
        connection.execute(update(Heartbeat).where(Heartbeat.process == process, Heartbeat.stopped_at.is_(None))
                           .values(stopped_at=utc_now()))


def alive(engine: Engine, within_seconds: float, kind: str | None = None) -> list[Beat]:
    """The processes (of ``kind``, default any) that beat within the last ``within_seconds``
    and have not stopped, the longest running first."""
    since = utc_now() - timedelta(seconds=within_seconds)
    query = (select(Heartbeat).where(Heartbeat.stopped_at.is_(None), Heartbeat.beat_at >= since)
             .order_by(Heartbeat.started_at, Heartbeat.process))
    if kind is not None:
        query = query.where(Heartbeat.kind == kind)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [Beat(row.process, row.kind, as_utc(row.started_at), as_utc(row.beat_at)) for row in rows]
