"""OFD (GB/T 33190, the Chinese fixed-layout format many government systems issue): a zip of
XML. OFD.xml names each document's Document.xml; that lists the pages' Content.xml; text is in
the ``TextCode`` elements of ``TextObject``s, positioned in millimetres. Lines are rebuilt from
positions, because producers write objects in any order (often one per character).

Template pages (letterheads) are read before the page's own content. Pages made only of images
(scans wrapped in OFD) have no text here; they are reported, not OCR'd.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from lxml import etree

from extractors.archive import Archive, memory_refusal, out_of_memory
from extractors.cleanup import WIDE_GAP, clean
from extractors.errors import Corrupt, TooLarge
from extractors.model import Extracted, Page

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name: str):
    return [child for child in element if _local(child) == name]


def _find(element, *names):
    for name in names:
        found = _children(element, name)
        if not found:
            return None
        element = found[0]
    return element


class _Package:
    def __init__(self, archive: Archive):
        self.archive = archive
        self.names = {name.lower().lstrip("/"): name for name in archive.namelist()}

    def xml(self, location: str):
        name = self.names.get(location.lower().lstrip("/"))
        if name is None:
            raise KeyError(f"missing part {location}")
        return etree.fromstring(self.archive.read_xml(name), _PARSER)


def _resolve(base_dir: str, location: str) -> str:
    location = location.strip()
    if location.startswith("/"):
        return location.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, location))


def _floats(value: str | None, count: int) -> list[float]:
    parts = [float(p) for p in (value or "").replace(",", " ").split()]
    return (parts + [0.0] * count)[:count]


def _text_items(content) -> list[tuple[float, float, float, float, str]]:
    """(baseline y, x, font size, width, text) of every TextCode."""
    items = []
    for obj in content.iter():
        if _local(obj) != "TextObject":
            continue
        bx, by, _, _ = _floats(obj.get("Boundary"), 4)
        size = float(obj.get("Size") or 3.5)
        for code in _children(obj, "TextCode"):
            text = code.text or ""
            if not text.strip():
                continue
            deltas = _floats(code.get("DeltaX"), 0) if "g" not in (code.get("DeltaX") or "") else []
            width = sum(deltas) + size if deltas else size * len(text)
            items.append((by + float(code.get("Y") or 0), bx + float(code.get("X") or 0), size, width, text))
    return items


def _lines(items) -> str:
    lines: list[list] = []
    for item in sorted(items):
        if lines and abs(lines[-1][0][0] - item[0]) <= 0.5 * item[2]:
            lines[-1].append(item)
        else:
            lines.append([item])
    out = []
    for line in lines:
        line.sort(key=lambda i: i[1])
        parts, end = [], None
        for _, x, size, width, text in line:
            if end is not None and x - end > 1.5 * size:
                parts.append(WIDE_GAP)
            parts.append(text)
            end = x + width
        out.append("".join(parts))
    return "\n".join(out)


def _documents(package: _Package):
    """(base folder, template locations by ID, page elements) of each document in OFD.xml."""
    root = package.xml("OFD.xml")
    for body in _children(root, "DocBody"):
        doc_root = _find(body, "DocRoot")
        if doc_root is None or not (doc_root.text or "").strip():
            continue
        doc_path = _resolve("", doc_root.text)
        base = posixpath.dirname(doc_path)
        document = package.xml(doc_path)
        templates = {t.get("ID"): _resolve(base, t.get("BaseLoc", ""))
                     for t in document.iter() if _local(t) == "TemplatePage"}
        pages = _find(document, "Pages")
        yield base, templates, _children(pages, "Page") if pages is not None else []


def _pages(package: _Package, path: Path, settings):
    documents, count = [], 0
    for document in _documents(package):  # every page is counted before any is read
        documents.append(document)
        count += len(document[2])
        if count > settings.limits.max_pages:
            break
    if count > settings.limits.max_pages:
        raise TooLarge(f"OFD 文件超过 {settings.limits.max_pages} 页的上限（至少 {count} 页），已拒绝处理。"
                       "请拆分后分别投递，或请管理员调高 limits.max_pages。",
                       cause=f"{path.name}: at least {count} pages listed (limit {settings.limits.max_pages})",
                       fix="Split the OFD or raise [limits] max_pages.")
    for base, templates, pages in documents:
        for page in pages:
            content = package.xml(_resolve(base, page.get("BaseLoc", "")))
            items = []
            for template in _children(content, "Template"):
                location = templates.get(template.get("TemplateID"))
                if location:
                    items += _text_items(package.xml(location))
            items += _text_items(content)
            yield _lines(items)


def extract(path: Path, settings, fmt: str = "ofd") -> Extracted:
    try:
        with Archive(path, settings, "OFD 文件", xml_together=False) as archive:  # a page at a time
            texts = list(_pages(_Package(archive), path, settings))
    except (KeyError, ValueError, etree.XMLSyntaxError, MemoryError) as exc:
        if out_of_memory(exc):
            raise memory_refusal(path, "OFD 文件", exc) from exc
        raise Corrupt("OFD 文件已损坏或结构不完整，无法读取。请用 OFD 阅读器打开后另存，或转为 PDF 后再投递。",
                      cause=f"{path.name}: {type(exc).__name__}: {exc}") from exc
    pages = tuple(Page(i + 1, "pdf-text", clean(text), source="ofd-xml") for i, text in enumerate(texts))
    warnings = tuple(f"page {p.n}: no text objects (an image-only OFD page is not OCR'd)"
                     for p in pages if not p.text)
    return Extracted(format=fmt, pages=pages, warnings=warnings)
