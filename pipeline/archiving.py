"""归档 as the office does it (docs/archive.md): see the year's plan, file it, put the 件 into
boxes. The registry numbers and records; this module adds what follows a filing (the search
index learns the final 档号) and how the 件 fill 档案盒.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from core.settings import Settings
from pipeline import indexing
from pipeline.corrections import withhold_body
from registry import archive_file, archive_plan
from registry.archive_plan import Category, Item, Plan
from registry.models import Document


@dataclass(frozen=True)
class Box:
    """One 档案盒: 件 of one category in 件号 order, up to ``[archive] box_pages`` pages (a
    single 件 longer than that has a box of its own)."""

    number: int            # 盒号 within the category
    category: Category
    items: tuple[Item, ...]

    @property
    def first_item(self) -> int:
        return self.items[0].item_no

    @property
    def last_item(self) -> int:
        return self.items[-1].item_no

    @property
    def pages(self) -> int:
        return sum(item.pages or 0 for item in self.items)


def plan(engine: Engine, settings: Settings, year: int) -> Plan:
    return archive_plan.plan(engine, settings, year)


def plan_to_json(found: Plan) -> dict[str, Any]:
    """A plan as data: ``wenshu archive plan --json`` and ``GET /api/archive/plan``."""
    def item(i: Item) -> dict[str, Any]:
        return {"reg_no": i.reg_no, "item_no": i.item_no, "archive_code": i.archive_code, "filed": i.filed,
                "doc_number": i.doc_number, "issuer": i.issuer, "title": i.title, "title_supplied": i.title_supplied,
                "date": i.date.isoformat() if i.date else None, "secrecy": i.secrecy, "pages": i.pages,
                "retention": i.retention, "rule": i.rule, "together_with": i.together_with, "note": i.note}

    return {"year": found.year, "ready": found.ready, "to_file": found.to_file, "filed": found.filed,
            "categories": [{"code": c.code, "retention": c.retention, "unit_code": c.unit_code,
                            "unit_name": c.unit_name, "items": [item(i) for i in c.items]} for c in found.categories],
            "blockers": [{"reg_no": b.reg_no, "title": b.title, "reasons": list(b.reasons)} for b in found.blockers],
            "excluded": [{"reg_no": e.reg_no, "title": e.title, "reason": e.reason} for e in found.excluded]}


def file_year(engine: Engine, settings: Settings, year: int, actor: str) -> archive_file.Filing:
    """File the year, then tell the search index the final 档号 (the registry has them
    whatever happens to the index; ``wenshu index check --fix`` catches up a failed update)."""
    done = archive_file.file_year(engine, settings, year, actor)
    indexing.index_registered(engine, settings, [reg_no for reg_no, _ in done.filed], actor)
    return done


def review(engine: Engine, reg_no: str, actor: str, reason: str) -> list[str]:
    return archive_file.review(engine, reg_no, actor, reason)


def correct_filed(engine: Engine, settings: Settings, reg_no: str, field: str, value: str, actor: str, *,
                  reason: str) -> Document:
    """档案更正, then the index follows (a body made 涉密 leaves it)."""
    document = archive_file.correct_filed(engine, settings, reg_no, field, value, actor, reason=reason,
                                          withhold=withhold_body)
    indexing.index_registered(engine, settings, [document.reg_no], actor)
    return document


def boxes(category: Category, settings: Settings) -> tuple[Box, ...]:
    found: list[Box] = []
    current: list[Item] = []
    pages = 0
    for item in category.items:
        if current and pages + (item.pages or 0) > settings.archive.box_pages:
            found.append(Box(len(found) + 1, category, tuple(current)))
            current, pages = [], 0
        current.append(item)
        pages += item.pages or 0
    if current:
        found.append(Box(len(found) + 1, category, tuple(current)))
    return tuple(found)
