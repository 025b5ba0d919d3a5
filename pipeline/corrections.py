"""A clerk's corrections and voids: the registry records them, the index follows at once."""

from __future__ import annotations

from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from pipeline.indexing import index_registered
from pipeline.understand import load_rules, withhold
from registry import corrections
from registry.models import Document


def correct(engine: Engine, settings: Settings, reg_no: str, field: str, value: str, actor: str, *,
            reason: str) -> Document:
    department_code = None
    if corrections.field_named(field) == "department":
        known = {department.name: department.code for department in load_rules(settings).departments}
        if value not in known:
            raise InvalidValue(f"没有名为「{value}」的承办部门", fix="One of: " + "、".join(known))
        department_code = known[value]
    document = corrections.correct(engine, settings, reg_no, field, value, actor, reason=reason,
                                   department_code=department_code, withhold=withhold_body)
    index_registered(engine, settings, [document.reg_no], actor)  # a body indexed before leaves it now
    return document


def withhold_body(document: Document) -> list[str]:
    """A record made 涉密: what its explanations quote of the body is replaced, as understanding
    words them for a document it reads as 涉密 (``understand.withhold``). Returns the names of
    what changed."""
    details = dict(document.details)
    details["why_route"] = list(withhold.why_route(details.get("why_route") or ()))
    details["checks"] = list(withhold.checks(details.get("checks") or ()))
    details["deadline_text"] = withhold.deadline_text(details.get("deadline_text"))
    changed = [name for name in ("why_route", "checks", "deadline_text")
               if details[name] != document.details.get(name, details[name])]
    warnings = list(withhold.checks(document.warnings or ()))
    if warnings != list(document.warnings or ()):
        changed.append("warnings")
        document.warnings = warnings
    if changed:
        document.details = {**document.details, **{name: details[name] for name in changed if name in details}}
    return changed


def void(engine: Engine, settings: Settings, reg_no: str, reason: str, actor: str) -> str:
    voided = corrections.void(engine, reg_no, reason, actor)
    index_registered(engine, settings, [voided], actor)
    return voided
