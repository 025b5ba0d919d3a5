"""督办 items: the 议定事项 of a 纪要 a clerk confirmed (``pipeline/supervision.py`` proposes
them), each a handling of route 督办, item 1..n after the record's others, started 承办中 with its
主办 as the 纪要 names it (a unit or a person, as written) and its 时限. One transaction and one
``supervised`` audit event for the items confirmed together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Engine, func, select

from core.errors import HandlingConflict, HandlingRefused
from core.vocab import IN_HAND, SUPERVISION, RecordStatus
from registry import audit
from registry.audit import Action
from registry.handling import CLERK, Handling, find_document, from_row
from registry.models import HandlingRow
from registry.users import Account
from registry.writing import write_transaction


def confirm_items(engine: Engine, reg_no: str, items: Sequence[tuple[str, str | None, date | None]],
                  account: Account | None) -> list[Handling]:
    """``items``: (the decision's text, 主办 as written, 时限). Only a clerk confirms."""
    if account is None or account.disabled or CLERK not in account.roles:
        who = account.name if account else "（无）"
        raise HandlingRefused(f"{who} 不能确认督办事项：只有文书可以", fix="Ask a clerk.")
    moment = audit.utc_now()
    with write_transaction(engine, account.name) as txn:
        session = txn.session
        document = find_document(session, reg_no)
        if document.status != RecordStatus.REGISTERED:
            raise HandlingConflict(f"{document.reg_no} 已作废，不能确认督办事项", fix="Nothing more is done on it.")
        last = session.scalar(select(func.max(HandlingRow.item)).where(HandlingRow.reg_no == document.reg_no)) or 0
        rows = []
        for number, (subject, lead, deadline) in enumerate(items, start=last + 1):
            row = HandlingRow(reg_no=document.reg_no, item=number, route=SUPERVISION, state=IN_HAND, lead=[],
                              assist=[], lead_department=lead, deadline=deadline, ordered=False, subject=subject,
                              opened_at=moment)
            session.add(row)
            rows.append(row)
        session.flush()
        txn.record(Action.SUPERVISION_CONFIRMED, document.reg_no, {"items": [
            {"item": row.item, "subject": row.subject, "lead": row.lead_department, "deadline": row.deadline}
            for row in rows]})
        return [from_row(session, row) for row in rows]
