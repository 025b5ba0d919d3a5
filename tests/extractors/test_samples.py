"""Every sample against its expected text: exact for text layers, CER-bounded for scans."""

from __future__ import annotations

import pytest

from tests.cer import cer
from tests.extractors.conftest import SAMPLES, expected

EXACT = [
    # (sample, format, method, sources)
    ("notice_table_header.docx", "docx", "docx", {"python-docx"}),
    ("fawen_gaozhi.docx", "docx", "docx", {"python-docx"}),
    ("letter_really_docx.doc", "docx", "docx", {"python-docx"}),
    ("notice_cff_noto.pdf", "pdf", "pdf-text", {"pypdfium2"}),
    ("request_truetype_wqy.pdf", "pdf", "pdf-text", {"pypdfium2"}),
    ("minutes_multipage.pdf", "pdf", "pdf-text", {"pypdfium2"}),
    ("notice_gbk.txt", "txt", "txt", {"gb18030"}),
    ("notice_utf16.txt", "txt", "txt", {"utf-16"}),
    ("staff_meeting.ofd", "ofd", "pdf-text", {"ofd-xml"}),
    ("fawen_printed_number.docx", "docx", "docx", {"python-docx"}),
    ("fawen_draft_blank_number.docx", "docx", "docx", {"python-docx"}),
    ("issuer_two_chars_off.docx", "docx", "docx", {"python-docx"}),
    ("own_request_in_inbox.pdf", "pdf", "pdf-text", {"pypdfium2"}),
]

# (sample, format, pages, CER bound for the default engine): the goals are 1% on a
# clean page and 3% on degraded ones.
SCANS = [
    ("scan_clean_300dpi.png", "png", 1, 0.01),
    ("scan_skew_grey.jpg", "jpeg", 1, 0.03),
    ("scan_rotated_90.png", "png", 1, 0.03),
    ("scan_multipage.tiff", "tiff", 2, 0.03),
    ("scan_no_text_layer.pdf", "pdf", 2, 0.03),
    ("notice_31_scan.pdf", "pdf", 2, 0.03),
    ("scan_date_letter_o.png", "png", 1, 0.03),
    ("scan_date_seal_noise.png", "png", 1, 0.03),
    ("scan_seal_over_date.png", "png", 1, 0.03),
    ("scan_resolution_caption.png", "png", 1, 0.03),
    ("scan_signin_sheet.png", "png", 1, 0.03),
    ("scan_sales_list.png", "png", 1, 0.03),
]


def test_every_sample_has_an_expected_text_and_a_test():
    expected_files = {p.name[: -len(".expected.txt")] for p in SAMPLES.glob("*.expected.txt")}
    tested = {name for name, *_ in EXACT} | {name for name, *_ in SCANS} | {"mixed_broken_textlayer.pdf"}
    assert expected_files == tested


@pytest.mark.parametrize("name, fmt, method, sources", EXACT)
def test_text_layers_are_exact(extracted, name, fmt, method, sources):
    result = extracted(name)
    assert result.format == fmt
    assert result.text_method == method
    assert {page.source for page in result.pages} == sources
    assert result.text == expected(name)
    assert result.warnings == ()


def test_multipage_pdf_keeps_its_pages(extracted):
    result = extracted("minutes_multipage.pdf")
    assert result.page_count == 3
    assert [page.n for page in result.pages] == [1, 2, 3]
    assert result.text.split("\n\n") == expected("minutes_multipage.pdf").split("\n\n")


def test_cff_font_defeats_pdfplumber_but_not_us(extracted):
    """The reason pypdfium2 reads first: pdfplumber returns nothing for a CFF CJK font."""
    import pdfplumber

    with pdfplumber.open(SAMPLES / "notice_cff_noto.pdf") as pdf:
        assert not (pdf.pages[0].extract_text() or "").strip()
    assert "东大教发〔2026〕31号" in extracted("notice_cff_noto.pdf").text


def test_docx_tables_headers_and_merged_cells(extracted):
    notice = extracted("notice_table_header.docx").text.splitlines()
    assert notice[0] == "东湖大学教务处\t东大教发〔2026〕31号"          # the header comes first
    assert "物理化学\t2027年1月8日\t9:00—11:00\t化学楼302" in notice    # a table row, in order
    assert notice[-1] == "地址：湖北省武汉市洪山区东湖路1号"           # the footer, page number gone
    assert not any("— 1 —" in line for line in notice)
    form = extracted("fawen_gaozhi.docx").text
    assert form.count("关于申请增设化学实验教学中心仪器设备购置经费的请示") == 1  # merged over 3 columns
    assert form.count("附件") == 1                                      # merged over 2 rows


def test_full_width_digits_and_legacy_dates_are_normalised(extracted):
    gbk = extracted("notice_gbk.txt").text
    assert "化学院发〔2026〕15号" in gbk and "二〇二六年十二月二十八日" in gbk
    utf16 = extracted("notice_utf16.txt").text
    assert "★请携带" in utf16 and "（东大发〔2025〕8号）" in utf16 and "二〇二六年十一月二十六日" in utf16


@pytest.mark.slow
@pytest.mark.parametrize("name, fmt, pages, bound", SCANS)
def test_scans_within_cer(extracted, name, fmt, pages, bound):
    result = extracted(name)
    assert result.format == fmt
    assert result.page_count == pages
    assert result.text_method == "ocr"
    assert {page.source for page in result.pages} == {"rapidocr"}
    assert cer(expected(name), result.text) <= bound
    for page_text, page in zip(expected(name).split("\n\n"), result.pages):
        assert cer(page_text, page.text) <= 2 * bound  # each page in its place, none swapped


@pytest.mark.slow
def test_rotated_pages_are_turned_upright(extracted):
    assert any("turned 270°" in w for w in extracted("scan_rotated_90.png").warnings)
    assert any("page 2: turned 180°" in w for w in extracted("scan_multipage.tiff").warnings)


@pytest.mark.slow
def test_broken_text_layer_page_is_ocrd_and_good_page_is_not(extracted):
    result = extracted("mixed_broken_textlayer.pdf")
    first, second = expected("mixed_broken_textlayer.pdf").split("\n\n")
    assert [(p.method, p.source) for p in result.pages] == [("pdf-text", "pypdfium2"), ("ocr", "rapidocr")]
    assert result.pages[0].text == first
    assert cer(second, result.pages[1].text) <= 0.01
    assert any("page 2: text layer unusable" in w for w in result.warnings)
