"""OpenDocument text (.odt, as WPS and LibreOffice save it), read natively: a zip whose
``content.xml`` is plain XML. The text comes out like a docx's: headers (from ``styles.xml``),
then the body in document order, then footers; a table row is one line, its cells joined by a
tab, and a merged cell appears once (ODF writes the cells it covers as
``table:covered-table-cell``, which are skipped).

Inside a paragraph ODF collapses runs of XML white space to one space and writes real spaces as
``<text:s text:c="N"/>``; ``text:tab`` and ``text:line-break`` are a tab and a line break, as in
Word. A footnote follows its paragraph. Tracked deletions, comments, ruby annotations and the
templates of indexes are not text of the document.

The XML is parsed without DTDs, entity expansion or network access, and a part that declares
entities is refused as corrupt: no office suite writes one, and nested entities that expand a
billion-fold ("billion laughs") are the classic way to exhaust memory (Python's own ElementTree
expands internal entities). Members are inflated within ``limits.max_unzipped_mb`` whatever the zip
headers say (``archive.Archive``).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from extractors.archive import Archive, declares_entities, entities_refused, memory_refusal, out_of_memory
from extractors.cleanup import clean
from extractors.errors import Corrupt, Encrypted
from extractors.model import Extracted, Page

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"

_P, _H = _TEXT + "p", _TEXT + "h"
_S, _TAB, _BREAK = _TEXT + "s", _TEXT + "tab", _TEXT + "line-break"
_NOTE, _NOTE_BODY = _TEXT + "note", _TEXT + "note-body"
_TABLE_TABLE, _ROW, _CELL = _TABLE + "table", _TABLE + "table-row", _TABLE + "table-cell"
_TEXT_BOX = _DRAW + "text-box"
# Not text of the document: declarations, tracked deletions (text:tracked-changes holds the
# deleted text), comments, index templates (the generated index body is read), form controls,
# column definitions, image titles and descriptions, a note's number.
_SKIP = {_TEXT + name for name in ("tracked-changes", "sequence-decls", "variable-decls",
                                   "user-field-decls", "dde-connection-decls", "note-citation", "ruby-text",
                                   "table-of-content-source", "illustration-index-source",
                                   "table-index-source", "object-index-source", "user-index-source",
                                   "alphabetical-index-source", "bibliography-source",
                                   "index-title-template")} | {
    _OFFICE + "annotation", _OFFICE + "annotation-end", _OFFICE + "forms",
    _TABLE + "table-columns", _TABLE + "table-column", _TABLE + "table-header-columns",
    _TABLE + "covered-table-cell", "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}title",
    "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}desc"}
_HEADERS = tuple(_STYLE + name for name in ("header-first", "header", "header-left"))
_FOOTERS = tuple(_STYLE + name for name in ("footer-first", "footer", "footer-left"))
_MAX_REPEAT = 20            # table:number-columns-repeated on a cell with text
_SPACE = "\x00"             # a text:s space while XML white space is collapsed (no XML text has NUL)
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_SPACES = re.compile(r" {2,}")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

_CORRUPT = ("OpenDocument 文档已损坏，无法读取（内部结构不完整或 XML 错误）。"
            "请用 WPS 或 LibreOffice 打开后另存一份再投递，或向来文单位重新索取。")


def _parse(data: bytes, name: str, part: str):
    if declares_entities(data):  # refused before the parser sees them; other encodings: below
        raise entities_refused(name, "OpenDocument 文档", part)
    root = etree.fromstring(data, _PARSER)
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise entities_refused(name, "OpenDocument 文档", part)
    return root


def _inline(element, out: list[str], notes: list[str]) -> None:
    """The text of a paragraph's content (XML white space collapsed, text:s kept as _SPACE);
    footnotes go to ``notes``, to follow the paragraph rather than cut its sentence."""
    for child in element:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            pass  # comments and processing instructions have a callable tag
        elif tag == _S:
            count = child.get(_TEXT + "c") or "1"
            out.append(_SPACE * (min(int(count), 200) if count.isdigit() else 1))
        elif tag == _TAB:
            out.append("\t")
        elif tag == _BREAK:
            out.append("\n")
        elif tag == _NOTE_BODY:
            notes.extend(_blocks(child))
        elif tag == _TEXT_BOX:  # a text box anchored in the paragraph: its own lines, in place
            out.append("\n" + "\n".join(_blocks(child)) + "\n")
        else:
            if child.text:
                out.append(_XML_SPACE.sub(" ", child.text))
            _inline(child, out, notes)
        if child.tail:
            out.append(_XML_SPACE.sub(" ", child.tail))


def _paragraph(p) -> str:
    out, notes = [_XML_SPACE.sub(" ", p.text or "")], []
    _inline(p, out, notes)
    text = _SPACES.sub(" ", "".join(out))  # white space collapses across spans too
    lines = [line.strip(" ").replace(_SPACE, " ") for line in text.split("\n")]
    return "\n".join([line for line in lines if line.strip()] + notes)


def _rows(table):
    for child in table:
        if child.tag == _ROW:
            yield child
        elif child.tag in (_TABLE + "table-header-rows", _TABLE + "table-rows", _TABLE + "table-row-group"):
            yield from _rows(child)


def _table(table) -> list[str]:
    lines = []
    for row in _rows(table):
        cells = []
        for cell in row:
            if cell.tag != _CELL:
                continue  # covered cells (the rest of a merged cell), comments
            text = "\n".join(_blocks(cell))
            repeat = cell.get(_TABLE + "number-columns-repeated") or "1"
            cells.extend([text] * (min(int(repeat), _MAX_REPEAT) if text and repeat.isdigit() else 1))
        if any(cells):
            lines.append("\t".join(cells))
    return lines


def _blocks(container) -> list[str]:
    """Lines of a body, cell, text box, header or footer, in document order."""
    lines: list[str] = []
    for child in container:
        tag = child.tag
        if tag in (_P, _H):
            text = _paragraph(child)
            if text:
                lines.append(text)
        elif tag == _TABLE_TABLE:
            lines.extend(_table(child))
        elif tag in _SKIP or not isinstance(tag, str):
            continue
        else:  # lists, list items, sections, index bodies, frames anchored to the page
            lines.extend(_blocks(child))
    return lines


def _master_pages_used(content, styles) -> set[str]:
    names = set()
    for root in (content, styles):
        if root is not None:
            for element in root.iter(_STYLE + "style"):
                if element.get(_STYLE + "master-page-name"):
                    names.add(element.get(_STYLE + "master-page-name"))
    return names


def _headers_footers(content, styles) -> tuple[list[str], list[str]]:
    if styles is None:
        return [], []
    masters = [m for m in styles.iter(_STYLE + "master-page")]
    used = _master_pages_used(content, styles)
    default = next((m for m in masters if m.get(_STYLE + "name") == "Standard"), masters[0] if masters else None)
    headers: list[str] = []
    footers: list[str] = []
    for master in masters:
        if master is not default and master.get(_STYLE + "name") not in used:
            continue  # page styles defined but not used (LibreOffice defines a dozen)
        for tags, out in ((_HEADERS, headers), (_FOOTERS, footers)):
            for part in master:
                if part.tag in tags and part.get(_STYLE + "display") != "false":
                    for line in _blocks(part):
                        if line not in out:  # the same letterhead on first, left and right pages
                            out.append(line)
    return headers, footers


def _read(archive: Archive, name: str, part: str):
    if part not in archive:
        return None
    return _parse(archive.read_xml(part), name, part)


def extract(path: Path, settings, fmt: str = "odt") -> Extracted:
    warnings: list[str] = []
    try:
        with Archive(path, settings, "OpenDocument 文档") as archive:
            if "META-INF/manifest.xml" in archive and b"encryption-data" in archive.read("META-INF/manifest.xml"):
                raise Encrypted("OpenDocument 文档设置了打开密码，无法读取。请向来文单位索取未加密的文件，"
                                "或用 WPS/LibreOffice 输入密码后另存为无密码文档再投递。",
                                cause=f"{path.name}: META-INF/manifest.xml lists encryption-data",
                                fix="Save the document again without a password.")
            content = _read(archive, path.name, "content.xml")
            if content is None:
                raise KeyError("content.xml is missing")
            try:
                styles = _read(archive, path.name, "styles.xml")
            except (etree.XMLSyntaxError, Corrupt) as exc:  # the body is still there to read
                styles = None
                warnings.append(f"styles.xml unreadable, headers and footers skipped: {exc}")
    except (KeyError, ValueError, etree.XMLSyntaxError, MemoryError) as exc:
        if out_of_memory(exc):
            raise memory_refusal(path, "OpenDocument 文档", exc) from exc
        raise Corrupt(_CORRUPT, cause=f"{path.name}: {type(exc).__name__}: {exc}") from exc
    body = content.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise Corrupt(_CORRUPT, cause=f"{path.name}: content.xml has no office:body/office:text")
    headers, footers = _headers_footers(content, styles)
    text = clean("\n".join(headers + _blocks(body) + footers))
    return Extracted(format=fmt, pages=(Page(1, "docx", text, source="odf-xml"),), warnings=tuple(warnings))
