"""What a filed year prints for the archive (DA/T 22-2015): the 归档文件目录 of each category
(XLSX and DOCX) and a 备考表 for each 档案盒 (DOCX). docs/archive.md, 「归档文件目录与备考表」.

The 目录 has exactly the standard's nine columns, ``COLUMNS``, under a cover block (全宗名称,
全宗号, 年度, 保管期限, 机构（问题）). Decisions the standard leaves to us:

- 题名: the record's title; one the office wrote itself (``title_supplied``) in 〔 〕. A filed 件
  with no title at all (its 初审 warning checked and left so) is printed as its file name in
  〔 〕, with 「题名暂据文件名，待档案更正」 in 备注: the line still finds its 件, and says it is
  the office's stopgap, not the document's title.
- 日期: YYYYMMDD as text, the 成文日期, else the office's day of registration.
- 密级: only a 涉密 mark (秘密/机密/绝密); 无、非密、公开 print as an empty cell.
- Titles of 涉密 件 are listed as they are: the 目录 is the filing clerk's, who files them (the web
  gates its download by clearance). The 备考表 counts 涉密 件 and never names them by title.

The 备考表's 盒内文件情况说明 is made of facts: how many 件 and pages, how many 涉密, which 件
were changed by 档案更正 after filing (the audit log's ``archive_corrected``, by 档号 and field),
which were filed later than the rest (补充), which have no page count; otherwise the standard's
「本盒文件完整……」 sentence.

Both Word files are made with python-docx directly (a repeating table per category is simpler
so than as a template); fonts are named for East Asian text (宋体, titles 黑体), not embedded.
Every file is written beside its path and renamed into place.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from sqlalchemy import Engine

from core.errors import InvalidValue
from core.settings import Settings
from core.vocab import UNRESTRICTED, is_secret
from pipeline.archiving import Box, boxes
from registry import auditlog, users
from registry.archive_plan import Category, Item
from registry.audit import Action
from registry.corrections import heading

# DA/T 22-2015's columns of the 归档文件目录, in its order: the acceptance test reads them back.
COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
NO_TITLE_NOTE = "题名暂据文件名，待档案更正"
COMPLETE = "本盒文件完整，无缺损、修改、补充、移出、销毁情况。"

# ----------------------------------------------------------------------------- what the 目录 says


def unit_label(category: Category) -> str:
    """机构（问题）as the cover and the box spine print it: its name and code."""
    return f"{category.unit_name}（{category.unit_code}）"


def cover(category: Category, settings: Settings) -> tuple[tuple[str, str | int], ...]:
    """The cover data of a category's 目录, (label, value)."""
    return (("全宗名称", settings.fonds_name), ("全宗号", category.fonds_code), ("年度", category.year),
            ("保管期限", category.retention), ("机构（问题）", unit_label(category)))


def catalogue_title(item: Item) -> str:
    title = (item.title or "").strip()
    if not title:
        return f"〔{Path(item.file_name).stem}〕"
    if item.title_supplied and not (title.startswith("〔") and title.endswith("〕")):
        return f"〔{title}〕"
    return title


def catalogue_day(item: Item, settings: Settings) -> str:
    """YYYYMMDD: the 成文日期, else the office's day of registration."""
    day = item.date or item.registered_at.astimezone(settings.zone).date()
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def catalogue_rows(category: Category, settings: Settings) -> list[list[Any]]:
    """One row per 件 in 件号 order, the values of ``COLUMNS`` (None for an empty cell)."""
    rows = []
    for number, item in enumerate(category.items, 1):
        notes = [item.note.strip()] if item.note.strip() else []
        if not (item.title or "").strip():
            notes.append(NO_TITLE_NOTE)
        rows.append([number, item.archive_code, item.doc_number or None, item.issuer or None,
                     catalogue_title(item), catalogue_day(item, settings),
                     item.secrecy if is_secret(item.secrecy) else None, item.pages, "；".join(notes) or None])
    return rows


# ----------------------------------------------------------------------------- writing files safely

def _write(path: Path, save: Callable[[Path], None]) -> Path:
    """``save`` to a file beside ``path``, renamed into place: a failed write leaves no half file,
    and a bad path is a clear error, not a traceback."""
    path = Path(path)
    if path.is_dir():
        raise InvalidValue(f"「{path}」是文件夹，请给出文件名", fix="Give a file path, e.g. 归档文件目录-2026.xlsx.")
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save(partial)
        os.replace(partial, path)
    except OSError as exc:
        try:
            partial.unlink(missing_ok=True)
        except OSError:   # its folder is missing or not a folder: there is nothing to remove
            pass
        raise InvalidValue(f"无法写入「{path}」：{exc.strerror or exc}",
                           fix="Choose a file in a folder you can write to.") from exc
    return path


# ----------------------------------------------------------------------------- 归档文件目录, XLSX

HEADER_ROW = 5           # rows 1-4: title, cover data, a blank line
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAPPED = {"责任者", "题名", "备注", "文号"}
# column -> (least, most) width in Excel's character units; a CJK character counts two
WIDTHS = {"序号": (5, 6), "档号": (12, 28), "文号": (8, 22), "责任者": (8, 20), "题名": (24, 46),
          "日期": (10, 10), "密级": (5, 6), "页数": (5, 6), "备注": (8, 20)}


def write_catalogue_xlsx(categories: Sequence[Category], settings: Settings, path: Path) -> Path:
    """The 归档文件目录 as a workbook: a sheet per category (named by its code), the cover block
    on top, the header row (printed on every page) and one row per 件. A4 portrait, fitted to
    the page's width."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for category in categories:
        _catalogue_sheet(workbook.create_sheet(sheet_title(category.code, taken)), category, settings)
    if not categories:
        workbook.create_sheet("归档文件目录")
    return _write(path, workbook.save)


def sheet_title(code: str, taken: set[str]) -> str:
    """Excel's rule: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    base = re.sub(r"[\[\]:*?/\\]", "_", code).strip("'")[:31] or "目录"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        title = f"{base[:31 - len(str(n)) - 1]}~{n}"
    taken.add(title.lower())
    return title


def _catalogue_sheet(sheet: Any, category: Category, settings: Settings) -> None:
    last = get_column_letter(len(COLUMNS))
    sheet["A1"] = "归档文件目录"
    sheet["A1"].font = Font(name="黑体", size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 30
    # cover data: label, value (merged over the columns after it) — two rows of label/value pairs
    places = {"全宗名称": ("A2", "B2:D2"), "全宗号": ("E2", "F2:F2"), "年度": ("G2", "H2:I2"),
              "保管期限": ("A3", "B3:D3"), "机构（问题）": ("E3", "F3:I3")}
    for label, value in cover(category, settings):
        label_cell, span = places[label]
        sheet[label_cell] = label
        sheet[label_cell].font = Font(bold=True)
        first, end = span.split(":")
        sheet[first] = value
        sheet[first].alignment = Alignment(horizontal="left")
        if first != end:
            sheet.merge_cells(span)
    for n, name in enumerate(COLUMNS, 1):
        cell = sheet.cell(HEADER_ROW, n, name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
    rows = catalogue_rows(category, settings)
    for r, values in enumerate(rows, HEADER_ROW + 1):
        for n, (name, value) in enumerate(zip(COLUMNS, values), 1):
            cell = sheet.cell(r, n, value)
            cell.border = BORDER
            if name in ("档号", "文号", "日期"):
                # text, not a number or a date: DA/T 22 prints 日期 as 8 digits (20260108), which
                # Excel would otherwise turn into a number or its own date format; 档号 and 文号
                # are codes that must stay as typed
                cell.number_format = "@"
            centred = name in ("序号", "日期", "密级", "页数")
            cell.alignment = Alignment(horizontal="center" if centred else "left", vertical="center",
                                       wrap_text=name in WRAPPED)
    for n, name in enumerate(COLUMNS, 1):
        least, most = WIDTHS[name]
        widest = max([text_width(name), *(text_width(values[n - 1]) for values in rows)])
        sheet.column_dimensions[get_column_letter(n)].width = min(most, max(least, widest + 2))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = sheet.ORIENTATION_PORTRAIT
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left, sheet.page_margins.right = 0.8, 0.5   # inches: the bound edge is wider
    sheet.page_margins.top, sheet.page_margins.bottom = 0.7, 0.7
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def text_width(value: Any) -> int:
    """Width in Excel's character units: a CJK (wide) character takes two."""
    if value is None:
        return 0
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


# ----------------------------------------------------------------------------- Word, shared

BODY_FONT, TITLE_FONT = "宋体", "黑体"
LATIN_FONT = "Times New Roman"
# the 目录's columns in Word, mm: they fill the 175 mm between the margins (A4 less 20 mm on the
# bound edge and 15 mm on the other)
DOCX_WIDTHS = (9, 38, 23, 21, 41, 15, 9, 9, 10)


def _document() -> Any:
    document = new_docx()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(20), Mm(15)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)   # 五号
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    return document


def _run(paragraph: Any, text: str, *, font: str = BODY_FONT, size: float | None = None,
         bold: bool = False, underline: bool = False) -> Any:
    run = paragraph.add_run(text)
    run.font.bold = bold
    run.font.underline = underline
    if size:
        run.font.size = Pt(size)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    return run


def _paragraph(container: Any, text: str = "", *, align: Any = WD_ALIGN_PARAGRAPH.LEFT, font: str = BODY_FONT,
               size: float | None = None, bold: bool = False, before: float = 0, after: float = 0) -> Any:
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before, paragraph.paragraph_format.space_after = Pt(before), Pt(after)
    if text:
        _run(paragraph, text, font=font, size=size, bold=bold)
    return paragraph


def _page_break(document: Any) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _table(document: Any, columns: int, widths_mm: Sequence[float]) -> Any:
    table = document.add_table(rows=0, cols=columns)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "57")   # twips: 1 mm
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    (look.addprevious if look is not None else table._tbl.tblPr.append)(margins)
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)
    return table


def _row(table: Any, values: Sequence[Any], widths_mm: Sequence[float], *, header: bool = False,
         size: float = 9, centred: Iterable[int] = ()) -> Any:
    row = table.add_row()
    properties = row._tr.get_or_add_trPr()
    keep = OxmlElement("w:cantSplit")   # a 件's row never breaks over two pages
    properties.append(keep)
    if header:
        repeat = OxmlElement("w:tblHeader")   # printed again at the top of every page
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)
    centred = set(centred)
    for n, (cell, value, width) in enumerate(zip(row.cells, values, widths_mm)):
        cell.width = Mm(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if header or n in centred else WD_ALIGN_PARAGRAPH.LEFT
        if value not in (None, ""):
            _run(paragraph, str(value), size=size, bold=header, font=TITLE_FONT if header else BODY_FONT)
    return row


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ----------------------------------------------------------------------------- 归档文件目录, DOCX

def write_catalogue_docx(categories: Sequence[Category], settings: Settings, path: Path) -> Path:
    """The 归档文件目录 as one Word file: per category a cover page, then its table (the header
    row repeated on every page); each category starts on a new page. A4 portrait."""
    document = _document()
    for n, category in enumerate(categories):
        if n:
            _page_break(document)
        _catalogue_cover(document, category, settings)
        _page_break(document)
        _paragraph(document, "归档文件目录", align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=16, after=6)
        _paragraph(document, f"全宗号 {category.fonds_code}　年度 {category.year}　保管期限 {category.retention}　"
                             f"机构（问题） {unit_label(category)}", align=WD_ALIGN_PARAGRAPH.CENTER, size=10.5, after=6)
        table = _table(document, len(COLUMNS), DOCX_WIDTHS)
        _row(table, COLUMNS, DOCX_WIDTHS, header=True)
        for values in catalogue_rows(category, settings):
            _row(table, values, DOCX_WIDTHS, centred=(0, 5, 6, 7))
    if not categories:
        _paragraph(document, "归档文件目录", align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=16)
    return _write(path, document.save)


def _catalogue_cover(document: Any, category: Category, settings: Settings) -> None:
    _paragraph(document, "归档文件目录", align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=36,
               before=150, after=90)
    for label, value in cover(category, settings):
        paragraph = _paragraph(document, after=14)
        paragraph.paragraph_format.left_indent = Mm(35)
        _run(paragraph, f"{label}：", size=16, font=TITLE_FONT)
        _run(paragraph, f"{value}", size=16, underline=True)


# ----------------------------------------------------------------------------- 备考表

@dataclass(frozen=True)
class Correction:
    """One 档案更正 of a filed 件, from the audit log."""

    reg_no: str
    field: str          # the 登记簿 heading: 标题, 发文字号, 成文日期 …
    day: date           # the office's day it was made


@dataclass(frozen=True)
class BoxNote:
    """A 档案盒 and its 盒内文件情况说明, one sentence each."""

    box: Box
    remarks: tuple[str, ...]


def archive_corrections(engine: Engine, settings: Settings, reg_nos: Iterable[str]) -> dict[str, list[Correction]]:
    """The 档案更正 of these records, oldest first, by 登记号."""
    wanted, found = set(reg_nos), defaultdict(list)
    filters = auditlog.AuditFilter(action=Action.ARCHIVE_CORRECTED.value)
    for entry in auditlog.events(engine, settings, filters, clearance=UNRESTRICTED):
        if entry.record in wanted:
            found[entry.record].append(Correction(entry.record, heading(entry.details.get("field", "")),
                                                  entry.moment.astimezone(settings.zone).date()))
    return dict(found)


def box_notes(engine: Engine, settings: Settings, categories: Sequence[Category]) -> tuple[BoxNote, ...]:
    """Every box of these categories in order, each with its 说明 made of the facts of its 件."""
    corrected = archive_corrections(engine, settings, (i.reg_no for c in categories for i in c.items))
    notes = []
    for category in categories:
        first_filed = min((i.filed_at for i in category.items if i.filed_at), default=None)
        for box in boxes(category, settings):
            notes.append(BoxNote(box, _remarks(box, corrected, first_filed, settings)))
    return tuple(notes)


def _remarks(box: Box, corrected: dict[str, list[Correction]], first_filed: datetime | None,
             settings: Settings) -> tuple[str, ...]:
    items = box.items
    remarks = [f"本盒共 {len(items)} 件，{box.pages} 页。"]
    secret = [i.secrecy for i in items if is_secret(i.secrecy)]
    if secret:
        kinds = "、".join(f"{kind} {secret.count(kind)} 件" for kind in dict.fromkeys(secret))
        remarks.append(f"其中涉密文件 {len(secret)} 件（{kinds}）。")
    issues = []
    for item in items:
        if changes := corrected.get(item.reg_no):
            done = "、".join(f"{c.field}（{_day(c.day)}）" for c in changes)
            issues.append(f"{item.archive_code} 归档后经档案更正：{done}。")
    for item in items:
        if first_filed and item.filed_at and item.filed_at > first_filed:
            issues.append(f"{item.archive_code} 于 {_day(item.filed_at.astimezone(settings.zone).date())} 补充归档。")
    unpaged = [i.archive_code for i in items if not i.pages]
    if unpaged:
        issues.append(f"{'、'.join(unpaged)} 未记页数，页数合计未含。")
    return tuple(remarks + (issues or [COMPLETE]))


def box_range(box: Box) -> str:
    """起止件号, as the spine prints it."""
    return f"{box.first_item:04d}—{box.last_item:04d}"


def write_box_notes_docx(categories: Sequence[Category], settings: Settings, path: Path, *, engine: Engine,
                         organizer: str, checker: str | None, day: date) -> Path:
    """One 备考表 page per 档案盒 (``pipeline.archiving.boxes``): the box's identity as its spine
    carries it, the 盒内文件情况说明, 整理人, 检查人 (a line to sign when None) and 日期.
    ``engine``: the audit log, for the 档案更正 of each 件."""
    document = _document()
    widths = (25, 33, 25, 33, 25, 34)
    for n, note in enumerate(box_notes(engine, settings, categories)):
        if n:
            _page_break(document)
        box, category = note.box, note.box.category
        _paragraph(document, "备考表", align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22, before=12, after=18)
        identity = _table(document, 6, widths)
        _row(identity, ("全宗号", category.fonds_code, "年度", category.year, "保管期限", category.retention),
             widths, size=10.5, centred=range(6))
        _row(identity, ("机构（问题）", unit_label(category), "起止件号", box_range(box), "盒号", box.number),
             widths, size=10.5, centred=range(6))
        _paragraph(document, after=6)
        body = _table(document, 1, (175,))
        _row(body, ("盒内文件情况说明",), (175,), header=True, size=12)
        cell = body.add_row().cells[0]
        cell.width = Mm(175)
        body.rows[-1].height, body.rows[-1].height_rule = Mm(150), WD_ROW_HEIGHT_RULE.AT_LEAST
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        for k, remark in enumerate(note.remarks):
            paragraph = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(24)
            paragraph.paragraph_format.space_before = Pt(6)
            _run(paragraph, remark, size=12)
        for label, value in (("整理人", organizer), ("检查人", checker), ("日期", _day(day))):
            paragraph = _paragraph(document, before=14)
            paragraph.paragraph_format.left_indent = Mm(100)
            _run(paragraph, f"{label}：", size=12)
            _run(paragraph, value or "　" * 8, size=12, underline=not value)
    return _write(path, document.save)


def organizer_of(engine: Engine, settings: Settings, year: int) -> str | None:
    """Who filed the year, by display name (several, in order, joined with 、): the actors of
    its ``archived`` events for the year as a whole. None when there is none."""
    actors: list[str] = []
    filters = auditlog.AuditFilter(action=Action.ARCHIVED.value)
    for entry in auditlog.events(engine, settings, filters, clearance=UNRESTRICTED):
        if entry.record is None and entry.details.get("year") == year and entry.actor not in actors:
            actors.append(entry.actor)
    return "、".join(display_name(engine, actor) for actor in actors) or None


def display_name(engine: Engine, name: str) -> str:
    account = users.get_account(engine, name)
    return (account.display_name if account and account.display_name else name)
