"""The audit log: typed events, appended in the same transaction as the change they describe,
chained so that altering, removing or inserting a row is detectable (``registry/verify.py``).

Each event's hash is taken over the canonical JSON array
``[seq, at, actor, action, record, details, prev_hash]`` (UTF-8, no spaces, ``details`` being
the canonical JSON text stored in the row): HMAC-SHA256 under the audit key from the key's
first event on (``registry/auditkey.py``), plain SHA-256 before it (a registry begun before
keys). The first event's ``prev_hash`` is 64 zeros. Every event about a document also carries
``digest``: a hash of the document row as it stands after the change, so a document edited
behind the registry's back no longer matches its chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auditkey import AuditKey
from registry.models import AuditEvent, Document

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
    KEYED = "keyed"                          # the audit key made; the first event it seals
    TRIGGERS_REPAIRED = "triggers_repaired"
    USER_ADDED = "user_added"
    PASSWORD_CHANGED = "password_changed"
    USER_DISABLED = "user_disabled"
    TOKEN_ISSUED = "token_issued"
    USER_CHANGED = "user_changed"            # roles, clearance or display name; re-enabled
    LOGGED_IN = "logged_in"
    LOGGED_OUT = "logged_out"
    LOGIN_FAILED = "login_failed"
    VIEWED = "viewed"                        # a 涉密 record's original opened or downloaded
    UPLOADED = "uploaded"                    # a file put into the inbox from the web page
    HANDLED = "handled"                      # a 办理 step (拟办, 批示, 办结, 传阅, 催办 …; docs/handling.md)
    SUPERVISION_CONFIRMED = "supervised"     # 督办 items confirmed from a 纪要's 议定事项
    CLASSIFIED = "classified"                # 年度, 保管期限 and 机构(问题) decided or changed (no 件号)
    REVIEWED = "reviewed"                    # a clerk checked the record's 初审 warnings before filing
    ARCHIVED = "archived"                    # filed: 件号 and final 档号 (docs/archive.md)
    ARCHIVE_CORRECTED = "archive_corrected"  # 档案更正 of a filed record, with the reason


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def event_hash(seq: int, at: str, actor: str, action: str, record: str | None, details: str,
               prev_hash: str, key: AuditKey | None = None) -> str:
    """SHA-256 of the event's canonical array; from the key's ``keyed_from`` on, HMAC-SHA256
    under the audit key, which whoever can only write the database does not have."""
    payload = json.dumps([seq, at, actor, action, record, details, prev_hash],
                         ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key is not None and seq >= key.keyed_from:
        return key.seal(payload)
    return hashlib.sha256(payload).hexdigest()


DIGESTED_FIELDS = (
    "reg_no", "series", "year", "seq", "direction", "actor", "file_name", "sha256", "stored_path",
    "format", "pages", "text_method", "doc_type", "doc_number", "issuer", "title", "date",
    "secrecy", "urgency", "route", "deadline", "department", "archive_code", "retention",
    "status", "void_reason", "warnings", "details",
)
# Columns added after records were first sealed: they enter the digest only once set, so the
# digests of events written before them still match the rows they describe.
LATER_DIGESTED_FIELDS = ("item_no", "filed_at")


def record_digest(document: Document) -> str:
    values = {name: getattr(document, name) for name in DIGESTED_FIELDS}
    values["registered_at"] = as_utc(document.registered_at).isoformat()
    for name in LATER_DIGESTED_FIELDS:
        if (value := getattr(document, name)) is not None:
            values[name] = as_utc(value).isoformat() if isinstance(value, datetime) else value
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


def chain_event(head: Head, key: AuditKey | None, *, actor: str, action: Action, record: str | None,
                details: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """The next event as a row of ``audit_events``; ``head`` moves on to it. The caller holds
    the chain's lock and writes the row and the new head in the same transaction."""
    seq = head.last_seq + 1
    stamp = (at or utc_now()).astimezone(timezone.utc).isoformat(timespec="microseconds")
    encoded = canonical_json(details)
    digest = event_hash(seq, stamp, actor, action.value, record, encoded, head.last_hash, key)
    row = {"seq": seq, "at": stamp, "actor": actor, "action": action.value, "record": record,
           "details": encoded, "prev_hash": head.last_hash, "hash": digest}
    head.last_seq, head.last_hash = seq, digest
    return row


def event_to_json(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "at": event.at, "actor": event.actor, "action": event.action,
            "record": event.record, "details": json.loads(event.details),
            "prev_hash": event.prev_hash, "hash": event.hash}


def events(session: Session, record: str | None = None) -> Iterable[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if record:
        query = query.where(AuditEvent.record == record)
    return session.scalars(query)


def newest_digest(session: Session, record: str) -> str | None:
    """The digest the newest event about ``record`` gave its row."""
    for details in session.scalars(select(AuditEvent.details).where(AuditEvent.record == record)
                                   .order_by(AuditEvent.seq.desc())):
        digest = json.loads(details).get("digest")
        if digest:
            return digest
    return None


def matches_chain(session: Session, document: Document) -> bool:
    """Whether the row is as its newest audit event left it (not edited behind wenshu's back)."""
    return newest_digest(session, document.reg_no) == record_digest(document)
