from __future__ import annotations

from datetime import date

import pytest

from pipeline.understand import dates, deadline, load_rules


@pytest.mark.parametrize("text,expected", [
    ("2026年3月5日", date(2026, 3, 5)),
    ("2026 年 3 月 5 日", date(2026, 3, 5)),
    ("二〇二六年三月五日", date(2026, 3, 5)),
    ("二○二六年十二月三十一日", date(2026, 12, 31)),
    ("二零二六年十月二十日", date(2026, 10, 20)),
    ("二〇二六年十一月二十日", date(2026, 11, 20)),
])
def test_dates(text, expected):
    assert [d for _, _, d in dates.find_dates(text)] == [expected]


@pytest.mark.parametrize("text,expected", [
    ("2026411 20H", date(2026, 11, 20)),      # tesseract on a right-aligned short line
    ("20264710 15H", date(2026, 10, 15)),
    ("20264712 210", date(2026, 12, 21)),
    ("2026年1]月5日", date(2026, 11, 5)),
])
def test_ocr_dates_only_when_asked(text, expected):
    assert [d for _, _, d in dates.find_dates(text, ocr=True)] == [expected]
    assert dates.find_dates(text) == []


def test_year_rolls_forward():
    assert dates.roll_forward(1, 8, date(2026, 12, 21)) == date(2027, 1, 8)
    assert dates.roll_forward(12, 10, date(2026, 11, 20)) == date(2026, 12, 10)


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    from core.settings import Settings
    return load_rules(Settings(data_dir=tmp_path_factory.mktemp("data")))


BASE = date(2026, 12, 8)


@pytest.mark.parametrize("body,expected", [
    ("请各学院于2026年12月20日前将材料报送教务处。", date(2026, 12, 20)),
    ("请各学院于12月20日前将材料报送教务处。", date(2026, 12, 20)),
    ("请于1月8日前报送。", date(2027, 1, 8)),
    ("请各学院于本月28日前完成审核。", date(2026, 12, 28)),
    ("请于下月5日前报送。", date(2027, 1, 5)),
    ("请于下周五前报送。", date(2026, 12, 18)),
    ("请于12月11日（星期五）前将计划表报送国际处。", date(2026, 12, 11)),
    ("请于12月25日（星期五）下班前报送。", date(2026, 12, 25)),
    ("截止时间：2027年3月15日。", date(2027, 3, 15)),
    ("学校截止日期为2027年3月10日。", date(2027, 3, 10)),
    ("申请人于2027年1月10日前发送初稿；学校截止时间：2027年3月10日。", date(2027, 1, 10)),
    ("请于12月3\n1日前将报告报党委组织部。".replace("\n", ""), date(2026, 12, 31)),
    ("请于2026年12月10日17:00前将方案报送保卫处。", date(2026, 12, 10)),
    ("于12月底前将名单报送资助中心。", date(2026, 12, 31)),
    ("请于1月底前将名单报送资助中心。", date(2027, 1, 31)),
    ("请于本月底前报送。", date(2026, 12, 31)),
    ("学校定于2026年12月15日（星期二）下午召开动员会。请各学院组织教师准时参加。", date(2026, 12, 15)),
])
def test_deadline_forms(rules, body, expected):
    found = deadline.find(body, BASE, rules)
    assert found and found[0].value == expected


@pytest.mark.parametrize("body", [
    "2026年12月31日前到期的项目，项目负责人应当撰写结题报告。",
    "2026年9月30日前在岗的全体在编教职工。",
    "其余2处正在整改中，预计12月20日前全部完成。",
    "定于2027年1月12日（星期二）上午9:00召开总结会。",
    "自2026年11月15日起至2027年3月15日止。",
    "学校定于2026年12月15日召开动员会。",                      # nobody asked to attend
    "活动定于2026年12月26日举办，请报送参加活动的人员名单。",   # 参加 is not an attendance request
])
def test_not_deadlines(rules, body):
    assert deadline.find(body, BASE, rules) == []


def test_weekday_mismatch_is_reported(rules):
    found = deadline.find("请于12月5日（星期五）前报送。", date(2026, 11, 20), rules)
    assert found[0].value == date(2026, 12, 5)
    assert "星期六" in found[0].weekday_mismatch


def test_urgency_without_a_date(rules):
    assert deadline.from_urgency("特急", date(2026, 11, 5), rules).value == date(2026, 11, 5)
    assert deadline.from_urgency("加急", date(2026, 11, 5), rules).value == date(2026, 11, 8)
    assert deadline.from_urgency(None, date(2026, 11, 5), rules) is None


def test_a_deadline_from_the_day_of_receipt_is_never_moved_a_year_on(rules):
    received = date(2026, 12, 15)
    assert [d.value for d in deadline.find("请于12月10日前报送。", received, rules, roll=False)] == [date(2026, 12, 10)]
    assert [d.value for d in deadline.find("请于11月底前报送。", received, rules, roll=False)] == [date(2026, 11, 30)]
    assert [d.value for d in deadline.find("请于1月8日前报送。", received, rules, roll=False)] == [date(2027, 1, 8)]
    assert dates.nearest(12, 28, date(2027, 1, 4)) == date(2026, 12, 28)
    # from the document's own date a deadline is the first such day after it
    assert [d.value for d in deadline.find("请于12月10日前报送。", received, rules)] == [date(2027, 12, 10)]
