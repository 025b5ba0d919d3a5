"""办理 (issue 16): what happens to a record after registration, read as frozen values.

A handling row is made the first time someone acts on a record. Until then a registered record
has its handling implicitly (``implicit_state``): a 收文 办件 waits for the clerk's 拟办
(待拟办), a 收文 阅件 for its circulation (待传阅), a 请示 we sent, or a 函 we sent that asks for an
answer, waits for the reply (待回复). Everything else has no handling.

Who may take which action from which state is one table (``RULES``): ``allowed_actions`` reads
it for forms, ``check`` for the write (``registry/handling_actions.py``). An action the state
does not allow is a ``HandlingConflict``; one this user may not take, a ``HandlingRefused``.
docs/handling.md prints the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.errors import HandlingConflict, HandlingRefused, InvalidValue, NotFound
from core.numbers import canonical_brackets
from core.vocab import (ACTION_ITEM, ALL_READ, AWAITING_REPLY, CIRCULATING, CLOSED_STATES, FINISHED,
                        HANDLING_ACTIONS, HANDLING_STATES, IN_HAND, INCOMING, OUTGOING, READ_ITEM, RETURNED,
                        TO_CIRCULATE, TO_INSTRUCT, TO_PROPOSE, RecordStatus)
from registry.audit import as_utc
from registry.models import Document, HandlingOpinion, HandlingReader, HandlingRow, HandlingUrge
from registry.users import Account

CLERK, LEADER = "clerk", "leader"
OPEN_STATES: tuple[str, ...] = tuple(state for state in HANDLING_STATES if state not in CLOSED_STATES)


@dataclass(frozen=True)
class Opinion:
    kind: str
    user: str
    at: datetime
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "user": self.user, "at": _stamp(self.at), "text": self.text}


@dataclass(frozen=True)
class ReaderState:
    user: str
    position: int
    read_at: datetime | None
    comment: str | None

    def to_json(self) -> dict[str, Any]:
        return {"user": self.user, "position": self.position, "read_at": _stamp(self.read_at),
                "comment": self.comment}


@dataclass(frozen=True)
class Urge:
    by: str
    to: str
    at: datetime
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "to": self.to, "at": _stamp(self.at), "note": self.note}


@dataclass(frozen=True)
class Handling:
    reg_no: str
    item: int
    route: str
    state: str
    lead: tuple[str, ...]
    assist: tuple[str, ...]
    lead_department: str | None
    holder: str | None
    deadline: date | None
    ordered: bool
    subject: str | None
    opened_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    opinions: tuple[Opinion, ...]
    readers: tuple[ReaderState, ...]
    urges: tuple[Urge, ...]
    implicit: bool = False   # no row yet: the state is what the record's kind implies
    voided: bool = False     # the record is voided: nothing more is done on it

    @property
    def is_open(self) -> bool:
        return not self.voided and self.state not in CLOSED_STATES

    @property
    def unread(self) -> tuple[str, ...]:
        return tuple(reader.user for reader in self.readers if reader.read_at is None)

    @property
    def read(self) -> tuple[str, ...]:
        return tuple(reader.user for reader in self.readers if reader.read_at is not None)

    def to_json(self) -> dict[str, Any]:
        return {"reg_no": self.reg_no, "item": self.item, "route": self.route, "state": self.state,
                "lead": list(self.lead), "assist": list(self.assist), "lead_department": self.lead_department,
                "holder": self.holder, "deadline": self.deadline.isoformat() if self.deadline else None,
                "ordered": self.ordered, "subject": self.subject, "opened_at": _stamp(self.opened_at),
                "closed_at": _stamp(self.closed_at), "closed_by": self.closed_by,
                "opinions": [opinion.to_json() for opinion in self.opinions],
                "readers": [reader.to_json() for reader in self.readers],
                "read": list(self.read), "unread": list(self.unread),
                "urges": [urge.to_json() for urge in self.urges],
                "open": self.is_open, "implicit": self.implicit, "voided": self.voided}


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat(timespec="seconds")


# ----------------------------------------------------------------------------- implicit state

def implicit_state(direction: str | None, route: str | None, doc_type: str | None, details: dict | None,
                   status: str | None) -> tuple[str, str] | None:
    """``(route, state)`` of a record that has no handling row yet; None: it has no handling."""
    if status != RecordStatus.REGISTERED:
        return None
    if direction == INCOMING and route == ACTION_ITEM:
        return ACTION_ITEM, TO_PROPOSE
    if direction == INCOMING and route == READ_ITEM:
        return READ_ITEM, TO_CIRCULATE
    details = details or {}
    if direction == OUTGOING and (doc_type == "请示" or details.get("awaits")):
        # answered before 办理 existed (filing.link_replies): closed by that reply
        return ACTION_ITEM, (FINISHED if details.get("answered_by") else AWAITING_REPLY)
    return None


def implicit_handling(document: Document) -> Handling | None:
    found = implicit_state(document.direction, document.route, document.doc_type, document.details,
                           document.status)
    if found is None:
        return None
    route, state = found
    return Handling(reg_no=document.reg_no, item=0, route=route, state=state, lead=(), assist=(),
                    lead_department=document.department, holder=None, deadline=document.deadline, ordered=False,
                    subject=None, opened_at=document.registered_at, closed_at=None, closed_by=None, opinions=(),
                    readers=(), urges=(), implicit=True)


@dataclass(frozen=True)
class Summary:
    """What the registration log shows of a record's handling: 办理状态, 主办, 办结日期."""

    state: str | None
    lead: tuple[str, ...]
    closed_at: datetime | None


def summary(document: Document, state: str | None, lead: list | None, lead_department: str | None,
            closed_at: datetime | None) -> Summary:
    """From the columns of the log's LEFT JOIN (all None: no row, the implicit state)."""
    if state is None:
        found = implicit_state(document.direction, document.route, document.doc_type, document.details,
                               document.status)
        return Summary(found[1] if found else None, (document.department,) if found and document.department else (),
                       None)
    names = tuple(lead or ())
    return Summary(state, names or ((lead_department,) if lead_department else ()), closed_at)


# ----------------------------------------------------------------------------- reading

def get_handling(engine: Engine, reg_no: str, item: int = 0) -> Handling | None:
    """The handling of the record with this 登记号 (typed with any brackets), ``item`` 0 the record
    itself, 1..n its 督办 items: the row when someone has acted on it, else the implicit state;
    None when it has no handling. A 登记号 the register does not have raises ``NotFound``."""
    with Session(engine) as session:
        return load(session, reg_no, item)


def load(session: Session, reg_no: str, item: int = 0) -> Handling | None:
    document = find_document(session, reg_no)
    row = session.scalar(select(HandlingRow).where(HandlingRow.reg_no == document.reg_no, HandlingRow.item == item))
    if row is None:
        return implicit_handling(document) if item == 0 else None
    return from_row(session, row, voided=document.status != RecordStatus.REGISTERED)


def items(engine: Engine, reg_no: str) -> list[Handling]:
    """Every handling of a record: the record's own (when it has one) and its 督办 items."""
    with Session(engine) as session:
        document = find_document(session, reg_no)
        found = [] if (own := load(session, document.reg_no)) is None else [own]
        rows = session.scalars(select(HandlingRow).where(HandlingRow.reg_no == document.reg_no, HandlingRow.item > 0)
                               .order_by(HandlingRow.item)).all()
        voided = document.status != RecordStatus.REGISTERED
        return found + [from_row(session, row, voided=voided) for row in rows]


def find_document(session: Session, reg_no: str) -> Document:
    spellings = list(dict.fromkeys([reg_no, canonical_brackets(reg_no)]))
    document = session.scalar(select(Document).where(Document.reg_no.in_(spellings)))
    if document is None:
        raise NotFound(f"没有登记号为「{reg_no}」的文件", fix="Check the number with `wenshu log`.")
    return document


def from_row(session: Session, row: HandlingRow, *, voided: bool = False) -> Handling:
    opinions = session.scalars(select(HandlingOpinion).where(HandlingOpinion.handling_id == row.id)
                               .order_by(HandlingOpinion.seq)).all()
    readers = session.scalars(select(HandlingReader).where(HandlingReader.handling_id == row.id)
                              .order_by(HandlingReader.position)).all()
    urges = session.scalars(select(HandlingUrge).where(HandlingUrge.handling_id == row.id)
                            .order_by(HandlingUrge.id)).all()
    return Handling(
        reg_no=row.reg_no, item=row.item, route=row.route, state=row.state, lead=tuple(row.lead or ()),
        assist=tuple(row.assist or ()), lead_department=row.lead_department, holder=row.holder,
        deadline=row.deadline, ordered=row.ordered, subject=row.subject, opened_at=row.opened_at,
        closed_at=row.closed_at, closed_by=row.closed_by,
        opinions=tuple(Opinion(o.kind, o.user, o.at, o.text) for o in opinions),
        readers=tuple(ReaderState(r.user, r.position, r.read_at, r.comment) for r in readers),
        urges=tuple(Urge(u.by, u.to, u.at, u.note) for u in urges), implicit=False, voided=voided)


# ----------------------------------------------------------------------------- who may do what

def _role(role: str) -> Callable[[Handling, Account], bool]:
    return lambda handling, account: role in account.roles


def _in_lead(handling: Handling, account: Account) -> bool:
    return account.name in handling.lead


def _lead_or_assist(handling: Handling, account: Account) -> bool:
    return account.name in handling.lead or account.name in handling.assist


def _reader(handling: Handling, account: Account) -> bool:
    if account.name not in handling.unread:
        return False
    return not handling.ordered or handling.holder == account.name


def _any(*tests: Callable[[Handling, Account], bool]) -> Callable[[Handling, Account], bool]:
    return lambda handling, account: any(test(handling, account) for test in tests)


@dataclass(frozen=True)
class Rule:
    """An action: from which states, and who may take it in each (a test and how it is said)."""

    states: tuple[str, ...]
    who: Callable[[Handling, Account], bool]
    said: str
    by_state: tuple[tuple[str, Callable[[Handling, Account], bool], str], ...] = ()

    def allows(self, handling: Handling, account: Account) -> tuple[bool, str]:
        for state, who, said in self.by_state:
            if handling.state == state:
                return who(handling, account), said
        return self.who(handling, account), self.said


_clerk, _leader = _role(CLERK), _role(LEADER)
RULES: dict[str, Rule] = {
    "propose": Rule((TO_PROPOSE, RETURNED), _clerk, "文书"),
    "instruct": Rule((TO_INSTRUCT, TO_CIRCULATE, CIRCULATING, ALL_READ), _leader, "领导"),
    "progress": Rule((IN_HAND,), _lead_or_assist, "主办或协办人"),
    "finish": Rule((IN_HAND, AWAITING_REPLY), _any(_in_lead, _clerk), "主办人或文书",
                   by_state=((AWAITING_REPLY, _clerk, "文书"),)),
    "return": Rule((TO_INSTRUCT, IN_HAND), _in_lead, "主办人",
                   by_state=((TO_INSTRUCT, _leader, "领导"),)),
    "transfer": Rule((IN_HAND,), _any(_in_lead, _leader, _clerk), "主办人、领导或文书"),
    "urge": Rule((TO_INSTRUCT, IN_HAND, CIRCULATING), _clerk, "文书"),
    "circulate": Rule((TO_CIRCULATE, CIRCULATING), _clerk, "文书"),
    "read": Rule((CIRCULATING,), _reader, "传阅到的阅文人"),
    "deadline": Rule(OPEN_STATES, _any(_clerk, _leader), "文书或领导"),
}
assert set(RULES) == set(HANDLING_ACTIONS)


def check(handling: Handling | None, account: Account, action: str, reg_no: str = "") -> None:
    """Raise unless ``account`` may take ``action`` on ``handling`` now: ``InvalidValue`` for an
    unknown action, ``HandlingConflict`` when the state does not allow it (checked first: it is
    so for everyone), ``HandlingRefused`` when this user may not."""
    rule = RULES.get(action)
    if rule is None:
        raise InvalidValue(f"办理动作「{action}」无效",
                           fix="One of: " + ", ".join(f"{name} ({said})" for name, said in HANDLING_ACTIONS.items()))
    name = HANDLING_ACTIONS[action]
    where = handling.reg_no if handling else reg_no
    if handling is None:
        raise HandlingConflict(f"{where} 无需办理，不能{name}", fix="Only 收文 阅件/办件, our 请示 and 函 awaiting a "
                                                                    "reply, and confirmed 督办 items are handled.")
    if handling.item:
        where = f"{where} 督办事项 {handling.item}"
    if handling.voided:
        raise HandlingConflict(f"{where} 已作废，不能{name}", fix="Nothing more is done on a voided record.")
    if handling.state not in rule.states:
        allowed = [HANDLING_ACTIONS[other] for other, r in RULES.items() if handling.state in r.states]
        raise HandlingConflict(f"{where} 当前为「{handling.state}」，不能{name}",
                               fix="Allowed in this state: " + ("、".join(allowed) or "nothing") + ".")
    if account.disabled:
        raise HandlingRefused(f"用户「{account.name}」已停用，不能{name}", fix="Act as an enabled user.")
    allowed, said = rule.allows(handling, account)
    if not allowed:
        raise HandlingRefused(f"{account.name} 不能对 {where}「{name}」：当前只有{said}可以这样做",
                              fix="Ask the person named, or an administrator to give you the role.")


def allowed_actions(handling: Handling | None, account: Account) -> tuple[str, ...]:
    """The actions ``account`` may take on ``handling`` now, in the table's order (for forms)."""
    if handling is None or handling.voided or account.disabled:
        return ()
    return tuple(action for action, rule in RULES.items()
                 if handling.state in rule.states and rule.allows(handling, account)[0])
