"""The audit log: typed events, appended in the same transaction as the change they describe,
hash-chained so that altering, removing or inserting a row is detectable.

Each event's hash is SHA-256 over the canonical JSON array
``[seq, at, actor, action, record, details, prev_hash]`` (UTF-8, no spaces, ``details`` being
the canonical JSON text stored in the row). The first event's ``prev_hash`` is 64 zeros.
Every event about a document also carries ``digest``: a hash of the document row as it stands
after the change, so a document edited behind the registry's back no longer matches its chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import AuditEvent, ChainHead, Document

GENESIS_HASH = "0" * 64


class Action(StrEnum):
    REGISTERED = "registered"
    ROUTED = "routed"
    FILED = "filed"
    INDEXED = "indexed"
    CORRECTED = "corrected"
    VOIDED = "voided"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    EXPORTED = "exported"
    LINKED = "linked"
    DISCARDED = "discarded"


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def event_hash(seq: int, at: str, actor: str, action: str, record: str | None, details: str,
               prev_hash: str) -> str:
    payload = json.dumps([seq, at, actor, action, record, details, prev_hash],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


DIGESTED_FIELDS = (
    "reg_no", "series", "year", "seq", "direction", "actor", "file_name", "sha256", "stored_path",
    "format", "pages", "text_method", "doc_type", "doc_number", "issuer", "title", "date",
    "secrecy", "urgency", "route", "deadline", "department", "archive_code", "retention",
    "status", "void_reason", "warnings", "details",
)


def record_digest(document: Document) -> str:
    values = {name: getattr(document, name) for name in DIGESTED_FIELDS}
    values["registered_at"] = as_utc(document.registered_at).isoformat()
    values["text"] = hashlib.sha256((document.text or "").encode("utf-8")).hexdigest()
    return hashlib.sha256(canonical_json(values).encode("utf-8")).hexdigest()


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Head:
    """The chain's newest event, as a write transaction holds it (locked) while appending."""

    last_seq: int
    last_hash: str


def chain_event(head: Head, *, actor: str, action: Action, record: str | None, details: dict[str, Any],
                at: datetime | None = None) -> dict[str, Any]:
    """The next event as a row of ``audit_events``; ``head`` moves on to it. The caller holds
    the chain's lock and writes the row and the new head in the same transaction."""
    seq = head.last_seq + 1
    stamp = (at or utc_now()).astimezone(timezone.utc).isoformat(timespec="microseconds")
    encoded = canonical_json(details)
    digest = event_hash(seq, stamp, actor, action.value, record, encoded, head.last_hash)
    row = {"seq": seq, "at": stamp, "actor": actor, "action": action.value, "record": record,
           "details": encoded, "prev_hash": head.last_hash, "hash": digest}
    head.last_seq, head.last_hash = seq, digest
    return row


@dataclass(frozen=True)
class Break:
    seq: int | None  # the first event that does not verify (None: the problem is not one event)
    record: str | None
    problem: str


def verify(session: Session, batch: int = 5000) -> list[Break]:
    """Recompute the whole chain and cross-check it against the head and the documents.

    Returns the problems found, first break first; an empty list means the log is intact.
    """
    problems: list[Break] = []
    expected_prev, expected_seq = GENESIS_HASH, 1
    last_digest: dict[str, str] = {}
    registered: set[str] = set()
    for event in _events_in_order(session, batch):
        if event.seq != expected_seq:
            what = "missing" if event.seq > expected_seq else "duplicated or out of order"
            problems.append(Break(event.seq, event.record,
                                  f"expected event {expected_seq} here, found {event.seq}: events {what}"))
            break
        if event.prev_hash != expected_prev:
            problems.append(Break(event.seq, event.record,
                                  "prev_hash does not match the previous event: an event before it was "
                                  "removed, altered or inserted"))
            break
        recomputed = event_hash(event.seq, event.at, event.actor, event.action, event.record,
                                event.details, event.prev_hash)
        if recomputed != event.hash:
            problems.append(Break(event.seq, event.record, "content does not match its hash: the event was altered"))
            break
        if event.record:
            digest = json.loads(event.details).get("digest")
            if digest:
                last_digest[event.record] = digest
            if event.action == Action.REGISTERED:
                registered.add(event.record)
        expected_prev, expected_seq = event.hash, event.seq + 1
    if problems:
        return problems

    head = session.get(ChainHead, 1)
    if head is None or head.last_seq != expected_seq - 1 or head.last_hash != expected_prev:
        problems.append(Break(expected_seq - 1 or None, None,
                              f"the chain ends at event {expected_seq - 1} but the head records "
                              f"{head.last_seq if head else 'nothing'}: events were cut off the end"))
    for document in session.scalars(select(Document).order_by(Document.id)):
        if document.reg_no not in registered:
            problems.append(Break(None, document.reg_no, "no 'registered' event for this document"))
        elif last_digest.get(document.reg_no) != record_digest(document):
            problems.append(Break(None, document.reg_no,
                                  "the document no longer matches its last audit event: changed outside wenshu"))
    return problems


def _events_in_order(session: Session, batch: int) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > after)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


def event_to_json(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "at": event.at, "actor": event.actor, "action": event.action,
            "record": event.record, "details": json.loads(event.details),
            "prev_hash": event.prev_hash, "hash": event.hash}


def events(session: Session, record: str | None = None) -> Iterable[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if record:
        query = query.where(AuditEvent.record == record)
    return session.scalars(query)
