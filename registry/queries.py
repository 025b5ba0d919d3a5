"""Reading the registry: one record, and the registration log with its filters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from core.numbers import canonical_brackets
from core.settings import Settings
from core.vocab import DIRECTIONS, DOC_TYPE_VALUES, ROUTES
from registry.models import Document
from registry.numbering import gaps


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
        document = session.scalar(select(Document).where(Document.reg_no.in_(spellings(reg_no))))
    if document is None:
        raise NotFound(f"没有登记号为「{reg_no}」的文件", fix="Check the number with `wenshu log`.")
    return document


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


def log(engine: Engine, settings: Settings, filters: LogFilter, batch: int = 1000) -> Iterator[Document]:
    """Documents oldest first, streamed in batches so a year's log never sits in memory."""
    query = select(Document).order_by(Document.registered_at, Document.id)
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
    with Session(engine) as session:
        for document in session.scalars(query.execution_options(yield_per=batch)):
            yield document


def number_gaps(engine: Engine) -> list[tuple[str, int, list[int]]]:
    """The numbers each series and year skipped (a 发文 registered under its printed number)."""
    with engine.connect() as connection:
        return gaps(connection)
