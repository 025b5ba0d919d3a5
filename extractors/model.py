"""The values extractors return. Frozen: an extraction is a fact about a file, not a workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Method = Literal["docx", "pdf-text", "ocr", "txt"]


@dataclass(frozen=True)
class Page:
    n: int  # 1-based
    method: Method
    text: str
    # The tool that produced the text (python-docx, pypdfium2, pdfplumber, rapidocr,
    # tesseract, ...): the per-page decision, recorded honestly.
    source: str = ""


@dataclass(frozen=True)
class Extracted:
    format: str  # the content-sniffed format: "docx", "pdf", "png", "jpeg", "tiff", "txt", ...
    pages: tuple[Page, ...]
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def text_method(self) -> str:
        """One word for the record: the single method used, or ``mixed`` (e.g. pdf-text+ocr)."""
        methods = sorted({page.method for page in self.pages})
        return methods[0] if len(methods) == 1 else "+".join(methods)
