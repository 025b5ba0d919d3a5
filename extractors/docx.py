"""Word (.docx) documents with python-docx: headers, then the body (paragraphs and tables in
document order), then footers. A 发文稿纸 is one big table, so table text matters as much as
paragraphs: each row is one line, its cells joined by a tab, and a merged cell appears once
(python-docx repeats it for every grid column and row it spans, so cells are deduplicated by
their underlying ``w:tc`` element)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from extractors.archive import Archive, memory_refusal, out_of_memory, repacked_xml
from extractors.cleanup import clean
from extractors.errors import Corrupt
from extractors.model import Extracted, Page

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _SDT, _SDT_CONTENT = _W + "p", _W + "tbl", _W + "sdt", _W + "sdtContent"
_T, _TAB, _BR, _CR = _W + "t", _W + "tab", _W + "br", _W + "cr"
_NO_BREAK_HYPHEN = _W + "noBreakHyphen"
# Deleted revisions, field codes (the PAGE in a footer: its cached result is kept), and the
# VML fallback copy of every text box (the DrawingML copy is read instead).
_SKIP = {_W + "del", _W + "delText", _W + "instrText", _W + "moveFrom", _MC_FALLBACK,
         _W + "pPr", _W + "rPr", _W + "tblPr", _W + "tcPr", _W + "trPr", _W + "sectPr"}


def _inline_text(element, out: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag == _T:
            out.append(child.text or "")
        elif tag == _TAB:
            out.append("\t")
        elif tag in (_BR, _CR):
            out.append("\n")
        elif tag == _NO_BREAK_HYPHEN:
            out.append("-")
        elif tag == _P:  # a paragraph inside a text box anchored in this paragraph
            out.append("\n")
            _inline_text(child, out)
            out.append("\n")
        else:
            _inline_text(child, out)


def _paragraph(p) -> str:
    out: list[str] = []
    _inline_text(p, out)
    return "".join(out)


def _table(tbl, parent) -> list[str]:
    from docx.table import Table

    lines, seen = [], set()
    for row in Table(tbl, parent).rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:  # a horizontal or vertical merge seen already
                continue
            seen.add(cell._tc)
            cells.append("\n".join(_blocks(cell._tc, cell)))
        if any(cells):
            lines.append("\t".join(cells))
    return lines


def _blocks(container, parent) -> list[str]:
    """Lines of a body, cell, header or footer, in document order."""
    lines: list[str] = []
    for child in container:
        tag = child.tag
        if tag == _P:
            text = _paragraph(child)
            if text.strip():
                lines.append(text)
        elif tag == _TBL:
            lines.extend(_table(child, parent))
        elif tag == _SDT:  # content controls wrap ordinary paragraphs and tables
            content = child.find(_SDT_CONTENT)
            if content is not None:
                lines.extend(_blocks(content, parent))
    return lines


def _headers_footers(document) -> tuple[list[str], list[str]]:
    odd_even = document.settings.odd_and_even_pages_header_footer
    headers: list[str] = []
    footers: list[str] = []
    for section in document.sections:
        first = section.different_first_page_header_footer
        for part, out in ((section.first_page_header if first else None, headers),
                          (section.header, headers),
                          (section.even_page_header if odd_even else None, headers),
                          (section.first_page_footer if first else None, footers),
                          (section.footer, footers),
                          (section.even_page_footer if odd_even else None, footers)):
            # A linked part has no definition of its own; reading it would create one.
            if part is None or part.is_linked_to_previous:
                continue
            for line in _blocks(part._element, part):
                if line not in out:  # the same letterhead repeated by every section
                    out.append(line)
    return headers, footers


def extract(path: Path, settings, fmt: str = "docx") -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    with Archive(path, settings, "Word 文档") as archive:  # python-docx inflates nothing itself
        package = repacked_xml(archive)
    try:
        document = docx.Document(package)
        headers, footers = _headers_footers(document)
        body = _blocks(document.element.body, document._body)
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile,
            etree.XMLSyntaxError, MemoryError) as exc:
        if out_of_memory(exc):
            raise memory_refusal(path, "Word 文档", exc) from exc
        raise Corrupt("Word 文档已损坏，无法读取（内部结构不完整或 XML 错误）。"
                      "请用 WPS/Word 打开后另存一份再投递，或向来文单位重新索取。",
                      cause=f"{path.name}: {type(exc).__name__}: {exc}") from exc
    text = clean("\n".join(headers + body + footers))
    return Extracted(format=fmt, pages=(Page(1, "docx", text, source="python-docx"),))
