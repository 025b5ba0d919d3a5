"""Registering, and recording what happened to a file: every change is one transaction with its
audit events. (Corrections and voiding are in ``corrections.py``.)"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import INCOMING, OUTGOING, ClaimState, RecordStatus
from registry import audit, filing, handling_close, identity, ledger, numbering, queries
from registry.audit import Action
from registry.identity import SAME_DOCUMENT, SAME_FILE
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
    number_draft: str | None = None  # a draft's printed number with a blank sequence: 化学院函〔2026〕
    as_new: str | None = None  # the clerk's reason to register a same_document duplicate anew
    origin: Mapping[str, Any] | None = None  # where a retried file came from (quarantine, earlier SHA-256)


@dataclass(frozen=True)
class Registration:
    reg_no: str
    duplicate_of: str | None = None  # set when the file was already registered (then reg_no is that one)
    duplicate_kind: str | None = None  # same_file (the bytes) | same_document (机关 + 文号)
    allocated: bool = False  # a 发文 number issued now, for the clerk to write on the paper

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


@dataclass(frozen=True)
class _Number:
    series: str
    year: int
    seq: int
    reg_no: str
    issued_now: bool = False  # taken from the series now (not printed on the document)
    printed: bool = False     # the 发文字号 printed on the document (the series may jump to it)


def register(engine: Engine, settings: Settings, intake: Intake, actor: str,
             now: datetime | None = None, *, claim: int | None = None) -> Registration:
    """Register one document, or recognise it as a file or a 公文 already registered. ``claim``:
    the intake ledger row of the file, closed with the outcome in the same transaction. A 发文
    whose printed number is taken raises ``NumberTaken``."""
    unknown = set(intake.fields) - set(UNDERSTOOD_FIELDS)
    if unknown:
        raise ValueError(f"not registry fields: {sorted(unknown)}")
    with write_transaction(engine, actor) as txn:
        existing = _note_duplicate(txn, intake.sha256, intake.file_name, claim)
        if existing:
            return Registration(reg_no=existing, duplicate_of=existing, duplicate_kind=SAME_FILE)
        warnings = list(intake.warnings)
        match = None if intake.as_new else identity.find(
            txn.connection, issuer=intake.fields.get("issuer"), doc_number=intake.fields.get("doc_number"),
            title=intake.fields.get("title"))
        if match is not None and match.same:
            _note_same_document(txn, match.reg_no, intake, claim)
            return Registration(reg_no=match.reg_no, duplicate_of=match.reg_no, duplicate_kind=SAME_DOCUMENT)
        if match is not None:
            warnings.append(match.warning(intake.fields["doc_number"]))
        moment = audit.as_utc(now) if now else audit.utc_now()  # stored as UTC: SQLite keeps no zone
        number = _number(txn, settings, intake, moment)
        document = _new_document(intake, number, moment, actor, warnings)
        txn.record(Action.REGISTERED, number.reg_no, _registered_details(intake, number), document=document)
        if document.route:
            txn.record(Action.ROUTED, number.reg_no, {"route": document.route, "department": document.department,
                                                      "deadline": document.deadline,
                                                      "why": document.details.get("why_route", [])},
                       document=document)
        filing.record_classification(txn, settings, document)
        filing.link_replies(txn, document)
        handling_close.close_answered(txn, document)  # the 请示 or 函 it answers is 办结 (docs/handling.md)
        txn.insert(document)
        _close_claim(txn, claim, Closing(ClaimState.DONE, reg_no=number.reg_no))
        return Registration(reg_no=number.reg_no, allocated=bool(document.details.get("number_allocated")))


def _number(txn: WriteTransaction, settings: Settings, intake: Intake, moment: datetime) -> _Number:
    """A 发文 keeps the number printed on it; anything else takes the next of its series."""
    if intake.direction == OUTGOING and intake.series is None:
        printed = numbering.printed_number(settings, OUTGOING, intake.fields.get("doc_number"))
        if printed is not None:
            numbering.check_free(txn.connection, printed)
            txn.take_number(printed.series, printed.year, printed.seq)
            return _Number(printed.series, printed.year, printed.seq, printed.number, printed=True)
    series_name = _series_for(settings, intake)
    year = moment.astimezone(settings.zone).year
    seq = txn.next_number(series_name, year)
    reg_no = settings.numbering.series[series_name].number(year, seq, settings.office.code)
    return _Number(series_name, year, seq, reg_no, issued_now=intake.direction == OUTGOING)


def _new_document(intake: Intake, number: _Number, moment: datetime, actor: str, warnings: list[str]) -> Document:
    fields = dict(intake.fields)
    details = dict(intake.details)
    if number.issued_now:
        printed = fields.get("doc_number")
        if printed:  # the paper's number stays what the register says it is
            warnings.append(f"发文字号 {printed} 不属于任何已配置的发文编号序列，另按 {number.reg_no} 登记。")
        else:
            fields["doc_number"] = number.reg_no  # the number the clerk writes on the paper
            details["number_allocated"] = True
    if intake.as_new:
        details["as_new"] = intake.as_new
    if intake.origin:
        details["origin"] = dict(intake.origin)
    return Document(
        reg_no=number.reg_no, series=number.series, year=number.year, seq=number.seq, direction=intake.direction,
        registered_at=moment, actor=actor, file_name=intake.file_name, sha256=intake.sha256,
        stored_path=intake.stored_path, format=intake.format, pages=intake.pages,
        text_method=intake.text_method, text=intake.text, warnings=warnings,
        status=RecordStatus.REGISTERED, details=details, **fields)


def _registered_details(intake: Intake, number: _Number) -> dict[str, Any]:
    details: dict[str, Any] = {"series": number.series, "year": number.year, "seq": number.seq,
                               "file_name": intake.file_name, "sha256": intake.sha256}
    if number.issued_now:
        details["allocated"] = True
    if number.printed:
        details["printed"] = True   # `audit verify` replays the counters: this number may jump ahead
    if intake.as_new:
        details["as_new"] = intake.as_new
    if intake.origin:
        details["origin"] = dict(intake.origin)
    return details


def _series_for(settings: Settings, intake: Intake) -> str:
    numbering_settings = settings.numbering
    if intake.series:
        name = intake.series
    elif intake.direction == INCOMING:
        name = numbering_settings.default_incoming
    else:
        name = numbering.draft_series(settings, intake.number_draft, intake.fields.get("doc_type")) \
            or numbering_settings.default_outgoing
    series = numbering_settings.series.get(name)
    if series is None:
        raise InvalidValue(f"编号序列「{name}」未配置", fix="Use one of: " + ", ".join(numbering_settings.series))
    if series.direction != intake.direction:
        raise InvalidValue(f"编号序列「{name}」属于{series.direction}，不能用于{intake.direction}",
                           fix="Choose a series of the same direction.")
    return name


def record_duplicate(engine: Engine, *, sha256: str, file_name: str, actor: str,
                     claim: int | None = None) -> str | None:
    """Record that a file arrived again; returns the registration it duplicates (None: it does
    not). ``claim``: its intake ledger row, closed as a duplicate in the same transaction."""
    with write_transaction(engine, actor) as txn:
        return _note_duplicate(txn, sha256, file_name, claim)


def _note_duplicate(txn: WriteTransaction, sha256: str, file_name: str, claim: int | None) -> str | None:
    existing = queries.registered_as(txn.connection, sha256)
    if existing:
        txn.record(Action.DUPLICATE, existing, {"file_name": file_name, "sha256": sha256, "kind": SAME_FILE})
        _close_claim(txn, claim, Closing(ClaimState.DUPLICATE, reg_no=existing, kind=SAME_FILE))
    return existing


def _note_same_document(txn: WriteTransaction, reg_no: str, intake: Intake, claim: int | None) -> None:
    txn.record(Action.DUPLICATE, reg_no, {"file_name": intake.file_name, "sha256": intake.sha256,
                                          "kind": SAME_DOCUMENT})
    _close_claim(txn, claim, Closing(ClaimState.DUPLICATE, reg_no=reg_no, kind=SAME_DOCUMENT))


def _close_claim(txn: WriteTransaction, claim: int | None, closing: Closing) -> None:
    if claim is not None:
        ledger.close(txn.session, claim, closing)


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


def record_discard(engine: Engine, *, file_name: str, sha256: str, quarantined_to: str, reason: str,
                   actor: str) -> None:
    """Record that a quarantined file is removed for good (unfixable), with the clerk's reason."""
    if not reason.strip():
        raise InvalidValue("删除隔离文件必须说明理由", fix='Give it with --reason "…".')
    with write_transaction(engine, actor) as txn:
        txn.record(Action.DISCARDED, None, {"file_name": file_name, "sha256": sha256,
                                            "quarantined_to": quarantined_to, "reason": reason.strip()})


def record_upload(engine: Engine, *, file_name: str, sha256: str, direction: str, actor: str,
                  placed_as: str | None = None, size: int | None = None) -> None:
    """Record that a user put a file into the inbox (收文) or outbox (发文) from the web page:
    who brought it, before the watcher registers it as 系统. ``placed_as``: where it was put
    (data-dir relative)."""
    with write_transaction(engine, actor) as txn:
        txn.record(Action.UPLOADED, None, {"file_name": file_name, "sha256": sha256, "direction": direction,
                                           "placed_as": placed_as, "size": size})


def record_indexed(engine: Engine, versions: Mapping[str, str], actor: str) -> None:
    """One transaction for a whole index commit: reg_no -> the version that went in."""
    with write_transaction(engine, actor) as txn:
        for reg_no, version in versions.items():
            txn.record(Action.INDEXED, reg_no, {"version": version})


def record_export(engine: Engine, *, what: str, filters: Mapping[str, Any], count: int, actor: str,
                  destination: str) -> None:
    """An export of the register, with where it went (a file's full path, or stdout)."""
    with write_transaction(engine, actor) as txn:
        txn.record(Action.EXPORTED, None, {"what": what, "filters": dict(filters), "count": count,
                                           "destination": destination})
