"""The 登记簿 and the audit trail taken out of the web application, as CSV (UTF-8 with a byte
order mark, so that Excel reads the Chinese) or XLSX, written by ``registry.exports`` as the CLI
writes them.

Every export is recorded (``records.record_export``, with the user, the filters and the number
of rows) before its first byte leaves: an export the audit log cannot record does not happen.
Nothing is built in memory: CSV streams from the registry's cursor, a chunk every few hundred
rows, and stops at the count it recorded (rows registered while it streams are not in it); XLSX
is written row by row (openpyxl's write-only mode) into a private temporary folder, recorded
with the rows it holds, opened, removed, and streamed from the open file.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from registry import auditlog, queries, records
from registry.auditlog import AuditFilter
from registry.exports import HEADINGS, csv_chunks, record_json, register_rows, write_table_xlsx, write_xlsx
from registry.queries import Clearance, LogFilter
from pipeline.auditview import AUDIT_HEADINGS, audit_row

KINDS = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_ROWS_PER_CHUNK = 500
_FILE_CHUNK = 1 << 16


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    count: int
    chunks: Iterator[bytes]

    @property
    def disposition(self) -> str:
        """``attachment`` with the Chinese name (RFC 6266/5987) and an ASCII one for old clients."""
        fallback = "wenshu" + Path(self.filename).suffix
        return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(self.filename)}"


def register_download(engine: Engine, settings: Settings, filters: LogFilter, kind: str, *,
                      clearance: Clearance, mask: bool, actor: str) -> Download:
    """The 登记簿 with these filters, as the user may see it (``log``'s clearance and mask),
    oldest first as the CLI exports it, in the CLI's columns."""
    _check_kind(kind)
    name = _name("登记簿", settings, kind)

    def rows() -> Iterator[dict[str, Any]]:
        for document in queries.log(engine, settings, filters, clearance=clearance, mask=mask):
            yield record_json(document, settings)

    if kind == "xlsx":
        with _spool() as path:
            count = write_xlsx(rows(), path)
            records.record_export(engine, what="xlsx", filters=filters.as_dict(), count=count, actor=actor,
                                  destination="web")
            return Download(name, KINDS[kind], count, file_chunks(path))
    count = queries.count_log(engine, settings, filters, clearance=clearance, mask=mask)
    records.record_export(engine, what="csv", filters=filters.as_dict(), count=count, actor=actor,
                          destination="web")
    return Download(name, KINDS[kind], count, _csv_chunks(HEADINGS, register_rows(rows()), count))


def audit_download(engine: Engine, settings: Settings, filters: AuditFilter, kind: str, *,
                   clearance: Clearance, reveal_numbers: bool, actor: str) -> Download:
    """The audit events with these filters, oldest first (the chain's order), masked as the
    user sees them on the page. The export's own event is not in it."""
    _check_kind(kind)
    name = _name("审计日志", settings, kind)

    def rows() -> Iterator[list[Any]]:
        for entry in auditlog.events(engine, settings, filters, clearance=clearance, reveal_numbers=reveal_numbers):
            yield audit_row(entry, settings)

    what = f"audit.{kind}"
    if kind == "xlsx":
        with _spool() as path:
            count = write_table_xlsx(AUDIT_HEADINGS, rows(), path, "审计日志")
            records.record_export(engine, what=what, filters=filters.as_dict(), count=count, actor=actor,
                                  destination="web")
            return Download(name, KINDS[kind], count, file_chunks(path))
    count = auditlog.count_events(engine, settings, filters, clearance=clearance, reveal_numbers=reveal_numbers)
    records.record_export(engine, what=what, filters=filters.as_dict(), count=count, actor=actor,
                          destination="web")
    return Download(name, KINDS[kind], count, _csv_chunks(AUDIT_HEADINGS, rows(), count))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidValue(f"导出格式「{kind}」无效，可选：csv、xlsx", fix="Use csv or xlsx.")


def _name(what: str, settings: Settings, kind: str) -> str:
    return f"{what}-{datetime.now(settings.zone).strftime('%Y%m%d-%H%M')}.{kind}"


def _csv_chunks(headings: Iterable[str], rows: Iterator[list[Any]], count: int) -> Iterator[bytes]:
    """The CSV (``registry.exports.csv_chunks``: with the BOM) as bytes, at most ``count`` rows
    (what the audit log says was exported); the cursor is released however the download ends."""
    for chunk in csv_chunks(headings, rows, limit=count, per_chunk=_ROWS_PER_CHUNK):
        yield chunk.encode("utf-8")


@contextmanager
def _spool() -> Iterator[Path]:
    """A path in a private temporary folder, which is gone when the block ends."""
    with tempfile.TemporaryDirectory(prefix="wenshu-export-") as folder:
        yield Path(folder) / "export.xlsx"


def file_chunks(path: Path) -> Iterator[bytes]:
    """The file's bytes. It is opened now, so its folder can go at once (the open file stays
    readable) and nothing is left behind however the download ends."""
    handle = path.open("rb")

    def chunks() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(_FILE_CHUNK):
                yield chunk
    return chunks()


def streamed(download: Download) -> StreamingResponse:
    return StreamingResponse(download.chunks, media_type=download.media_type,
                             headers={"Content-Disposition": download.disposition,
                                      "X-Total-Count": str(download.count)})


def json_list(rows: Iterator[dict], per_chunk: int = 500) -> Iterator[bytes]:
    """A JSON array written as the rows come (``log --json``'s shape), a chunk every few hundred."""
    chunk = ["["]
    for n, row in enumerate(rows):
        chunk.append(("," if n else "") + json.dumps(row, ensure_ascii=False))
        if len(chunk) >= per_chunk:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    chunk.append("]")
    yield "".join(chunk).encode("utf-8")
