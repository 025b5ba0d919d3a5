"""Scanned images (PNG, JPEG, multi-page TIFF, BMP, WebP, GIF): every frame is a page to OCR.

Pillow reads only the header on open, so the declared size is checked against
``limits.max_image_pixels`` before a single pixel is decoded: a 100000 x 100000 PNG of a few
kilobytes is refused as too_large instead of allocating 10 GB.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from extractors.errors import Corrupt, TooLarge
from extractors.model import Extracted, Page
from extractors.scan import PageJob, ocr_pages


def _too_large(path, pixels: int | None, settings) -> TooLarge:
    size = f"约 {pixels / 1e6:.0f} 百万像素，" if pixels else ""
    return TooLarge(f"图片尺寸过大（{size}上限 "
                    f"{settings.limits.max_image_pixels / 1e6:.0f} 百万像素），已拒绝处理。"
                    "请以 300 dpi 重新扫描，或请管理员调高 limits.max_image_pixels。",
                    cause=f"{Path(path).name}: {pixels or 'too many'} pixels declared "
                          f"(limit {settings.limits.max_image_pixels})",
                    fix="Rescan at 300 dpi or raise [limits] max_image_pixels.")


def _open(path, settings) -> Image.Image:
    # Pillow's own bomb guard, aligned with ours (it is process-wide; every caller in a wenshu
    # process shares one Settings).
    Image.MAX_IMAGE_PIXELS = settings.limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        declared = re.search(r"\((\d+) pixels\)", str(exc))  # Pillow names the size it refused
        raise _too_large(path, int(declared.group(1)) if declared else None, settings) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise Corrupt("图片文件已损坏，无法打开。请重新扫描或向来文单位重新索取。",
                      cause=f"{Path(path).name}: {type(exc).__name__}: {exc}") from exc
    _check_size(image, path, settings)
    return image


def _check_size(image: Image.Image, path, settings) -> None:
    pixels = image.width * image.height
    if pixels > settings.limits.max_image_pixels:
        raise _too_large(path, pixels, settings)


def load_frame(path, index: int, settings) -> Image.Image:
    """Frame ``index``, decoded and turned by its EXIF orientation."""
    image = _open(path, settings)
    try:
        image.seek(index)
        _check_size(image, path, settings)  # each TIFF page declares its own size
        image.load()
        return ImageOps.exif_transpose(image)
    except (OSError, EOFError, ValueError, SyntaxError) as exc:
        raise Corrupt("图片文件不完整或已损坏（解码失败）。请重新扫描或向来文单位重新索取。",
                      cause=f"{Path(path).name} frame {index}: {type(exc).__name__}: {exc}") from exc


def extract(path: Path, settings, fmt: str) -> Extracted:
    with _open(path, settings) as image:
        frames = getattr(image, "n_frames", 1)
    if frames > settings.limits.max_pages:
        raise TooLarge(f"图片共 {frames} 页，超过上限 {settings.limits.max_pages} 页，已拒绝处理。请分批扫描投递。",
                       cause=f"{path.name}: {frames} frames (limit {settings.limits.max_pages})",
                       fix="Split the scan or raise [limits] max_pages.")
    results = ocr_pages([PageJob(str(path), "image", i) for i in range(frames)], settings)
    pages = tuple(Page(i + 1, "ocr", r.text, source=r.source) for i, r in enumerate(results))
    warnings_ = tuple(w for r in results for w in r.warnings)
    return Extracted(format=fmt, pages=pages, warnings=warnings_)
