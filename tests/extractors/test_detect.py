"""Detection looks at content first, the extension last; one table drives dispatch."""

from __future__ import annotations

import os
import shutil
import zipfile

import pytest
from PIL import Image

from extractors import detect
from extractors.formats import FORMATS
from tests.extractors.conftest import sample


def _copy(tmp_path, name: str, as_name: str):
    target = tmp_path / as_name
    shutil.copyfile(sample(name), target)
    return target


@pytest.mark.parametrize("name, fmt", [
    ("notice_table_header.docx", "docx"),
    ("letter_really_docx.doc", "docx"),         # a renamed .docx is a docx
    ("notice_cff_noto.pdf", "pdf"),
    ("scan_no_text_layer.pdf", "pdf"),
    ("encrypted_user_password.pdf", "pdf"),
    ("corrupt_truncated.pdf", "pdf"),
    ("scan_clean_300dpi.png", "png"),
    ("scan_skew_grey.jpg", "jpeg"),
    ("scan_multipage.tiff", "tiff"),
    ("notice_gbk.txt", "txt"),
    ("notice_utf16.txt", "txt"),
    ("staff_meeting.ofd", "ofd"),
    ("legacy_word97.doc", "doc"),
    ("empty.pdf", "empty"),
])
def test_samples(name, fmt):
    assert detect(sample(name)) == fmt


@pytest.mark.parametrize("name, disguise, fmt", [
    ("scan_skew_grey.jpg", "scan.pdf", "jpeg"),          # a .pdf that is really a JPEG
    ("notice_cff_noto.pdf", "notice.txt", "pdf"),
    ("scan_clean_300dpi.png", "scan.docx", "png"),
    ("notice_table_header.docx", "notice", "docx"),     # no extension at all
    ("staff_meeting.ofd", "staff_meeting.zip", "ofd"),
    ("legacy_word97.doc", "legacy.wps", "wps"),          # WPS writes Word-compatible OLE2 files
    ("notice_gbk.txt", "notice.pdf", "txt"),
])
def test_content_beats_extension(tmp_path, name, disguise, fmt):
    assert detect(_copy(tmp_path, name, disguise)) == fmt


def test_other_formats_by_magic(tmp_path):
    for fmt, save_as in (("bmp", "BMP"), ("webp", "WEBP"), ("gif", "GIF"), ("tiff", "TIFF")):
        path = tmp_path / f"page.{fmt}.bin"
        Image.new("L", (40, 20), 255).save(path, save_as)
        assert detect(path) == fmt
    rtf = tmp_path / "memo.doc"
    rtf.write_bytes(b"{\\rtf1\\ansi\\ansicpg936 {\\fonttbl{\\f0 SimSun;}} \\f0 \\'b6\\'ab}")
    assert detect(rtf) == "rtf"


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_family(tmp_path):
    assert detect(_zip(tmp_path / "a.docx", {"xl/workbook.xml": b"<x/>"})) == "xlsx"
    assert detect(_zip(tmp_path / "b.docx", {"ppt/presentation.xml": b"<x/>"})) == "pptx"
    assert detect(_zip(tmp_path / "c.zip", {"readme.txt": b"hi"})) == "zip"
    odt = {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}
    assert detect(_zip(tmp_path / "d.odt", odt)) == "odt"


def test_damaged_zip_falls_back_to_its_extension(tmp_path):
    data = sample("notice_table_header.docx").read_bytes()
    for name in ("cut.docx", "cut.bin"):
        (tmp_path / name).write_bytes(data[: len(data) // 3])
    assert detect(tmp_path / "cut.docx") == "docx"   # so the docx reader reports it corrupt
    assert detect(tmp_path / "cut.bin") == "zip"


def test_ole2_streams_tell_word_from_excel_and_encrypted_office(tmp_path):
    data = bytearray(sample("legacy_word97.doc").read_bytes())
    at = data.find("WordDocument".encode("utf-16-le"))

    def renamed(stream: str, name: str):
        raw = stream.encode("utf-16-le") + b"\0\0"
        patched = bytearray(data)
        patched[at:at + 64] = raw.ljust(64, b"\0")
        patched[at + 64:at + 66] = len(raw).to_bytes(2, "little")
        path = tmp_path / name
        path.write_bytes(bytes(patched))
        return path

    assert detect(renamed("Workbook", "sheet.doc")) == "xls"
    assert detect(renamed("EncryptedPackage", "secret.docx")) == "office-encrypted"


def test_binary_garbage_is_not_text(tmp_path):
    path = tmp_path / "noise"
    path.write_bytes(os.urandom(5000))
    assert detect(path) == "unknown"
    named = tmp_path / "noise.pdf"
    named.write_bytes(os.urandom(5000))
    assert detect(named) == "pdf"   # extension last: the PDF reader then reports it corrupt


def test_text_encodings_are_text(tmp_path):
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-32"):
        path = tmp_path / f"t.{encoding}"
        text = "Notice 2026: all staff" if encoding == "utf-16-le" else "关于召开教职工大会的通知\n各系："
        path.write_bytes(text.encode(encoding))
        assert detect(path) == "txt", encoding


def test_one_table_every_format_has_a_reader_or_a_refusal():
    for name, spec in FORMATS.items():
        assert spec.name == name
        assert spec.extract is not None or spec.refusal, name


def test_text_cut_inside_a_multibyte_character_is_still_text(tmp_path):
    text = ("关于做好期末考试工作的通知。" * 700).encode("utf-8")  # longer than the 8 KB sniffed
    path = tmp_path / "long.txt"
    path.write_bytes(text)
    assert detect(path) == "txt"
