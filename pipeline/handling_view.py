"""办理 as the web pages show it (issue 16): the 文件 page's handling panel, a 纪要's 督办 proposals
confirmed from it, and the 我的待办 lists — each within the viewer's clearance, so a record above
it is ``NotFound`` here exactly as on the rest of the web (``registry.queries.get_visible``).

The state machine itself is ``registry.handling`` (reading, ``allowed_actions``) and
``pipeline.handling`` (``act``, which the routes call directly, and ``tasks``); this module only
gathers what one page needs in one call, so the routes stay one call each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import HANDLING_STATES
from pipeline import handling as steps
from pipeline import supervision
from registry import queries, users
from registry.handling import CLERK, Handling, allowed_actions, get_handling, items
from registry.users import Account

# Who may be named 主办/协办 (and get a 转办), and who may be given a 阅件 or be urged.
LEAD_ROLES = frozenset({"handler"})
LEADER_ROLES = frozenset({"leader"})        # whom a 拟办 may be sent to for 批示
PEOPLE_ROLES = frozenset({"clerk", "leader", "handler"})
MINUTES = frozenset({"纪要"})   # whose 议定事项 are proposed as 督办 items
READER_SLOTS = 4          # empty 传阅 rows the form offers (more after the readers already set)


@dataclass(frozen=True)
class Person:
    name: str
    label: str            # as a select shows it: 赵院长（leader）


@dataclass(frozen=True)
class Panel:
    """What the 办理 panel of one record shows to one viewer."""

    reg_no: str
    doc_type: str | None
    direction: str
    today: date
    handlings: tuple[Handling, ...]             # the record's own (item 0) first, then 督办 items
    allowed: dict[int, tuple[str, ...]]         # item → the steps this viewer may take now
    handlers: tuple[Person, ...]                # who may be 主办/协办
    people: tuple[Person, ...]                  # who may read a 阅件 or be urged
    leaders: tuple[Person, ...] = ()            # whom a 拟办 may be sent to
    names: dict[str, str] = field(default_factory=dict)   # user → display name
    skips_instruction: bool = False             # this 文种 goes from 拟办 straight to 承办
    proposals: tuple[supervision.Proposal, ...] = ()   # 督办 proposals of a 纪要, for the clerk to confirm
    may_confirm: bool = False
    notice: str | None = None
    error: str | None = None
    reader_slots: int = READER_SLOTS

    def who(self, name: str | None) -> str:
        return self.names.get(name, name) if name else ""

    def overdue(self, handling: Handling) -> bool:
        return bool(handling.deadline and handling.deadline < self.today and handling.is_open)

    def urge_targets(self, handling: Handling) -> tuple[Person, ...]:
        """Those the 催办 form offers: whoever holds it and its 主办/协办 first, then everyone."""
        first = [name for name in (handling.holder, *handling.lead, *handling.assist) if name]
        ranked = {name: index for index, name in enumerate(dict.fromkeys(first))}
        return tuple(sorted(self.people, key=lambda person: ranked.get(person.name, len(ranked))))


def panel(engine: Engine, settings: Settings, reg_no: str, account: Account, *, notice: str | None = None,
          error: str | None = None) -> Panel:
    """The handling panel of a record this account may see (``NotFound`` otherwise)."""
    document = queries.get_visible(engine, reg_no, account.clearance)
    found = items(engine, document.reg_no)
    accounts = users.list_users(engine)
    proposed = supervision.proposals(engine, settings, document.reg_no) if document.doc_type in MINUTES else []
    return Panel(
        reg_no=document.reg_no, doc_type=document.doc_type, direction=document.direction, today=settings.today(),
        handlings=tuple(found),
        allowed={handling.item: allowed_actions(handling, account) for handling in found},
        handlers=_people(accounts, LEAD_ROLES), people=_people(accounts, PEOPLE_ROLES),
        leaders=_people(accounts, LEADER_ROLES),
        names={each.name: each.display_name or each.name for each in accounts},
        skips_instruction=document.doc_type in settings.handling.skip_instruction,
        proposals=tuple(proposed), may_confirm=CLERK in account.roles and not account.disabled,
        notice=notice, error=error)


def handling_of(engine: Engine, reg_no: str, clearance: queries.Clearance, item: int = 0) -> Handling | None:
    """A visible record's handling (None: it has none)."""
    return get_handling(engine, queries.get_visible(engine, reg_no, clearance).reg_no, item)


def confirm(engine: Engine, settings: Settings, reg_no: str, account: Account,
            numbers: list[int] | tuple[int, ...]) -> list[Handling]:
    """The clerk confirms 督办 proposals of a 纪要 this account may see (``pipeline.supervision``)."""
    document = queries.get_visible(engine, reg_no, account.clearance)
    return supervision.confirm(engine, settings, document.reg_no, list(numbers), account.name)


def _people(accounts: list[Account], roles: frozenset[str]) -> tuple[Person, ...]:
    return tuple(Person(each.name, f"{each.display_name}（{each.name}）" if each.display_name else each.name)
                 for each in accounts if not each.disabled and roles & set(each.roles))


# ----------------------------------------------------------------------------- 待办 lists

@dataclass(frozen=True)
class Listing:
    """The 我的待办 page (and ``/api/tasks``): open items, the overdue ones apart."""


    today: date
    mine: bool
    state: str | None
    overdue_only: bool
    due_days: int | None
    tasks: tuple[steps.Task, ...]               # all of them, as the task list orders them
    names: dict[str, str] = field(default_factory=dict)

    @property
    def overdue(self) -> tuple[steps.Task, ...]:
        return tuple(task for task in self.tasks if task.overdue)

    @property
    def open(self) -> tuple[steps.Task, ...]:
        return tuple(task for task in self.tasks if not task.overdue)

    @property
    def described(self) -> str:
        parts = ["我的待办" if self.mine else "全部在办"]
        if self.state:
            parts.append(f"办理状态 {self.state}")
        if self.overdue_only:
            parts.append("只看已逾期")
        if self.due_days is not None:
            parts.append(f"{self.due_days} 日内到期")
        return "，".join(parts)

    def who(self, name: str | None) -> str:
        return self.names.get(name, name) if name else ""


def listing(engine: Engine, settings: Settings, account: Account, *, mine: bool = True, state: str | None = None,
            overdue: bool = False, due_days: int | str | None = None, with_overdue: bool = False) -> Listing:
    """Open 办理 items within the account's clearance: its own (``mine``) or everyone's; only the
    ``overdue`` ones, or those due within ``due_days`` (and, ``with_overdue``, the overdue too:
    the page shows them above)."""
    days = _days(due_days)
    if state is not None and state not in HANDLING_STATES:
        raise InvalidValue(f"办理状态「{state}」无效", fix="One of: " + ", ".join(HANDLING_STATES) + ".")
    found = steps.tasks(engine, settings, user=account.name if mine else None,
                        overdue=overdue or (with_overdue and days is not None), due_days=None if overdue else days,
                        clearance=account.clearance)
    return Listing(today=settings.today(), mine=mine, state=state, overdue_only=overdue, due_days=days,
                   tasks=tuple(task for task in found if state is None or task.state == state),
                   names=display_names(engine))


def display_names(engine: Engine) -> dict[str, str]:
    return {each.name: each.display_name or each.name for each in users.list_users(engine)}


def _days(value: int | str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= 3650:
        raise InvalidValue(f"到期天数应是 0 到 3650 的整数，收到「{value}」", fix="Give due_days as a whole number.")
    return days
