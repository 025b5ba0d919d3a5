"""Scanned images (PNG, JPEG, multi-page TIFF, BMP, WebP, GIF): every frame is a page to OCR.

Opening and decoding frames, with the pixel limits, is in ``extractors.pages``.
"""

from __future__ import annotations

from pathlib import Path

from extractors.errors import TooLarge
from extractors.model import Extracted, Page
from extractors.pages import open_image
from extractors.scan import PageJob, ocr_pages


def extract(path: Path, settings, fmt: str) -> Extracted:
    with open_image(path, settings) as image:
        frames = getattr(image, "n_frames", 1)
    if frames > settings.limits.max_pages:
        raise TooLarge(f"图片共 {frames} 页，超过上限 {settings.limits.max_pages} 页，已拒绝处理。请分批扫描投递。",
                       cause=f"{path.name}: {frames} frames (limit {settings.limits.max_pages})",
                       fix="Split the scan or raise [limits] max_pages.")
    results = ocr_pages([PageJob(str(path), "image", i) for i in range(frames)], settings)
    pages = tuple(Page(i + 1, "ocr", r.text, source=r.source) for i, r in enumerate(results))
    warnings_ = tuple(w for r in results for w in r.warnings)
    return Extracted(format=fmt, pages=pages, warnings=warnings_)
