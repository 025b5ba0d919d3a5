"""Reading the open handlings, for the 待办 lists and the 催办 digest: the rows in an open state,
and the records whose handling is still implicit (nobody has acted on them yet), in two queries
plus one each for the readers and the 催办 of what is listed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from core.vocab import INCOMING, OUTGOING, ROUTES, RecordStatus
from registry.handling import OPEN_STATES, implicit_state
from registry.models import Document, HandlingReader, HandlingRow, HandlingUrge
from registry.queries import UNRESTRICTED, Clearance, visible_clause


@dataclass(frozen=True)
class OpenItem:
    """An open handling with what a list shows of its record."""

    reg_no: str
    item: int
    title: str | None
    doc_type: str | None
    urgency: str | None
    registered_at: datetime
    route: str
    state: str
    holder: str | None
    lead: tuple[str, ...]
    assist: tuple[str, ...]
    lead_department: str | None
    deadline: date | None      # the handling's own (or, implicit, the record's)
    ordered: bool
    subject: str | None
    unread: tuple[str, ...]    # readers who have not read it yet, in order
    urged_at: datetime | None  # the newest 催办


_DOCUMENT = (Document.reg_no, Document.title, Document.doc_type, Document.urgency, Document.registered_at)


def open_items(engine: Engine, clearance: Clearance = UNRESTRICTED) -> Iterator[OpenItem]:
    """Every open handling of a registered record a user of ``clearance`` may see."""
    clause = visible_clause(Document.secrecy, clearance)
    with Session(engine) as session:
        rows = select(HandlingRow, *_DOCUMENT).join(Document, Document.reg_no == HandlingRow.reg_no).where(
            HandlingRow.state.in_(OPEN_STATES), Document.status == RecordStatus.REGISTERED)
        if clause is not None:
            rows = rows.where(clause)
        found = session.execute(rows.order_by(Document.registered_at, Document.id, HandlingRow.item)).all()
        ids = [row.id for row, *_ in found]
        unread, urged = _unread(session, ids), _urged(session, ids)
        for row, reg_no, title, doc_type, urgency, registered_at in found:
            yield OpenItem(reg_no, row.item, title, doc_type, urgency, registered_at, row.route, row.state, row.holder,
                           tuple(row.lead or ()), tuple(row.assist or ()), row.lead_department, row.deadline,
                           row.ordered, row.subject, tuple(unread.get(row.id, ())), urged.get(row.id))
        yield from _implicit(session, clause)


def _implicit(session: Session, clause) -> Iterator[OpenItem]:  # noqa: ANN001
    kinds = or_(and_(Document.direction == INCOMING, Document.route.in_(ROUTES)),
                and_(Document.direction == OUTGOING, Document.doc_type.in_(("请示", "函"))))
    query = (select(Document).outerjoin(HandlingRow, and_(HandlingRow.reg_no == Document.reg_no, HandlingRow.item == 0))
             .where(HandlingRow.id.is_(None), Document.status == RecordStatus.REGISTERED, kinds))
    if clause is not None:
        query = query.where(clause)
    query = query.order_by(Document.registered_at, Document.id).execution_options(yield_per=1000)
    for document in session.scalars(query):
        found = implicit_state(document.direction, document.route, document.doc_type, document.details,
                               document.status)
        if found is None or found[1] not in OPEN_STATES:
            continue
        yield OpenItem(document.reg_no, 0, document.title, document.doc_type, document.urgency,
                       document.registered_at, found[0], found[1], None, (), (), document.department,
                       document.deadline, False, None, (), None)


def _unread(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        query = (select(HandlingReader.handling_id, HandlingReader.user)
                 .where(HandlingReader.handling_id.in_(ids[start:start + 500]), HandlingReader.read_at.is_(None))
                 .order_by(HandlingReader.handling_id, HandlingReader.position))
        for handling_id, user in session.execute(query):
            found.setdefault(handling_id, []).append(user)
    return found


def _urged(session: Session, ids: list[int]) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    for start in range(0, len(ids), 500):
        query = (select(HandlingUrge.handling_id, func.max(HandlingUrge.at))
                 .where(HandlingUrge.handling_id.in_(ids[start:start + 500])).group_by(HandlingUrge.handling_id))
        found.update(dict(session.execute(query).all()))
    return found
