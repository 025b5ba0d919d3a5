"""Reading the audit log for people: events filtered by record, actor, action and the office's
days, newest first in pages with a total, or streamed oldest first for an export.

涉密: every event is listed (an auditor checks the chain, and a hidden event would look like a
gap), but an event about a record above the reader's clearance (``core.vocab.visible_to``, the
record's 密级 as it stands now) is ``masked``: its time, actor, action and hashes stay, its
details (which may quote the title, the file name, old and new values) become
``MASKED_TITLE``. ``reveal_numbers`` (an auditor, who sees such rows masked in the 登记簿 too)
keeps the 登记号; without it the 登记号 is masked as well, and asking for that record's events
finds none, as asking for the record itself finds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, func, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import visible_to
from registry import queries
from registry.audit import Action
from registry.models import AuditEvent, Document
from registry.queries import MASKED_TITLE, UNRESTRICTED, Clearance

MAX_PAGE = 1000
ACTIONS = tuple(action.value for action in Action)


@dataclass(frozen=True)
class AuditFilter:
    record: str | None = None      # a 登记号, typed with any brackets
    actor: str | None = None       # who acted, exactly as the log names them
    action: str | None = None      # a ``registry.audit.Action`` value
    date_from: date | None = None  # the office's days, inclusive
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.action is not None and self.action not in ACTIONS:
            raise InvalidValue(f"操作「{self.action}」无效", fix=f"Use one of: {', '.join(ACTIONS)}.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidValue(f"起始日期 {self.date_from} 晚于截止日期 {self.date_to}",
                               fix="Give the earlier day first.")

    def as_dict(self) -> dict[str, str]:
        return {key: (value.isoformat() if isinstance(value, date) else value)
                for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class Entry:
    """One event as a reader may see it."""

    seq: int
    at: str                       # ISO 8601 UTC, as stored and hashed
    actor: str
    action: str
    record: str | None            # MASKED_TITLE when the reader may not know the number
    details: dict[str, Any]       # {} when masked
    prev_hash: str
    hash: str
    masked: bool = False

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)

    def to_json(self) -> dict[str, Any]:
        """``registry.audit.event_to_json``'s shape (``wenshu audit log --json``); a masked event
        says ``"masked": true`` besides."""
        shown = {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                 "record": self.record, "details": self.details, "prev_hash": self.prev_hash, "hash": self.hash}
        if self.masked:
            shown["masked"] = True
        return shown


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[Entry, ...]
    total: int       # events matching the filters, for the pager
    offset: int
    limit: int


_ROW = (AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.record,
        AuditEvent.details, AuditEvent.prev_hash, AuditEvent.hash, Document.id.label("document"),
        Document.secrecy)


def _bounds(settings: Settings, filters: AuditFilter) -> tuple[str | None, str | None]:
    """The office's days as the stored ``at`` strings compare: from the first day's midnight
    (inclusive) to the midnight after the last day (exclusive), in UTC."""
    def stamp(day: date) -> str:
        moment = datetime.combine(day, time.min, settings.zone).astimezone(timezone.utc)
        return moment.isoformat(timespec="microseconds")
    return (stamp(filters.date_from) if filters.date_from else None,
            stamp(filters.date_to + timedelta(days=1)) if filters.date_to else None)


def _conditions(engine: Engine, settings: Settings, filters: AuditFilter, clearance: Clearance,
                reveal_numbers: bool) -> list[ColumnElement[bool]] | None:
    """The filters as SQL conditions; None when they can find nothing (a record the reader may
    not know)."""
    conditions = []
    if filters.record:
        record = queries.resolve(engine, filters.record)
        if not reveal_numbers and not _record_visible(engine, record, clearance):
            return None
        conditions.append(AuditEvent.record == record)
    if filters.actor:
        conditions.append(AuditEvent.actor == filters.actor)
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    start, end = _bounds(settings, filters)
    if start:
        conditions.append(AuditEvent.at >= start)
    if end:
        conditions.append(AuditEvent.at < end)
    return conditions


def _rows(conditions: list[ColumnElement[bool]]) -> Select:
    """The events (each with its record's 密级, if it is about a record) meeting ``conditions``."""
    return (select(*_ROW).select_from(AuditEvent).outerjoin(Document, Document.reg_no == AuditEvent.record)
            .where(*conditions))


def _count(conditions: list[ColumnElement[bool]]) -> Select:
    return select(func.count()).select_from(AuditEvent).where(*conditions)


def _record_visible(engine: Engine, record: str, clearance: Clearance) -> bool:
    if clearance is UNRESTRICTED:
        return True
    with engine.connect() as connection:
        found = connection.execute(select(Document.secrecy).where(Document.reg_no == record)).first()
    return found is None or visible_to(found.secrecy, clearance)


def _entry(row: Any, clearance: Clearance, reveal_numbers: bool) -> Entry:
    hidden = (clearance is not UNRESTRICTED and row.document is not None
              and not visible_to(row.secrecy, clearance))
    if hidden:
        return Entry(row.seq, row.at, row.actor, row.action, row.record if reveal_numbers else MASKED_TITLE,
                     {}, row.prev_hash, row.hash, masked=True)
    return Entry(row.seq, row.at, row.actor, row.action, row.record, json.loads(row.details),
                 row.prev_hash, row.hash)


def audit_page(engine: Engine, settings: Settings, filters: AuditFilter, *, clearance: Clearance,
               reveal_numbers: bool = False, offset: int = 0, limit: int = 50,
               newest_first: bool = True) -> AuditPage:
    """One page of the events and their total, read in one transaction so the two agree.
    ``clearance`` has no default: say whose page it is (``UNRESTRICTED`` for everything)."""
    if not isinstance(offset, int) or offset < 0:
        raise InvalidValue(f"起始位置应是不小于 0 的整数，收到 {offset!r}", fix="Pass offset >= 0.")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidValue(f"每页条数应在 1 到 {MAX_PAGE} 之间，收到 {limit!r}", fix=f"Pass 1 <= limit <= {MAX_PAGE}.")
    conditions = _conditions(engine, settings, filters, clearance, reveal_numbers)
    if conditions is None:
        return AuditPage(rows=(), total=0, offset=offset, limit=limit)
    order = AuditEvent.seq.desc() if newest_first else AuditEvent.seq
    with Session(engine) as session, session.begin():
        total = session.scalar(_count(conditions))
        rows = session.execute(_rows(conditions).order_by(order).offset(offset).limit(limit)).all()
    return AuditPage(rows=tuple(_entry(row, clearance, reveal_numbers) for row in rows), total=total,
                     offset=offset, limit=limit)


def events(engine: Engine, settings: Settings, filters: AuditFilter, *, clearance: Clearance,
           reveal_numbers: bool = False, batch: int = 1000) -> Iterator[Entry]:
    """The events oldest first (the chain's order), streamed in batches: an export of a year's
    log never sits in memory."""
    conditions = _conditions(engine, settings, filters, clearance, reveal_numbers)
    if conditions is None:
        return
    with Session(engine) as session:
        for row in session.execute(_rows(conditions).order_by(AuditEvent.seq).execution_options(yield_per=batch)):
            yield _entry(row, clearance, reveal_numbers)


def count_events(engine: Engine, settings: Settings, filters: AuditFilter, *, clearance: Clearance,
                 reveal_numbers: bool = False) -> int:
    """How many events ``events`` gives with the same arguments."""
    conditions = _conditions(engine, settings, filters, clearance, reveal_numbers)
    if conditions is None:
        return 0
    with engine.connect() as connection:
        return connection.scalar(_count(conditions))
