"""Registering, voiding and recording what happened to a file: every change is one transaction
with its audit events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from core.errors import InvalidValue, NotFound
from core.settings import Settings
from core.vocab import DOC_TYPE_VALUES, ROUTES, SECRECY_LEVELS, URGENCIES, ClaimState, RecordStatus
from registry import audit, filing, ledger, queries
from registry.audit import Action
from registry.ledger import Closing
from registry.models import Document
from registry.writing import WriteTransaction, write_transaction

# 公文 fields that understanding fills and a clerk may correct, as stored on Document.
UNDERSTOOD_FIELDS = ("doc_type", "doc_number", "issuer", "title", "date", "secrecy", "urgency",
                     "route", "deadline", "department", "archive_code", "retention")


@dataclass(frozen=True)
class Intake:
    """Everything the pipeline learnt about one file, handed to the registry to record."""

    direction: str
    file_name: str
    sha256: str
    stored_path: str
    format: str | None = None
    pages: int | None = None
    text_method: str | None = None
    text: str | None = None
    warnings: tuple[str, ...] = ()
    series: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)  # subset of UNDERSTOOD_FIELDS
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Registration:
    reg_no: str
    duplicate_of: str | None = None  # set when the file was already registered (then reg_no is that one)

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


def _series_for(settings: Settings, intake: Intake) -> str:
    numbering = settings.numbering
    name = intake.series or (numbering.default_incoming if intake.direction == "收文"
                             else numbering.default_outgoing)
    series = numbering.series.get(name)
    if series is None:
        raise InvalidValue(f"编号序列「{name}」未配置", fix="Use one of: " + ", ".join(numbering.series))
    if series.direction != intake.direction:
        raise InvalidValue(f"编号序列「{name}」属于{series.direction}，不能用于{intake.direction}",
                           fix="Choose a series of the same direction.")
    return name


def register(engine: Engine, settings: Settings, intake: Intake, actor: str,
             now: datetime | None = None, *, claim: int | None = None) -> Registration:
    """Register one document, or recognise it as a duplicate of a registered one. ``claim``:
    the intake ledger row of the file, closed with the outcome in the same transaction."""
    series_name = _series_for(settings, intake)
    unknown = set(intake.fields) - set(UNDERSTOOD_FIELDS)
    if unknown:
        raise ValueError(f"not registry fields: {sorted(unknown)}")
    with write_transaction(engine, actor) as txn:
        existing = _note_duplicate(txn, intake.sha256, intake.file_name, claim)
        if existing:
            return Registration(reg_no=existing, duplicate_of=existing)

        moment = now or audit.utc_now()
        year = moment.astimezone(settings.zone).year
        seq = txn.next_number(series_name, year)
        reg_no = settings.numbering.series[series_name].format.format(year=year, seq=seq)
        document = Document(
            reg_no=reg_no, series=series_name, year=year, seq=seq, direction=intake.direction,
            registered_at=moment, actor=actor, file_name=intake.file_name, sha256=intake.sha256,
            stored_path=intake.stored_path, format=intake.format, pages=intake.pages,
            text_method=intake.text_method, text=intake.text, warnings=list(intake.warnings),
            status=RecordStatus.REGISTERED, details=dict(intake.details), **dict(intake.fields))
        txn.record(Action.REGISTERED, reg_no,
                   {"series": series_name, "year": year, "seq": seq, "file_name": intake.file_name,
                    "sha256": intake.sha256}, document=document)
        if document.route:
            txn.record(Action.ROUTED, reg_no, {"route": document.route, "department": document.department,
                                               "deadline": document.deadline,
                                               "why": document.details.get("why_route", [])},
                       document=document)
        filing.file_document(txn, settings, document)
        filing.link_replies(txn, document)
        txn.insert(document)
        _close_claim(txn, claim, Closing(ClaimState.DONE, reg_no=reg_no))
        return Registration(reg_no=reg_no)


def record_duplicate(engine: Engine, *, sha256: str, file_name: str, actor: str,
                     claim: int | None = None) -> str | None:
    """Record that a file arrived again; returns the registration it duplicates (None: it does
    not). ``claim``: its intake ledger row, closed as a duplicate in the same transaction."""
    with write_transaction(engine, actor) as txn:
        return _note_duplicate(txn, sha256, file_name, claim)


def _note_duplicate(txn: WriteTransaction, sha256: str, file_name: str, claim: int | None) -> str | None:
    existing = queries.registered_as(txn.connection, sha256)
    if existing:
        txn.record(Action.DUPLICATE, existing, {"file_name": file_name, "sha256": sha256})
        _close_claim(txn, claim, Closing(ClaimState.DUPLICATE, reg_no=existing))
    return existing


def _close_claim(txn: WriteTransaction, claim: int | None, closing: Closing) -> None:
    if claim is not None:
        ledger.close(txn.session, claim, closing)


def void(engine: Engine, reg_no: str, reason: str, actor: str) -> None:
    """Void a record. It keeps its number for ever; the reason is recorded."""
    if not reason.strip():
        raise InvalidValue("作废必须说明理由", fix="Give the reason, e.g. wenshu void REG_NO '重复扫描'.")
    with write_transaction(engine, actor) as txn:
        document = _get_for_update(txn.session, reg_no)
        if document.status == RecordStatus.VOID:
            raise InvalidValue(f"{reg_no} 已作废", fix="Nothing to do.")
        document.status, document.void_reason = RecordStatus.VOID, reason
        txn.record(Action.VOIDED, reg_no, {"reason": reason}, document=document)


CHOICES = {
    "doc_type": DOC_TYPE_VALUES,
    "secrecy": SECRECY_LEVELS,
    "urgency": URGENCIES,
    "route": ROUTES,
    "retention": tuple(filing.RETENTION_CODES),
}
CORRECTABLE = tuple(name for name in UNDERSTOOD_FIELDS if name != "archive_code")
REFILE_ON = ("retention", "department", "date")
CLEARABLE = ("doc_number", "date", "secrecy", "urgency", "deadline")


def parse_value(field_name: str, raw: str) -> Any:
    """A clerk's typed value for a field, checked; the empty string clears an optional field."""
    if field_name not in CORRECTABLE:
        raise InvalidValue(f"字段「{field_name}」不能更正", fix="Correctable fields: " + ", ".join(CORRECTABLE))
    raw = raw.strip()
    if not raw:
        if field_name in CLEARABLE:
            return None
        raise InvalidValue(f"字段「{field_name}」不能为空", fix="Give a value.")
    if field_name in ("date", "deadline"):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise InvalidValue(f"日期「{raw}」无法识别", fix="Write it as YYYY-MM-DD.") from None
    choices = CHOICES.get(field_name)
    if choices and raw not in choices:
        raise InvalidValue(f"「{raw}」不是有效的{field_name}", fix="One of: " + "、".join(choices))
    return raw


def correct(engine: Engine, settings: Settings, reg_no: str, field_name: str, raw_value: str, actor: str,
            *, department_code: str | None = None) -> Document:
    """Correct one field: the old value stays in the audit log; a change that moves the record
    to another archive category re-files it (a new 档号, the old one named in the event)."""
    value = parse_value(field_name, raw_value)
    with write_transaction(engine, actor) as txn:
        document = _get_for_update(txn.session, reg_no)
        old = getattr(document, field_name)
        if old == value:
            raise InvalidValue(f"{reg_no} 的 {field_name} 已经是「{raw_value}」", fix="Nothing to change.")
        setattr(document, field_name, value)
        if field_name == "department" and department_code:
            document.details = {**document.details, "department_code": department_code}
        txn.record(Action.CORRECTED, reg_no, {"field": field_name, "old": old, "new": value},
                   document=document)
        if field_name in REFILE_ON and document.archive_code:
            filing.file_document(txn, settings, document)
        return document


def record_quarantine(engine: Engine, *, file_name: str, sha256: str | None, kind: str, reason: str,
                      cause: str | None, quarantined_to: str, actor: str, claim: int | None = None) -> None:
    """Record that a file goes to ``quarantined_to``. ``claim``: its intake ledger row, closed
    as quarantined (with where the file goes) in the same transaction."""
    with write_transaction(engine, actor) as txn:
        txn.record(Action.QUARANTINED, None,
                   {"file_name": file_name, "sha256": sha256, "kind": kind, "reason": reason,
                    "cause": cause, "quarantined_to": quarantined_to})
        _close_claim(txn, claim, Closing(ClaimState.QUARANTINED, kind=kind, reason=reason, cause=cause,
                                         placed_to=quarantined_to))


def record_indexed(engine: Engine, versions: Mapping[str, str], actor: str) -> None:
    """One transaction for a whole index commit: reg_no -> the version that went in."""
    with write_transaction(engine, actor) as txn:
        for reg_no, version in versions.items():
            txn.record(Action.INDEXED, reg_no, {"version": version})


def record_export(engine: Engine, *, what: str, filters: Mapping[str, Any], count: int, actor: str) -> None:
    with write_transaction(engine, actor) as txn:
        txn.record(Action.EXPORTED, None, {"what": what, "filters": dict(filters), "count": count})


def _get_for_update(session, reg_no: str) -> Document:  # noqa: ANN001
    document = session.scalar(select(Document).where(Document.reg_no == reg_no))
    if document is None:
        raise NotFound(f"没有登记号为「{reg_no}」的文件", fix="Check the number with `wenshu log`.")
    return document
