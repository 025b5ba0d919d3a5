"""PDF: the text layer where it is usable, OCR where it is not, decided page by page.

Per page, pypdfium2 reads the text layer first. When that text is missing (see textlayer.py)
pdfplumber, many times slower, is asked for the same page: it decodes some fonts differently
(docs/extraction.md has the measured speeds). When the text is there but its glyphs have no
Unicode mapping (control characters, symbol soup, mojibake), no other reader is trusted with
it: pdfminer guesses through the font's own tables and can return fluent, wrong Chinese. When
no usable text is found and the page draws something, the page is rendered at ``ocr.dpi`` and
OCR'd. Each Page records its method (``pdf-text`` or ``ocr``) and
the tool that produced it (``pypdfium2``, ``pdfplumber``, the OCR engine). pypdfium2's lines
are put in the order they are printed, top to bottom, wherever the producer wrote them in the
content stream (pdflayout.py).

The order is the reverse of "pdfplumber, cross-checked by pdfium" and deliberate: pdfplumber
returns nothing at all, without an error, for CJK fonts with CFF outlines (Noto/Source Han
as embedded by many producers), where pdfium reads them perfectly, and it is much slower.

Pages are streamed: one page object and its text at a time; pages to OCR are rendered one at a
time by whichever process recognises them.
"""

from __future__ import annotations

from pathlib import Path

from extractors import pdflayout, textlayer
from extractors.cleanup import clean
from extractors.errors import Empty, TooLarge
from extractors.model import Extracted, Page
from extractors.pages import open_pdf
from extractors.scan import PageJob, ocr_pages


def _count_objects(page) -> int:
    import pypdfium2.raw as raw

    return raw.FPDFPage_CountObjects(page.raw)


class _Plumber:
    """pdfplumber, opened only if some page needs a second opinion."""

    def __init__(self, path: Path):
        self.path = path
        self.pdf = None

    def text(self, index: int) -> str:
        import pdfplumber

        try:
            if self.pdf is None:
                self.pdf = pdfplumber.open(self.path)
            page = self.pdf.pages[index]
            text = page.extract_text() or ""
            page.close()
            return text
        except Exception:  # noqa: BLE001 - pdfminer raises anything on odd files; it is a fallback
            return ""

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()


def _too_many_pages(path: Path, count: int, settings) -> TooLarge:
    return TooLarge(f"PDF 共 {count} 页，超过上限 {settings.limits.max_pages} 页，已拒绝处理。"
                    "请拆分后分别投递，或请管理员调高 limits.max_pages。",
                    cause=f"{path.name}: {count} pages (limit {settings.limits.max_pages})",
                    fix="Split the PDF or raise [limits] max_pages.")


def extract(path: Path, settings, fmt: str = "pdf") -> Extracted:
    document = open_pdf(path)
    warnings: list[str] = []
    pages: list[Page | None] = []
    to_ocr: list[int] = []
    plumber = _Plumber(path)
    try:
        count = len(document)
        if count > settings.limits.max_pages:
            raise _too_many_pages(path, count, settings)
        if count == 0:
            raise Empty("PDF 文件没有任何页面。请向来文单位重新索取。", cause=f"{path.name}: 0 pages")
        for index in range(count):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            glyphs = textpage.count_chars()
            why = textlayer.problem(text, glyphs)
            if why is None:
                text = pdflayout.page_text(textpage, text)
            textpage.close()
            if why is None:
                pages.append(Page(index + 1, "pdf-text", clean(text), source="pypdfium2"))
            elif glyphs and not why.unmapped and textlayer.problem(other := plumber.text(index)) is None:
                warnings.append(f"page {index + 1}: pypdfium2 text unusable ({why}); pdfplumber's used")
                pages.append(Page(index + 1, "pdf-text", clean(other), source="pdfplumber"))
            elif _count_objects(page) == 0:
                pages.append(Page(index + 1, "pdf-text", "", source="pypdfium2"))  # a blank page
            else:
                if glyphs:
                    warnings.append(f"page {index + 1}: text layer unusable ({why}); OCR'd")
                pages.append(None)
                to_ocr.append(index)
            page.close()
    finally:
        plumber.close()
        document.close()
    if to_ocr:
        results = ocr_pages([PageJob(str(path), "pdf", i) for i in to_ocr], settings)
        for index, result in zip(to_ocr, results):
            pages[index] = Page(index + 1, "ocr", result.text, source=result.source)
            warnings.extend(result.warnings)
    if not _has_eof_marker(path):
        warnings.append("no %%EOF marker at the end: the file may be truncated")
    return Extracted(format=fmt, pages=tuple(pages), warnings=tuple(warnings))


def _has_eof_marker(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        return b"%%EOF" in handle.read()
