"""Pages as images, for OCR: a PDF page rendered, or an image file's frame decoded.

Pillow reads only the header on open, so an image's declared size is checked against
``limits.max_image_pixels`` before a single pixel is decoded: a 100000 x 100000 PNG of a few
kilobytes is refused as too_large instead of allocating 10 GB.

Both the PDF and the image extractors open files through here, and the OCR pool (``scan``)
loads the pages it recognises through here, so that ``scan`` depends on no extractor.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from extractors import ocr
from extractors.errors import Corrupt, Encrypted, TooLarge

_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD


def open_pdf(path, password: str | None = None):
    """A pdfium document. ``None`` is pdfium's empty password: PDFs that only restrict
    printing or copying (owner password) open with it."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        name = Path(path).name
        if getattr(exc, "err_code", None) == _PASSWORD_ERROR:
            raise Encrypted("PDF 文件已加密，无法读取。请向来文单位索取未加密的文件，"
                            "或输入密码后另存为未加密 PDF 再投递。",
                            cause=f"{name}: {exc}",
                            fix="Ask the sender for an unencrypted copy, or open it with the password and "
                                "save it without encryption.") from exc
        raise Corrupt("PDF 文件已损坏或不完整，无法打开。请向来文单位重新索取，或用 PDF 阅读器打开后另存一份再投递。",
                      cause=f"{name}: {exc}") from exc


def render_page(path, index: int, settings) -> Image.Image:
    """Page ``index`` as a greyscale image at ``ocr.dpi``; smaller when the engine would shrink
    it anyway (RapidOCR: 2000 px) or when it would exceed ``limits.max_image_pixels``."""
    document = open_pdf(path)
    try:
        page = document[index]
        width, height = page.get_size()  # points
        scale = settings.ocr.dpi / 72
        limit = ocr.max_side(settings)
        if limit and max(width, height) * scale > limit:
            scale = limit / max(width, height)  # the engine would shrink it anyway; render less
        if width * height * scale * scale > settings.limits.max_image_pixels:
            scale = (settings.limits.max_image_pixels / (width * height)) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil().copy()  # detach from pdfium's buffer before closing
        bitmap.close()
        page.close()
        return image
    finally:
        document.close()


def too_large(path, pixels: int | None, settings) -> TooLarge:
    size = f"约 {pixels / 1e6:.0f} 百万像素，" if pixels else ""
    return TooLarge(f"图片尺寸过大（{size}上限 "
                    f"{settings.limits.max_image_pixels / 1e6:.0f} 百万像素），已拒绝处理。"
                    "请以 300 dpi 重新扫描，或请管理员调高 limits.max_image_pixels。",
                    cause=f"{Path(path).name}: {pixels or 'too many'} pixels declared "
                          f"(limit {settings.limits.max_image_pixels})",
                    fix="Rescan at 300 dpi or raise [limits] max_image_pixels.")


def open_image(path, settings) -> Image.Image:
    # Pillow's own bomb guard, aligned with ours (it is process-wide; every caller in a wenshu
    # process shares one Settings).
    Image.MAX_IMAGE_PIXELS = settings.limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        declared = re.search(r"\((\d+) pixels\)", str(exc))  # Pillow names the size it refused
        raise too_large(path, int(declared.group(1)) if declared else None, settings) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise Corrupt("图片文件已损坏，无法打开。请重新扫描或向来文单位重新索取。",
                      cause=f"{Path(path).name}: {type(exc).__name__}: {exc}") from exc
    check_size(image, path, settings)
    return image


def check_size(image: Image.Image, path, settings) -> None:
    pixels = image.width * image.height
    if pixels > settings.limits.max_image_pixels:
        raise too_large(path, pixels, settings)


def load_frame(path, index: int, settings) -> Image.Image:
    """Frame ``index``, decoded and turned by its EXIF orientation."""
    image = open_image(path, settings)
    try:
        image.seek(index)
        check_size(image, path, settings)  # each TIFF page declares its own size
        image.load()
        return ImageOps.exif_transpose(image)
    except (OSError, EOFError, ValueError, SyntaxError) as exc:
        raise Corrupt("图片文件不完整或已损坏（解码失败）。请重新扫描或向来文单位重新索取。",
                      cause=f"{Path(path).name} frame {index}: {type(exc).__name__}: {exc}") from exc
