"""Issue 13's samples (samples/make_samples.py) read through the extractors and understood as
the pipeline will: from_ocr when any page was OCR'd. The scans are recognised once per module."""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from core.settings import load_settings
from extractors import extract
from pipeline.understand import Understanding, understand
from tests.cli import SAMPLE_OFFICE_ENV
from tests.conftest import SAMPLES


@cache
def understood(name: str, today: date | None = None) -> Understanding:
    settings = load_settings(data_dir=SAMPLES / "no-such-data-dir", env=SAMPLE_OFFICE_ENV)
    extracted = extract(SAMPLES / name, settings)
    return understand(extracted.text, settings, today=today,
                      from_ocr=any(page.method == "ocr" for page in extracted.pages))


def test_a_look_alike_issuer_is_read_as_printed():
    result = understood("issuer_two_chars_off.docx")      # 南海大学教务处, two off 东湖大学教务处
    assert (result.issuer, result.doc_number) == ("南海大学教务处", "南大教〔2026〕8号")
    assert not any("校正" in c for c in result.checks)


@pytest.mark.slow
def test_the_table_header_notice_and_its_scan_have_one_number():
    docx, scan = understood("notice_table_header.docx"), understood("notice_31_scan.pdf")
    assert docx.doc_number == scan.doc_number == "东大教发〔2026〕31号"
    assert docx.issuer == scan.issuer == "东湖大学教务处"


def test_the_draft_letter_has_a_draft_number_and_awaits_a_reply():
    result = understood("fawen_draft_blank_number.docx")
    assert (result.doc_number, result.doc_number_draft, result.is_own) == (None, "化学院函〔2026〕", True)
    assert (result.doc_type, result.awaits, result.awaits_by) == ("函", "复函", date(2026, 12, 20))


def test_our_printed_number_and_our_request_in_the_inbox():
    printed = understood("fawen_printed_number.docx")
    assert (printed.doc_number, printed.doc_number_draft, printed.is_own) == ("化学院发〔2026〕12号", None, True)
    request = understood("own_request_in_inbox.pdf")
    assert (request.is_own, request.doc_type, request.awaits) == (True, "请示", "批复")


@pytest.mark.slow
@pytest.mark.parametrize("name,day", [
    ("scan_date_letter_o.png", date(2026, 3, 9)),         # 二O二六年三月九日
    ("scan_date_seal_noise.png", date(2026, 3, 9)),       # a seal over 2026年3月9日
    ("scan_seal_over_date.png", date(2026, 3, 9)),        # centred on the date line, colour scan
    ("scan_resolution_caption.png", date(2026, 4, 2)),    # the 决议's 题注 only
])
def test_scanned_dates(name, day):
    assert understood(name).date == day


@pytest.mark.slow
@pytest.mark.parametrize("name,title,issuer,day", [
    ("scan_signin_sheet.png", "会议签到表", "东湖大学化学化工学院", date(2026, 5, 8)),
    ("scan_sales_list.png", "销售清单", "某某科技有限公司", date(2026, 6, 15)),
])
def test_scanned_forms(name, title, issuer, day):
    result = understood(name)
    assert result.doc_type == "其他"
    assert (result.title, result.issuer, result.date) == (title, issuer, day)
