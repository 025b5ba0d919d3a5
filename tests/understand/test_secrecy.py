"""份号 and 密级 in every layout GB/T 9704 and real pages print them (issue 14 §8): a 涉密
document whose mark is missed has its body indexed and printed. The mark is read wherever it
stands in the head, in Chinese or full-width numerals, on one line with the 份号, at the end of
a 版头 line, in a docx table or page header; an unclear one is taken as 涉密 and said so; words
in a sentence or a title never are."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors import extract
from pipeline.understand import understand

HEADER = "东湖大学保卫处文件"
NUMBER = "东大保〔2026〕15号"
TITLE = "关于做好寒假期间安全保卫工作的通知"
BODY = """各学院、各部门：
为做好寒假期间校园安全工作，现将有关事项通知如下。
一、请各单位于2027年1月10日前完成安全检查，并将检查情况报保卫处。
东湖大学保卫处
2026年12月28日
"""


def document(head: str) -> str:
    return head.strip("\n") + "\n" + BODY


def standard(marks: str) -> str:
    return document(f"{marks}\n{HEADER}\n{NUMBER}\n{TITLE}")


def assert_read_as_a_document(result) -> None:
    """The marks taken out, the rest of the head reads as if they were where the standard puts them."""
    assert (result.doc_type, result.doc_number, result.issuer, result.title) == ("通知", NUMBER, "东湖大学保卫处", TITLE)


@pytest.mark.parametrize("text,secrecy,period,copy_no", [
    # the standard's layout: 份号 on line 1, 密级★期限 on line 2
    (standard("000123\n机密★1年"), "机密", "1年", "000123"),
    # 份号 and 密级 on one line, apart by a full-width space
    (standard("000123　机密★1年"), "机密", "1年", "000123"),
    # labelled, on one line
    (standard("份号：000123　密级：秘密★10年"), "秘密", "10年", "000123"),
    # the period in Chinese numerals, as printed
    (standard("000123\n机密★一年"), "机密", "一年", "000123"),
    (standard("000123\n绝密★三十年"), "绝密", "三十年", "000123"),
    # full-width digits
    (standard("０００１２３\n秘密★１０年"), "秘密", "10年", "000123"),
    (standard("000123\n绝密★长期"), "绝密", "长期", "000123"),
    (standard("秘密★6个月"), "秘密", "6个月", None),
    # 启用前: exam papers
    (standard("绝密★启用前"), "绝密", "启用前", None),
    # the mark alone on its line, and with a label
    (standard("000123\n秘密"), "秘密", None, "000123"),
    (standard("密级：机密"), "机密", None, None),
    # spaced out by a typesetter or OCR
    (standard("机 密 ★ 1 年"), "机密", "1年", None),
    # after the 发文机关 line
    (document(f"{HEADER}\n机密★1年\n{NUMBER}\n{TITLE}"), "机密", "1年", None),
    (document(f"{HEADER}\n000123\n机密★一年\n{NUMBER}\n{TITLE}"), "机密", "一年", "000123"),
    # at the end of the 版头 line (the 1999 layout's top right)
    (document(f"{HEADER}　　机密★1年\n{NUMBER}\n{TITLE}"), "机密", "1年", None),
    # at the end of the 发文字号 line
    (document(f"{HEADER}\n{NUMBER}　　机密★2年\n{TITLE}"), "机密", "2年", None),
])
def test_every_layout_of_the_mark_is_read(settings, text, secrecy, period, copy_no):
    result = understand(text, settings)
    assert (result.secrecy, result.secrecy_period, result.copy_no) == (secrecy, period, copy_no)
    assert result.is_secret and "涉密文件，应走机要渠道，正文不进入检索索引" in result.checks
    assert_read_as_a_document(result)
    assert not any("疑为密级" in check for check in result.checks)


def test_urgency_on_the_line_of_the_marks(settings):
    result = understand(standard("000123　秘密★6个月　特急"), settings)
    assert (result.copy_no, result.secrecy, result.secrecy_period, result.urgency) == ("000123", "秘密", "6个月", "特急")
    assert_read_as_a_document(result)


@pytest.mark.parametrize("line,level", [
    ("机密★5牛", "机密"),      # OCR made 年 into 牛: no clean mark
    ("机密文件", "机密"),
    ("机密★S年", "机密"),      # 5 read as S
    ("【绝秘】", "绝密"),
    ("涉密件", "秘密"),        # 涉密 without a level: the lowest, and said so
])
def test_an_unclear_mark_in_the_head_is_taken_as_secret_and_said_so(settings, line, level):
    result = understand(standard(line), settings)
    assert result.is_secret and result.secrecy == level
    assert any(f"「{line}」疑为密级标志" in check and f"按{level}处理" in check for check in result.checks)


def test_a_mark_further_down_counts_too(settings):
    """A page header repeated on page 2 (the first page's lost to OCR) still marks the document."""
    text = standard("") + "\n机密★1年\n二、各单位要安排专人值班。\n"
    result = understand(text, settings)
    assert result.is_secret and (result.secrecy, result.secrecy_period) == ("机密", "1年")
    assert any("而版头没有" in check for check in result.checks)


@pytest.mark.parametrize("text", [
    # 保密 in a title and a body, 秘密 in a sentence
    document(f"{HEADER}\n{NUMBER}\n关于做好保密工作的通知").replace("现将有关事项", "严守国家秘密，现将有关事项"),
    # 秘密 and 机密 in titles, over one line and two
    document(f"{HEADER}\n{NUMBER}\n关于加强秘密载体管理的通知"),
    document(f"{HEADER}\n{NUMBER}\n关于开展机密文件\n清查工作的通知"),
    # an organ whose name holds 保密, 秘密 right under the head in a sentence
    document(f"东湖大学保密委员会文件\n{NUMBER}\n{TITLE}").replace("各学院、各部门：\n", "各学院、各部门：\n秘密载体一律登记。\n"),
    # 秘密 as a word on a line of the head that is a sentence
    document(f"{HEADER}\n{NUMBER}\n{TITLE}\n（涉及国家秘密的事项另行通知）"),
    # a 6-digit number alone is no 份号 far down, and a 份号 alone marks nothing
    standard("000123"),
])
def test_words_in_sentences_and_titles_are_never_a_mark(settings, text):
    result = understand(text, settings)
    assert result.secrecy is None and not result.is_secret
    assert not any("密级" in check or "涉密" in check for check in result.checks)


# --- Word documents, made here with python-docx --------------------------------------------------

def _body_paragraphs(doc, lines: list[str]) -> None:
    for line in lines:
        doc.add_paragraph(line)


def test_docx_whose_first_table_row_holds_copy_number_and_mark(settings, tmp_path: Path):
    import docx

    doc = docx.Document()
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "000123"
    table.rows[0].cells[1].text = "机密★1年"
    _body_paragraphs(doc, [HEADER, NUMBER, TITLE, *BODY.splitlines()])
    path = tmp_path / "密.docx"
    doc.save(str(path))
    extracted = extract(path, settings)
    assert "000123\t机密★1年" in extracted.text            # the cells reach the text, one row one line
    result = understand(extracted.text, settings)
    assert (result.copy_no, result.secrecy, result.secrecy_period) == ("000123", "机密", "1年")
    assert_read_as_a_document(result)


def test_docx_with_labelled_cells_in_a_table(settings, tmp_path: Path):
    import docx

    doc = docx.Document()
    table = doc.add_table(rows=1, cols=4)
    for cell, value in zip(table.rows[0].cells, ("份号", "000123", "密级", "秘密★一年")):
        cell.text = value
    _body_paragraphs(doc, [HEADER, NUMBER, TITLE, *BODY.splitlines()])
    path = tmp_path / "密.docx"
    doc.save(str(path))
    result = understand(extract(path, settings).text, settings)
    assert (result.copy_no, result.secrecy, result.secrecy_period) == ("000123", "秘密", "一年")


@pytest.mark.parametrize("header_lines", [
    ["机密★1年"],                               # the mark alone in the 页眉
    ["东湖大学保卫处\t机密★1年"],               # beside the unit's name, apart by a tab
])
def test_docx_with_the_mark_in_the_page_header(settings, tmp_path: Path, header_lines):
    import docx

    doc = docx.Document()
    header = doc.sections[0].header
    header.paragraphs[0].text = header_lines[0]
    for line in header_lines[1:]:
        header.add_paragraph(line)
    _body_paragraphs(doc, [HEADER, NUMBER, TITLE, *BODY.splitlines()])
    path = tmp_path / "密.docx"
    doc.save(str(path))
    extracted = extract(path, settings)
    assert "机密★1年" in extracted.text                   # page headers reach the text
    result = understand(extracted.text, settings)
    assert (result.secrecy, result.secrecy_period) == ("机密", "1年") and result.is_secret
    assert (result.doc_number, result.title) == (NUMBER, TITLE)


def test_docx_with_a_first_page_header_only(settings, tmp_path: Path):
    """A mark printed on the first page only: Word's 「首页不同」 header."""
    import docx

    doc = docx.Document()
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "秘密★6个月"
    _body_paragraphs(doc, [HEADER, NUMBER, TITLE, *BODY.splitlines()])
    path = tmp_path / "密.docx"
    doc.save(str(path))
    result = understand(extract(path, settings).text, settings)
    assert (result.secrecy, result.secrecy_period) == ("秘密", "6个月")
