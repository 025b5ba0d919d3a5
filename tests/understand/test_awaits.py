"""What the sender of a document waits for (awaits, awaits_by), and deadlines without a year
(the document's year, else the receipt's; a deadline past at receipt kept and flagged)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.understand import understand

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
LABELLED = Path(__file__).parent / "labelled"


def letter(asks: str, dated: str = "2026年12月1日") -> str:
    return ("东湖大学化学化工学院\n化学院函〔2026〕9号\n关于商请联合举办绿色化工学术研讨会的函\n西江大学化学学院：\n"
            f"为促进两院学术交流，我院拟于2027年4月举办绿色化工学术研讨会，特商请贵院作为联合主办单位。{asks}\n"
            f"东湖大学化学化工学院\n{dated}\n")


@pytest.mark.parametrize("asks,by", [
    ("请于12月20日前函复。", date(2026, 12, 20)),
    ("请于2026年12月18日前函复为盼。", date(2026, 12, 18)),
    ("请予复函。", None),
    ("盼复。", None),
    ("请予回复。", None),
    ("如蒙同意，请于12月25日前将回执反馈我院。", date(2026, 12, 25)),
])
def test_a_letter_that_asks_for_an_answer_awaits_a_reply(settings, asks, by):
    result = understand(letter(asks), settings)
    assert (result.doc_type, result.awaits, result.awaits_by) == ("函", "复函", by)


def test_a_letter_that_asks_for_nothing_awaits_nothing(settings):
    result = understand(letter("特此函告。"), settings)
    assert (result.awaits, result.awaits_by) == (None, None)


def test_a_reply_letter_awaits_nothing(settings):
    result = understand((LABELLED / "018.txt").read_text(encoding="utf-8"), settings)   # …的复函, 特此函复
    assert result.doc_type == "函" and result.awaits is None


def test_our_letter_sample_awaits_a_reply(settings):
    result = understand((SAMPLES / "letter_really_docx.doc.expected.txt").read_text(encoding="utf-8"), settings)
    assert (result.is_own, result.awaits, result.awaits_by) == (True, "复函", None)      # 盼复。


def test_a_request_awaits_an_approval(settings):
    result = understand((SAMPLES / "request_truetype_wqy.pdf.expected.txt").read_text(encoding="utf-8"), settings)
    assert (result.doc_type, result.awaits) == ("请示", "批复")


def test_a_request_asking_by_a_date(settings):
    text = (SAMPLES / "request_truetype_wqy.pdf.expected.txt").read_text(encoding="utf-8").replace(
        "妥否，请批示。", "妥否，请于12月10日前批复。")
    assert "请于12月10日前批复" in text
    assert understand(text, settings).awaits_by == date(2026, 12, 10)


def test_a_notice_awaits_nothing(settings):
    result = understand((LABELLED / "001.txt").read_text(encoding="utf-8"), settings)
    assert (result.doc_type, result.awaits, result.awaits_by) == ("通知", None, None)


# --- deadlines without a year ----------------------------------------------------------------

NOTICE = ("东湖大学教务处\n东大教〔2026〕45号\n关于报送2027年春季学期教材征订计划的通知\n各学院：\n"
          "请各学院于12月10日前将征订计划报送教务处。\n东湖大学教务处\n{dated}\n")


def test_a_deadline_takes_the_year_of_the_document(settings):
    result = understand(NOTICE.format(dated="2026年11月20日"), settings, today=date(2026, 11, 23))
    assert result.deadline == date(2026, 12, 10) and "收文时已逾期" not in result.checks


def test_a_deadline_past_at_receipt_is_kept_and_flagged(settings):
    result = understand(NOTICE.format(dated="2026年11月20日"), settings, today=date(2026, 12, 15))
    assert result.deadline == date(2026, 12, 10)
    assert "收文时已逾期" in result.checks and result.route == "办件"


def test_without_a_document_date_the_year_of_receipt_and_never_a_year_on(settings):
    text = NOTICE.format(dated="")                     # the date lost (a seal over it, OCR)
    result = understand(text, settings, today=date(2026, 12, 15))
    assert result.date is None
    assert result.deadline == date(2026, 12, 10)       # not 2027-12-10
    assert "收文时已逾期" in result.checks
    on_time = understand(text, settings, today=date(2026, 12, 1))
    assert on_time.deadline == date(2026, 12, 10) and "收文时已逾期" not in on_time.checks
    # across the year's end: the deadline nearest the receipt, past or not
    late = understand(text, settings, today=date(2027, 1, 4))
    assert late.deadline == date(2026, 12, 10) and "收文时已逾期" in late.checks
    ahead = understand(text.replace("12月10日前", "1月10日前"), settings, today=date(2026, 12, 28))
    assert ahead.deadline == date(2027, 1, 10) and "收文时已逾期" not in ahead.checks


def test_a_deadline_in_january_of_a_december_document(settings):
    text = NOTICE.format(dated="2026年12月28日").replace("12月10日前", "1月10日前")
    result = understand(text, settings, today=date(2027, 1, 4))
    assert result.deadline == date(2027, 1, 10) and "收文时已逾期" not in result.checks


def test_an_urgent_document_received_late_is_due_the_day_of_receipt(settings):
    text = NOTICE.format(dated="2026年11月20日").replace("请各学院于12月10日前将征订计划报送教务处。", "请各学院抓紧落实。")
    result = understand("特急\n" + text, settings, today=date(2026, 12, 15))
    assert result.deadline == date(2026, 12, 15) and "收文时已逾期" not in result.checks
