"""Reading the registry: one record, and the registration log with its filters.

涉密 clearance (``core.vocab.visible_to``) is applied here for every reader that has one (the web
application): ``clearance=None`` or a level leaves out the records above it, in SQL
(``visible_clause``), so that lists, pages and totals agree; ``mask=True`` (auditors) keeps them
as ``masked`` copies instead. Without ``clearance`` (``UNRESTRICTED``) nothing is left out, as
the CLI reads the register.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.errors import InvalidValue, NotFound
from core.numbers import canonical_brackets
from core.settings import Settings
from core.vocab import (CLEARANCES, DIRECTIONS, DOC_TYPE_VALUES, NOT_SECRET, ROUTES, UNRESTRICTED,  # noqa: F401
                        Clearance, visible_to)
from registry.audit import Action
from registry.handling import summary
from registry.models import AuditEvent, Document, HandlingRow
from registry.numbering import gaps


# What a masked row says instead of its title (and its file name).
MASKED_TITLE = "（涉密文件）"
# The 密级 a masked row carries: not the real level (that says something too), and itself 涉密 at
# the top level for ``visible_to``, so a masked copy that reaches a clearance check stays hidden.
MASKED_SECRECY = "涉密"
MAX_PAGE = 1000

# What Python's str.strip() removes (every character whose isspace() is true), for SQL's trim():
# visible_to strips the 密级 this way. Written out, as working it out costs 80 ms at each start;
# tests/registry/test_clearance.py checks it against Python's own.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@dataclass(frozen=True)
class LogFilter:
    date_from: date | None = None  # registration day, in the office's time zone, inclusive
    date_to: date | None = None
    direction: str | None = None
    doc_type: str | None = None
    route: str | None = None

    def __post_init__(self) -> None:
        """An unknown value is an error naming the allowed ones, not an empty log."""
        for label, value, allowed in (("收发", self.direction, DIRECTIONS), ("文种", self.doc_type, DOC_TYPE_VALUES),
                                      ("阅办", self.route, ROUTES)):
            if value is not None and value not in allowed:
                raise InvalidValue(f"{label}「{value}」无效，可选：{'、'.join(allowed)}",
                                   fix=f"Use one of: {', '.join(allowed)}.")

    def as_dict(self) -> dict:
        return {key: (value.isoformat() if isinstance(value, date) else value)
                for key, value in asdict(self).items() if value is not None}


def get(engine: Engine, reg_no: str) -> Document:
    """The record with this 登记号, typed with any brackets."""
    with Session(engine, expire_on_commit=False) as session:
        found = session.execute(with_summary(select(Document)).where(Document.reg_no.in_(spellings(reg_no)))).first()
    if found is None:
        raise _not_found(reg_no)
    return _summed(*found)


def get_visible(engine: Engine, reg_no: str, clearance: Clearance) -> Document:
    """``get`` for a user with this clearance: a record above it raises the very ``NotFound`` a
    missing one does (same message), so that the answer says nothing about whether it exists."""
    document = get(engine, reg_no)
    if clearance is not UNRESTRICTED and not visible_to(document.secrecy, clearance):
        raise _not_found(reg_no)
    return document


def _not_found(reg_no: str) -> NotFound:
    return NotFound(f"没有登记号为「{reg_no}」的文件", fix="Check the number with `wenshu log`.")


def resolve(engine: Engine, reg_no: str) -> str:
    """The 登记号 as the register spells it (any brackets typed); as typed when there is none."""
    with engine.connect() as connection:
        found = connection.scalar(select(Document.reg_no).where(Document.reg_no.in_(spellings(reg_no))))
    return found or reg_no


def spellings(reg_no: str) -> list[str]:
    return list(dict.fromkeys([reg_no, canonical_brackets(reg_no)]))


_BY_SHA256 = select(Document.reg_no).where(Document.sha256 == bindparam("sha256"))


def registered_as(database: Engine | Connection, sha256: str) -> str | None:
    """The registration number holding these bytes, if any (asked at least once per file)."""
    if isinstance(database, Engine):
        with database.connect() as connection:
            return registered_as(connection, sha256)
    return database.scalar(_BY_SHA256, {"sha256": sha256})


def visible_clause(column: ColumnElement, clearance: Clearance) -> ColumnElement[bool] | None:
    """SQL true exactly where ``core.vocab.visible_to(column, clearance)`` is; None when every
    value is visible (no restriction, or 绝密 clearance).

    ``visible_to`` strips the 密级 (Unicode whitespace) and compares it lower-cased with the
    not-secret words; SQL ``trim`` is given the same characters, and ``lower`` agrees with Python's
    on every character those words hold (``tests/registry/test_clearance.py`` compares the two
    over generated values). Any other word counts as 绝密, so it is simply never in the allowed set.
    """
    if clearance is UNRESTRICTED or visible_to(CLEARANCES[-1], clearance):  # the top sees every word
        return None
    trimmed = func.trim(column, WHITESPACE)
    allowed = [column.is_(None), func.lower(trimmed).in_(sorted(NOT_SECRET))]
    levels = [level for level in CLEARANCES if visible_to(level, clearance)]
    if levels:
        allowed.append(trimmed.in_(levels))
    return or_(*allowed)


def masked(document: Document) -> Document:
    """A copy of ``document`` for a register row a user may not read (an auditor's): its number,
    series, direction, registration time, clerk and status, so numbering shows no unexplained
    gap; the title and file name say 「（涉密文件）」 and everything else that could tell what it
    is (issuer, 发文字号, text, details, dates, routing, filing, the file's hash) is empty.

    The copy is a new, transient ``Document`` (no id, in no session): nothing can flush it over
    the real row, and templates read it like any other row. ``is_masked`` tells it apart."""
    return Document(id=None, reg_no=document.reg_no, series=document.series, year=document.year,
                    seq=document.seq, direction=document.direction, registered_at=document.registered_at,
                    actor=document.actor, status=document.status, secrecy=MASKED_SECRECY,
                    title=MASKED_TITLE, file_name=MASKED_TITLE, sha256=None, stored_path=None, format=None,
                    pages=None, text_method=None, text=None, doc_type=None, doc_number=None, issuer=None,
                    date=None, urgency=None, route=None, deadline=None, department=None, archive_code=None,
                    retention=None, void_reason=None, warnings=[], details={"masked": True})


def is_masked(document: Document) -> bool:
    """Whether ``document`` is a ``masked`` copy."""
    return document.id is None and document.details == {"masked": True} and document.title == MASKED_TITLE


# The log's 办理状态, 主办 and 办结日期: the record's own handling row (item 0), LEFT JOINed.
_HANDLING_COLUMNS = (HandlingRow.state, HandlingRow.lead, HandlingRow.lead_department, HandlingRow.closed_at)


@dataclass(frozen=True)
class Correction:
    """A record's newest ``corrected`` audit event, as the 登记簿's 最后更正 names it."""

    at: str            # ISO 8601 UTC, as the event stores it
    actor: str
    field: str | None  # the record's field (JSON name), as the event names it


def with_handling(query: Select) -> Select:
    """``query`` over ``Document`` with the columns of its handling row (None where it has none)."""
    return query.add_columns(*_HANDLING_COLUMNS).outerjoin(
        HandlingRow, and_(HandlingRow.reg_no == Document.reg_no, HandlingRow.item == 0))


# The newest ``corrected`` event of the row's record: one correlated lookup on the events'
# ``record`` index per row, inside the query that reads the rows (no query per row of an export).
_CORRECTED = aliased(AuditEvent, name="last_correction")
_NEWEST_CORRECTION = (select(func.max(AuditEvent.seq))
                      .where(AuditEvent.record == Document.reg_no, AuditEvent.action == Action.CORRECTED.value)
                      .correlate(Document).scalar_subquery())


def with_summary(query: Select) -> Select:
    """``with_handling``, and the columns of the record's newest correction (None where it has
    none): what ``_summed`` attaches for ``exports.record_json``."""
    return with_handling(query).add_columns(_CORRECTED.at, _CORRECTED.actor, _CORRECTED.details).outerjoin(
        _CORRECTED, _CORRECTED.seq == _NEWEST_CORRECTION)


def _summed(document: Document, state, lead, lead_department, closed_at,  # noqa: ANN001
            corrected_at, corrected_by, correction) -> Document:  # noqa: ANN001
    """The document with its handling's summary and its newest correction attached
    (``exports.record_json`` reads them)."""
    document.handling_summary = summary(document, state, lead, lead_department, closed_at)
    document.last_correction = None if corrected_at is None else Correction(
        corrected_at, corrected_by, json.loads(correction).get("field"))
    return document


def apply_filters(query: Select, settings: Settings, filters: LogFilter) -> Select:
    """``query`` (over ``Document``) narrowed to the log's filters."""
    zone = settings.zone
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, zone).astimezone(timezone.utc)
        query = query.where(Document.registered_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to, time.max, zone).astimezone(timezone.utc)
        query = query.where(Document.registered_at <= end)
    for column, value in ((Document.direction, filters.direction), (Document.doc_type, filters.doc_type),
                          (Document.route, filters.route)):
        if value:
            query = query.where(column == value)
    return query


def _visible(query: Select, clearance: Clearance, mask: bool) -> Select:
    """Rows a user with ``clearance`` may see; all of them when they are to be masked instead."""
    clause = None if mask else visible_clause(Document.secrecy, clearance)
    return query if clause is None else query.where(clause)


def _shown(document: Document, clearance: Clearance, mask: bool) -> Document:
    if mask and clearance is not UNRESTRICTED and not visible_to(document.secrecy, clearance):
        return masked(document)
    return document


def log(engine: Engine, settings: Settings, filters: LogFilter, batch: int = 1000, *,
        clearance: Clearance = UNRESTRICTED, mask: bool = False) -> Iterator[Document]:
    """Documents oldest first, streamed in batches so a year's log never sits in memory.

    ``clearance``: leave out the records above it, or with ``mask`` (an auditor's register)
    yield them as ``masked`` copies, so the numbers run on without a gap."""
    query = _visible(apply_filters(with_summary(select(Document)), settings, filters), clearance, mask)
    query = query.order_by(Document.registered_at, Document.id)
    with Session(engine) as session:
        for found in session.execute(query.execution_options(yield_per=batch)):
            yield _shown(_summed(*found), clearance, mask)


def count_log(engine: Engine, settings: Settings, filters: LogFilter, *, clearance: Clearance = UNRESTRICTED,
              mask: bool = False) -> int:
    """How many rows ``log`` gives with the same arguments."""
    query = _visible(apply_filters(select(func.count()).select_from(Document), settings, filters), clearance, mask)
    with engine.connect() as connection:
        return connection.scalar(query)


@dataclass(frozen=True)
class LogPage:
    rows: tuple[Document, ...]  # detached from any session (masked rows: transient copies)
    total: int                  # rows of the whole log with these filters, for the pager
    offset: int
    limit: int


def log_page(engine: Engine, settings: Settings, filters: LogFilter, *, clearance: Clearance, mask: bool = False,
             offset: int = 0, limit: int = 50, newest_first: bool = True) -> LogPage:
    """One page of the 登记簿 and the total, read in one transaction so the two agree.
    ``clearance`` has no default: the web must say whose page it is (``UNRESTRICTED`` for all)."""
    if not isinstance(offset, int) or offset < 0:
        raise InvalidValue(f"起始位置应是不小于 0 的整数，收到 {offset!r}", fix="Pass offset >= 0.")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidValue(f"每页条数应在 1 到 {MAX_PAGE} 之间，收到 {limit!r}", fix=f"Pass 1 <= limit <= {MAX_PAGE}.")
    order = ((Document.registered_at.desc(), Document.id.desc()) if newest_first
             else (Document.registered_at, Document.id))
    # The page's records first, then their handling and newest correction: summarising every
    # visible record to keep 50 of them cost the whole register (PostgreSQL sorted it on disk).
    page = _visible(apply_filters(select(Document.id), settings, filters), clearance, mask) \
        .order_by(*order).offset(offset).limit(limit)
    rows_query = with_summary(select(Document)).where(Document.id.in_(page.scalar_subquery()))
    total_query = _visible(apply_filters(select(func.count()).select_from(Document), settings, filters), clearance,
                           mask)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        total = session.scalar(total_query)
        rows = [_summed(*found) for found in session.execute(rows_query.order_by(*order))]
    # The session is closed: the rows are detached, nothing a caller does to them is flushed.
    return LogPage(rows=tuple(_shown(row, clearance, mask) for row in rows), total=total, offset=offset,
                   limit=limit)


def first_stored_path(engine: Engine, prefix: str) -> str | None:
    """The ``stored_path`` of the oldest record whose original is kept under ``prefix``."""
    with engine.connect() as connection:
        return connection.execute(select(Document.stored_path).where(Document.stored_path.startswith(prefix))
                                  .order_by(Document.id).limit(1)).scalar_one_or_none()


def number_gaps(engine: Engine) -> list[tuple[str, int, list[int]]]:
    """The numbers each series and year skipped (a 发文 registered under its printed number)."""
    with engine.connect() as connection:
        return gaps(connection)
