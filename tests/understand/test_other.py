"""A non-公文 (其他) still gets a usable title, issuer and date when its page states them, and one
field failing takes nothing else with it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.understand import understand

LABELLED = Path(__file__).parent / "labelled"


def read(doc_id: str) -> str:
    return (LABELLED / f"{doc_id}.txt").read_text(encoding="utf-8")


SALES_LIST = """东湖市华科化学试剂有限公司销售清单
购货单位：东湖大学化学化工学院
销货单位：东湖市华科化学试剂有限公司
日期：2026年11月12日
序号  品名  规格  单位  数量  单价  金额
1  无水乙醇  AR500ml  瓶  20  17.70  354.00
2  乙酸乙酯  AR500ml  瓶  10  29.60  296.00
合计金额：人民币陆佰伍拾元整（¥650.00）
"""


@pytest.mark.parametrize("doc_id,title,issuer,day", [
    ("039", "化学化工学院召开2026年度科研工作推进会", "化学化工学院", date(2026, 11, 18)),      # press release: 来源, 发布时间
    ("040", "化学化工学院2026年冬季安全工作会议签到表", "化学化工学院", date(2026, 12, 3)),    # sign-in sheet: 时间
    ("041", "电子发票（普通发票）", "东湖市华科化学试剂有限公司", date(2026, 11, 12)),        # invoice: the seller
    ("042", "化学化工学院第十二届教职工代表大会第一次会议议程", "化学化工学院", date(2026, 12, 18)),
    ("088", "化学化工学院2026年冬季安全工作会议签到表", "化学化工学院", date(2026, 12, 3)),    # tesseract
    ("098", "化学化工学院工作简报", "化学化工学院办公室", date(2026, 12, 28)),                # dateline
])
def test_what_the_page_states(settings, doc_id, title, issuer, day):
    result = understand(read(doc_id), settings, from_ocr=doc_id >= "061")
    assert result.doc_type == "其他"
    assert (result.title, result.issuer, result.date) == (title, issuer, day)
    assert result.route == "阅件" and "未找到成文日期" not in result.checks


def test_a_sales_list(settings):
    result = understand(SALES_LIST, settings)
    assert result.doc_type == "其他"
    assert (result.title, result.issuer, result.date) == (
        "东湖市华科化学试剂有限公司销售清单", "东湖市华科化学试剂有限公司", date(2026, 11, 12))


def test_an_ocr_sales_list(settings):
    text = SALES_LIST.replace("日期：", "日 期: ").replace("销货单位：", "销货单位:")
    result = understand(text, settings, from_ocr=True)
    assert (result.issuer, result.date) == ("东湖市华科化学试剂有限公司", date(2026, 11, 12))


def test_a_missing_field_takes_nothing_with_it(settings):
    no_date = SALES_LIST.replace("日期：2026年11月12日\n", "")
    result = understand(no_date, settings)
    assert (result.title, result.issuer, result.date) == (
        "东湖市华科化学试剂有限公司销售清单", "东湖市华科化学试剂有限公司", None)
    no_seller = SALES_LIST.replace("销货单位：东湖市华科化学试剂有限公司\n", "")
    result = understand(no_seller, settings)
    assert (result.issuer, result.date) == (None, date(2026, 11, 12))
    no_title = "序号  品名  数量\n1  无水乙醇  20\n日期：2026年11月12日\n"
    result = understand(no_title, settings)
    assert (result.title, result.date) == (None, date(2026, 11, 12))


def test_a_press_release_dated_at_its_foot(settings):
    text = ("化学化工学院举办绿色化学青年学者论坛\n12月5日，第五届绿色化学青年学者论坛在化工楼举行，"
            "来自省内外12所高校的60余名青年学者参加论坛。\n化学化工学院办公室  2026年12月6日\n")
    result = understand(text, settings)
    assert (result.title, result.issuer, result.date) == (
        "化学化工学院举办绿色化学青年学者论坛", "化学化工学院办公室", date(2026, 12, 6))


def test_the_date_of_an_unrelated_sentence_is_not_the_pages(settings):
    text = "化学化工学院2026年冬季安全工作会议签到表\n序号  姓名  单位\n1  王建国  学院\n"
    result = understand(text, settings)
    assert result.date is None and result.issuer == "化学化工学院"


def test_a_scanned_sales_list_with_its_sellers_name_above_the_heading(settings):
    text = ("某某科技有限公司\n销售清单\n购货单位：东湖大学化学化工学院  单号：XS20260615003\n"
            "销售单位：某某科技有限公司      日期：2026-06-15\n序号商品名称    规格单位数量单价（元）金额（元）\n"
            "1 无水乙醇（分析纯）    500mL 瓶 20 18.50 370.00\n合计    100     2430.00\n")
    result = understand(text, settings, from_ocr=True)
    # the seller printed above a sales heading is its issuer, not part of its title
    assert (result.title, result.issuer, result.date) == ("销售清单", "某某科技有限公司", date(2026, 6, 15))


def test_a_scanned_sign_in_sheet_names_its_organiser(settings):
    text = ("会议签到表\n会议名称：2026年研究生教育教学改革研讨会\n主办单位：东湖大学化学化工学院\n"
            "日期：2026年5月8日      地点：化学楼报告厅\n序号姓名        单位    签名\n1       王建国东湖大学化学化工学院\n")
    result = understand(text, settings, from_ocr=True)
    assert (result.title, result.issuer, result.date) == ("会议签到表", "东湖大学化学化工学院", date(2026, 5, 8))
