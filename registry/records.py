"""Registering, voiding and recording what happened to a file: every change is one transaction
with its audit events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from pipeline.errors import InvalidValue, NotFound
from pipeline.settings import Settings
from registry import audit
from registry.audit import Action
from registry.models import Document
from registry.writing import WriteTransaction, write_transaction

STATUS_REGISTERED = "已登记"
STATUS_VOID = "已作废"

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
             now: datetime | None = None) -> Registration:
    """Register one document, or recognise it as a duplicate of a registered one."""
    series_name = _series_for(settings, intake)
    unknown = set(intake.fields) - set(UNDERSTOOD_FIELDS)
    if unknown:
        raise ValueError(f"not registry fields: {sorted(unknown)}")
    with write_transaction(engine, actor) as txn:
        existing = _note_duplicate(txn, intake.sha256, intake.file_name)
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
            status=STATUS_REGISTERED, details=dict(intake.details), **dict(intake.fields))
        txn.session.add(document)
        txn.record(Action.REGISTERED, reg_no,
                   {"series": series_name, "year": year, "seq": seq, "file_name": intake.file_name,
                    "sha256": intake.sha256}, document=document)
        return Registration(reg_no=reg_no)


def record_duplicate(engine: Engine, *, sha256: str, file_name: str, actor: str) -> str | None:
    """Record that a file arrived again; returns the registration it duplicates (None: it does not)."""
    with write_transaction(engine, actor) as txn:
        return _note_duplicate(txn, sha256, file_name)


def _note_duplicate(txn: WriteTransaction, sha256: str, file_name: str) -> str | None:
    existing = txn.session.scalar(select(Document.reg_no).where(Document.sha256 == sha256))
    if existing:
        txn.record(Action.DUPLICATE, existing, {"file_name": file_name, "sha256": sha256})
    return existing


def void(engine: Engine, reg_no: str, reason: str, actor: str) -> None:
    """Void a record. It keeps its number for ever; the reason is recorded."""
    if not reason.strip():
        raise InvalidValue("作废必须说明理由", fix="Give the reason, e.g. wenshu void REG_NO '重复扫描'.")
    with write_transaction(engine, actor) as txn:
        document = _get_for_update(txn.session, reg_no)
        if document.status == STATUS_VOID:
            raise InvalidValue(f"{reg_no} 已作废", fix="Nothing to do.")
        document.status, document.void_reason = STATUS_VOID, reason
        txn.record(Action.VOIDED, reg_no, {"reason": reason}, document=document)


def record_quarantine(engine: Engine, *, file_name: str, sha256: str | None, kind: str, reason: str,
                      cause: str | None, quarantined_to: str, actor: str) -> None:
    with write_transaction(engine, actor) as txn:
        txn.record(Action.QUARANTINED, None,
                   {"file_name": file_name, "sha256": sha256, "kind": kind, "reason": reason,
                    "cause": cause, "quarantined_to": quarantined_to})


def record_export(engine: Engine, *, what: str, filters: Mapping[str, Any], count: int, actor: str) -> None:
    with write_transaction(engine, actor) as txn:
        txn.record(Action.EXPORTED, None, {"what": what, "filters": dict(filters), "count": count})


def _get_for_update(session, reg_no: str) -> Document:  # noqa: ANN001
    document = session.scalar(select(Document).where(Document.reg_no == reg_no))
    if document is None:
        raise NotFound(f"没有登记号为「{reg_no}」的文件", fix="Check the number with `wenshu log`.")
    return document
