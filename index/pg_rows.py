"""A record's search row for PostgreSQL (the table of registry migration 0010): the whoosh
fields of ``index.writer.document_fields`` as columns, and ``tokens``, its tsvector literal.

The registry writes the row in the record's own transaction; it cannot analyse Chinese text
itself (it imports nothing of the index), so the pipeline hands it ``search_row``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from index.analysis import normalize
from index.documents import IndexDoc
from index.tsvector import document_tsvector
from index.writer import document_fields

# The columns a ``字段:值`` substring condition reads (as whoosh's bigram fields of the same names).
SUBSTRING_COLUMNS = {"issuer_bi": "issuer_norm", "department_bi": "department_norm",
                     "doc_number_bi": "doc_number_norm", "reg_no_bi": "reg_no_norm", "archive_bi": "archive_norm"}


def _norm(value: str | None) -> str | None:
    return normalize(value) if value else None


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def search_row(doc: IndexDoc, zone: ZoneInfo) -> dict[str, Any]:
    """The row of one record: every column of ``registry.search_rows.COLUMNS`` (a test holds the two
    together); ``tokens`` is a tsvector literal."""
    fields = document_fields(doc, zone)
    seq = fields.get("doc_number_seq")
    return {
        "reg_no": doc.reg_no, "version": doc.version, "registered_at": fields["registered_at"],
        "date": fields["date"].date(), "date_value": doc.date, "title": doc.title,
        "doc_number": doc.doc_number, "doc_number_key": fields.get("doc_number_key"),
        "doc_number_norm": _norm(doc.doc_number), "doc_number_seq": int(seq) if seq else None,
        "reg_no_key": fields["reg_no_key"], "reg_no_norm": normalize(doc.reg_no),
        "issuer": fields.get("issuer"), "issuer_norm": _norm(doc.issuer),
        "department": fields.get("department"), "department_norm": _norm(doc.department),
        **{name: fields.get(name) for name in ("doc_type", "direction", "route", "urgency", "secrecy", "status")},
        "secret": fields["secret"] == "1", "deadline": _day(fields.get("deadline")),
        "archive_code": fields.get("archive_code"), "archive_norm": _norm(doc.archive_code),
        "body": fields.get("body"), "tokens": document_tsvector(doc),
    }
