"""The one table that drives detection and dispatch: content-sniffed format -> spec.

Detection looks at the bytes first (``%PDF-``, a zip holding ``word/document.xml`` or
``OFD.xml`` or an OpenDocument ``mimetype``, image magic numbers, the OLE2 signature of legacy Office files, ``{\\rtf``, text
encodings) and at the file name's extension only when the bytes say nothing. A ``.doc`` that
is really a docx is a docx; a ``.pdf`` that is really a JPEG is a JPEG.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from extractors import docx, image, legacy, odt, ofd, pdf, text
from extractors.archive import peek
from extractors.ocr import OCR_NEEDS
from extractors.errors import Empty, Encrypted
from extractors.model import Extracted

Extractor = Callable[..., Extracted]


@dataclass(frozen=True)
class FormatSpec:
    name: str
    label: str                     # what the clerk calls it, for messages
    extract: Extractor | None      # None: recognised, but refused (see ``refusal``)
    extensions: tuple[str, ...]
    needs: tuple[str, ...] = ()    # what must be installed beyond the Python dependencies
    refusal: str = ""              # the clerk's message when there is no extractor


def _refuse_empty(path: Path, settings, fmt: str) -> Extracted:
    raise Empty("文件为空（0 字节），没有可读取的内容。请确认扫描或下载已完成后重新投递。",
                cause=f"{path.name} has 0 bytes", fix="Re-send the complete file.")


def _refuse_encrypted_office(path: Path, settings, fmt: str) -> Extracted:
    raise Encrypted("Office 文档设置了打开密码，无法读取。请向来文单位索取未加密的文件，"
                    "或用 WPS/Word 输入密码后另存为无密码文档再投递。",
                    cause=f"{path.name}: OLE2 container with an EncryptedPackage stream",
                    fix="Remove the password (File > Info > Protect) and save again.")


_OFFICE_HINT = "请另存为 PDF 或 Word（.docx）格式后再投递。"
_LEGACY_NEEDS = ("LibreOffice: apt-get install libreoffice-writer (provides soffice)",)

FORMATS: dict[str, FormatSpec] = {spec.name: spec for spec in (
    FormatSpec("pdf", "PDF 文件", pdf.extract, (".pdf",), OCR_NEEDS),
    FormatSpec("docx", "Word 文档（.docx）", docx.extract, (".docx", ".docm", ".dotx")),
    FormatSpec("ofd", "OFD 版式文件", ofd.extract, (".ofd",)),
    FormatSpec("doc", "Word 97-2003 文档（.doc）", legacy.extract, (".doc", ".dot"), _LEGACY_NEEDS),
    FormatSpec("wps", "WPS 文字文档（.wps）", legacy.extract, (".wps",), _LEGACY_NEEDS),
    FormatSpec("rtf", "RTF 文档", legacy.extract, (".rtf",), _LEGACY_NEEDS),
    FormatSpec("odt", "OpenDocument 文档（.odt）", odt.extract, (".odt", ".ott")),
    FormatSpec("png", "PNG 图片", image.extract, (".png",), OCR_NEEDS),
    FormatSpec("jpeg", "JPEG 图片", image.extract, (".jpg", ".jpeg", ".jpe"), OCR_NEEDS),
    FormatSpec("tiff", "TIFF 图片", image.extract, (".tif", ".tiff"), OCR_NEEDS),
    FormatSpec("bmp", "BMP 图片", image.extract, (".bmp",), OCR_NEEDS),
    FormatSpec("webp", "WebP 图片", image.extract, (".webp",), OCR_NEEDS),
    FormatSpec("gif", "GIF 图片", image.extract, (".gif",), OCR_NEEDS),
    FormatSpec("txt", "文本文件", text.extract, (".txt", ".text", ".csv", ".md")),
    FormatSpec("empty", "空文件", _refuse_empty, ()),
    FormatSpec("office-encrypted", "加密的 Office 文档", _refuse_encrypted_office, ()),
    FormatSpec("xlsx", "Excel 表格", None, (".xlsx", ".xlsm"),
               refusal="暂不支持 Excel 表格（.xlsx）。" + _OFFICE_HINT),
    FormatSpec("xls", "Excel 97-2003 表格", None, (".xls",),
               refusal="暂不支持 Excel 表格（.xls）。" + _OFFICE_HINT),
    FormatSpec("pptx", "PowerPoint 演示文稿", None, (".pptx",),
               refusal="暂不支持 PowerPoint 演示文稿。" + _OFFICE_HINT),
    FormatSpec("ppt", "PowerPoint 97-2003 演示文稿", None, (".ppt",),
               refusal="暂不支持 PowerPoint 演示文稿。" + _OFFICE_HINT),
    FormatSpec("ods", "OpenDocument 表格", None, (".ods",),
               refusal="暂不支持 OpenDocument 表格（.ods）。" + _OFFICE_HINT),
    FormatSpec("odp", "OpenDocument 演示文稿", None, (".odp",),
               refusal="暂不支持 OpenDocument 演示文稿（.odp）。" + _OFFICE_HINT),
    FormatSpec("zip", "压缩包", None, (".zip",),
               refusal="收到的是压缩包，系统不会自动解压。请解压后将其中的公文逐个投递。"),
    FormatSpec("unknown", "未知格式", None, (),
               refusal="无法识别的文件格式。支持 PDF、Word、WPS、OpenDocument（.odt）、OFD、图片（PNG/JPEG/TIFF）和文本文件，"
                       "请转换为其中一种格式后再投递。"),
)}

_BY_EXTENSION = {ext: spec.name for spec in FORMATS.values() for ext in spec.extensions}

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_OLE_STREAMS = (  # stream names are stored as UTF-16LE in the OLE2 directory
    ("EncryptedPackage", "office-encrypted"),  # a password-protected docx/xlsx
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)
_OLE_SCAN_BYTES = 32 * 1024 * 1024


def detect(path: str | Path) -> str:
    """The format of a file by its content (a key of FORMATS), the extension as a last resort."""
    path = Path(path)
    ext = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head:
        return "empty"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path, ext)
    if head.startswith(_OLE2):
        return _ole_kind(path, ext)
    if head.startswith(b"{\\rtf"):
        return "rtf"
    for magic, name in _IMAGE_MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] == b"BM" and len(head) >= 26 and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 108, 124):
        return "bmp"
    if text.looks_like_text(head):
        return "txt"
    return _BY_EXTENSION.get(ext, "unknown")


def _zip_kind(path: Path, ext: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        # A damaged archive: trust the extension so the right reader reports it as corrupt.
        return _BY_EXTENSION.get(ext, "zip") if ext in (".docx", ".ofd", ".odt", ".ott") else "zip"
    lower = {name.lower() for name in names}
    if "word/document.xml" in names:
        return "docx"
    if "ofd.xml" in lower:
        return "ofd"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "mimetype" in names or "META-INF/manifest.xml" in names:
        return _odf_kind(path, names, ext)
    return "zip"


_ODF = {"text": "odt", "text-template": "odt", "spreadsheet": "ods", "spreadsheet-template": "ods",
        "presentation": "odp", "presentation-template": "odp"}
_ODF_MEDIA_TYPE = re.compile(rb'manifest:full-path="/"[^>]*?manifest:media-type="([^"]+)"'
                             rb'|manifest:media-type="([^"]+)"[^>]*?manifest:full-path="/"')


def _odf_kind(path: Path, names: set[str], ext: str) -> str:
    """OpenDocument: the ``mimetype`` member (stored first, uncompressed), else the media type
    the manifest gives the package root ("/")."""
    # Read through archive.peek, within a few bytes, whatever the headers declare.
    mimetype = peek(path, "mimetype", 200) if "mimetype" in names else None
    if mimetype is None:
        manifest = peek(path, "META-INF/manifest.xml", 1024 * 1024) if "META-INF/manifest.xml" in names else None
        if manifest is None:
            return _BY_EXTENSION.get(ext, "zip") if ext in (".odt", ".ott") else "zip"
        found = _ODF_MEDIA_TYPE.search(manifest)
        mimetype = (found.group(1) or found.group(2)) if found else b""
    prefix = b"application/vnd.oasis.opendocument."
    mimetype = mimetype.strip()
    if mimetype.startswith(prefix):
        return _ODF.get(mimetype[len(prefix):].decode("ascii", "replace"), "zip")
    return "zip"


def _ole_kind(path: Path, ext: str) -> str:
    with path.open("rb") as handle:
        data = handle.read(_OLE_SCAN_BYTES)
    for stream, name in _OLE_STREAMS:
        if stream.encode("utf-16-le") + b"\x00\x00" in data:
            if name == "doc" and ext == ".wps":
                return "wps"  # WPS Office writes Word-compatible OLE2 files named .wps
            return name
    return "wps" if ext == ".wps" else "doc" if ext in (".doc", ".dot") else "unknown"


