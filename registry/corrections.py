"""Correcting and voiding a record: the clerk's changes, each with its reason in the audit log.

A clerk names a field as the register shows it (标题, 发文机关, 保管期限 …) or by its JSON name,
and types the value as it is displayed (定期30年); the old value stays in the audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from core.errors import ArchivedRecord, InvalidValue, NotFound, Tampered
from core.settings import Settings
from core.vocab import DOC_TYPE_VALUES, ROUTES, SECRECY_LEVELS, URGENCIES, RecordStatus, is_secret
from registry import audit, filing, queries
from registry.audit import Action
from registry.exports import FIELDS
from registry.models import Document
from registry.records import UNDERSTOOD_FIELDS
from registry.writing import write_transaction

CHOICES = {
    "doc_type": DOC_TYPE_VALUES,
    "secrecy": SECRECY_LEVELS,
    "urgency": URGENCIES,
    "route": ROUTES,
    "retention": tuple(filing.RETENTION_CODES),
}
PLAUSIBLE_YEARS = (1900, 2100)  # a 成文日期 or deadline outside these is a typing slip
CORRECTABLE = tuple(name for name in UNDERSTOOD_FIELDS if name != "archive_code")
CLEARABLE = ("doc_number", "date", "secrecy", "urgency", "deadline")
# The names a clerk sees: the 登记簿's column headings, and what offices also call them.
FIELD_NAMES = {**{heading: name for name, heading in FIELDS if name in CORRECTABLE},
               "文号": "doc_number", "题名": "title", "日期": "date", "阅件办件": "route", "阅办类型": "route",
               "时限": "deadline", "部门": "department", "期限": "retention"}
# Values as they are displayed or written on forms.
DISPLAYED = {"retention": {"定期30年": "30年", "定期10年": "10年", "Y": "永久", "D30": "30年", "D10": "10年"}}


def heading(field_name: str) -> str:
    """The 登记簿 heading of a field (标题 for title)."""
    return dict(FIELDS).get(field_name, field_name)


def field_named(name: str) -> str:
    """The JSON name of a field a clerk named in Chinese or by its JSON name."""
    field_name = FIELD_NAMES.get(name.strip(), name.strip())
    if field_name not in CORRECTABLE:
        shown = "、".join(dict.fromkeys(heading for heading, value in FIELD_NAMES.items() if value in CORRECTABLE))
        raise InvalidValue(f"字段「{name}」不能更正", fix=f"Correctable fields: {shown} (or {', '.join(CORRECTABLE)})")
    return field_name


def parse_value(field_name: str, raw: str) -> Any:
    """A clerk's typed value for a field, checked; the empty string clears an optional field."""
    raw = DISPLAYED.get(field_name, {}).get(raw.strip(), raw.strip())
    if not raw:
        if field_name in CLEARABLE:
            return None
        raise InvalidValue(f"字段「{field_name}」不能为空", fix="Give a value.")
    if field_name in ("date", "deadline"):
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            raise InvalidValue(f"日期「{raw}」无法识别", fix="Write it as YYYY-MM-DD.") from None
        if not PLAUSIBLE_YEARS[0] <= value.year <= PLAUSIBLE_YEARS[1]:  # 0001-01-01 would make a 档号 of year 1
            raise InvalidValue(f"日期「{raw}」不在 {PLAUSIBLE_YEARS[0]}—{PLAUSIBLE_YEARS[1]} 年之间",
                               fix="Check the year and write the date as YYYY-MM-DD.")
        return value
    choices = CHOICES.get(field_name)
    if choices and raw not in choices:
        raise InvalidValue(f"「{raw}」不是有效的{field_name}", fix="One of: " + "、".join(choices))
    return raw


def correct(engine: Engine, settings: Settings, reg_no: str, field: str, raw_value: str, actor: str, *,
            reason: str, department_code: str | None = None,
            withhold: Callable[[Document], list[str]] | None = None) -> Document:
    """Correct one field, with the clerk's reason: the old value stays in the audit log; a change
    that moves the record to another archive category re-classifies it (no 件号 is given before
    filing, so none is burnt). A filed record refuses: its fields change by 档案更正
    (``registry.archive_file.correct_filed``). A record made 涉密 is handed to ``withhold`` first, which rewrites what
    its details and warnings quote of the body and names what it rewrote (in the event, without
    the old words)."""
    if not reason.strip():
        raise InvalidValue("更正必须说明理由", fix='Give it with --reason "…".')
    field_name = field_named(field)
    value = parse_value(field_name, raw_value)
    with write_transaction(engine, actor) as txn:
        document = get_for_update(txn.session, reg_no)
        refuse_filed(document, "更正")
        old = getattr(document, field_name)
        if old == value:
            raise InvalidValue(f"{document.reg_no} 的 {field} 已经是「{raw_value}」", fix="Nothing to change.")
        before = filing.classify(document, settings)
        set_field(document, field_name, value, actor=actor, reason=reason.strip(), department_code=department_code)
        event = {"field": field_name, "old": old, "new": value, "reason": reason.strip()}
        if field_name == "secrecy" and is_secret(value) and withhold and (withheld := withhold(document)):
            event["withheld"] = withheld
        txn.record(Action.CORRECTED, document.reg_no, event, document=document)
        if field_name in filing.CLASSIFIED_BY:
            filing.record_classification(txn, settings, document, before)
        return document


def set_field(document: Document, field_name: str, value: Any, *, actor: str, reason: str,
              department_code: str | None = None) -> None:
    """Change one field and what depends on it in the record's details: a 保管期限 a clerk set is
    its own rule; a title written where the document had none is the office's own (〔 〕 in the
    归档文件目录); a new 承办部门 brings its 机构(问题) code."""
    changes: dict[str, Any] = {}
    if field_name == "department" and department_code:
        changes["department_code"] = department_code
    if field_name == "retention":
        changes["retention_rule"] = f"{actor} 更正：{reason}"
    if field_name == "title" and not document.title:
        changes["title_supplied"] = True
    setattr(document, field_name, value)
    if changes:
        document.details = {**document.details, **changes}


def refuse_filed(document: Document, what: str) -> None:
    if document.item_no is not None:
        raise ArchivedRecord(f"{document.reg_no} 已归档（档号 {document.archive_code}），不能{what}",
                             fix="A filed record changes only by 档案更正: `wenshu archive correct REG_NO FIELD VALUE "
                                 "--reason …` (descriptive fields; its 件号 and category stay).")


def void(engine: Engine, reg_no: str, reason: str, actor: str) -> str:
    """Void a record. It keeps its number for ever; the reason is recorded. Returns the 登记号."""
    if not reason.strip():
        raise InvalidValue("作废必须说明理由", fix="Give the reason, e.g. wenshu void REG_NO '重复扫描'.")
    with write_transaction(engine, actor) as txn:
        document = get_for_update(txn.session, reg_no)
        refuse_filed(document, "作废")
        if document.status == RecordStatus.VOID:
            raise InvalidValue(f"{document.reg_no} 已作废", fix="Nothing to do.")
        document.status, document.void_reason = RecordStatus.VOID, reason
        txn.record(Action.VOIDED, document.reg_no, {"reason": reason}, document=document)
        return document.reg_no


def get_for_update(session, reg_no: str) -> Document:  # noqa: ANN001
    """The record to change, once it is known to be as its newest audit event left it: a
    correction on top of a row edited behind wenshu's back would seal the forgery in."""
    document = session.scalar(select(Document).where(Document.reg_no.in_(queries.spellings(reg_no))))
    if document is None:
        raise NotFound(f"没有登记号为「{reg_no}」的文件", fix="Check the number with `wenshu log`.")
    check_chain(session, document)
    return document


def check_chain(session, document: Document) -> None:  # noqa: ANN001
    if not audit.matches_chain(session, document):
        raise Tampered(f"{document.reg_no} 与其最新审计事件不符：它在 wenshu 之外被改动过，拒绝在其上更正或作废。",
                       fix="Run `wenshu audit verify`, restore the record from a backup, and correct it then.")
