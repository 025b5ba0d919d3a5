"""加盖收文章 (issue 16): the first page of the stored original with the office's 收文章 at its top
right, as a PDF. Read back the way a person would: the page rendered to PNG by pypdfium2 and
read by the project's OCR (RapidOCR by default); the stored original is the same bytes after."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from core.errors import InvalidValue, NotFound
from core.numbers import canonical_brackets
from core.settings import load_settings
from core.vocab import INCOMING, OUTGOING
from extractors import extract
from extractors.errors import Unsupported
from pipeline import stamp
from pipeline.documents import stored_file
from registry import queries
from registry.db import open_registry
from tests.cli import SAMPLE_OFFICE_ENV, run
from tests.pipeline.test_slips import BULLETIN, OUR_REQUEST, SAMPLES, Office, register

OFFICE_NAME = "东湖大学化学化工学院"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """An office with a 请示 (born-digital PDF), the 通知 (docx), a 决定 (text) and a 发文."""
    root = tmp_path_factory.mktemp("stamp")
    settings = load_settings(data_dir=root / "data", env=SAMPLE_OFFICE_ENV)
    for folder in settings.folders:
        folder.mkdir(parents=True, exist_ok=True)
    made = Office(settings, open_registry(settings))
    work = root / "work"
    work.mkdir()
    for key, sample in (("pdf", "request_truetype_wqy.pdf"), ("docx", "notice_table_header.docx")):
        made.records[key] = register(made, Path(shutil.copy(SAMPLES / sample, work)))
    for key, text, direction in (("txt", BULLETIN, INCOMING), ("ours", OUR_REQUEST, OUTGOING)):
        path = work / f"{key}.txt"
        path.write_text(text, encoding="utf-8")
        made.records[key] = register(made, path, direction)
    yield made
    made.engine.dispose()


def first_page_png(pdf: bytes, path: Path, dpi: int = 200) -> Path:
    """The PDF's first page as a PNG file, rendered by pypdfium2."""
    document = pdfium.PdfDocument(pdf)
    try:
        assert len(document) == 1
        document[0].render(scale=dpi / 72).to_pil().save(path)
    finally:
        document.close()
    return path


def registered_day(office: Office, reg_no: str) -> date:
    return queries.get(office.engine, reg_no).registered_at.astimezone(office.settings.zone).date()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def red_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels of stamp-pad red in ``box``."""
    pixels = np.asarray(image.convert("RGB").crop(box)).astype(int)
    return int(((pixels[..., 0] > 150) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)).sum())


@pytest.mark.slow
def test_the_stamped_first_page_shows_the_number_read_back_by_ocr_and_the_original_is_untouched(
        office: Office, tmp_path: Path):
    reg_no = office.records["pdf"]
    document = queries.get(office.engine, reg_no)
    original = stored_file(office.settings, document)
    before = (sha256(original), original.stat().st_mtime_ns)

    made = stamp.stamped_pdf(office.engine, office.settings, reg_no.replace("〔", "（").replace("〕", "）"))
    assert made.file_name == f"收文章-{reg_no}.pdf"
    page = first_page_png(made.content, tmp_path / "page.png")
    read = extract(page, office.settings)
    assert [p.method for p in read.pages] == ["ocr"]
    text = canonical_brackets(read.text)   # OCR reads 〔 as [ now and then: compare as the register does
    assert canonical_brackets(reg_no) in text, read.text[:300]
    day = registered_day(office, reg_no)
    assert f"{day.year}年{day.month}月{day.day}日" in text
    assert OFFICE_NAME in text and "收文编号" in text and "收文日期" in text
    assert "关于申请增设化学实验教学中心" in text          # the page itself is still there under it

    assert (sha256(original), original.stat().st_mtime_ns) == before
    assert before[0] == document.sha256


def test_the_stamp_sits_at_the_top_right_of_a_page_of_the_originals_size(office: Office, tmp_path: Path):
    made = stamp.stamped_pdf(office.engine, office.settings, office.records["pdf"])
    document = pdfium.PdfDocument(made.content)
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (595, 842)            # A4 in points, as the original
    image = document[0].render(scale=100 / 72).to_pil()
    document.close()
    w, h = image.size
    assert red_pixels(image, (w // 2, 0, w, h // 11)) > 2000      # the stamp, top right, above the red 版头
    assert red_pixels(image, (0, 0, w // 2, h // 11)) == 0        # nothing of it top left
    # made again, the same bytes: it is derived, dated by the registration
    assert stamp.stamped_pdf(office.engine, office.settings, office.records["pdf"]).content == made.content


def test_a_text_file_is_laid_on_an_a4_page_and_stamped(office: Office, tmp_path: Path):
    made = stamp.stamped_pdf(office.engine, office.settings, office.records["txt"])
    document = pdfium.PdfDocument(made.content)
    assert [round(x) for x in document[0].get_size()] == [595, 842]
    image = document[0].render(scale=100 / 72).to_pil()
    document.close()
    w, h = image.size
    assert red_pixels(image, (w // 2, 0, w, h // 6)) > 2000
    assert (np.asarray(image.convert("L").crop((0, h // 6, w, h // 3))) < 80).sum() > 1000  # the text


def test_a_scan_is_stamped_at_its_own_size_brought_down_to_200_dpi(office: Office):
    page, dpi = stamp.image_page(SAMPLES / "scan_clean_300dpi.png", office.settings)
    assert dpi == stamp.DPI and page.size == (1653, 2339)        # 2480 × 3508 at 300 dpi
    drawn = stamp.draw_stamp(page, dpi, stamp.Stamp(OFFICE_NAME, "收〔2026〕3号", date(2026, 12, 7)))
    assert drawn.size == page.size and drawn is not page
    w, h = drawn.size
    assert red_pixels(drawn, (w // 2, 0, w, h // 6)) > 4000 and red_pixels(page, (0, 0, w, h)) == 0


def test_the_stamp_moves_off_what_is_printed_at_the_top_right():
    page = Image.new("RGB", (1654, 2339), "white")
    page.paste((0, 0, 0), (900, 40, 1654, 200))                   # a letterhead across the top right
    drawn = stamp.draw_stamp(page, 200, stamp.Stamp(OFFICE_NAME, "收〔2026〕3号", date(2026, 12, 7)))
    assert red_pixels(drawn, (900, 0, 1654, 200)) < 100           # not over it: below it
    assert red_pixels(drawn, (900, 200, 1654, 600)) > 4000


def test_a_docx_needs_libreoffice_for_its_first_page(office: Office, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(stamp, "soffice", lambda: None)
    with pytest.raises(Unsupported, match="LibreOffice"):
        stamp.stamped_pdf(office.engine, office.settings, office.records["docx"])


@pytest.mark.slow
@pytest.mark.skipif(stamp.soffice() is None, reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
def test_a_docx_is_converted_by_libreoffice_when_it_is_installed(office: Office):
    document = queries.get(office.engine, office.records["docx"])
    before = sha256(stored_file(office.settings, document))
    made = stamp.stamped_pdf(office.engine, office.settings, office.records["docx"])
    pdf = pdfium.PdfDocument(made.content)
    image = pdf[0].render(scale=100 / 72).to_pil()
    pdf.close()
    w, h = image.size
    assert red_pixels(image, (w // 2, 0, w, h // 6)) > 2000
    assert sha256(stored_file(office.settings, document)) == before == document.sha256


def test_only_a_visible_shouwen_is_stamped(office: Office):
    with pytest.raises(InvalidValue, match="收文章只加盖在收文上"):
        stamp.stamped_pdf(office.engine, office.settings, office.records["ours"])
    with pytest.raises(NotFound):
        stamp.stamped_pdf(office.engine, office.settings, "收〔2026〕999号")


def test_the_font_is_a_chinese_face():
    face = stamp.cjk_face()
    assert Path(face.path).is_file()
    from PIL import ImageFont

    family = ImageFont.truetype(face.path, 20, index=face.index).getname()[0]
    assert family.endswith(" SC") or "WenQuanYi" in family


def test_wenshu_stamp_writes_the_pdf(office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    reg_no = office.records["pdf"]
    env = SAMPLE_OFFICE_ENV | {"WENSHU_USER": ""}
    monkeypatch.chdir(tmp_path)
    assert "已加盖收文章" in run(office.settings.data_dir, "stamp", reg_no, env=env).stdout
    written = tmp_path / f"收文章-{reg_no}.pdf"
    assert written.read_bytes().startswith(b"%PDF-")
    run(office.settings.data_dir, "stamp", reg_no, "-o", str(tmp_path / "盖章.pdf"), env=env)
    assert (tmp_path / "盖章.pdf").read_bytes() == written.read_bytes()
    refused = run(office.settings.data_dir, "stamp", office.records["ours"], env=env, check_code=9)
    assert "收文章只加盖在收文上" in refused.stderr
