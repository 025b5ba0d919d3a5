"""A clerk's corrections and voids: the registry records them, the index follows at once."""

from __future__ import annotations

from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from pipeline.indexing import index_registered
from pipeline.understand import load_rules
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
                                   department_code=department_code)
    index_registered(engine, settings, [document.reg_no], actor)
    return document


def void(engine: Engine, settings: Settings, reg_no: str, reason: str, actor: str) -> str:
    voided = corrections.void(engine, reg_no, reason, actor)
    index_registered(engine, settings, [voided], actor)
    return voided
