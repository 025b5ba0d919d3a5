"""Layouts the second unseen batch (fresh2) showed the rules did not read: a 题注 worded 审定,
Q for 〇, a 发文字号 with a bracket read twice or a speck after it, a joint 版头 of stacked organs,
a title whose last character OCR wrapped onto a line of its own, a 纪要 whose only issuer is the
organ its title opens with, and the non-公文 pages (a shop's sales list, a wrapped press-release
heading, a 来源 field glued to the 发布时间)."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.understand import canonical_doc_number, understand

MINUTES = ("东湖大学化学化工学院2026年第9次党政联席会议纪要\n"
           "（2026年6月12日学院党政联席会议{verb}）\n"
           "2026年6月10日下午，学院召开2026年第9次党政联席会议。会议议定事项纪要如下：\n"
           "一、会议审议通过2026年研究生招生复试工作总结。\n"
           "出席：宁致远、杜明澈\n")


@pytest.mark.parametrize("verb", ["审定", "通过", "审议通过", "批准"])
@pytest.mark.parametrize("from_ocr", [False, True])
def test_minutes_dated_by_a_caption_and_issued_by_the_organ_its_title_opens_with(settings, verb, from_ocr):
    result = understand(MINUTES.format(verb=verb), settings, from_ocr=from_ocr)
    assert (result.doc_type, result.date, result.issuer) == ("纪要", date(2026, 6, 12), "东湖大学化学化工学院")


def test_a_title_without_an_organ_before_its_year_names_no_issuer(settings):
    text = MINUTES.format(verb="审定").replace("东湖大学化学化工学院2026年", "2026年")
    assert understand(text, settings).issuer is None


SIGNED = ("东湖省科学技术厅文件\n东科发〔2026〕87号\n东湖省科学技术厅关于开展2026年度\n科技创新平台绩效评价工作的通知\n"
          "各设区市科技局：\n请各依托单位于11月30日前提交绩效自评报告。\n东湖省科学技术厅\n{date}\n")


def test_q_for_the_zero_of_a_chinese_numeral_year(settings):
    assert understand(SIGNED.format(date="二Q二六年十一月十日"), settings, from_ocr=True).date == date(2026, 11, 10)


@pytest.mark.parametrize("printed", ["东环函〔〔2026〕131号", "东工大研函〔2026］·31号", "东环函〔2026〕．131号"])
def test_a_bracket_read_twice_or_a_speck_after_it(printed):
    assert canonical_doc_number(printed).endswith(("〔2026〕131号", "〔2026〕31号"))


JOINT = ("东湖市科学技术协会\n东湖市教育局\n东科协发〔2026〕29号\n东湖市科学技术协会、东湖市教育局\n"
         "关于举办2027年东湖市青少年科技创新大赛的通\n知\n各区科协、教育局，各有关高等学校：\n"
         "请于12月20日前将专家推荐表报送市科协青少年科技中心。\n东湖市科学技术协会　东湖市教育局\n2026年11月20日\n")


@pytest.mark.parametrize("from_ocr", [False, True])
def test_a_joint_header_and_a_title_whose_last_character_wrapped(settings, from_ocr):
    result = understand(JOINT, settings, from_ocr=from_ocr)
    assert result.doc_type == "通知"
    assert result.title == "东湖市科学技术协会、东湖市教育局关于举办2027年东湖市青少年科技创新大赛的通知"
    assert result.issuer == "东湖市科学技术协会、东湖市教育局"
    assert result.deadline == date(2026, 12, 20)


def test_one_organ_over_its_number_is_still_one_issuer(settings):
    text = JOINT.replace("东湖市教育局\n东科协发", "东科协发")
    assert understand(text, settings).issuer.startswith("东湖市科学技术协会")
    assert "、" not in understand(text.replace("东湖市科学技术协会　东湖市教育局", "东湖市科学技术协会"), settings).issuer


def test_a_shops_sales_list(settings):
    text = ("东湖市恒信化玻器材商行\n\n销售清单\n\n客户名称：东湖大学化学化工学院\n日期：2026年10月27日\n"
            "序号 | 品名 | 数量\n1 | 三口圆底烧瓶 | 20\n")
    result = understand(text, settings)
    assert (result.doc_type, result.title, result.issuer, result.date) == (
        "其他", "销售清单", "东湖市恒信化玻器材商行", date(2026, 10, 27))


def test_a_wrapped_press_release_heading_and_a_glued_source_field(settings):
    text = ("东湖大学化学化工学院举办2026年研究生学术交\n流月开幕式\n来源：化学化工学院发布时间：2026年10月13日\n"
            "10月12日上午，东湖大学化学化工学院2026年研究生学术交流月开幕式在化学楼报告厅举行。\n")
    result = understand(text, settings, from_ocr=True)
    assert result.title == "东湖大学化学化工学院举办2026年研究生学术交流月开幕式"
    assert (result.issuer, result.date) == ("化学化工学院", date(2026, 10, 13))


def test_a_short_heading_does_not_swallow_the_line_under_it(settings):
    result = understand("会议签到表\n会议名称：学院教职工大会\n日期：2026年5月8日\n", settings)
    assert result.title == "会议签到表"


# --- what the third unseen batch (fresh3) showed ----------------------------------------------

CITY_BUREAU = ("东湖市科学技术局文件\n东科发〔2026〕51号\n东湖市科学技术局关于征集\n2027年度校地科技合作项目的通知\n"
               "各有关高等学校、科研院所：\n请于2027年1月15日前报送申报书。\n东湖市科学技术局\n二〇二六年十二月二十四日\n")


def test_an_ocr_issuer_read_alike_in_head_and_signature_is_kept(settings):
    """The rules know 东湖省科学技术厅 with 代字 东科发; a city bureau using a 代字 like it is
    another body, and the 版头 and the 署名 reading the same name is what the paper says."""
    from pipeline.understand import load_rules
    rules = load_rules(settings)
    assert "东科发" in rules.senders.get("东湖省科学技术厅", ()), "the rules no longer hold the case this guards"
    result = understand(CITY_BUREAU, settings, from_ocr=True)
    assert result.issuer == "东湖市科学技术局"
    misread = CITY_BUREAU.replace("东湖市科学技术局文件", "东湖省科学技术厅文件", 1).replace(
        "东湖市科学技术局关于", "东湖省科学技术厅关于").replace("\n东湖市科学技术局\n", "\n东湖省科学技木厅\n")
    assert understand(misread, settings, from_ocr=True).issuer == "东湖省科学技术厅"


LING = ("东湖市人民政府令\n第15号\n《东湖市易制毒化学品购销管理规定》已经2026年11月20日\n"
        "市人民政府第52次常务会议通过，现予公布，自2027年1月1日起\n施行。\n市长叶承川\n2026年12月1日\n"
        "东湖市易制毒化学品购销管理规定\n第一条为了加强易制毒化学品购销管理，制定本规定。\n第二条本规定自2027年1月1日起施行。\n")


@pytest.mark.parametrize("from_ocr", [False, True])
def test_a_date_a_line_break_left_at_the_end_of_a_sentence_is_no_date_line(settings, from_ocr):
    result = understand(LING, settings, from_ocr=from_ocr)
    assert (result.doc_type, result.doc_number, result.date) == ("命令", "第15号", date(2026, 12, 1))


# --- the samples' 纪要 -------------------------------------------------------------------------

def test_a_minutes_header_of_organ_over_meeting_and_no_sentence_read_as_a_signature(settings):
    """The 纪要 sample: 「东湖大学化学化工学院」 over 「党政联席会议纪要」, and a line of the body
    broken after a date (「…宣传组。各组要于2026年12月20」) that gave 各组要于 as issuer and
    2026-12-02 as 成文日期; the 纪要 prints no 成文日期 of its own."""
    from tests.conftest import SAMPLES
    text = (SAMPLES / "minutes_multipage.pdf.expected.txt").read_text(encoding="utf-8")
    result = understand(text, settings)
    assert (result.doc_type, result.issuer, result.date) == ("纪要", "东湖大学化学化工学院", None)
