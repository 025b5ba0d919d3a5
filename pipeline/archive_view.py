"""归档 as one user sees it (issue 17): the web's 归档 page and ``GET /api/archive/plan``.

The plan is ``registry.archive_plan.plan``; this module takes out what lies above the viewer's
clearance — a record above it does not exist for them, here as everywhere — and says how many
were taken out. Filing numbers every 件 of the year, so a user who cannot see all of them may
neither file the year nor take out its 目录 or package: ``complete`` is False for them and the
page says why. The plan's ``fingerprint`` names what filing would number now, so a form posted
from a page that showed another plan can be refused rather than file what was not checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from core.errors import NotFound
from core.settings import Settings
from core.vocab import is_secret, visible_to
from registry import archive_plan, queries
from registry.archive_plan import Blocker, Excluded, Plan
from pipeline import archiving

UNFINISHED = "办件尚未办结"            # a blocker's reason: the 办件 is still being handled
UNREVIEWED = "初审提示未核对"          # its 初审 warnings wait for the clerk's check
NO_RETENTION = "没有保管期限"


@dataclass(frozen=True)
class ShownBlocker:
    """A record that blocks filing, with what the clerk can do about it from the 归档 page."""

    reg_no: str
    title: str | None
    reasons: tuple[str, ...]

    @property
    def unreviewed(self) -> bool:       # the 核对提示 form settles it
        return any(reason.startswith(UNREVIEWED) for reason in self.reasons)

    @property
    def unfinished(self) -> bool:       # the record's 办理 panel settles it
        return any(reason.startswith(UNFINISHED) for reason in self.reasons)

    @property
    def no_retention(self) -> bool:     # a 更正 of 保管期限 on the record's page settles it
        return any(NO_RETENTION in reason for reason in self.reasons)


@dataclass(frozen=True)
class YearView:
    year: int
    years: tuple[int, ...]            # years with records, newest first (the selector)
    plan: Plan                        # without what lies above the viewer's clearance
    blockers: tuple[ShownBlocker, ...]
    hidden: int                       # records of the year above the viewer's clearance
    secret: int                       # 涉密 件 filed (all visible to the viewer when complete)
    fingerprint: str                  # what filing would number now (the whole plan's)
    ready: bool                       # the whole plan is ready to file

    @property
    def complete(self) -> bool:
        """The viewer sees every record of the year: they may file it and take out its 目录."""
        return self.hidden == 0

    @property
    def may_file(self) -> bool:
        return self.complete and self.ready

    @property
    def why_not(self) -> str | None:
        """Why filing is not offered now, in the words the page shows; None when it is."""
        if not self.complete:
            return hidden_notice(self.hidden)
        if self.plan.blockers:
            return f"尚有 {len(self.plan.blockers)} 件文件不能归档，请先处理下方「尚不能归档」所列各件"
        if not self.plan.to_file:
            return f"{self.year} 年度没有待归档的文件"
        return None


def hidden_notice(count: int) -> str:
    return f"本年度有 {count} 件超出您密级权限的文件，须由有相应权限的文书归档"


def default_year(found: list[int], settings: Settings) -> int:
    """Offices file last year's documents (the CLI's default), else the newest year there is."""
    last = settings.today().year - 1
    return last if last in found or not found else found[0]


def year_view(engine: Engine, settings: Settings, year: int | None, clearance: str | None) -> YearView:
    """The year (None: ``default_year``) as this viewer may see it."""
    years = archive_plan.years(engine, settings)
    year = default_year(years, settings) if year is None else year
    whole = archive_plan.plan(engine, settings, year)
    secrecy = _secrecy(engine, whole)
    seen = {reg_no for reg_no, level in secrecy.items() if visible_to(level, clearance)}
    categories = tuple(replace(c, items=tuple(item for item in c.items if item.reg_no in seen))
                       for c in whole.categories)
    shown = replace(whole, categories=tuple(c for c in categories if c.items),
                    blockers=tuple(b for b in whole.blockers if b.reg_no in seen),
                    excluded=tuple(e for e in whole.excluded if e.reg_no in seen))
    return YearView(
        year=year, years=tuple(years), plan=shown,
        blockers=tuple(ShownBlocker(b.reg_no, b.title, b.reasons) for b in shown.blockers),
        hidden=len(secrecy) - len(seen),
        secret=sum(1 for c in whole.categories for item in c.items if item.filed and is_secret(item.secrecy)),
        fingerprint=fingerprint(whole), ready=whole.ready)


def review(engine: Engine, reg_no: str, clearance: str | None, actor: str, reason: str) -> list[str]:
    """核对提示 (``archive review``) of a record this user may see: one above their clearance is
    ``NotFound``, as everywhere."""
    document = queries.get_visible(engine, reg_no.strip(), clearance)
    return archiving.review(engine, document.reg_no, actor, reason)


def fingerprint(found: Plan) -> str:
    """A short digest of the 件 filing would number and how: each unfiled 件's 登记号 and
    planned 档号, in order."""
    planned = "\n".join(f"{item.reg_no}\t{item.archive_code}" for c in found.categories for item in c.items
                        if not item.filed)
    return hashlib.sha256(f"{found.year}\n{planned}".encode()).hexdigest()[:16]


def _secrecy(engine: Engine, found: Plan) -> dict[str, str | None]:
    """Every record of the year → its 密级. The plan's 件 carry it; a blocker that is no 件
    (no 保管期限) and a voided record are looked up."""
    levels = {item.reg_no: item.secrecy for c in found.categories for item in c.items}
    others: list[Blocker | Excluded] = [*found.blockers, *found.excluded]
    for record in others:
        if record.reg_no not in levels:
            try:
                levels[record.reg_no] = queries.get(engine, record.reg_no).secrecy
            except NotFound:  # gone between the two reads: nothing to show or count
                continue
    return levels
