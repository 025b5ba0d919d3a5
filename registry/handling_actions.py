"""办理 actions: each one write transaction that checks the rule table (``handling.check``),
changes the handling, appends its opinion and records one ``handled`` audit event naming the
acting user. A refused action raises before anything is written.

The handling row is made with the first action on a record, from its implicit state.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue
from core.vocab import (ACTION_ITEM, ALL_READ, CIRCULATING, FINISHED, IN_HAND, READ_ITEM, RETURNED, TO_INSTRUCT,
                        RecordStatus)
from registry import audit
from registry.audit import Action
from registry.handling import LEADER, Handling, check, find_document, from_row, implicit_handling
from registry.models import Document, HandlingOpinion, HandlingReader, HandlingRow, HandlingUrge, User
from registry.users import Account
from registry.writing import write_transaction

# The opinion each action writes (circulate and deadline write none of their own).
OPINION_OF = {"propose": "拟办意见", "instruct": "领导批示", "progress": "承办意见", "finish": "办理结果",
              "return": "退回理由", "transfer": "转办说明", "urge": "催办", "read": "传阅意见"}
TEXT_REQUIRED = ("propose", "instruct", "progress", "finish", "return", "transfer")
DEFAULT_URGE = "请抓紧办理"
READ_MARK = "已阅"


def act(engine: Engine, reg_no: str, action: str, account: Account, *, text: str | None = None,
        assignees: Sequence[str] = (), assist: Sequence[str] = (), deadline: date | None = None,
        readers: Sequence[str] = (), ordered: bool = False, item: int = 0,
        skip_instruction: Collection[str] = (), now: datetime | None = None) -> Handling:
    """``account`` takes ``action`` on the handling of ``reg_no`` (``item`` 0: the record itself).
    ``skip_instruction``: the 文种 whose 拟办 goes straight to 承办中 (``[handling]``)."""
    moment = now or audit.utc_now()
    with write_transaction(engine, account.name) as txn:
        session = txn.session
        document = find_document(session, reg_no)
        row = _row(session, document.reg_no, item)
        current = from_row(session, row, voided=document.status != RecordStatus.REGISTERED) if row else (
            implicit_handling(document) if item == 0 else None)
        check(current, account, action, document.reg_no)
        step = _Step(session, document, current, account, moment, text=(text or "").strip(),
                     assignees=_names(assignees), assist=_names(assist), deadline=deadline,
                     readers=_names(readers) or _names(assignees), ordered=ordered)
        step.validate(action, skip=document.doc_type in skip_instruction)
        row = row or _new_row(session, current)
        details = step.apply(action, row, skip=document.doc_type in skip_instruction)
        session.flush()
        txn.record(Action.HANDLED, document.reg_no, details)
        return from_row(session, row)


def _names(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name.strip() for name in names if name and name.strip()))


def _row(session: Session, reg_no: str, item: int) -> HandlingRow | None:
    return session.scalar(select(HandlingRow).where(HandlingRow.reg_no == reg_no, HandlingRow.item == item))


def _new_row(session: Session, implicit: Handling) -> HandlingRow:
    row = HandlingRow(reg_no=implicit.reg_no, item=implicit.item, route=implicit.route, state=implicit.state,
                      lead=[], assist=[], lead_department=implicit.lead_department, deadline=implicit.deadline,
                      ordered=False, opened_at=implicit.opened_at)
    session.add(row)
    session.flush()
    return row


def add_opinion(session: Session, row: HandlingRow, kind: str, user: str, moment: datetime, text: str) -> None:
    seq = (session.scalar(select(func.max(HandlingOpinion.seq)).where(HandlingOpinion.handling_id == row.id)) or 0) + 1
    session.add(HandlingOpinion(handling_id=row.id, seq=seq, kind=kind, user=user, at=moment, text=text))


class _Step:
    """One action's inputs, checked, and what it does to the row."""

    def __init__(self, session: Session, document: Document, current: Handling, account: Account,
                 moment: datetime, *, text: str, assignees: tuple[str, ...], assist: tuple[str, ...],
                 deadline: date | None, readers: tuple[str, ...], ordered: bool):
        self.session, self.document, self.current, self.account, self.moment = session, document, current, account, moment
        self.text, self.assignees, self.assist, self.deadline = text, assignees, assist, deadline
        self.readers, self.ordered = readers, ordered

    # -- checking ----------------------------------------------------------------------------

    def validate(self, action: str, *, skip: bool) -> None:
        if action in TEXT_REQUIRED and not self.text:
            raise InvalidValue(f"{_WHAT[action]}不能为空", fix='Give it with --text "…" (web: text).')
        needs_lead = action in ("instruct", "transfer") or (action == "propose" and skip)
        if needs_lead and not self.assignees:
            raise InvalidValue("请指定主办人（至少一人）", fix="Name the 主办 with --to USER (web: assignees).")
        if action == "deadline" and self.deadline is None:
            raise InvalidValue("请给出办理时限", fix="Give it with --deadline YYYY-MM-DD.")
        if action == "deadline" and self.deadline == self.current.deadline:
            raise InvalidValue(f"办理时限已经是 {self.deadline.isoformat()}", fix="Nothing to change.")
        if action == "circulate" and not self.readers:
            raise InvalidValue("请指定阅文人（至少一人）", fix="Name the readers with --reader USER (web: assignees).")
        if action == "transfer" and set(self.assignees) == set(self.current.lead):
            raise InvalidValue("转办须交给另一主办人", fix="Name someone else with --to USER.")
        named = {*self.assignees, *self.assist} | (set(self.readers) if action == "circulate" else set())
        self._check_accounts(named)
        if action == "urge" and not self._urged:
            raise InvalidValue("请指定催办对象", fix="Name whom to urge with --to USER (web: assignees).")
        if action == "propose" and not skip and self.assignees:
            self._check_leaders(self.assignees[:1])
        if action == "circulate":
            self._check_circulation()

    def _check_accounts(self, names: set[str]) -> None:
        if not names:
            return
        found = dict(self.session.execute(select(User.name, User.disabled).where(User.name.in_(names))).all())
        unknown = sorted(name for name in names if name not in found)
        disabled = sorted(name for name in names if found.get(name))
        if unknown or disabled:
            said = "、".join([*(f"「{n}」不是登记过的用户" for n in unknown), *(f"「{n}」已停用" for n in disabled)])
            raise InvalidValue(said, fix="Name enabled accounts (`wenshu user list`).")

    def _check_leaders(self, names: tuple[str, ...]) -> None:
        roles = dict(self.session.execute(select(User.name, User.roles).where(User.name.in_(names))).all())
        not_leaders = [name for name in names if LEADER not in (roles.get(name) or "").split(",")]
        if not_leaders:
            raise InvalidValue(f"「{'、'.join(not_leaders)}」不是领导，拟办意见应送领导批示",
                               fix="Send it with --to naming a user with the leader role, or leave --to out.")

    def _check_circulation(self) -> None:
        already = set(self.current.read)
        if not [name for name in self.readers if name not in already]:
            raise InvalidValue("所列阅文人都已阅过", fix="Name at least one reader who has not read it.")

    # -- doing -------------------------------------------------------------------------------

    def apply(self, action: str, row: HandlingRow, *, skip: bool) -> dict[str, Any]:
        before = row.state
        details: dict[str, Any] = {"action": action, "item": row.item, "from": before}
        if action == "propose":
            self._propose(row, skip)
        else:
            getattr(self, "_" + action)(row)
        if self.deadline is not None and action in ("propose", "instruct", "transfer", "deadline"):
            details["old_deadline"] = row.deadline
            row.deadline = self.deadline
            details["deadline"] = self.deadline
        kind = OPINION_OF.get(action)
        opinion = self.opinion_text(action)
        if kind and opinion is not None:
            add_opinion(self.session, row, kind, self.account.name, self.moment, opinion)
        details["to"] = row.state
        if opinion:
            details["text"] = opinion
        for key, value in (("assignees", self.assignees), ("assist", self.assist)):
            if value and action != "circulate":
                details[key] = list(value)
        if action == "circulate":
            details.update(readers=[reader.user for reader in self._readers(row)], ordered=row.ordered)
        if row.item == 0:
            details.pop("item")
        return details

    def opinion_text(self, action: str) -> str | None:
        if action == "urge":
            return f"催办 {'、'.join(self._urged)}：{self.text or DEFAULT_URGE}"
        if action == "read":
            return self.text or READ_MARK
        return self.text or None

    def _propose(self, row: HandlingRow, skip: bool) -> None:
        if skip:
            self._assign(row, self.assignees, self.assist)
            row.state = IN_HAND
        else:
            row.state = TO_INSTRUCT
            row.holder = self.assignees[0] if self.assignees else None

    def _instruct(self, row: HandlingRow) -> None:
        if row.route == READ_ITEM:
            row.route = ACTION_ITEM  # a leader turns a 阅件 into a 办件 with a 批示
        self._assign(row, self.assignees, self.assist)
        row.state = IN_HAND

    def _assign(self, row: HandlingRow, lead: tuple[str, ...], assist: tuple[str, ...]) -> None:
        row.lead = list(lead)
        row.assist = [name for name in assist if name not in lead]
        row.holder = lead[0]

    def _progress(self, row: HandlingRow) -> None:
        pass

    def _finish(self, row: HandlingRow) -> None:
        close(row, FINISHED, self.account.name, self.moment)

    def _return(self, row: HandlingRow) -> None:
        row.state, row.holder = RETURNED, None

    def _transfer(self, row: HandlingRow) -> None:
        self._assign(row, self.assignees, self.assist or tuple(row.assist or ()))

    def _urge(self, row: HandlingRow) -> None:
        for name in self._urged:
            self.session.add(HandlingUrge(handling_id=row.id, by=self.account.name, to=name, at=self.moment,
                                          note=self.text or DEFAULT_URGE))

    @property
    def _urged(self) -> tuple[str, ...]:
        current = self.current
        return self.assignees or ((current.holder,) if current.holder else current.lead or current.unread)

    def _circulate(self, row: HandlingRow) -> None:
        existing = {reader.user: reader for reader in self._readers(row)}
        kept = [reader for reader in existing.values() if reader.read_at is not None]
        for reader in existing.values():
            if reader.read_at is None:
                self.session.delete(reader)
        self.session.flush()
        new = [name for name in self.readers if name not in {reader.user for reader in kept}]
        for position, reader in enumerate(kept, start=1):
            reader.position = position
        for position, name in enumerate(new, start=len(kept) + 1):
            self.session.add(HandlingReader(handling_id=row.id, position=position, user=name))
        self.session.flush()
        row.ordered, row.state = bool(self.ordered), CIRCULATING
        row.holder = new[0] if row.ordered else None

    def _read(self, row: HandlingRow) -> None:
        readers = self._readers(row)
        mine = next(reader for reader in readers if reader.user == self.account.name)
        mine.read_at, mine.comment = self.moment, self.text or None
        unread = [reader for reader in readers if reader.read_at is None]
        if not unread:
            close(row, ALL_READ, self.account.name, self.moment)
        else:
            row.holder = unread[0].user if row.ordered else None

    def _deadline(self, row: HandlingRow) -> None:
        pass

    def _readers(self, row: HandlingRow) -> list[HandlingReader]:
        return list(self.session.scalars(select(HandlingReader).where(HandlingReader.handling_id == row.id)
                                         .order_by(HandlingReader.position)))


_WHAT = {"propose": "拟办意见", "instruct": "领导批示", "progress": "承办意见", "finish": "办理结果",
         "return": "退回理由", "transfer": "转办说明"}


def close(row: HandlingRow, state: str, by: str, moment: datetime) -> None:
    row.state, row.holder, row.closed_at, row.closed_by = state, None, moment, by

