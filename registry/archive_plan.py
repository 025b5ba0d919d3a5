"""What a year's filing (归档, DA/T 22-2015) holds: its categories (年度-保管期限-机构), the 件 of
each in order with their 件号, what blocks filing and what is left out.

Order within a category: by 成文日期 (else the day it was registered); a 请示 (or 函) directly
followed by the 批复 (复函) that answers it, the two kept at the longer of their periods; a
正本 before the 附件 registered apart with the same 发文机关 and 文号. 件号 run 1..n; a category
already filed keeps its numbers and goes on after its last.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session, defer

from core.settings import Settings
from core.vocab import ACTION_ITEM, FINISHED, INCOMING, RecordStatus
from registry.audit import as_utc
from registry.filing import (RETENTION_CODES, RETENTION_NAMES, RETENTION_ORDER, archive_code, category, classify,
                             filing_year)
from registry.models import Document, HandlingRow

ATTACHMENT_PREFIXES = ("附件", "定稿")


@dataclass(frozen=True)
class Item:
    """One 件, as the 归档文件目录, the package and the 归档 page show it."""

    reg_no: str
    item_no: int
    archive_code: str
    filed: bool
    filed_at: datetime | None
    direction: str
    doc_type: str | None
    doc_number: str | None
    issuer: str | None
    title: str | None
    title_supplied: bool
    date: date | None
    registered_at: datetime
    secrecy: str | None
    secrecy_period: str | None
    urgency: str | None
    recipients: tuple[str, ...]
    cc: tuple[str, ...]
    pages: int | None
    format: str | None
    file_name: str
    sha256: str
    stored_path: str
    size: int | None
    retention: str
    retention_code: str
    unit_code: str
    rule: str
    together_with: str | None
    note: str


@dataclass(frozen=True)
class Category:
    code: str
    fonds_code: str
    year: int
    retention: str
    retention_code: str
    unit_code: str
    unit_name: str
    items: tuple[Item, ...]

    @property
    def pages(self) -> int:
        return sum(item.pages or 0 for item in self.items)


@dataclass(frozen=True)
class Blocker:
    reg_no: str
    title: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Excluded:
    reg_no: str
    title: str | None
    reason: str


@dataclass(frozen=True)
class Plan:
    year: int
    categories: tuple[Category, ...]
    blockers: tuple[Blocker, ...]
    excluded: tuple[Excluded, ...]

    @property
    def to_file(self) -> int:
        return sum(1 for c in self.categories for item in c.items if not item.filed)

    @property
    def filed(self) -> int:
        return sum(1 for c in self.categories for item in c.items if item.filed)

    @property
    def ready(self) -> bool:
        return not self.blockers and self.to_file > 0

    def item(self, reg_no: str) -> Item | None:
        return next((item for c in self.categories for item in c.items if item.reg_no == reg_no), None)


def plan(engine: Engine, settings: Settings, year: int) -> Plan:
    with Session(engine) as session:
        return plan_in(session, settings, year)


def filed(engine: Engine, settings: Settings, year: int) -> tuple[Category, ...]:
    """The categories of a year as filed: only 件 with their final 件号."""
    found = plan(engine, settings, year)
    kept = (replace(c, items=tuple(item for item in c.items if item.filed)) for c in found.categories)
    return tuple(c for c in kept if c.items)


def years(engine: Engine, settings: Settings) -> list[int]:
    """The 年度 that have records, newest first."""
    with Session(engine) as session:
        rows = session.execute(select(Document.date, Document.registered_at)).all()
    return sorted({d.year if d else as_utc(at).astimezone(settings.zone).year for d, at in rows}, reverse=True)


# ----------------------------------------------------------------------------- building

def plan_in(session: Session, settings: Settings, year: int) -> Plan:
    """The plan read in ``session`` (``archive_file`` reads it inside its write transaction)."""
    documents = _of_year(session, settings, year)
    states = _handling_states(session, [d.reg_no for d in documents])
    blockers, excluded, candidates = [], [], []
    for document in documents:
        if document.status == RecordStatus.VOID:
            excluded.append(Excluded(document.reg_no, document.title, f"已作废：{document.void_reason or ''}"))
            continue
        if document.item_no is None and (reasons := _blocking(document, states.get(document.reg_no), settings)):
            blockers.append(Blocker(document.reg_no, document.title, reasons))
        candidates.append(document)
    items = [_item(d, settings) for d in candidates if d.item_no is not None or classify(d, settings)]
    items = _pair_replies(items, {d.reg_no: d for d in candidates}, settings)
    return Plan(year, _categories(items, candidates, settings), tuple(blockers), tuple(excluded))


def _of_year(session: Session, settings: Settings, year: int) -> list[Document]:
    """Records whose 年度 is ``year``: signed that year, or undated and registered that year
    (the office's days, as ``filing.filing_year``)."""
    start = datetime.combine(date(year, 1, 1), time(), settings.zone)
    end = datetime.combine(date(year + 1, 1, 1), time(), settings.zone)
    dated = and_(Document.date >= date(year, 1, 1), Document.date < date(year + 1, 1, 1))
    undated = and_(Document.date.is_(None), Document.registered_at >= start - timedelta(days=1),
                   Document.registered_at < end + timedelta(days=1))
    # The body text is read only where a record is written (its digest hashes the text).
    rows = session.scalars(select(Document).options(defer(Document.text)).where(or_(dated, undated))
                           .order_by(Document.id)).all()
    return [d for d in rows if filing_year(d, settings) == year]


def _handling_states(session: Session, reg_nos: Sequence[str]) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(reg_nos), 500):
        chunk = reg_nos[start:start + 500]
        rows = session.execute(select(HandlingRow.reg_no, HandlingRow.route, HandlingRow.state)
                               .where(HandlingRow.item == 0, HandlingRow.reg_no.in_(chunk)))
        found.update({reg_no: (route, state) for reg_no, route, state in rows})
    return found


def _blocking(document: Document, handling: tuple[str, str] | None, settings: Settings) -> tuple[str, ...]:
    reasons = []
    if document.direction == INCOMING and document.route == ACTION_ITEM:
        state = handling[1] if handling else "待拟办"
        if state != FINISHED:
            reasons.append(f"办件尚未办结（{state}）")
    if unreviewed := unreviewed_warnings(document):
        reasons.append("初审提示未核对：" + "；".join(unreviewed))
    if document.item_no is None and classify(document, settings) is None:
        reasons.append("没有保管期限，请先更正「保管期限」")
    return tuple(reasons)


def unreviewed_warnings(document: Document) -> list[str]:
    reviewed = set(document.details.get("reviewed_warnings") or ())
    return [w for w in document.warnings if w not in reviewed]


def _item(document: Document, settings: Settings) -> Item:
    details = document.details
    if document.item_no is not None:  # filed: its category is in its 档号
        code, retention_code, unit_code = _parts(document.archive_code or "")
        retention = RETENTION_NAMES[retention_code]
        rule = details.get("retention_rule") or ""
    else:
        found = classify(document, settings)
        retention, retention_code, unit_code, rule = found.retention, found.retention_code, found.unit_code, found.rule
    return Item(
        reg_no=document.reg_no, item_no=document.item_no or 0, archive_code=document.archive_code or "",
        filed=document.item_no is not None, filed_at=as_utc(document.filed_at) if document.filed_at else None,
        direction=document.direction, doc_type=document.doc_type, doc_number=document.doc_number,
        issuer=document.issuer, title=document.title, title_supplied=bool(details.get("title_supplied")),
        date=document.date, registered_at=as_utc(document.registered_at), secrecy=document.secrecy,
        secrecy_period=details.get("secrecy_period"), urgency=document.urgency,
        recipients=tuple(details.get("recipients") or ()), cc=tuple(details.get("cc") or ()),
        pages=document.pages, format=document.format, file_name=document.file_name, sha256=document.sha256,
        stored_path=document.stored_path, size=_size(settings.stored_file(document.stored_path)),
        retention=retention, retention_code=retention_code, unit_code=unit_code, rule=rule,
        together_with=None, note="")


def _parts(code: str) -> tuple[str, str, str]:
    """(category, 期限代码, 机构代码) of a final 档号 全宗号-WS·年度-期限-机构-件号."""
    category_code = code.rsplit("-", 1)[0]
    _, _, retention_code, unit_code = category_code.split("-")
    return category_code, retention_code, unit_code


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _pair_replies(items: list[Item], documents: dict[str, Document], settings: Settings) -> list[Item]:
    """A reply not yet filed follows the 请示 or 函 it answers (of the same year) into its
    category, and the two take the longer of their periods. Filed, it keeps its 备注."""
    by_reg_no = {item.reg_no: item for item in items}
    for item in list(by_reg_no.values()):
        for original_no in documents[item.reg_no].details.get("answers") or ():
            original = by_reg_no.get(original_no)
            if original is None:
                continue
            note = f"答复 {original.doc_number or original.reg_no}"
            if item.filed:
                by_reg_no[item.reg_no] = replace(item, note=note)
                break
            longer = min(original.retention, item.retention, key=RETENTION_ORDER.index)
            if not original.filed and longer != original.retention:
                by_reg_no[original.reg_no] = original = replace(
                    original, retention=longer, retention_code=RETENTION_CODES[longer],
                    rule=f"{original.rule}；与答复它的 {item.reg_no} 同期保管")
            unit, retention = original.unit_code, original.retention
            if original.filed:  # already numbered: the reply goes to its own category, as long
                unit, retention = item.unit_code, longer
            moved = retention != item.retention or unit != item.unit_code
            by_reg_no[item.reg_no] = replace(
                item, retention=retention, retention_code=RETENTION_CODES[retention], unit_code=unit,
                rule=f"{item.rule}；与所答复的 {original.reg_no} 同期保管" if moved else item.rule,
                together_with=None if original.filed else original.reg_no, note=note)
            break
    return list(by_reg_no.values())


def _categories(items: Iterable[Item], documents: list[Document], settings: Settings) -> tuple[Category, ...]:
    grouped: dict[tuple[int, str, str], list[Item]] = defaultdict(list)
    years = {d.reg_no: filing_year(d, settings) for d in documents}
    for item in items:
        year = int(item.archive_code.split("·")[1].split("-")[0]) if item.filed else years[item.reg_no]
        grouped[(year, item.retention_code, item.unit_code)].append(item)
    names = _unit_names(documents, settings)
    categories = []
    for (year, retention_code, unit_code), members in sorted(
            grouped.items(), key=lambda kv: (RETENTION_ORDER.index(RETENTION_NAMES[kv[0][1]]), kv[0][2])):
        code = category(settings, year, RETENTION_NAMES[retention_code], unit_code)
        categories.append(Category(
            code=code, fonds_code=settings.office.fonds_code, year=year, retention=RETENTION_NAMES[retention_code],
            retention_code=retention_code, unit_code=unit_code, unit_name=names.get(unit_code, unit_code),
            items=_numbered(code, members, settings)))
    return tuple(categories)


def _unit_names(documents: list[Document], settings: Settings) -> dict[str, str]:
    names = {settings.office.unit_code: settings.fonds_name}
    for document in documents:
        code = document.details.get("department_code")
        if code and document.department:
            names.setdefault(code, document.department)
    return names


def _numbered(code: str, members: list[Item], settings: Settings) -> tuple[Item, ...]:
    """Filed 件 keep their 件号; the others follow in order from the last one."""
    done = sorted((item for item in members if item.filed), key=lambda item: item.item_no)
    last = done[-1].item_no if done else 0
    fresh = [replace(item, item_no=last + n, archive_code=archive_code(code, last + n))
             for n, item in enumerate(_ordered([item for item in members if not item.filed], settings), 1)]
    return (*done, *fresh)


def _ordered(items: list[Item], settings: Settings) -> list[Item]:
    """By day, a reply right after what it answers, a 附件 right after its 正本."""
    def key(item: Item) -> tuple:
        day = item.date or item.registered_at.astimezone(settings.zone).date()
        return (day, item.registered_at, item.reg_no)

    followers: dict[str, list[Item]] = defaultdict(list)
    present = {item.reg_no for item in items}
    heads = []
    principal = _principals(items)
    for item in items:
        leader = item.together_with if item.together_with in present else principal.get(item.reg_no)
        (followers[leader].append(item) if leader else heads.append(item))
    ordered: list[Item] = []

    def place(item: Item) -> None:
        ordered.append(item)
        for follower in sorted(followers.get(item.reg_no, ()), key=key):
            place(follower)

    for item in sorted(heads, key=key):
        place(item)
    return ordered


def _principals(items: list[Item]) -> dict[str, str]:
    """附件 or 定稿 registered apart -> the 正本 with the same 发文机关 and 文号."""
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        if item.doc_number and item.issuer:
            groups[(item.issuer, item.doc_number)].append(item)
    principal: dict[str, str] = {}
    for members in groups.values():
        main = [m for m in members if not (m.title or "").startswith(ATTACHMENT_PREFIXES)]
        if len(members) < 2 or not main:
            continue
        for member in members:
            if member is not main[0] and (member.title or "").startswith(ATTACHMENT_PREFIXES):
                principal[member.reg_no] = main[0].reg_no
    return principal
