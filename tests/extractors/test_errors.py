"""Every error kind under real conditions: real files, real limits, real missing programs."""

from __future__ import annotations

import os
import struct
import sys
import zipfile
import zlib

import pytest
from PIL import Image

from extractors import extract
from extractors.errors import Corrupt, Empty, Encrypted, ExtractionError, MissingEngine, TooLarge, Unsupported
from extractors.ocr import rapid_engine
from tests.extractors.conftest import sample, with_limits, with_ocr


def _raises(kind, path, settings) -> ExtractionError:
    with pytest.raises(kind) as info:
        extract(path, settings)
    error = info.value
    assert error.kind == kind.kind
    assert error.message and any("\u4e00" <= ch <= "\u9fff" for ch in error.message)  # for the clerk
    assert error.cause                                                                 # for the log
    return error


# --- unsupported ---------------------------------------------------------------------------

def test_binary_garbage(tmp_path, base_settings):
    path = tmp_path / "blob"
    path.write_bytes(os.urandom(4096))
    _raises(Unsupported, path, base_settings)


def test_spreadsheet_and_plain_zip(tmp_path, base_settings):
    for name, member in (("table.xlsx", "xl/workbook.xml"), ("bundle.zip", "a.txt")):
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr(member, "<x/>")
        _raises(Unsupported, tmp_path / name, base_settings)


def test_legacy_doc_without_libreoffice_says_how_to_enable_it(tmp_path, base_settings, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice here
    error = _raises(Unsupported, sample("legacy_word97.doc"), base_settings)
    assert "apt-get install libreoffice-writer" in error.message
    rtf = tmp_path / "memo.rtf"
    rtf.write_bytes(b"{\\rtf1\\ansi hello}")
    _raises(Unsupported, rtf, base_settings)


# --- encrypted -------------------------------------------------------------------------------

def test_pdf_with_user_password(base_settings):
    error = _raises(Encrypted, sample("encrypted_user_password.pdf"), base_settings)
    assert "加密" in error.message


def test_pdf_with_owner_password_only_opens(tmp_path, base_settings):
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("wqy-test", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"))
    path = tmp_path / "restricted.pdf"
    pdf = canvas.Canvas(str(path), encrypt=StandardEncryption("", ownerPassword="owner", canPrint=0))
    pdf.setFont("wqy-test", 14)
    pdf.drawString(72, 700, "关于做好期末考试工作的通知")
    pdf.save()
    result = extract(path, base_settings)
    assert result.text == "关于做好期末考试工作的通知"


def test_password_protected_office_file(tmp_path, base_settings):
    data = bytearray(sample("legacy_word97.doc").read_bytes())
    at = data.find("WordDocument".encode("utf-16-le"))
    raw = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    data[at:at + 64] = raw.ljust(64, b"\0")
    data[at + 64:at + 66] = len(raw).to_bytes(2, "little")
    path = tmp_path / "secret.docx"
    path.write_bytes(bytes(data))
    _raises(Encrypted, path, base_settings)


# --- corrupt ---------------------------------------------------------------------------------

def test_truncated_pdf(base_settings):
    _raises(Corrupt, sample("corrupt_truncated.pdf"), base_settings)


def test_random_bytes_named_pdf(tmp_path, base_settings):
    path = tmp_path / "scan.pdf"
    path.write_bytes(os.urandom(3000))
    _raises(Corrupt, path, base_settings)


def test_truncated_docx(tmp_path, base_settings):
    data = sample("notice_table_header.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    _raises(Corrupt, path, base_settings)


def test_docx_with_broken_xml(tmp_path, base_settings):
    source = sample("notice_table_header.docx")
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]  # cut mid-element
            dst.writestr(item, data)
    _raises(Corrupt, path, base_settings)


def test_truncated_png(tmp_path, base_settings):
    data = sample("scan_clean_300dpi.png").read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 3])
    _raises(Corrupt, path, base_settings)


# --- empty -----------------------------------------------------------------------------------

def test_zero_bytes(base_settings):
    _raises(Empty, sample("empty.pdf"), base_settings)


def test_docx_without_text(tmp_path, base_settings):
    import docx

    path = tmp_path / "blank.docx"
    docx.Document().save(path)
    _raises(Empty, path, base_settings)


def test_pdf_of_blank_pages(tmp_path, base_settings):
    from reportlab.pdfgen import canvas

    path = tmp_path / "blank.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.showPage()
    pdf.showPage()
    pdf.save()
    _raises(Empty, path, base_settings)


@pytest.mark.slow
def test_blank_scan(tmp_path, base_settings):
    path = tmp_path / "blank.jpg"
    Image.new("L", (1240, 1754), 235).save(path, quality=60)
    error = _raises(Empty, path, base_settings)
    assert "扫描" in error.message


# --- too large -------------------------------------------------------------------------------

def test_zip_bomb_disguised_as_docx(tmp_path, base_settings):
    path = tmp_path / "notice.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/image1.bin", b"\0" * (12 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    error = _raises(TooLarge, path, with_limits(base_settings, max_unzipped_mb=10))
    assert "解压" in error.message


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_image_with_huge_declared_dimensions(tmp_path, base_settings):
    path = tmp_path / "poster.png"
    path.write_bytes(_png_header(100_000, 100_000))  # 10 gigapixels declared in 1 KB
    error = _raises(TooLarge, path, base_settings)
    assert "像素" in error.message


def test_too_many_pages(base_settings):
    _raises(TooLarge, sample("minutes_multipage.pdf"), with_limits(base_settings, max_pages=2))
    _raises(TooLarge, sample("scan_multipage.tiff"), with_limits(base_settings, max_pages=1))


def test_file_too_big(tmp_path, base_settings):
    path = tmp_path / "big.txt"
    path.write_bytes("通知".encode() * 400_000)  # 2.4 MB
    _raises(TooLarge, path, with_limits(base_settings, max_file_mb=1))


# --- missing engine --------------------------------------------------------------------------

@pytest.fixture
def small_scan(tmp_path):
    """The top of the clean scan: a few lines, quick to recognise."""
    path = tmp_path / "top.png"
    Image.open(sample("scan_clean_300dpi.png")).crop((0, 300, 2480, 900)).save(path)
    return path


def test_tesseract_program_missing(small_scan, base_settings, monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/bin/tesseract")
    error = _raises(MissingEngine, small_scan, with_ocr(base_settings, engine="tesseract"))
    assert "apt-get install tesseract-ocr" in error.message


def test_tesseract_language_missing(small_scan, base_settings):
    settings = with_ocr(base_settings, engine="tesseract", tesseract_languages="chi_tra+eng")
    error = _raises(MissingEngine, small_scan, settings)
    assert "tesseract-ocr-chi-tra" in error.message


def test_tesseract_missing_fails_fast_before_the_pool(base_settings, monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/bin/tesseract")
    _raises(MissingEngine, sample("scan_multipage.tiff"), with_ocr(base_settings, engine="tesseract"))


def test_rapidocr_not_installed(small_scan, base_settings, monkeypatch):
    # An entry of None in sys.modules makes the import fail exactly as when the package is absent.
    rapid_engine.cache_clear()
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    try:
        error = _raises(MissingEngine, small_scan, base_settings)
        assert "pip install rapidocr-onnxruntime" in error.message
        _raises(MissingEngine, sample("scan_multipage.tiff"), base_settings)  # before the pool
    finally:
        rapid_engine.cache_clear()


@pytest.mark.slow
def test_tesseract_timeout_loses_the_page_not_the_process(base_settings):
    # model_copy does not validate: a 10 ms limit no real page meets (the minimum is 5 s; a
    # fast machine reads this page in under a second).
    settings = with_ocr(base_settings, engine="tesseract", page_timeout=0.01)
    error = _raises(Empty, sample("scan_clean_300dpi.png"), settings)
    assert "超时" in error.message and "OCR gave up" in error.cause


@pytest.mark.parametrize("error_type", [Unsupported, Encrypted, Corrupt, Empty, TooLarge, MissingEngine])
def test_an_extraction_error_crosses_a_process_boundary_whole(error_type):
    """The OCR pool and ingest's extraction process send these errors back pickled."""
    import pickle

    again = pickle.loads(pickle.dumps(error_type("中文说明", cause="the cause", fix="the fix")))
    assert type(again) is error_type
    assert (again.message, again.cause, again.fix, again.kind) == ("中文说明", "the cause", "the fix", error_type.kind)
