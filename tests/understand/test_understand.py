"""The tricky parts of understand(), one behaviour per test."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipeline.understand import Understanding, understand

LABELLED = Path(__file__).parent / "labelled"


def read(doc_id: str) -> str:
    return (LABELLED / f"{doc_id}.txt").read_text(encoding="utf-8")


def test_a_reply_cites_our_number_as_a_reference(settings):
    result = understand(read("016"), settings)
    assert result.doc_type == "批复"
    assert result.doc_number == "东大校复〔2026〕7号"
    assert result.references == ("化学院〔2026〕5号",)
    assert result.route == "办件" and result.retention == "永久"
    assert not result.is_own


def test_our_own_request(settings):
    result = understand(read("019"), settings)
    assert result.is_own and result.signer == "王建国"
    assert result.issuer_short == "化学院"
    assert result.doc_type == "请示" and result.route == "办件"
    assert result.retention_code == "Y"


def test_forwarding_notice_is_a_notice_with_a_three_line_title(settings):
    result = understand(read("004"), settings)
    assert result.doc_type == "通知"
    assert result.title == "东湖大学关于转发《东湖省教育厅关于做好2026年冬季学校安全工作的通知》的通知"
    assert result.references == ("东教安〔2026〕30号",)
    assert result.deadline == date(2026, 12, 4)


def test_signature_date_not_body_or_printing_date(settings):
    result = understand(read("001"), settings)
    assert result.date == date(2026, 11, 20)
    assert result.printed_date == date(2026, 11, 21)
    assert result.printed_by == "东湖大学教务处"
    assert result.contact == "联系人：刘晓红，电话：0710-8765432"
    assert result.cc == ("校长办公室", "学生工作部")
    assert result.attachments == ("2026—2027学年第一学期期末考试安排表", "监考教师信息汇总表")


def test_minutes_dated_in_the_header(settings):
    result = understand(read("023"), settings)
    assert result.doc_type == "纪要" and result.date == date(2026, 12, 3)
    assert result.is_own and result.route == "办件" and result.deadline == date(2026, 12, 10)


def test_report_asking_for_approval_is_flagged(settings):
    checks = understand(read("021"), settings).checks
    assert any("夹带请示" in c and "妥否，请批示" in c for c in checks)


def test_request_with_several_matters_is_flagged(settings):
    assert any("一文一事" in c for c in understand(read("020"), settings).checks)
    assert not any("一文一事" in c for c in understand(read("019"), settings).checks)


def test_secret_document(settings):
    result = understand(read("037"), settings)
    assert result.is_secret and result.secrecy == "机密" and result.secrecy_period == "5年"
    assert result.copy_no == "000023"
    assert "涉密文件，应走机要渠道，正文不进入检索索引" in result.checks


def test_malformed_number_is_a_check(settings):
    checks = understand(read("043"), settings).checks
    assert any("不编虚位" in c for c in checks) and any("不加「第」" in c for c in checks)


def test_missing_date_is_a_check(settings):
    text = "东湖大学教务处\n东大教〔2026〕45号\n关于做好期末考试工作的通知\n各学院：\n请于12月10日前报送。\n"
    result = understand(text, settings)
    assert result.date is None and "未找到成文日期" in result.checks


def test_urgent_without_date_uses_registration_day(settings):
    text = read("010")
    assert understand(text, settings).deadline == date(2026, 11, 5)
    later = understand(text, settings, today=date(2026, 11, 7))
    assert later.deadline == date(2026, 11, 7)
    assert any("特急" in reason for reason in later.why_route)


def test_information_only_notice_is_a_reading_item(settings):
    result = understand(read("002"), settings)
    assert result.route == "阅件" and result.deadline is None
    assert "周知" in result.why_route[0]


def test_not_a_gongwen(settings):
    for doc_id in ("039", "040", "041", "042"):
        result = understand(read(doc_id), settings)
        assert result.doc_type == "其他" and result.route == "阅件" and result.doc_number is None
        assert "未找到成文日期" not in result.checks     # its date is the page's, when it states one


def test_json_form(settings):
    data = understand(read("001"), settings).as_json()
    json.dumps(data, ensure_ascii=False)
    assert data["date"] == "2026-11-20" and isinstance(data["why_route"], list)
    assert set(data) == set(Understanding.__dataclass_fields__)


def test_pure_and_frozen(settings):
    a = understand(read("005"), settings)
    assert a == understand(read("005"), settings)
    with pytest.raises(Exception):
        a.route = "阅件"


def test_empty_text(settings):
    result = understand("", settings)
    assert result.doc_type == "其他" and result.title is None


def test_forwarded_document_appended_as_attachment_keeps_the_outer_date(settings):
    text = read("004").replace(
        "东湖大学党政办公室",
        "附件\n东湖省教育厅关于做好2026年冬季学校安全工作的通知\n各设区市教育局，各高等学校：\n"
        "请于11月30日前报送工作方案。\n东湖省教育厅\n2026年11月10日\n东湖大学党政办公室", 1)
    result = understand(text, settings)
    assert result.date == date(2026, 11, 25)
    assert result.deadline == date(2026, 12, 4)      # the appended document's 11月30日 is not ours


def test_a_date_range_line_is_not_the_signature(settings):
    text = ("东湖大学团委\n东大团〔2026〕9号\n关于开展寒假社会实践的通知\n各学院团委：\n二、活动时间\n"
            "2027年1月15日至2027年2月20日。\n共青团东湖大学委员会\n2026年12月1日\n")
    assert understand(text, settings).date == date(2026, 12, 1)


@pytest.mark.parametrize("sample,ocr,own", [
    ("notice_gbk.txt.expected.txt", False, True),                 # our 发文, 化学院发〔2026〕15号
    ("scan_no_text_layer.pdf.expected.txt", True, True),          # the same, scanned
    ("letter_really_docx.doc.expected.txt", False, True),         # our 函
    ("fawen_gaozhi.docx.expected.txt", False, True),              # our 发文稿纸
    ("notice_utf16.txt.expected.txt", False, True),               # our 办公室, no number
    ("notice_cff_noto.pdf.expected.txt", False, False),           # the 教务处's
    ("notice_table_header.docx.expected.txt", False, False),
])
def test_our_own_documents_are_ours_wherever_they_are_dropped(settings, sample, ocr, own):
    from tests.conftest import SAMPLES
    result = understand((SAMPLES / sample).read_text(encoding="utf-8"), settings, from_ocr=ocr)
    assert result.is_own is own


def test_our_own_scan_with_a_misread_name_is_still_ours(settings):
    text = read("019").replace("东湖大学化学化工学院\n", "东着大学化学化工学院\n", 1)
    result = understand(text, settings, from_ocr=True)
    assert result.is_own and result.issuer == "东湖大学化学化工学院"
    assert understand(text, settings).issuer == "东着大学化学化工学院"   # a text layer says what it says
