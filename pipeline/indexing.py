"""Keeping the search index in step with the registry, its source of truth.

The registry hands out records; the index takes them; the registry records that it happened.
A document whose indexing failed (index busy, disk full) stays registered: `wenshu index check`
finds it as missing and `--fix` or `wenshu reindex` repairs it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import index
from core.errors import WenshuError
from core.settings import Settings
from registry import audit, records
from registry.exports import record_json
from registry.models import Document

log = logging.getLogger(__name__)


def index_record(document: Document, settings: Settings) -> dict[str, Any]:
    """The record as the index takes it; ``version`` changes whenever the record does."""
    return {**record_json(document, settings, with_text=True), "version": audit.record_digest(document)}


def index_registered(engine: Engine, settings: Settings, reg_nos: Iterable[str], actor: str) -> bool:
    """Index these records now and audit it; False (logged) when the index could not take them."""
    wanted = list(reg_nos)
    with Session(engine) as session:
        documents = session.scalars(select(Document).where(Document.reg_no.in_(wanted))).all()
        payload = [index_record(document, settings) for document in documents]
    try:
        index.index_documents(settings, payload)
    except (WenshuError, OSError) as error:
        log.warning("indexing %s failed, `wenshu index check --fix` will repair it: %s", wanted, error)
        return False
    if payload:
        records.record_indexed(engine, {record["reg_no"]: record["version"] for record in payload}, actor)
    return True


def index_unindexed(engine: Engine, settings: Settings, actor: str) -> int:
    """Index the records the index lacks or holds in an older version; returns how many."""
    drift = index.check(settings, expected_versions(engine))
    behind = [*drift.missing, *drift.stale]
    if behind:
        index_registered(engine, settings, behind, actor)
    return len(behind)


def all_records(engine: Engine, settings: Settings, batch: int = 500) -> Iterator[dict[str, Any]]:
    with Session(engine) as session:
        query = select(Document).order_by(Document.id).execution_options(yield_per=batch)
        for document in session.scalars(query):
            yield index_record(document, settings)
            session.expunge(document)


def count_records(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Document))


def expected_versions(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {document.reg_no: audit.record_digest(document)
                for document in session.scalars(select(Document).execution_options(yield_per=500))}
