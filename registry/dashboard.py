"""The counts of the web 工作台: what was registered today, and the 办件 whose time runs out.

Each respects the user's 保密 clearance as every reading of the register does
(``queries.visible_clause``): a record above it is in no count and no list. ``clearance`` has no
default; ``queries.UNRESTRICTED`` counts everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine, func, select

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import ACTION_ITEM, DIRECTIONS, RecordStatus
from registry.models import Document
from registry.queries import Clearance, LogFilter, apply_filters, visible_clause


def day_counts(engine: Engine, settings: Settings, day: date, clearance: Clearance) -> dict[str, int]:
    """Records registered on ``day`` (the office's time zone) per direction, 收文 and 发文 both
    present. Voided ones count, as the day's ``log`` lists them: the number was taken that day."""
    query = apply_filters(select(Document.direction, func.count()), settings, LogFilter(date_from=day, date_to=day))
    clause = visible_clause(Document.secrecy, clearance)
    if clause is not None:
        query = query.where(clause)
    counts = dict.fromkeys(DIRECTIONS, 0)
    with engine.connect() as connection:
        for direction, count in connection.execute(query.group_by(Document.direction)):
            counts[direction] = counts.get(direction, 0) + count
    return counts


@dataclass(frozen=True)
class DueItem:
    reg_no: str
    title: str | None
    deadline: date
    urgency: str | None
    issuer: str | None


@dataclass(frozen=True)
class DueItems:
    due: tuple[DueItem, ...]      # deadline from today to today + within_days, soonest first
    overdue: tuple[DueItem, ...]  # deadline before today, longest overdue first


def due_items(engine: Engine, settings: Settings, today: date, within_days: int, clearance: Clearance) -> DueItems:
    """办件 still 已登记 (not voided) with a 办理时限: those due within ``within_days`` days of
    ``today`` (today included) and those already overdue (deadline before today)."""
    if not isinstance(within_days, int) or within_days < 0:
        raise InvalidValue(f"天数应是不小于 0 的整数，收到 {within_days!r}", fix="Pass within_days >= 0.")
    query = (select(Document.reg_no, Document.title, Document.deadline, Document.urgency, Document.issuer)
             .where(Document.route == ACTION_ITEM, Document.status == RecordStatus.REGISTERED.value,
                    Document.deadline.is_not(None), Document.deadline <= today + timedelta(days=within_days))
             .order_by(Document.deadline, Document.registered_at, Document.id))
    clause = visible_clause(Document.secrecy, clearance)
    if clause is not None:
        query = query.where(clause)
    with engine.connect() as connection:
        items = [DueItem(*row) for row in connection.execute(query)]
    return DueItems(due=tuple(item for item in items if item.deadline >= today),
                    overdue=tuple(item for item in items if item.deadline < today))
