"""Archival classification per DA/T 22-2015, and the links between 来文 and 复文.

At registration a record gets its provisional classification — 年度, 保管期限 and 机构(问题)
code, with the rule that decided it — and no 件号: corrections change it freely and nothing is
burnt. The 件号, and with it the final 档号 (全宗号-WS·年度-保管期限代码-机构(问题)代码-件号), is
given when the year is filed (``registry/archive_file.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.settings import Settings
from registry import audit
from registry.audit import Action, as_utc
from registry.models import Document
from registry.writing import WriteTransaction

RETENTION_CODES = {"永久": "Y", "30年": "D30", "10年": "D10"}
RETENTION_NAMES = {code: name for name, code in RETENTION_CODES.items()}  # Y -> 永久
# Longest first: a 请示 and its 批复 are kept together at the longer of their periods.
RETENTION_ORDER = ("永久", "30年", "10年")
# Replies that close the 请示 or 函 they answer.
REPLY_TYPES = {"批复": ("请示",), "函": ("函",)}
# What decides the category; a correction of one of these re-classifies the record.
CLASSIFIED_BY = ("retention", "department", "date")


@dataclass(frozen=True)
class Classification:
    """Where a record will be filed: its category (年度-期限-机构) and why that 保管期限."""

    year: int
    retention: str
    unit_code: str
    rule: str

    @property
    def retention_code(self) -> str:
        return RETENTION_CODES[self.retention]

    def category(self, settings: Settings) -> str:
        return category(settings, self.year, self.retention, self.unit_code)

    def as_json(self) -> dict[str, object]:
        return {"year": self.year, "retention": self.retention, "unit_code": self.unit_code, "rule": self.rule}


def filing_year(document: Document, settings: Settings) -> int:
    """The 年度 is the year the document was signed (成文), else the year it was received."""
    if isinstance(document.date, date):
        return document.date.year
    return as_utc(document.registered_at).astimezone(settings.zone).year


def category(settings: Settings, year: int, retention: str, unit_code: str) -> str:
    return f"{settings.office.fonds_code}-WS·{year}-{RETENTION_CODES[retention]}-{unit_code}"


def archive_code(category_code: str, item_no: int) -> str:
    return f"{category_code}-{item_no:04d}"


def classify(document: Document, settings: Settings) -> Classification | None:
    """The record's provisional classification; None when it has no 保管期限 to file it by."""
    if document.retention not in RETENTION_CODES:
        return None
    unit_code = document.details.get("department_code") or settings.office.unit_code
    return Classification(year=filing_year(document, settings), retention=document.retention,
                          unit_code=unit_code, rule=document.details.get("retention_rule") or "")


def record_classification(txn: WriteTransaction, settings: Settings, document: Document,
                          previous: Classification | None = None) -> Classification | None:
    """Audit the classification a record has now (at registration, or after a correction moved
    it); a record filed under an earlier version keeps no provisional 档号."""
    now = classify(document, settings)
    if now is None or now == previous:
        return now
    details: dict[str, object] = now.as_json()
    if previous is not None:
        details["previous"] = previous.as_json()
    if document.archive_code and document.item_no is None:  # a 档号 given at registration by an older wenshu
        details["withdrawn_code"] = document.archive_code
        document.archive_code = None
    txn.record(Action.CLASSIFIED, document.reg_no, details, document=document)
    return now


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
