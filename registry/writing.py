"""The one way to change the registry: a write transaction that holds the write lock from its
first statement, allocates numbers, and appends audit events before it commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from registry import audit
from registry.db import writer
from registry.models import ChainHead, Counter, Document


@dataclass
class WriteTransaction:
    session: Session
    head: ChainHead
    actor: str

    def next_number(self, series: str, year: int) -> int:
        """The next sequence of a series and year: gap-free because the transaction that takes
        it either commits the document using it or rolls back the counter with it."""
        seq = self.session.execute(
            update(Counter).where(Counter.series == series, Counter.year == year)
            .values(last_seq=Counter.last_seq + 1).returning(Counter.last_seq)).scalar_one_or_none()
        if seq is None:
            self.session.execute(insert(Counter).values(series=series, year=year, last_seq=1))
            seq = 1
        return seq

    def record(self, action: audit.Action, record: str | None, details: dict[str, Any],
               document: Document | None = None) -> None:
        """Append an audit event; with ``document``, the event carries the row's new digest."""
        if document is not None:
            self.session.flush()
            details = {**details, "digest": audit.record_digest(document)}
        audit.append(self.session, self.head, actor=self.actor, action=action, record=record,
                     details=details)


@contextmanager
def write_transaction(engine: Engine, actor: str) -> Iterator[WriteTransaction]:
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        # First statement: the lock. SQLite already holds it (BEGIN IMMEDIATE); on PostgreSQL
        # the row lock queues every other writer behind this one.
        head = session.execute(select(ChainHead).where(ChainHead.id == 1).with_for_update()).scalar_one()
        yield WriteTransaction(session=session, head=head, actor=actor)
