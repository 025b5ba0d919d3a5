"""A 发文稿纸 (one big table of label/value cells) is read for its elements."""

from __future__ import annotations

from pathlib import Path

from pipeline.understand import understand
from pipeline.understand.form import as_document

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "fawen_gaozhi.docx.expected.txt"


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
