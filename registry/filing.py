"""Archival filing per DA/T 22-2015: the 档号 of a 件 and the links between 来文 and 复文.

档号 = 全宗号-WS·年度-保管期限代码-机构(问题)代码-件号, 件号 four digits, counted gap-free
within its lowest category with the same counters as registration numbers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.settings import Settings
from registry import audit
from registry.audit import Action, as_utc
from registry.models import Document
from registry.writing import WriteTransaction

RETENTION_CODES = {"永久": "Y", "30年": "D30", "10年": "D10"}
# Replies that close the 请示 or 函 they answer.
REPLY_TYPES = {"批复": ("请示",), "函": ("函",)}


def filing_year(document: Document, settings: Settings) -> int:
    """The 年度 is the year the document was signed (成文), else the year it was received."""
    if isinstance(document.date, date):
        return document.date.year
    return as_utc(document.registered_at).astimezone(settings.zone).year


def category(settings: Settings, year: int, retention: str, unit_code: str) -> str:
    return f"{settings.office.fonds_code}-WS·{year}-{RETENTION_CODES[retention]}-{unit_code}"


def file_document(txn: WriteTransaction, settings: Settings, document: Document) -> str | None:
    """Give the document its 档号 (a new 件号 in its category) and record the filing."""
    if document.retention not in RETENTION_CODES:
        return None
    unit_code = document.details.get("department_code") or settings.office.unit_code
    year = filing_year(document, settings)
    lowest = category(settings, year, document.retention, unit_code)
    item = txn.next_number(f"档:{lowest}", year)
    previous = document.archive_code
    document.archive_code = f"{lowest}-{item:04d}"
    txn.record(Action.FILED, document.reg_no,
               {"archive_code": document.archive_code, "retention": document.retention,
                **({"refiled_from": previous} if previous else {})}, document=document)
    return document.archive_code


def link_replies(txn: WriteTransaction, document: Document) -> list[str]:
    """A 批复 or 复函 citing the number of one of our 请示 or 函 is linked to it, which it answers."""
    answered_types = REPLY_TYPES.get(document.doc_type or "")
    cited = document.details.get("references") or []
    if document.direction != "收文" or not answered_types or not cited:
        return []
    originals = txn.session.scalars(select(Document).where(
        Document.direction == "发文", Document.doc_number.in_(cited),
        Document.doc_type.in_(answered_types))).all()
    answered, untrusted = [], []
    for original in originals:
        if not audit.matches_chain(txn.session, original):  # never seal a row edited behind our back
            untrusted.append(original.reg_no)
            continue
        original.details = {**original.details, "answered_by": document.reg_no}
        txn.record(Action.LINKED, original.reg_no, {"answered_by": document.reg_no}, document=original)
        answered.append(original.reg_no)
    if answered:
        document.details = {**document.details, "answers": answered}
    if untrusted:
        document.warnings = [*document.warnings, *(f"所答复的 {reg_no} 与其审计记录不符（在 wenshu 之外被改动），未关联"
                                                   for reg_no in untrusted)]
    if answered or untrusted:
        txn.record(Action.LINKED, document.reg_no,
                   {"answers": answered, **({"not_linked": untrusted} if untrusted else {})}, document=document)
    return answered
