"""The registry as the pipeline opens it: on PostgreSQL, with the builder of search rows bound,
so that every write transaction keeps the search rows of the records it changes
(``registry.search_rows``). Every part of the pipeline opens the registry here."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Engine

from core.settings import Settings
from registry import db, search_rows
from registry.models import Document


def search_row(settings: Settings, document: Document) -> dict[str, Any]:
    """The search row of a record as the registry holds it now."""
    # Imported here: the analysis (rjieba, whoosh) is loaded by processes that write rows only.
    from index.pg_rows import search_row as row_of
    from pipeline.indexing import index_record

    return row_of(index_record(document, settings), settings.zone)


def open_registry(settings: Settings) -> Engine:
    return search_rows.bind(db.open_registry(settings), partial(search_row, settings))
