"""A 发文稿纸 (one big table of label/value cells) is read for its elements."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.understand import understand
from pipeline.understand.form import as_document

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE = SAMPLES / "fawen_gaozhi.docx.expected.txt"     # the 发文稿纸 as `wenshu extract` reads it
LETTER = SAMPLES / "letter_really_docx.doc.expected.txt"


def test_the_draft_form_sample_is_understood(settings):
    result = understand(SAMPLE.read_text(encoding="utf-8"), settings)
    assert result.title == "关于申请增设化学实验教学中心仪器设备购置经费的请示"
    assert (result.doc_type, result.doc_number) == ("请示", "化学院发〔2026〕12号")
    assert (result.issuer, result.is_own, result.signer) == ("东湖大学化学化工学院", True, "王建国")
    assert (result.urgency, result.secrecy) == ("加急", None)
    assert result.date.isoformat() == "2026-11-18"
    assert result.recipients == ("学校",) and result.cc == ("校财务处", "国有资产管理处")
    assert result.attachments == ("仪器设备购置清单", "经费预算表")


def test_ordinary_documents_are_not_taken_for_forms():
    text = "东湖大学教务处\n关于做好期末考试工作的通知\n各学院：\n标题\t不是表格\n特此通知。\n"
    assert as_document(text) is None


FILLED = "化学院发〔2026〕12号"


@pytest.mark.parametrize("printed,draft", [
    ("化学院函〔2026〕\u3000号", "化学院函〔2026〕"),     # the sequence left blank for the office to fill
    ("化学院函〔2026〕号", "化学院函〔2026〕"),
    ("化学院发〔2026〕 号", "化学院发〔2026〕"),
    ("化学院函〔\u3000〕号", "化学院函〔〕"),               # the year blank too
    ("化学院函[2026]\u3000号", "化学院函〔2026〕"),        # any brackets, canonical 〔〕
])
def test_a_draft_form_with_a_blank_sequence_has_a_draft_number(settings, printed, draft):
    result = understand(SAMPLE.read_text(encoding="utf-8").replace(FILLED, printed), settings)
    assert (result.doc_number, result.doc_number_draft) == (None, draft)
    assert (result.doc_type, result.is_own, result.signer) == ("请示", True, "王建国")
    assert result.title == "关于申请增设化学实验教学中心仪器设备购置经费的请示"


def test_a_filled_form_has_no_draft_number(settings):
    result = understand(SAMPLE.read_text(encoding="utf-8"), settings)
    assert (result.doc_number, result.doc_number_draft) == (FILLED, None)


def test_a_form_with_no_number_keeps_its_signer(settings):
    result = understand(SAMPLE.read_text(encoding="utf-8").replace(FILLED, ""), settings)
    assert (result.doc_number, result.doc_number_draft, result.signer) == (None, None, "王建国")
    assert "上行文应标注签发人" not in result.checks


def test_a_draft_letter_with_a_blank_sequence(settings):
    text = LETTER.read_text(encoding="utf-8").replace("化学院函〔2026〕7号", "化学院函〔2026〕\u3000\u3000号")
    result = understand(text, settings)
    assert (result.doc_number, result.doc_number_draft) == (None, "化学院函〔2026〕")
    assert (result.doc_type, result.issuer, result.is_own) == ("函", "东湖大学化学化工学院", True)
    assert result.title == "关于商请接收2023级化学专业学生开展专业实习的函"


def test_a_draft_is_ours_by_its_code_alone(settings):
    text = ("关于商请接收化学专业学生开展专业实习的函\n化学院函〔2026〕　号\n江汉新材料科技有限公司：\n"
            "我院拟组织学生赴贵公司开展专业实习。请予函复。\n2026年11月25日\n")
    result = understand(text, settings)
    assert (result.doc_number_draft, result.is_own) == ("化学院函〔2026〕", True)
