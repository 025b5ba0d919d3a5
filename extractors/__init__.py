"""Bytes to text: ``extract(path, settings) -> Extracted`` and ``detect(path) -> str``.

Pure functions: no database, no index, no state kept between files (beyond a loaded OCR
engine and its worker pool). Failures are typed ExtractionErrors with a message for the clerk.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from extractors.errors import Empty, ExtractionError, TooLarge, Unsupported
from extractors.formats import FORMATS, detect
from extractors.model import Extracted, Page

__all__ = ["extract", "detect", "Extracted", "Page", "ExtractionError", "FORMATS"]

_NOTHING_READ = {
    "ocr": "未能从扫描件中识别出任何文字（可能是空白页，或扫描过暗、过淡、分辨率过低）。"
           "请检查原件后以 300 dpi 重新扫描投递。",
    "timeout": "扫描件识别超时，未能读出文字（页面过大或过于复杂）。请以 300 dpi、A4 幅面重新扫描后投递，"
               "或请管理员调高 ocr.page_timeout。",
    "other": "文件中没有可读取的文字内容。请确认文件内容正确后重新投递。",
}


def extract(path: str | Path, settings) -> Extracted:
    """Extract the text of one file, page by page, with the method used for each page."""
    path = Path(path)
    size = path.stat().st_size
    if size > settings.limits.max_file_mb * 1024 * 1024:
        raise TooLarge(f"文件过大（{size / 1048576:.0f} MB，上限 {settings.limits.max_file_mb} MB），"
                       "已拒绝处理。请压缩或拆分后再投递，或请管理员调高 limits.max_file_mb。",
                       cause=f"{path.name}: {size} bytes (limit {settings.limits.max_file_mb} MB)",
                       fix="Split the file or raise [limits] max_file_mb.")
    name = detect(path)
    spec = FORMATS[name]
    if spec.extract is None:
        raise Unsupported(spec.refusal, cause=f"{path.name}: content detected as {name}")
    result = cap_text(spec.extract(path, settings, name), settings.limits.max_text_chars)
    if not any(page.text.strip() for page in result.pages):
        kind = "ocr" if any(page.method == "ocr" for page in result.pages) else "other"
        if any("OCR gave up" in warning for warning in result.warnings):
            kind = "timeout"
        raise Empty(_NOTHING_READ[kind], cause=f"{path.name}: {name}, {len(result.pages)} page(s), no text"
                                              + (f"; {'; '.join(result.warnings)}" if result.warnings else ""))
    return result


def cap_text(result: Extracted, limit: int) -> Extracted:
    """At most ``limit`` characters of text, the rest cut with a warning for the record: what is
    kept is what is understood, stored and indexed. Pages past the cut stay, empty, so the page
    count is still the file's."""
    if sum(len(page.text) for page in result.pages) <= limit:
        return result
    pages, left = [], limit
    for page in result.pages:
        pages.append(dataclasses.replace(page, text=page.text[:max(0, left)]))
        left -= len(page.text)
    warning = (f"正文超过 {limit} 个字符的上限，只保留、检索前 {limit} 个字符（limits.max_text_chars）；"
               "其余内容请查看原件。")
    return dataclasses.replace(result, pages=tuple(pages), warnings=result.warnings + (warning,))
