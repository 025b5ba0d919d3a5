"""What a record's page reads beside the record itself, and the one event looking at a record
writes: its history (the audit events about it), the records it is linked with, and the
``viewed`` event of a 涉密 original opened or downloaded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from core.vocab import visible_to
from registry.audit import Action
from registry.models import AuditEvent, Document
from registry.writing import write_transaction

# How a linked record relates to the one shown, in the order a page lists them.
ANSWERS, ANSWERED_BY, CITES, SAME_NUMBER = "answers", "answered_by", "cites", "same_number"
RELATIONS = (ANSWERED_BY, ANSWERS, CITES, SAME_NUMBER)

_HISTORY = (select(AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.details)
            .order_by(AuditEvent.seq))


@dataclass(frozen=True)
class Event:
    """One audit event about a record, as its history shows it (the chain's hashes left out)."""

    seq: int
    at: str          # ISO 8601 UTC, as hashed
    actor: str
    action: str
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action, "details": self.details}


@dataclass(frozen=True)
class Linked:
    """A record the shown one answers, is answered by, cites or shares its 发文字号 with."""

    relation: str
    reg_no: str
    title: str | None
    doc_number: str | None
    doc_type: str | None
    date: date | None
    status: str

    def to_json(self) -> dict[str, Any]:
        return {"relation": self.relation, "reg_no": self.reg_no, "title": self.title,
                "doc_number": self.doc_number, "doc_type": self.doc_type,
                "date": self.date.isoformat() if self.date else None, "status": self.status}


def history(engine: Engine, reg_no: str) -> list[Event]:
    """Every audit event about the record with this 登记号 (as the register spells it), oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(_HISTORY.where(AuditEvent.record == reg_no)).all()
    return [Event(seq, at, actor, action, json.loads(details)) for seq, at, actor, action, details in rows]


def linked(engine: Engine, document: Document, clearance: str | None) -> list[Linked]:
    """The records ``document`` is linked with that a user of this clearance may see: the 请示
    or 函 a 批复 answers and the reply that answered ours (``filing.link_replies``), the
    registered 公文 whose numbers it cites, and other records printed with its 发文字号 (a
    duplicate registered anew, a misprinted or reused number)."""
    details = document.details or {}
    by_reg_no: dict[str, str] = {}
    for reg_no in details.get("answers") or ():
        by_reg_no.setdefault(reg_no, ANSWERS)
    if details.get("answered_by"):
        by_reg_no.setdefault(details["answered_by"], ANSWERED_BY)
    cited = [number for number in details.get("references") or () if number and number != document.doc_number]
    conditions = []
    if by_reg_no:
        conditions.append(Document.reg_no.in_(by_reg_no))
    if cited:
        conditions.append(Document.doc_number.in_(cited))
    if document.doc_number:
        conditions.append(Document.doc_number == document.doc_number)
    if not conditions:
        return []
    columns = (Document.reg_no, Document.title, Document.doc_number, Document.doc_type, Document.date,
               Document.status, Document.secrecy)
    with Session(engine) as session:
        rows = session.execute(select(*columns).where(or_(*conditions), Document.id != document.id)
                               .order_by(Document.registered_at, Document.id)).all()
    found = []
    for reg_no, title, doc_number, doc_type, day, status, secrecy in rows:
        if not visible_to(secrecy, clearance):
            continue
        relation = by_reg_no.get(reg_no) or (CITES if doc_number in cited else SAME_NUMBER)
        found.append(Linked(relation, reg_no, title, doc_number, doc_type, day, status))
    return sorted(found, key=lambda item: RELATIONS.index(item.relation))


def record_viewed(engine: Engine, reg_no: str, actor: str, details: dict[str, Any]) -> None:
    """Record that ``actor`` opened or downloaded the original of a 涉密 record."""
    with write_transaction(engine, actor) as txn:
        txn.record(Action.VIEWED, reg_no, details)
