from __future__ import annotations

import pytest

from pipeline.understand import canonical_doc_number
from pipeline.understand.docnumber import find_all, own_number


@pytest.mark.parametrize("printed,canonical", [
    ("国办发〔2012〕12号", "国办发〔2012〕12号"),
    ("国办发[2012]12号", "国办发〔2012〕12号"),
    ("东大研（2026）第05号", "东大研〔2026〕5号"),
    ("东大研(2026)第05号", "东大研〔2026〕5号"),
    ("东大后【2026】7号", "东大后〔2026〕7号"),
    ("东大科 〔 2026 〕 25 号", "东大科〔2026〕25号"),
    ("东大设[26]3号", "东大设〔2026〕3号"),
    ("东大教C2026〕45号", "东大教〔2026〕45号"),   # OCR reads 〔 as C
    ("东大教(2026〕45号", "东大教〔2026〕45号"),   # ... or as (
    ("东大组 【2026j 205", "东大组〔2026〕20号"),   # tesseract: 〕 as j, 号 as 5
    ("化学院〔2026〕5号          签发人：王建国", "化学院〔2026〕5号"),
    ("ARABER [2026] 905", None),                   # no Chinese 代字: not a number
])
def test_canonical(printed, canonical):
    assert canonical_doc_number(printed) == canonical


def test_fullwidth_digits_after_normalisation():
    from pipeline.understand.text import normalize_chars
    assert canonical_doc_number(normalize_chars("东大后【２０２６】７号")) == "东大后〔2026〕7号"


@pytest.mark.parametrize("printed,expected", [
    ("东大教〔2026〕45号", ()),
    ("东大组[2026]14号", ("六角括号",)),
    ("东大研（2026）第05号", ("六角括号", "不加「第」", "不编虚位")),
    ("东大设[26]3号", ("六角括号", "年份应标全称")),
])
def test_malformed_numbers_are_named(printed, expected):
    problems = own_number(printed).problems
    assert len(problems) == len(expected)
    for problem, words in zip(problems, expected):
        assert words in problem


def test_cited_numbers_do_not_swallow_the_line_above():
    text = "东湖大学教务处文件" + "东大教〔2026〕45号" + "根据东大教〔2026〕38号文件要求"
    found = [n.canonical for _, n in find_all(text, (0, 9, 21))]
    assert found == ["东大教〔2026〕45号", "东大教〔2026〕38号"]


def test_running_text_needs_hao():
    assert find_all("面上项目（2026）3项") == []
