"""Records as the outside world sees them: the stable JSON of the CLI contract, and the
收文/发文登记簿 (and any other table, such as the audit log) as CSV or Excel.

CSV is UTF-8 with a byte order mark, so that Excel on a Chinese Windows reads the Chinese; Excel
files have typed cells (dates and times as dates, in the office's time, numbers as numbers),
columns as wide as their contents, the heading row frozen with an autofilter, and print on
landscape pages one page wide. Both are streamed: a year's register never sits in memory.
"""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from core.errors import InvalidValue
from core.settings import Settings
from registry.audit import as_utc
from registry.filing import classify
from registry.handling import summary
from registry.models import Document

# The JSON field names are a contract (docs/cli.md, "JSON output"): fields are only ever added,
# at the end. The Chinese headings are the columns of the 登记簿 a clerk knows.
FIELDS: tuple[tuple[str, str], ...] = (
    ("reg_no", "登记号"), ("series", "编号序列"), ("seq", "序号"), ("direction", "收发"),
    ("registered_at", "登记时间"), ("file_name", "文件名"), ("sha256", "SHA-256"),
    ("format", "格式"), ("pages", "页数"), ("text_method", "文本来源"), ("doc_type", "文种"),
    ("doc_number", "发文字号"), ("issuer", "发文机关"), ("title", "标题"), ("date", "成文日期"),
    ("secrecy", "密级"), ("urgency", "紧急程度"), ("route", "阅办"), ("deadline", "办理时限"),
    ("department", "承办部门"), ("archive_code", "档号"), ("retention", "保管期限"),
    ("status", "状态"), ("warnings", "提示"),
    ("handling_state", "办理状态"), ("lead", "主办"), ("closed_on", "办结日期"),
    ("registered_by", "登记人"), ("void_reason", "作废原因"), ("last_corrected", "最后更正"),
)
HEADINGS: tuple[str, ...] = tuple(heading for _, heading in FIELDS)
# The columns that come from the record's 办理 (docs/handling.md), not from the record itself.
HANDLING_FIELDS = ("handling_state", "lead", "closed_on")
# Understanding results kept in Document.details that `show` returns too.
# name -> the value when a record has none
DETAIL_FIELDS: dict[str, Any] = {"why_route": [], "references": [], "checks": [],
                                 "awaits": None, "number_allocated": False, "retention_rule": None}
# The fields that are moments (ISO 8601 with the office's offset) and days (ISO 8601) in the
# JSON: typed cells in Excel.
MOMENT_FIELDS = frozenset({"registered_at"})
DAY_FIELDS = frozenset({"date", "deadline", "closed_on"})

BOM = "\ufeff"  # first in every CSV wenshu writes: Excel then reads it as UTF-8
DAY_FORMAT = "yyyy-mm-dd"
MINUTE_FORMAT = "yyyy-mm-dd hh:mm"
SECOND_FORMAT = "yyyy-mm-dd hh:mm:ss"


def record_json(document: Document, settings: Settings, *, with_text: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {}
    handling = _handling_fields(document, settings)
    for name, _ in FIELDS:
        if name in HANDLING_FIELDS:
            record[name] = handling[name]
            continue
        if name == "registered_by":
            record[name] = document.actor
            continue
        if name == "last_corrected":
            record[name] = last_corrected(document, settings)
            continue
        if name == "archive_code":  # final once filed; a 档号 an older wenshu gave at registration is not one
            record[name] = document.archive_code if document.item_no is not None else None
            continue
        value = getattr(document, name)
        if name == "registered_at":
            value = as_utc(value).astimezone(settings.zone).isoformat(timespec="seconds")
        elif name in ("date", "deadline") and value is not None:
            value = value.isoformat()
        record[name] = value
    if with_text:
        for name, empty in DETAIL_FIELDS.items():
            record[name] = document.details.get(name, empty)
        # 涉密 documents never leave the registry with their body text. Any 密级 set withholds it,
        # stricter than core.vocab.is_secret (which lets 无, 非密, 公开 ... through): the column
        # has no constraint, so a row written outside understand/correct may hold such a word.
        record["text"] = None if document.secrecy else document.text
        record["archive_category"] = _category(document, settings)
    return record


def _category(document: Document, settings: Settings) -> str | None:
    """The 归档 category (全宗号-WS·年度-期限-机构): final once filed, else where it will be filed."""
    if document.item_no is not None and document.archive_code:
        return document.archive_code.rsplit("-", 1)[0]
    found = classify(document, settings)
    return found.category(settings) if found else None


def _handling_fields(document: Document, settings: Settings) -> dict[str, Any]:
    """办理状态, 主办, 办结日期: from the summary ``registry.queries`` attached when it read the row
    (with its handling row LEFT JOINed), else the implicit state of a record without one."""
    found = getattr(document, "handling_summary", None)
    if found is None:
        found = summary(document, None, None, None, None)
    closed = as_utc(found.closed_at).astimezone(settings.zone).date().isoformat() if found.closed_at else None
    return {"handling_state": found.state, "lead": list(found.lead), "closed_on": closed}


def last_corrected(document: Document, settings: Settings) -> str | None:
    """最后更正: when (office time, to the minute), which field and by whom the record was last
    corrected, 「2026-12-06 10:21 标题（zhang.li）」; None when never, and for a row not read by
    ``registry.queries`` (which attaches the newest correction) or masked (``queries.masked``)."""
    found = getattr(document, "last_correction", None)
    if found is None:
        return None
    when = as_utc(datetime.fromisoformat(found.at)).astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
    field = f" {_HEADING.get(found.field, found.field)}" if found.field else ""
    return f"{when}{field}（{found.actor}）"


_HEADING = dict(FIELDS)


# --- CSV ---------------------------------------------------------------------------------------

def text_cell(value: Any) -> str:
    """A value as a CSV cell: lists joined with 「；」, nothing as empty, a moment to the second."""
    if isinstance(value, (list, tuple)):
        return "；".join(str(item) for item in value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_chunks(headings: Iterable[str], rows: Iterable[Iterable[Any]], *, limit: int | None = None,
               per_chunk: int = 500) -> Iterator[str]:
    """A CSV (the BOM, the headings, the rows, at most ``limit`` of them) as text, a chunk every
    ``per_chunk`` rows: the one CSV writer of ``wenshu log --csv``, ``audit export`` and the web
    downloads. ``rows`` is closed when it is a generator, even when the reader stops early."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(list(headings))
    taken = rows if limit is None else islice(rows, limit)
    try:
        for n, row in enumerate(taken, start=1):
            writer.writerow([text_cell(value) for value in row])
            if n % per_chunk == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def write_table_csv(headings: Iterable[str], rows: Iterable[Iterable[Any]], out: IO[str], *,
                    limit: int | None = None) -> int:
    """The table as CSV on ``out``; the rows written."""
    counted = _Counted(rows)
    for chunk in csv_chunks(headings, counted, limit=limit):
        out.write(chunk)
    return counted.count


def register_rows(records: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    """``record_json`` records as rows under ``HEADINGS`` (as the JSON has them: dates as text)."""
    for record in records:
        yield [record[name] for name, _ in FIELDS]


def write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """The 登记簿 as CSV; the rows written."""
    return write_table_csv(HEADINGS, register_rows(records), out)


class _Counted:
    """An iterator that counts what it gives."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> Any:
        row = next(self._rows)
        self.count += 1
        return row

    def close(self) -> None:
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()


# --- Excel ---------------------------------------------------------------------------------------

def write_xlsx(records: Iterable[dict[str, Any]], path: Path, title: str = "登记簿") -> int:
    rows = ([_typed(name, record[name]) for name, _ in FIELDS] for record in records)
    return write_table_xlsx(HEADINGS, rows, path, title, moment_format=MINUTE_FORMAT)


def _typed(name: str, value: Any) -> Any:
    """A ``record_json`` value as an Excel cell's: a moment as the office's local time without a
    zone, a day as a date, a list as text; None stays an empty cell."""
    if value is None or value == "":
        return None
    if name in MOMENT_FIELDS:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    if name in DAY_FIELDS:
        return date.fromisoformat(value)
    if isinstance(value, (list, tuple)):
        return "；".join(str(item) for item in value) or None
    return value


# Column widths are measured on the first rows (a bounded sample, held while the widths are set,
# as a write-only sheet takes them only before its first row), then the rest stream past.
WIDTH_SAMPLE = 500
MAX_WIDTH = 60
MIN_WIDTH = 6


def write_table_xlsx(headings: Iterable[str], rows: Iterable[list[Any]], path: Path, title: str, *,
                     moment_format: str = SECOND_FORMAT) -> int:
    """One sheet: bold headings in a frozen first row with an autofilter over the table, then the
    rows, streamed (write-only); the rows written. A ``datetime`` is written as a local moment
    (``moment_format``), a ``date`` as a day, numbers as numbers; widths fit the first
    ``WIDTH_SAMPLE`` rows (CJK characters count double) up to ``MAX_WIDTH``."""
    if path.is_dir():
        raise InvalidValue(f"「{path}」是文件夹，--xlsx 需要一个文件名",
                           fix=f"Give a file name, e.g. {path / (title + '.xlsx')}.")
    headings = list(headings)
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for n, width in enumerate(_widths(headings, sample, moment_format), start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    bold = Font(bold=True)
    header = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in chain(sample, rows):
        sheet.append([_cell(sheet, value, moment_format) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(headings), 1))}{count + 1}"
    _save(workbook, path)
    return count


def _cell(sheet: Any, value: Any, moment_format: str) -> Any:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None) if value.tzinfo else value)
        cell.number_format = moment_format
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DAY_FORMAT
        return cell
    if isinstance(value, (list, tuple)):
        return "；".join(str(item) for item in value) or None
    return None if value == "" else value


def _widths(headings: list[str], sample: list[list[Any]], moment_format: str) -> list[float]:
    widest = [_width(heading) for heading in headings]
    for row in sample:
        for n, value in enumerate(row[:len(widest)]):
            if isinstance(value, datetime):
                size = len(moment_format)
            elif isinstance(value, date):
                size = len(DAY_FORMAT)
            else:
                size = _width(text_cell(value))
            widest[n] = max(widest[n], size)
    return [min(MAX_WIDTH, max(MIN_WIDTH, size + 2)) for size in widest]


def _width(text: str) -> int:
    """How many Latin characters' width ``text`` takes: a wide (CJK) character takes two."""
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in longest)


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
