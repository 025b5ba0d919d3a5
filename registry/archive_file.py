"""Filing a year (归档): 件号 1..n per category in one transaction, each record's final 档号 in
its own audit event; the clerk's check of 初审 warnings before it; and 档案更正, the only way a
filed record's fields change afterwards. A filed record is never renumbered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from core.errors import ArchiveBlocked, InvalidValue
from core.settings import Settings
from core.vocab import is_secret
from registry import archive_plan, audit, corrections, filing
from registry.archive_plan import Plan
from registry.audit import Action
from registry.models import Document
from registry.writing import write_transaction

# What 档案更正 may change: the description of the 件. Its category (年度, 保管期限, 机构) and
# 件号 are final once filed; a 保管期限 changed by 鉴定 is the archive's procedure, not a correction.
ARCHIVE_CORRECTABLE = ("doc_type", "doc_number", "issuer", "title", "date", "secrecy", "urgency")


@dataclass(frozen=True)
class Filing:
    """What one ``file_year`` did."""

    year: int
    filed: tuple[tuple[str, str], ...]   # (登记号, 档号) in 件号 order, category by category
    categories: tuple[str, ...]
    excluded: int

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "filed": [{"reg_no": r, "archive_code": c} for r, c in self.filed],
                "categories": list(self.categories), "excluded": self.excluded}


def file_year(engine: Engine, settings: Settings, year: int, actor: str) -> Filing:
    """File every record of ``year`` not yet filed, in the plan's order. Refuses, filing
    nothing, while anything blocks (``ArchiveBlocked`` lists each record and why)."""
    with write_transaction(engine, actor) as txn:
        found = archive_plan.plan_in(txn.session, settings, year)
        if found.blockers:
            raise ArchiveBlocked(
                f"{year} 年度有 {len(found.blockers)} 件文件尚不能归档，未做任何归档：\n"
                + "\n".join(f"  {b.reg_no}：{'；'.join(b.reasons)}" for b in found.blockers),
                fix="办结 the 办件 (`wenshu handle`), check each record's warnings (`wenshu archive review REG_NO "
                    "--reason …`) or correct its fields, then run `wenshu archive plan` again.")
        if not found.to_file:
            raise InvalidValue(f"{year} 年度没有待归档的文件", fix="See `wenshu archive plan --year YEAR`.")
        documents = _documents(txn.session, [i.reg_no for c in found.categories for i in c.items if not i.filed])
        _withdraw_provisional(txn, found, documents)
        moment = audit.utc_now()
        done = []
        for category in found.categories:
            for item in category.items:
                if item.filed:
                    continue
                document = documents[item.reg_no]
                document.item_no, document.archive_code, document.filed_at = item.item_no, item.archive_code, moment
                was = document.retention
                if item.retention != was:  # a 请示 and its 批复 kept together at the longer period
                    document.retention = item.retention
                    document.details = {**document.details, "retention_rule": item.rule}
                txn.record(Action.ARCHIVED, document.reg_no,
                           {"archive_code": item.archive_code, "item_no": item.item_no, "category": category.code,
                            "retention": item.retention, "rule": item.rule,
                            **({"retention_from": was} if item.retention != was else {}),
                            **({"together_with": item.together_with} if item.together_with else {})},
                           document=document)
                done.append((item.reg_no, item.archive_code))
        txn.session.flush()
        categories = tuple(c.code for c in found.categories if any(not i.filed for i in c.items))
        txn.record(Action.ARCHIVED, None, {"year": year, "count": len(done), "categories": list(categories),
                                           "excluded": [e.reg_no for e in found.excluded]})
        return Filing(year, tuple(done), categories, len(found.excluded))


def _documents(session, reg_nos: list[str]) -> dict[str, Document]:  # noqa: ANN001
    documents: dict[str, Document] = {}
    for start in range(0, len(reg_nos), 500):
        for document in session.scalars(select(Document).where(Document.reg_no.in_(reg_nos[start:start + 500]))):
            corrections.check_chain(session, document)
            documents[document.reg_no] = document
    return documents


def _withdraw_provisional(txn, found: Plan, documents: dict[str, Document]) -> None:  # noqa: ANN001
    """Records registered by an older wenshu carry a 档号 given at registration; withdraw those of
    the year (filed ones aside) before numbering, so a final 档号 never meets a provisional one."""
    of_year = txn.session.scalars(select(Document).where(  # voided ones too: they keep no 档号 either
        Document.item_no.is_(None), Document.archive_code.contains(f"-WS·{found.year}-"))).all()
    stale = {d.reg_no: d for d in [*of_year, *documents.values()] if d.archive_code}
    for document in stale.values():
        corrections.check_chain(txn.session, document)
        withdrawn, document.archive_code = document.archive_code, None
        txn.record(Action.CLASSIFIED, document.reg_no, {"withdrawn_code": withdrawn, "reason": "件号改为归档时编制"},
                   document=document)
    txn.session.flush()


def review(engine: Engine, reg_no: str, actor: str, reason: str) -> list[str]:
    """The clerk has checked the record's 初审 warnings (and corrected what was wrong): they no
    longer block filing. Returns the warnings checked now."""
    if not reason.strip():
        raise InvalidValue("核对初审提示必须说明理由", fix='Give it with --reason "…", e.g. "已核对原件，成文日期确未标注".')
    with write_transaction(engine, actor) as txn:
        document = corrections.get_for_update(txn.session, reg_no)
        corrections.refuse_filed(document, "再核对提示")
        fresh = archive_plan.unreviewed_warnings(document)
        if not fresh:
            raise InvalidValue(f"{document.reg_no} 没有未核对的初审提示", fix="Nothing to do.")
        reviewed = [*(document.details.get("reviewed_warnings") or ()), *fresh]
        document.details = {**document.details, "reviewed_warnings": reviewed}
        txn.record(Action.REVIEWED, document.reg_no, {"warnings": fresh, "reason": reason.strip()}, document=document)
        return fresh


def correct_filed(engine: Engine, settings: Settings, reg_no: str, field: str, raw_value: str, actor: str, *,
                  reason: str, withhold: Callable[[Document], list[str]] | None = None) -> Document:
    """档案更正: change a descriptive field of a filed record, with the reason; its 件号 and
    category stay (a date moved to another year is refused). A record made 涉密 is handed to
    ``withhold``, as ``corrections.correct`` does."""
    if not reason.strip():
        raise InvalidValue("档案更正必须说明理由", fix='Give it with --reason "…".')
    field_name = corrections.field_named(field)
    if field_name not in ARCHIVE_CORRECTABLE:
        raise InvalidValue(f"已归档文件的「{field}」不能更正：年度、保管期限、机构和件号归档后不变",
                           fix="档案更正 changes: " + "、".join(corrections.heading(n) for n in ARCHIVE_CORRECTABLE)
                               + ". A 保管期限 changed by 鉴定 is recorded by the archive, not here.")
    value = corrections.parse_value(field_name, raw_value)
    with write_transaction(engine, actor) as txn:
        document = corrections.get_for_update(txn.session, reg_no)
        if document.item_no is None:
            raise InvalidValue(f"{document.reg_no} 尚未归档", fix="Use `wenshu correct` for a record not yet filed.")
        old = getattr(document, field_name)
        if old == value:
            raise InvalidValue(f"{document.reg_no} 的 {field} 已经是「{raw_value}」", fix="Nothing to change.")
        if field_name == "date" and filing.filing_year(document, settings) != (
                value.year if value else audit.as_utc(document.registered_at).astimezone(settings.zone).year):
            raise InvalidValue(f"更正后的成文日期不在 {document.archive_code} 的年度内",
                               fix="A filed record keeps its 年度; if the date really belongs to another year, "
                                   "record it in the 备考表 and tell the archive.")
        corrections.set_field(document, field_name, value, actor=actor, reason=reason.strip())
        event = {"field": field_name, "old": old, "new": value, "reason": reason.strip(),
                 "archive_code": document.archive_code}
        if field_name == "secrecy" and is_secret(value) and withhold and (withheld := withhold(document)):
            event["withheld"] = withheld
        txn.record(Action.ARCHIVE_CORRECTED, document.reg_no, event, document=document)
        return document
