"""办理 for the CLI and the web: take an action as a user, list the 待办 (mine, due, overdue), and
write the daily 催办 digest. The rules and the writes are the registry's
(``registry/handling.py``, ``registry/handling_actions.py``); this module adds who the user is,
their clearance, the office's settings and the date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from core.errors import InvalidValue, NoUser, NotFound
from core.settings import Settings
from core.vocab import (ACTION_ITEM, AWAITING_REPLY, CIRCULATING, IN_HAND, RETURNED, TO_CIRCULATE, TO_INSTRUCT,
                        TO_PROPOSE, visible_to)
from registry import handling_actions, users
from registry.audit import as_utc
from registry.handling import Handling
from registry.handling_lists import OpenItem, open_items
from registry.queries import UNRESTRICTED, Clearance
from registry.users import Account

URGENT = ("特急", "加急")  # overdue items of these 紧急程度 are highlighted
# Who is expected to act in a state when no person is named: a role.
ROLE_OF_STATE = {TO_PROPOSE: "clerk", RETURNED: "clerk", TO_CIRCULATE: "clerk", AWAITING_REPLY: "clerk",
                 TO_INSTRUCT: "leader", IN_HAND: "clerk"}
ROLE_NAMES = {"clerk": "文书", "leader": "领导"}


def act(engine: Engine, settings: Settings, reg_no: str, action: str, actor: str, *, text: str | None = None,
        assignees: Sequence[str] = (), assist: Sequence[str] = (), deadline: date | str | None = None,
        readers: Sequence[str] = (), ordered: bool = False, item: int = 0) -> Handling:
    """``actor`` (an enabled account's name) takes ``action`` on the record's handling. A record
    above the actor's clearance is not found, as everywhere."""
    account = _account(engine, actor)
    _check_visible(engine, reg_no, account)
    return handling_actions.act(engine, reg_no, action, account, text=text, assignees=assignees, assist=assist,
                                deadline=parse_date(deadline), readers=readers, ordered=ordered, item=item,
                                skip_instruction=settings.handling.skip_instruction)


def _account(engine: Engine, name: str) -> Account:
    account = users.get_account(engine, name) if name else None
    if account is None:
        raise NoUser(f"没有用户「{name}」：办理人必须是登记过的用户", fix="Check the name with `wenshu user list`.")
    return account


def _check_visible(engine: Engine, reg_no: str, account: Account) -> None:
    from registry import queries

    document = queries.get(engine, reg_no)
    if not visible_to(document.secrecy, account.clearance):
        raise NotFound(f"没有登记号为「{reg_no}」的文件", fix="Check the number with `wenshu log`.")


def parse_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(f"日期「{value}」无法识别", fix="Write it as YYYY-MM-DD.") from None


# ----------------------------------------------------------------------------- 待办

@dataclass(frozen=True)
class Task:
    """One open handling as the 待办 lists show it."""

    reg_no: str
    item: int
    title: str | None
    route: str
    state: str
    holder: str | None
    lead: tuple[str, ...]
    deadline: date | None          # the handling's 时限, else one from 紧急程度 ([handling] urgent_days)
    urgency: str | None
    overdue: bool
    due_in: int | None = None      # days until the deadline (negative: overdue)
    waiting_for: tuple[str, ...] = ()  # who is to act: user names, or 文书 / 领导 for anyone of that role
    urged: bool = False            # 已催办
    subject: str | None = None     # a 督办 item's decision

    @property
    def highlight(self) -> bool:
        """Overdue and 特急 or 加急: shown in red."""
        return self.overdue and self.urgency in URGENT

    def to_json(self) -> dict[str, Any]:
        return {"reg_no": self.reg_no, "item": self.item, "title": self.title, "route": self.route,
                "state": self.state, "holder": self.holder, "lead": list(self.lead),
                "deadline": self.deadline.isoformat() if self.deadline else None, "urgency": self.urgency,
                "overdue": self.overdue, "due_in": self.due_in, "waiting_for": list(self.waiting_for),
                "urged": self.urged, "subject": self.subject, "highlight": self.highlight}


def responsible(item: OpenItem) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(user names, roles)`` expected to act on ``item`` now."""
    if item.state == CIRCULATING:
        return ((item.holder,) if item.ordered and item.holder else item.unread), ()
    if item.state == TO_INSTRUCT and item.holder:
        return (item.holder,), ()
    if item.state == IN_HAND and (item.lead or item.assist):
        return (*item.lead, *item.assist), ()
    role = ROLE_OF_STATE.get(item.state)
    return (), ((role,) if role else ())


def effective_deadline(item: OpenItem, settings: Settings) -> date | None:
    if item.deadline or item.route != ACTION_ITEM or item.state == AWAITING_REPLY:
        return item.deadline
    days = settings.handling.urgent_days.get(item.urgency or "")
    if days is None:
        return None
    return as_utc(item.registered_at).astimezone(settings.zone).date() + timedelta(days=days)


def _task(item: OpenItem, settings: Settings, today: date) -> Task:
    deadline = effective_deadline(item, settings)
    names, roles = responsible(item)
    due_in = (deadline - today).days if deadline else None
    return Task(reg_no=item.reg_no, item=item.item, title=item.title, route=item.route, state=item.state,
                holder=item.holder, lead=item.lead, deadline=deadline, urgency=item.urgency,
                overdue=due_in is not None and due_in < 0, due_in=due_in,
                waiting_for=names + tuple(ROLE_NAMES[role] for role in roles), urged=item.urged_at is not None,
                subject=item.subject)


def tasks(engine: Engine, settings: Settings, *, user: str | None = None, overdue: bool = False,
          due_days: int | None = None, clearance: Clearance = UNRESTRICTED, today: date | None = None) -> list[Task]:
    """The open handlings: ``user``'s own (我的待办: named on it, or of the role it waits for);
    ``overdue`` ones and those due within ``due_days`` (either, when both are given). Overdue
    first, then by deadline, then as registered."""
    if due_days is not None and due_days < 0:
        raise InvalidValue(f"天数应不小于 0，收到 {due_days}", fix="Give --due-days 0 or more.")
    today = today or settings.today()
    account = _account(engine, user) if user else None
    found = []
    for item in open_items(engine, clearance):
        if account is not None and not _mine(item, account):
            continue
        task = _task(item, settings, today)
        if overdue or due_days is not None:
            late = overdue and task.overdue
            soon = due_days is not None and task.due_in is not None and 0 <= task.due_in <= due_days
            if not (late or soon):
                continue
        found.append(task)
    return sorted(found, key=lambda t: (not t.overdue, t.deadline is None, t.deadline or today))


def _mine(item: OpenItem, account: Account) -> bool:
    names, roles = responsible(item)
    return account.name in names or bool(set(roles) & set(account.roles))


# ----------------------------------------------------------------------------- 催办 digest

def digest(engine: Engine, settings: Settings, today: date | None = None) -> str:
    """The daily 催办 digest: for each person, what they have overdue or due within
    ``[handling] due_soon_days``, as plain text an office can mail. A role's items (领导 for a
    拟办 sent to no one) are listed for everyone enabled with that role."""
    today = today or settings.today()
    soon = settings.handling.due_soon_days
    accounts = [account for account in users.list_users(engine) if not account.disabled]
    by_person: dict[str, list[Task]] = {}
    for item in open_items(engine):
        task = _task(item, settings, today)
        if task.due_in is None or task.due_in > soon:
            continue
        names, roles = responsible(item)
        people = list(names) + [account.name for account in accounts if set(roles) & set(account.roles)]
        for person in dict.fromkeys(people):
            by_person.setdefault(person, []).append(task)
    lines = [f"催办日报 {today.isoformat()}（超期，及 {soon} 天内到期的待办）", ""]
    if not by_person:
        return "\n".join([*lines, "没有超期或即将到期的待办。", ""])
    shown = {account.name: account.display_name for account in accounts}
    for person in sorted(by_person):
        items = sorted(by_person[person], key=lambda t: t.due_in)
        label = f"{shown[person]}（{person}）" if shown.get(person) else person
        late = [t for t in items if t.overdue]
        lines.append(f"【{label}】超期 {len(late)} 件，即将到期 {len(items) - len(late)} 件")
        lines += [_line(task) for task in items]
        lines.append("")
    return "\n".join(lines)


def _line(task: Task) -> str:
    when = f"超期 {-task.due_in} 天" if task.overdue else ("今天到期" if task.due_in == 0 else f"{task.due_in} 天后到期")
    what = task.subject or task.title or ""
    item = f" 督办事项 {task.item}" if task.item else ""
    marks = "".join(f" [{mark}]" for mark in (task.urgency if task.urgency in URGENT else None,
                                                "已催办" if task.urged else None) if mark)
    return f"  - {task.reg_no}{item} {what}（{task.state}，时限 {task.deadline.isoformat()}，{when}）{marks}"
