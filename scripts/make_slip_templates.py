"""Build the shipped Word templates of the 文书处理单 (pipeline/templates/*.docx) with python-docx.

    .venv/bin/python scripts/make_slip_templates.py

The .docx files are committed; run this again only to change their layout. They are docxtpl
templates: every ``{{ … }}`` and ``{% … %}`` tag is written as one run (docxtpl cannot read a tag
that Word split over runs), ``{%p … %}`` repeats paragraphs inside a cell (one per recorded
opinion), ``{%tr … %}`` repeats the 传阅 rows. The variables are listed in docs/handling.md
(文书处理单 and 收文章), for offices that make their own template from these.

Layout as the common 收文处理笺 / 阅文处理单 have it (BANLI-GUIDANG.md §2): A4, a title with the
office's name, one ruled table of four columns (label, value, label, value), labels in 宋体
bold, values in 仿宋; the opinion cells are tall enough to sign by hand. Fonts are named, not
embedded, as a Word document names them.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parents[1] / "pipeline" / "templates"
LABEL_FONT, VALUE_FONT, TITLE_FONT = "宋体", "仿宋", "宋体"
SIZE = Pt(12)          # 小四
TITLE_SIZE = Pt(18)    # 小二
WIDTHS = (Mm(22), Mm(56), Mm(22), Mm(56))   # 156 mm: A4 less 28 + 26 mm margins

# The cells that hold opinions: label, the context list, who signs, height.
SIGN_LINE = "{0}：　　　　　　　　　　　年　　月　　日"


def _font(run, name: str, size=SIZE, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _paragraph(cell, text: str, *, font: str = VALUE_FONT, bold: bool = False,
               align=WD_ALIGN_PARAGRAPH.LEFT, first: bool = False):
    """A paragraph of one run in ``cell`` (its first paragraph when ``first``)."""
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)
    if text:
        _font(paragraph.add_run(text), font, bold=bold)
    return paragraph


def _label(cell, text: str) -> None:
    _paragraph(cell, text, font=LABEL_FONT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, first=True)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _value(cell, tag: str) -> None:
    _paragraph(cell, tag, first=True)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _widths(row) -> None:
    for cell, width in zip(row.cells, WIDTHS):
        cell.width = width


def _row(table, height_mm: float = 10):
    row = table.add_row()
    row.height = Mm(height_mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    _widths(row)
    return row


def pair_row(table, left: tuple[str, str], right: tuple[str, str]) -> None:
    """label | value | label | value."""
    row = _row(table)
    _label(row.cells[0], left[0])
    _value(row.cells[1], left[1])
    _label(row.cells[2], right[0])
    _value(row.cells[3], right[1])


def wide_row(table, label: str, tag: str, height_mm: float = 10) -> None:
    """label | value over three columns."""
    row = _row(table, height_mm)
    _label(row.cells[0], label)
    cell = row.cells[1].merge(row.cells[3])
    _value(cell, tag)


def opinion_row(table, label: str, items: str, signer: str, height_mm: float) -> None:
    """label | the recorded opinions of one kind, each its text and a right-aligned signature,
    then (only when none is recorded) a line to sign by hand. The last paragraph is never a
    ``{%p %}`` one, so the cell keeps a paragraph whatever the list holds (Word needs one)."""
    row = _row(table, height_mm)
    _label(row.cells[0], label)
    cell = row.cells[1].merge(row.cells[3])
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    _paragraph(cell, f"{{%p for o in {items} %}}", first=True)
    _paragraph(cell, "{{ o.text }}")
    _paragraph(cell, "{{ o.signature }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(cell, "{%p endfor %}")
    _paragraph(cell, f"{{% if not {items} %}}{SIGN_LINE.format(signer)}{{% endif %}}",
               align=WD_ALIGN_PARAGRAPH.RIGHT)


def head(table) -> None:
    """The head both forms share."""
    pair_row(table, ("收文编号", "{{ reg_no }}"), ("收文日期", "{{ received }}"))
    pair_row(table, ("来文单位", "{{ issuer }}"), ("来文字号", "{{ doc_number }}"))
    wide_row(table, "标题", "{{ title }}", 14)
    pair_row(table, ("密级", "{{ secrecy }}"), ("紧急程度", "{{ urgency }}"))
    pair_row(table, ("页数", "{{ pages }}"), ("办理时限", "{{ deadline }}"))
    wide_row(table, "附件", "{{ attachments }}")


def new_document(title: str):
    document = Document()
    properties = document.core_properties  # fixed, so that building again gives the same file
    properties.title, properties.author, properties.last_modified_by = title, "wenshu", "wenshu"
    properties.created = properties.modified = datetime(2026, 1, 1, tzinfo=timezone.utc)
    properties.revision = 1
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = VALUE_FONT
    normal.font.size = SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), VALUE_FONT)
    heading = document.paragraphs[0] if document.paragraphs else document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_after = Pt(12)
    _font(heading.add_run("{{ office }}" + title), TITLE_FONT, TITLE_SIZE, bold=True)
    table = document.add_table(rows=0, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    return document, table


def footer(document) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.space_before = Pt(6)
    _font(paragraph.add_run("{{ printed }}"), VALUE_FONT, Pt(9))


def shouwen_chulijian() -> Document:
    """收文处理笺 (办件)."""
    document, table = new_document("收文处理笺")
    head(table)
    opinion_row(table, "拟办意见", "proposals", "拟办人", 32)
    opinion_row(table, "领导批示", "instructions", "批示人", 40)
    wide_row(table, "承办单位/人", "{{ handlers }}")
    opinion_row(table, "承办意见", "progress", "承办人", 22)
    opinion_row(table, "办理结果", "results", "承办人", 22)
    pair_row(table, ("办结日期", "{{ closed }}"), ("办理状态", "{{ state }}"))
    wide_row(table, "备注", "{{ notes }}", 14)
    footer(document)
    return document


def yuewen_chulidan() -> Document:
    """阅文处理单 (阅件): the head, 领导阅批, then one 传阅 row per reader and blank ones."""
    document, table = new_document("阅文处理单")
    head(table)
    opinion_row(table, "领导阅批", "instructions", "批示人", 36)
    row = _row(table)
    for cell, text in zip(row.cells[:2], ("姓名", "阅文日期")):
        _label(cell, text)
    _label(row.cells[2].merge(row.cells[3]), "意见")
    loop = _row(table, 0)
    _value(loop.cells[0], "{%tr for r in readers %}")
    reader = _row(table, 11)
    _value(reader.cells[0], "{{ r.name }}")
    _value(reader.cells[1], "{{ r.date }}")
    _value(reader.cells[2].merge(reader.cells[3]), "{{ r.comment }}")
    end = _row(table, 0)
    _value(end.cells[0], "{%tr endfor %}")
    wide_row(table, "备注", "{{ notes }}", 14)
    footer(document)
    return document


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, build in (("shouwen_chulijian.docx", shouwen_chulijian), ("yuewen_chulidan.docx", yuewen_chulidan)):
        build().save(out / name)
        print(out / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
