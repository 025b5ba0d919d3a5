"""Closing a handling when its answer is registered, in the registration's own transaction:
a 批复 that answers our 请示 and a 复函 that answers our 函 (``filing.link_replies`` has linked
them), and our 发文 批复 that answers an incoming 请示 (linked here, the same way). Each close
is a 办理结果 naming the reply's 登记号 and a ``handled`` audit event by 系统.
"""

from __future__ import annotations

from sqlalchemy import select

from core.vocab import (ALL_READ, AWAITING_REPLY, CIRCULATING, FINISHED, INCOMING, OUTGOING, SYSTEM_ACTOR,
                        TO_CIRCULATE, RecordStatus)
from registry import audit
from registry.audit import Action
from registry.handling import implicit_handling
from registry.handling_actions import add_opinion, close
from registry.models import Document, HandlingRow
from registry.writing import WriteTransaction

# States a reply does not close: a 阅件 is finished by its readers.
NOT_CLOSED_BY_REPLY = frozenset({FINISHED, ALL_READ, TO_CIRCULATE, CIRCULATING})


def close_answered(txn: WriteTransaction, reply: Document) -> list[str]:
    """Close the handlings ``reply`` answers (``reply`` is being registered in ``txn``); the
    登记号 closed."""
    if reply.direction == INCOMING:
        originals = list(reply.details.get("answers") or ())
    elif reply.direction == OUTGOING and reply.doc_type == "批复":
        originals = _link_requests(txn, reply)
    else:
        return []
    closed = []
    for reg_no in originals:
        if _close(txn, reg_no, reply):
            closed.append(reg_no)
    return closed


def _link_requests(txn: WriteTransaction, reply: Document) -> list[str]:
    """Our 批复 citing the 文号 of a 请示 we received answers it: linked both ways, as
    ``filing.link_replies`` links an incoming reply to our own."""
    cited = reply.details.get("references") or []
    if not cited:
        return []
    requests = txn.session.scalars(select(Document).where(
        Document.direction == INCOMING, Document.doc_type == "请示", Document.doc_number.in_(cited),
        Document.status == RecordStatus.REGISTERED)).all()
    answered = []
    for request in requests:
        if not audit.matches_chain(txn.session, request):  # never seal a row edited behind our back
            continue
        request.details = {**request.details, "answered_by": reply.reg_no}
        txn.record(Action.LINKED, request.reg_no, {"answered_by": reply.reg_no}, document=request)
        answered.append(request.reg_no)
    if answered:
        reply.details = {**reply.details, "answers": [*(reply.details.get("answers") or ()), *answered]}
        txn.record(Action.LINKED, reply.reg_no, {"answers": answered}, document=reply)
    return answered


def _close(txn: WriteTransaction, reg_no: str, reply: Document) -> bool:
    session = txn.session
    document = session.scalar(select(Document).where(Document.reg_no == reg_no))
    if document is None or document.status != RecordStatus.REGISTERED:
        return False
    row = session.scalar(select(HandlingRow).where(HandlingRow.reg_no == reg_no, HandlingRow.item == 0))
    if row is None:
        implicit = implicit_handling(document)
        if implicit is None:  # a 函 of ours that asked for no answer
            return False
        # answered_by is set by now, so our record's implicit state reads 已办结: it was 待回复.
        state = AWAITING_REPLY if document.direction == OUTGOING else implicit.state
        if state in NOT_CLOSED_BY_REPLY:
            return False
        row = HandlingRow(reg_no=reg_no, item=0, route=implicit.route, state=state, lead=[], assist=[],
                          lead_department=document.department, deadline=document.deadline, ordered=False,
                          opened_at=document.registered_at)
        session.add(row)
        session.flush()
    elif row.state in NOT_CLOSED_BY_REPLY:
        return False
    before = row.state
    moment = audit.utc_now()
    number = f"（{reply.doc_number}）" if reply.doc_number and reply.doc_number != reply.reg_no else ""
    result = f"{reply.doc_type or '答复'} {reply.reg_no}{number} 已登记，自动办结"
    close(row, FINISHED, SYSTEM_ACTOR, moment)
    add_opinion(session, row, "办理结果", SYSTEM_ACTOR, moment, result)
    session.flush()
    details = {"action": "finish", "from": before, "to": FINISHED, "text": result, "closed_by_reply": reply.reg_no,
               "automatic": True}
    # The registration's actor registered the reply; the close is the system's doing.
    txn.events.append(audit.chain_event(txn.head, txn.key, actor=SYSTEM_ACTOR, action=Action.HANDLED,
                                        record=reg_no, details=details, at=moment))
    return True
