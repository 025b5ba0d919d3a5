"""Records as the outside world sees them: the stable JSON of the CLI contract, and the
收文/发文登记簿 as CSV or Excel."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.errors import InvalidValue
from core.settings import Settings
from registry.audit import as_utc
from registry.handling import summary
from registry.models import Document

# The JSON field names are a contract (README, "JSON output"); the Chinese headings are the
# columns of the 登记簿 a clerk knows.
FIELDS: tuple[tuple[str, str], ...] = (
    ("reg_no", "登记号"), ("series", "编号序列"), ("seq", "序号"), ("direction", "收发"),
    ("registered_at", "登记时间"), ("file_name", "文件名"), ("sha256", "SHA-256"),
    ("format", "格式"), ("pages", "页数"), ("text_method", "文本来源"), ("doc_type", "文种"),
    ("doc_number", "发文字号"), ("issuer", "发文机关"), ("title", "标题"), ("date", "成文日期"),
    ("secrecy", "密级"), ("urgency", "紧急程度"), ("route", "阅办"), ("deadline", "办理时限"),
    ("department", "承办部门"), ("archive_code", "档号"), ("retention", "保管期限"),
    ("status", "状态"), ("warnings", "提示"),
    ("handling_state", "办理状态"), ("lead", "主办"), ("closed_on", "办结日期"),
)
# The columns that come from the record's 办理 (docs/handling.md), not from the record itself.
HANDLING_FIELDS = ("handling_state", "lead", "closed_on")
# Understanding results kept in Document.details that `show` returns too.
# name -> the value when a record has none
DETAIL_FIELDS: dict[str, Any] = {"why_route": [], "references": [], "checks": [],
                                 "awaits": None, "number_allocated": False}


def record_json(document: Document, settings: Settings, *, with_text: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {}
    handling = _handling_fields(document, settings)
    for name, _ in FIELDS:
        if name in HANDLING_FIELDS:
            record[name] = handling[name]
            continue
        value = getattr(document, name)
        if name == "registered_at":
            value = as_utc(value).astimezone(settings.zone).isoformat(timespec="seconds")
        elif name in ("date", "deadline") and value is not None:
            value = value.isoformat()
        record[name] = value
    record["void_reason"] = document.void_reason
    if with_text:
        for name, empty in DETAIL_FIELDS.items():
            record[name] = document.details.get(name, empty)
        # 涉密 documents never leave the registry with their body text. Any 密级 set withholds it,
        # stricter than core.vocab.is_secret (which lets 无, 非密, 公开 ... through): the column
        # has no constraint, so a row written outside understand/correct may hold such a word.
        record["text"] = None if document.secrecy else document.text
    return record


def _handling_fields(document: Document, settings: Settings) -> dict[str, Any]:
    """办理状态, 主办, 办结日期: from the summary ``registry.queries`` attached when it read the row
    (with its handling row LEFT JOINed), else the implicit state of a record without one."""
    found = getattr(document, "handling_summary", None)
    if found is None:
        found = summary(document, None, None, None, None)
    closed = as_utc(found.closed_at).astimezone(settings.zone).date().isoformat() if found.closed_at else None
    return {"handling_state": found.state, "lead": list(found.lead), "closed_on": closed}


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "；".join(str(item) for item in value)
    return "" if value is None else value


def write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow([heading for _, heading in FIELDS])
    count = 0
    for record in records:
        writer.writerow([_cell(record[name]) for name, _ in FIELDS])
        count += 1
    return count


def write_xlsx(records: Iterable[dict[str, Any]], path: Path, title: str = "登记簿") -> int:
    if path.is_dir():
        raise InvalidValue(f"「{path}」是文件夹，--xlsx 需要一个文件名", fix=f"Give a file name, e.g. {path / '登记簿.xlsx'}.")
    rows = ([_cell(record[name]) for name, _ in FIELDS] for record in records)
    return write_table_xlsx([heading for _, heading in FIELDS], rows, path, title)


def write_table_xlsx(headings: Iterable[str], rows: Iterable[list[Any]], path: Path, title: str) -> int:
    """One sheet: bold headings, then the rows, streamed (write-only); the rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    header = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    _save(workbook, path)
    return count


def _save(workbook: Workbook, path: Path) -> None:
    """Save to a file beside ``path`` and rename it into place: a failed export leaves no half
    file, and a bad path is a clear error, not a traceback."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(partial)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidValue(f"无法写入「{path}」：{exc.strerror}",
                           fix="Choose a file in a folder you can write to.") from exc
