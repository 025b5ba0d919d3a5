"""Generic layouts a fresh batch showed, each on a short text written for the test: a
Chinese-numeral year OCR misread in one numeral, two signing units laid out otherwise than one
per line above the date, a 转发 title over two lines, a committee inside a unit signing, and
the seller above a sales list's heading."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.understand import dates, understand

NOTICE = ("东湖大学化学化工学院\n关于召开2026年度学院教职工大会的通知\n各系、各办公室：\n"
          "学院定于2026年12月15日下午召开教职工大会，请全体教职工准时参加。\n东湖大学化学化工学院\n{date}\n")
RECEIVED = date(2026, 10, 8)


# --- a Chinese-numeral year OCR misread in one numeral -----------------------------------------

@pytest.mark.parametrize("printed,expected", [
    ("二〇上六年九月二十六日", date(2026, 9, 26)),     # 上 for 二
    ("二〇工六年九月二十六日", date(2026, 9, 26)),     # 工 for 二
    ("二口土六年九月二十六日", date(2026, 9, 26)),     # 〇 as 口, 土 for 二
    ("二〇二六年九月二十六日期", date(2026, 9, 26)),   # well formed: no correction
])
def test_a_misread_year_numeral_is_put_right_in_ocr_text(settings, printed, expected):
    result = understand(NOTICE.format(date=printed), settings, today=RECEIVED, from_ocr=True)
    assert result.date == expected
    corrected = [c for c in result.checks if c.startswith("成文日期按识别纠正")]
    assert corrected == ([] if printed.startswith("二〇二六") else
                         [f"成文日期按识别纠正：「{printed}」读作2026年9月26日"])


def test_a_misread_year_is_never_corrected_in_a_text_layer(settings):
    result = understand(NOTICE.format(date="二〇上六年九月二十六日"), settings, today=RECEIVED)
    assert result.date is None
    assert not any(c.startswith("成文日期按识别纠正") for c in result.checks)


@pytest.mark.parametrize("printed", [
    "二〇上上年九月二十六日",     # two numerals misread
    "二〇二上年九月二十六日",     # 2022 or 2023: more than one plausible year
    "二〇上六年九月三十二日",     # the rest is no well-formed date
])
def test_a_misread_year_is_read_only_when_one_year_results(settings, printed):
    result = understand(NOTICE.format(date=printed), settings, today=RECEIVED, from_ocr=True)
    assert result.date is None


def test_a_misread_year_only_on_the_signature_line(settings):
    text = NOTICE.format(date="").replace("请全体教职工准时参加。", "二〇上六年九月二十六日前报名，请准时参加。")
    assert understand(text, settings, today=RECEIVED, from_ocr=True).date is None


def test_a_misread_year_needs_a_year_near_the_registration():
    # 二〇上六: 2026 or 2036; only 2026 is near a registration in 2026
    assert dates.misread_years("二〇上六", range(2016, 2028)) == {2026}
    assert dates.misread_years("二〇上六", range(1990, 2100)) == {2026, 2036}
    assert dates.misread_years("九九八", range(1990, 2100)) == {1998}       # 一 lost
    assert dates.misread_years("—九九八", range(1990, 2100)) == {1998}      # 一 as a dash


# --- two signing units ---------------------------------------------------------------------------

JOINT = ("关于开展2026年实验室安全检查的通知\n各学院：\n请各学院于2026年10月20日前完成自查。\n{signature}\n")


@pytest.mark.parametrize("signature", [
    "东湖大学资产管理处    东湖大学保卫处\n2026年9月26日",                                    # one line, spaces
    "东湖大学资产管理处\n2026年9月26日\n东湖大学保卫处\n2026年9月26日",                      # each over its date
    "东湖大学资产管理处\n（印章）\n东湖大学保卫处\n（印章）\n2026年9月26日",                 # seals between
    "东湖大学资产管理处  2026年9月26日\n东湖大学保卫处  2026年9月26日",                      # each with its date
    "东湖大学资产管理处\n2026年9月26日\n东湖大学保卫处\n2026年9月26日\n抄送：东湖大学办公室。",
])
def test_two_signing_units_laid_out_otherwise(settings, signature):
    result = understand(JOINT.format(signature=signature), settings)
    assert result.issuer == "东湖大学资产管理处、东湖大学保卫处"
    assert result.date == date(2026, 9, 26)


def test_a_sentence_above_the_units_date_is_no_unit(settings):
    text = JOINT.format(signature="东湖大学保卫处\n2026年9月26日").replace("完成自查。", "完成自查。\n2026年9月1日")
    assert understand(text, settings).issuer == "东湖大学保卫处"


# --- a 转发 title over two lines ---------------------------------------------------------------

@pytest.mark.parametrize("first_line", ["东湖大学办公室转发东湖省教育厅", "东湖大学办公室转发"])
def test_a_forwarding_title_over_two_lines(settings, first_line):
    result = understand(f"东湖大学办公室\n东大办发〔2026〕5号\n{first_line}\n关于做好2026年国庆节放假安排的通知\n"
                        "各学院：\n现转发给你们，请遵照执行。\n东湖大学办公室\n2026年9月20日\n", settings)
    assert result.title == f"{first_line}关于做好2026年国庆节放假安排的通知"
    assert result.issuer == "东湖大学办公室"


# --- a committee inside a unit signs -----------------------------------------------------------

@pytest.mark.parametrize("head", ["东湖大学化学化工学院\n化学院发〔2026〕16号\n", "东湖大学化学化工学院\n", ""])
@pytest.mark.parametrize("from_ocr", [False, True])
def test_a_committee_inside_a_unit_is_the_issuer(settings, head, from_ocr):
    text = (f"{head}关于2026年度学术论文评审的通知\n各系：\n请于2026年10月20日前提交材料。\n"
            "东湖大学化学化工学院学术委员会\n2026年9月26日\n")
    assert understand(text, settings, from_ocr=from_ocr).issuer == "东湖大学化学化工学院学术委员会"


def test_the_units_office_signing_is_still_the_units_issuer_when_equal(settings):
    text = ("东湖大学化学化工学院\n关于2026年度学术论文评审的通知\n各系：\n请于2026年10月20日前提交材料。\n"
            "东湖大学化学化工学院\n2026年9月26日\n")
    assert understand(text, settings).issuer == "东湖大学化学化工学院"


# --- a sales list --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "东湖华联科技有限公司\n销售清单\n购货单位：东湖大学化学化工学院\n日期：2026-09-26\n序号  品名  数量\n1  烧杯  10\n",
    "销售清单\n销售单位：东湖华联科技有限公司\n购货单位：东湖大学化学化工学院\n日期：2026-09-26\n",
    "销售清单\n销售方：东湖华联科技有限公司\n日期：2026-09-26\n",
])
def test_the_seller_of_a_sales_list_is_its_issuer(settings, text):
    result = understand(text, settings)
    assert (result.title, result.issuer, result.date) == ("销售清单", "东湖华联科技有限公司", date(2026, 9, 26))


def test_a_unit_over_another_heading_is_still_the_titles(settings):
    result = understand("化学化工学院\n2026年冬季安全工作会议签到表\n序号  姓名\n1  王建国\n", settings)
    assert result.title == "化学化工学院2026年冬季安全工作会议签到表"
