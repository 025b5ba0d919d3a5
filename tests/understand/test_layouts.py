"""Layouts of real published 公文 (issue 13 §7), each on a short text written for the test:
a title over several lines above its 发文字号, a long one-line title, a 文号 sharing its line
with the title, the 令, several signing units, brackets as printed; and one field that cannot
be read takes no other with it."""

from __future__ import annotations

from pipeline.understand import understand
from pipeline.understand.docnumber import find_all, own_number


def read(text: str, settings, *, from_ocr: bool = False):
    return understand(text.strip() + "\n", settings, from_ocr=from_ocr)


def test_a_title_is_not_glued_into_a_number(settings):
    assert own_number("国务院关于同意设立某市的批复国函〔1998〕60号", in_head=True).canonical == "国函〔1998〕60号"
    assert own_number("关于征求意见的函东大函〔2026〕1号", in_head=True).canonical == "东大函〔2026〕1号"
    # a 文种 word that is the 代字's own end stays: 国办函, 校长办公会议纪要
    assert own_number("国办函〔2004〕57号").canonical == "国办函〔2004〕57号"
    assert own_number("校长办公会议纪要〔2026〕3号").canonical == "校长办公会议纪要〔2026〕3号"
    cited = [n.canonical for _, n in find_all("按照关于设立某市的批复国函〔1998〕60号执行")]
    assert cited == ["国函〔1998〕60号"]


# --- brackets as printed -----------------------------------------------------------------

def test_brackets_in_a_title_are_as_printed(settings):
    text = """
关于印发《东湖大学实验室管理规定(试行)》的通知
各学院：
现将规定印发给你们，请遵照执行。
东湖大学
2024年3月1日
"""
    assert read(text, settings).title == "关于印发《东湖大学实验室管理规定(试行)》的通知"
    # OCR reads the full-width brackets of a printed title as ASCII ones: they are put back
    assert read(text, settings, from_ocr=True).title == "关于印发《东湖大学实验室管理规定（试行）》的通知"
