"""成文日期 as OCR leaves it: 〇 read as O, 0, ○, o, 口 or dropped, a seal's trace after the date,
and the 题注 date of a 决议 or 纪要 when there is no signature date."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.understand import dates, understand

NOTICE = ("东湖大学化学化工学院\n化学院发〔2026〕16号\n关于召开2026年度学院教职工大会的通知\n各系、各办公室：\n"
          "学院定于2026年12月15日下午召开教职工大会，请全体教职工准时参加。\n东湖大学化学化工学院\n{date}\n")


@pytest.mark.parametrize("printed", [
    "二〇二六年十二月八日", "二O二六年十二月八日", "二0二六年十二月八日", "二○二六年十二月八日", "二o二六年十二月八日",
    "二口二六年十二月八日",
    "二二六年十二月八日",          # the 〇 dropped: 二〇二六 is the one plausible year
    "2026年12月8日期",            # a seal over the date line leaves 「期」
    "2026年12月8日印",
    "二〇二六年十二月八日期",
    "2O26年12月8日",
    "2026年12月8阳",              # the seal turned 日 into 阳
    "二〇二六年十二月八阳",
])
def test_an_ocr_signature_date(settings, printed):
    assert understand(NOTICE.format(date=printed), settings, from_ocr=True).date == date(2026, 12, 8)


@pytest.mark.parametrize("year,expected", [
    ("二二六", 2026), ("一九九", 1990), ("二一九", 2019),
    ("二〇二", None),    # 2002 or 2020: no guess
    ("三二一", None),    # no plausible year
])
def test_a_year_that_lost_its_zero(year, expected):
    assert dates.cn_year(year) == expected


@pytest.mark.parametrize("printed", ["2026年12月8日起", "2026年12月8起", "2026年12月8前"])
def test_words_after_a_date_are_no_seal(settings, printed):
    result = understand(NOTICE.format(date=printed), settings, from_ocr=True)
    assert result.date is None


RESOLUTION = ("中共东湖大学化学化工学院委员会\n关于加强学院实验室安全管理的决议\n"
              "（2026年4月2日中共东湖大学化学化工学院委员会全体会议通过）\n"
              "全体会议认真审议了学院实验室安全工作报告，同意报告对当前形势的分析。\n"
              "会议要求，各系于2026年4月30日前完成实验室安全隐患排查。\n")


@pytest.mark.parametrize("variant", [
    lambda t: t,
    lambda t: t.replace("化学化工学院委员会全体会议通过", "化学化工学院\n委员会全体会议通过"),   # over two lines
    lambda t: t.replace("（", "(").replace("）", ")"),
    lambda t: t.replace("通过）", "通过"),                      # OCR lost the closing bracket
    lambda t: t.replace("2026年4月2日", "二O二六年四月二日"),
])
def test_the_caption_date_of_a_resolution(settings, variant):
    result = understand(variant(RESOLUTION), settings, from_ocr=True)
    assert result.doc_type == "决议" and result.date == date(2026, 4, 2)


def test_the_caption_date_of_minutes(settings):
    text = ("东湖大学化学化工学院党政联席会议纪要\n（2026年11月12日学院党政联席会议审议通过）\n"
            "会议研究了学院2027年招生计划。\n会议同意按程序报学校审核。\n")
    assert understand(text, settings).date == date(2026, 11, 12)


def test_a_signature_date_wins_over_the_caption(settings):
    text = RESOLUTION + "中共东湖大学化学化工学院委员会\n2026年4月3日\n"
    assert understand(text, settings).date == date(2026, 4, 3)


@pytest.mark.parametrize("text,expected", [
    ("2026-11-18", date(2026, 11, 18)), ("2026/11/8", date(2026, 11, 8)), ("2026.11.18 14:30", date(2026, 11, 18)),
    ("序号12026", None),
])
def test_numeric_dates_of_forms_and_web_pages(text, expected):
    assert dates.first_date(text) == expected
