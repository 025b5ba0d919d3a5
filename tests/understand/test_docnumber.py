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


@pytest.mark.parametrize("line,canonical", [
    ("东湖大学教务处东大教发〔2026〕31号", "东大教发〔2026〕31号"),      # a 版头 cell glued to the number
    ("东湖大学教务处文件东大教〔2026〕45号", "东大教〔2026〕45号"),       # the 版头 itself
    ("东湖大学化学化工学院化学院发〔2026〕12号", "化学院发〔2026〕12号"),
    ("化学院发〔2026〕12号", "化学院发〔2026〕12号"),                    # a short 代字 ending like an organ
    ("工信部联科〔2020〕3号", "工信部联科〔2020〕3号"),
    ("东大党办发〔2026〕2号", "东大党办发〔2026〕2号"),
    ("国科金发计〔2026〕8号", "国科金发计〔2026〕8号"),
])
def test_a_number_in_the_head_does_not_absorb_the_organ_printed_before_it(line, canonical):
    number = own_number(line, in_head=True)
    assert number.canonical == canonical and number.printed == canonical


def test_the_table_header_sample_has_its_own_number(settings):
    from pipeline.understand import understand
    from tests.conftest import SAMPLES
    text = (SAMPLES / "notice_table_header.docx.expected.txt").read_text(encoding="utf-8")
    assert text.startswith("东湖大学教务处\t东大教发〔2026〕31号")     # one table row: organ | number
    result = understand(text, settings)
    assert result.doc_number == "东大教发〔2026〕31号" and result.issuer == "东湖大学教务处"
    glued = understand(text.replace("\t", "", 1), settings)           # as a text layer may run them together
    assert glued.doc_number == "东大教发〔2026〕31号"


def test_a_cited_number_still_loses_the_words_before_it():
    found = [n.canonical for _, n in find_all("经东大校发〔2026〕3号和东大教〔2026〕5号文件批准")]
    assert found == ["东大校发〔2026〕3号", "东大教〔2026〕5号"]
