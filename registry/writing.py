"""The one way to change the registry: a write transaction that holds the write lock from its
first statement, allocates numbers, and appends audit events before it commits.

Counters, the chain head and the audit rows are written with plain SQL statements on the
transaction's connection, and so is a new document; the ORM session loads and changes
existing documents. The ORM's unit of work (a flush per event, an evaluated bulk UPDATE per
number) had cost more than extracting the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case, insert, select, update
from sqlalchemy.orm import Session

from core.errors import Tampered
from registry import audit, guard, search_rows
from registry.auditkey import AuditKey
from registry.db import audit_key, writer
from registry.models import AuditEvent, ChainHead, Counter, Document


_DOCUMENT_COLUMNS = tuple(column.key for column in Document.__table__.columns if column.key != "id")

# Built once: building a statement costs five times what executing it does.
_LOCK_HEAD = select(ChainHead.last_seq, ChainHead.last_hash).where(ChainHead.id == 1).with_for_update()
_MOVE_HEAD = update(ChainHead).where(ChainHead.id == 1).values(
    last_seq=bindparam("seq"), last_hash=bindparam("hash"))
_NEXT_SEQ = (update(Counter)
             .where(Counter.series == bindparam("of_series"), Counter.year == bindparam("of_year"))
             .values(last_seq=Counter.last_seq + 1).returning(Counter.last_seq))
_FIRST_SEQ = insert(Counter).values(series=bindparam("of_series"), year=bindparam("of_year"), last_seq=1)
_RAISE_SEQ = (update(Counter)
              .where(Counter.series == bindparam("of_series"), Counter.year == bindparam("of_year"))
              .values(last_seq=case((Counter.last_seq < bindparam("seq"), bindparam("seq")),
                                    else_=Counter.last_seq)))
_TAKEN_FIRST = insert(Counter).values(series=bindparam("of_series"), year=bindparam("of_year"),
                                      last_seq=bindparam("seq"))
_INSERT_DOCUMENT = insert(Document)
_INSERT_EVENTS = insert(AuditEvent)


@dataclass
class WriteTransaction:
    session: Session
    head: audit.Head
    actor: str
    key: AuditKey
    events: list[dict[str, Any]] = field(default_factory=list)
    changed: dict[str, Document] = field(default_factory=dict)  # records whose search rows are due

    @property
    def connection(self) -> Connection:
        return self.session.connection()

    def next_number(self, series: str, year: int) -> int:
        """The next sequence of a series and year: gap-free because the transaction that takes
        it either commits the document using it or rolls back the counter with it."""
        key = {"of_series": series, "of_year": year}
        seq = self.connection.execute(_NEXT_SEQ, key).scalar_one_or_none()
        if seq is None:
            self.connection.execute(_FIRST_SEQ, key)
            seq = 1
        return seq

    def take_number(self, series: str, year: int, seq: int) -> None:
        """A number printed on a 发文 is used: the series goes on after it. The numbers it jumped
        over stay unused (``registry.numbering.gaps`` lists them)."""
        key = {"of_series": series, "of_year": year, "seq": seq}
        if self.connection.execute(_RAISE_SEQ, key).rowcount == 0:
            self.connection.execute(_TAKEN_FIRST, key)

    def insert(self, document: Document) -> None:
        """Write a new document, as it stands once numbered and filed, in one INSERT."""
        self.connection.execute(_INSERT_DOCUMENT, [{key: getattr(document, key) for key in _DOCUMENT_COLUMNS}])

    def record(self, action: audit.Action, record: str | None, details: dict[str, Any],
               document: Document | None = None) -> None:
        """Append an audit event; with ``document``, the event carries the row's new digest."""
        if document is not None:
            details = {**details, "digest": audit.record_digest(document)}
            self.changed[document.reg_no] = document
        self.events.append(audit.chain_event(self.head, self.key, actor=self.actor, action=action, record=record,
                                             details=details))

    def append_events(self) -> None:
        if self.events:
            self.connection.execute(_INSERT_EVENTS, self.events)
            self.connection.execute(_MOVE_HEAD, {"seq": self.head.last_seq, "hash": self.head.last_hash})


@contextmanager
def write_transaction(engine: Engine, actor: str, *, check_triggers: bool = True) -> Iterator[WriteTransaction]:
    """A write transaction on ``engine`` (as ``registry.db.connect`` made it, its audit key bound).
    Before anything is written it checks the registry was not changed behind wenshu's back
    (``guard``): with a trigger gone or the chain head off, it refuses (``Tampered``)."""
    key = _key_or_refuse(engine)
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        # First statement: the lock. SQLite already holds it (BEGIN IMMEDIATE); on PostgreSQL
        # the row lock queues every other writer behind this one.
        last_seq, last_hash = session.connection().execute(_LOCK_HEAD).one()
        guard.check_before_write(session.connection(), last_seq, last_hash, triggers=check_triggers)
        txn = WriteTransaction(session=session, head=audit.Head(last_seq, last_hash), actor=actor, key=key)
        yield txn
        if txn.changed and (builder := search_rows.builder_of(engine)) is not None:
            session.flush()
            search_rows.write_documents(txn.connection, builder, txn.changed.values())
        txn.append_events()


def check_writable(engine: Engine) -> None:
    """What every write checks first, checked once at the start of a long run (the watcher):
    ``Tampered`` when the registry would refuse to write."""
    _key_or_refuse(engine)
    with engine.connect() as connection:
        last_seq, last_hash = connection.execute(select(ChainHead.last_seq, ChainHead.last_hash)
                                                 .where(ChainHead.id == 1)).one()
        guard.check_before_write(connection, last_seq, last_hash)


def _key_or_refuse(engine: Engine) -> AuditKey:
    key = audit_key(engine)
    if key is None:
        raise Tampered("没有审计密钥，无法在审计日志上续写，拒绝写入。",
                       fix="Restore the key file ([audit] key_file) from its backup; for a registry begun "
                           "before audit keys, run `wenshu init` once to make one.")
    return key
