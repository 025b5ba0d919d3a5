"""Clerks type the way they talk; the query is understood as filters plus text, and says so."""

from __future__ import annotations

from datetime import date

import pytest

from index import search
from index.understand import IssuerBook, find_dates, understand_text

from .conftest import TODAY

BOOK = IssuerBook(["东湖大学教务处", "东湖大学学生工作部", "湖北省教育厅", "东湖大学化学化工学院"],
                  ["东湖大学化学化工学院", "化学化工学院", "化学院"])


def understood(settings, query, **kwargs):
    return search(settings, query, today=TODAY, limit=100, **kwargs)


def test_issuer_and_doc_type(corpus_settings):
    result = understood(corpus_settings, "教务处的函")
    assert result.understood_as == {"doc_type": "函", "issuer": "东湖大学教务处", "sort": "date"}
    assert {h.reg_no for h in result.hits} == {"收〔2026〕8号", "收〔2026〕19号", "收〔2025〕103号"}


def test_relative_month(corpus_settings):
    result = understood(corpus_settings, "去年12月的请示")
    assert result.understood_as["doc_type"] == "请示"
    assert (result.understood_as["date_from"], result.understood_as["date_to"]) == ("2025-12-01", "2025-12-31")
    assert [h.reg_no for h in result.hits] == ["化学院发〔2025〕13号"]


def test_our_outgoing_reports(corpus_settings):
    result = understood(corpus_settings, "我们上报的报告")
    assert result.understood_as == {"doc_type": "报告", "direction": "发文", "sort": "date"}
    assert {h.reg_no for h in result.hits} == {"化学院发〔2026〕2号", "化学院发〔2026〕4号", "化学院发〔2025〕14号"}


def test_urgency_and_route(corpus_settings, corpus):
    result = understood(corpus_settings, "特急 办件")
    assert result.understood_as == {"urgency": "特急", "route": "办件", "sort": "date"}
    assert {h.reg_no for h in result.hits} == {r["reg_no"] for r in corpus
                                                 if r["urgency"] == "特急" and r["route"] == "办件"}


def test_filters_and_leftover_text(corpus_settings):
    result = understood(corpus_settings, "财务处 报销")
    assert result.understood_as == {"issuer": "东湖大学财务处", "text": "报销", "sort": "relevance"}
    assert {h.reg_no for h in result.hits} == {"收〔2025〕105号", "收〔2026〕6号"}
    result = understood(corpus_settings, "化学院今年加急的请示")
    assert result.understood_as["issuer"] == "东湖大学化学化工学院"
    assert result.understood_as["urgency"] == "加急"
    assert (result.understood_as["date_from"], result.understood_as["date_to"]) == ("2026-01-01", "2026-12-31")
    assert [h.reg_no for h in result.hits] == ["化学院发〔2026〕6号"]


def test_received_and_sent(corpus_settings):
    assert {h.reg_no for h in understood(corpus_settings, "收到的批复").hits} == {"收〔2025〕107号"}
    result = understood(corpus_settings, "我院发出的函")
    assert result.understood_as["direction"] == "发文"
    assert {h.reg_no for h in result.hits} == {"化学院函〔2026〕1号", "化学院函〔2025〕8号"}


def test_quoting_turns_understanding_off(corpus_settings):
    result = understood(corpus_settings, '"教务处的函"')
    assert "issuer" not in result.understood_as and result.understood_as["text"] == "“教务处的函”"


def test_a_year_inside_a_title_is_text_not_a_date(corpus_settings):
    # 2025年度教职工年度考核 was issued in January 2026: the year is part of what it is about.
    result = understood(corpus_settings, "2025年度教职工年度考核")
    assert "date_from" not in result.understood_as
    assert [h.reg_no for h in result.hits][:1] == ["收〔2026〕5号"]


@pytest.mark.parametrize("words, today, expected", [
    ("去年", date(2026, 3, 15), (date(2025, 1, 1), date(2025, 12, 31))),
    ("今年", date(2026, 3, 15), (date(2026, 1, 1), date(2026, 12, 31))),
    ("上个月", date(2026, 3, 15), (date(2026, 2, 1), date(2026, 2, 28))),
    ("上个月", date(2026, 1, 10), (date(2025, 12, 1), date(2025, 12, 31))),
    ("12月", date(2026, 3, 15), (date(2025, 12, 1), date(2025, 12, 31))),  # the latest December
    ("3月", date(2026, 3, 15), (date(2026, 3, 1), date(2026, 3, 31))),
    ("十二月", date(2026, 3, 15), (date(2025, 12, 1), date(2025, 12, 31))),
    ("2026年", date(2026, 3, 15), (date(2026, 1, 1), date(2026, 12, 31))),
    ("2025年3月", date(2026, 3, 15), (date(2025, 3, 1), date(2025, 3, 31))),
    ("2026年3月5日", date(2026, 3, 15), (date(2026, 3, 5), date(2026, 3, 5))),
    ("去年下半年", date(2026, 3, 15), (date(2025, 7, 1), date(2025, 12, 31))),
    ("本月", date(2026, 3, 15), (date(2026, 3, 1), date(2026, 3, 31))),
    ("近7天", date(2026, 3, 15), (date(2026, 3, 9), date(2026, 3, 15))),
])
def test_date_words(words, today, expected):
    assert understand_text(words, issuers=BOOK, today=today).date_range == expected
    assert find_dates(words, today)[0][2] == expected


@pytest.mark.parametrize("query, field, value", [
    ("教务处函", "doc_types", ["函"]),
    ("学工部的通知", "doc_types", ["通知"]),
    ("紧急的通知", "urgencies", ["特急", "加急", "特提", "平急", "急件"]),
    ("阅件", "routes", ["阅件"]),
    ("机密", "secrecy", ["机密"]),
    ("我们收到的函", "directions", ["收文"]),
    ("本院发文", "directions", ["发文"]),
    ("省教育厅的意见", "issuers", ["湖北省教育厅"]),
    ("化学化工学院", "issuers", ["东湖大学化学化工学院"]),
])
def test_understanding_units(query, field, value):
    assert getattr(understand_text(query, issuers=BOOK, today=TODAY), field) == value


@pytest.mark.parametrize("query, chunks", [
    ("请示报告制度", ["请示报告制度"]),      # 文种 words inside text stay text
    ("鄂教高函", ["鄂教高函"]),
    ("碳中和", ["碳中和"]),                 # jieba: 碳中/和, the 和 stays
    ("帮我找一下科研经费", ["科研经费"]),
    ("关于启明星的通知", ["启明星"]),
])
def test_leftover_text(query, chunks):
    assert understand_text(query, issuers=BOOK, today=TODAY).chunks == chunks


# --- issue 13: what a clerk types, and what the words say ------------------------------------

def hits(result):
    return {h.reg_no for h in result.hits}


def test_an_issuer_word_matches_by_containment_and_abbreviation(corpus_settings):
    """科技厅 is the clerk's word for 科学技术厅: it finds the 厅 and the 厅's 办公室 (containment),
    not only an issuer spelled exactly so."""
    result = understood(corpus_settings, "科技厅")
    assert result.understood_as == {"issuer": ["湖北省科学技术厅", "湖北省科学技术厅办公室"], "sort": "date"}
    assert hits(result) == {"收〔2026〕22号", "收〔2025〕113号"}
    assert hits(understood(corpus_settings, "发文机关:科技厅")) == hits(result)
    assert hits(understood(corpus_settings, "科学技术厅的函")) == {"收〔2025〕113号"}


def test_configured_aliases_are_data_from_the_caller(corpus_settings, corpus):
    """The index does not read the rules: the caller passes the words it knows for an issuer."""
    plain = understood(corpus_settings, "省厅的通知")
    assert "issuer" not in plain.understood_as and plain.understood_as["text"] == "省厅"
    aliased = understood(corpus_settings, "省厅的通知", issuer_aliases={"省厅": ["湖北省教育厅"]})
    assert aliased.understood_as == {"doc_type": "通知", "issuer": "湖北省教育厅", "sort": "date"}
    assert hits(aliased) == {r["reg_no"] for r in corpus if r["issuer"] == "湖北省教育厅" and r["doc_type"] == "通知"}


def test_issuer_book_aliases_expand_by_containment():
    book = IssuerBook(["中共东湖大学委员会", "中共东湖大学委员会组织部", "东湖大学教务处", "西湖大学教务处"],
                      ["东湖大学化学化工学院", "化学化工学院", "化学院"], aliases={"校党委": ["中共东湖大学委员会"]})
    assert understand_text("校党委的通知", issuers=book, today=TODAY).issuers == [
        "中共东湖大学委员会", "中共东湖大学委员会组织部"]
    assert understand_text("教务处", issuers=book, today=TODAY).issuers == ["东湖大学教务处", "西湖大学教务处"]
    # 学校 is the office's own university, whatever else has an 教务处
    school = understand_text("学校教务处", issuers=book, today=TODAY)
    assert (school.issuers, school.chunks) == (["东湖大学教务处"], [])
    assert understand_text("本校的教务处", issuers=book, today=TODAY).issuers == ["东湖大学教务处"]


def test_issued_by_and_kind_and_text(corpus_settings):
    """教务处发的考试通知: issued by 教务处, a 通知, about 考试; not the phrase 考试通知."""
    result = understood(corpus_settings, "教务处发的考试通知")
    assert result.understood_as == {"doc_type": "通知", "issuer": "东湖大学教务处", "text": "考试", "sort": "relevance"}
    assert hits(result) == {"收〔2026〕23号"}


def test_school_and_an_issuer(corpus_settings, corpus):
    """学校教务处 is the 教务处 of the office's university: a filter, not the literal 学校."""
    result = understood(corpus_settings, "学校教务处")
    assert result.understood_as == {"issuer": "东湖大学教务处", "sort": "date"}
    assert hits(result) == {r["reg_no"] for r in corpus if r["issuer"] == "东湖大学教务处"}


@pytest.mark.parametrize("query", ["31号文", "第31号文件", "三十一号文"])
def test_a_sequence_number_of_any_series(corpus_settings, query):
    """31号文: a 发文字号 whose sequence is 31, whatever the 代字 and year."""
    result = understood(corpus_settings, query)
    assert result.understood_as == {"doc_number_seq": 31, "sort": "date"}
    assert hits(result) == {"收〔2026〕22号", "收〔2025〕113号"}  # 鄂科技发〔2026〕31号, 鄂科技办函〔2025〕31号


def test_a_day_of_the_month_is_not_a_sequence_number():
    assert understand_text("3月31号文", issuers=BOOK, today=TODAY).doc_number_seqs == []


def test_registered_today_in_the_office_time_zone(corpus_settings):
    """收〔2026〕22号 was registered at 16:20 UTC on the 14th: the 15th in the office."""
    result = understood(corpus_settings, "今天登记的")
    assert result.understood_as == {"registered_from": "2026-03-15", "registered_to": "2026-03-15", "sort": "date"}
    assert hits(result) == {"收〔2026〕22号"}
    result = understood(corpus_settings, "昨天收到的")
    assert result.understood_as == {"direction": "收文", "registered_from": "2026-03-14",
                                    "registered_to": "2026-03-14", "sort": "date"}
    assert hits(result) == {"收〔2026〕19号", "收〔2026〕21号"}


def test_received_last_week_is_the_registration_date_not_the_written_one(corpus_settings):
    received = understood(corpus_settings, "上周收到的通知")
    assert received.understood_as == {"doc_type": "通知", "direction": "收文", "registered_from": "2026-03-02",
                                      "registered_to": "2026-03-08", "sort": "date"}
    assert hits(received) == {"收〔2026〕9号", "收〔2026〕10号"}
    written = understood(corpus_settings, "上周的通知")  # 成文日期, as ever
    assert written.understood_as == {"doc_type": "通知", "date_from": "2026-03-02", "date_to": "2026-03-08",
                                     "sort": "date"}
    # 化学院发〔2026〕5号 is ours; 收〔2026〕22号 was written last week and received today
    assert hits(written) == {"收〔2026〕9号", "收〔2026〕10号", "化学院发〔2026〕5号", "收〔2026〕22号"}
    assert understood(corpus_settings, "12月的请示").understood_as["date_from"] == "2025-12-01"
    assert understood(corpus_settings, "收到的").understood_as == {"direction": "收文", "sort": "date"}


def test_pending_and_overdue(corpus_settings, corpus):
    """待办: 办件 not void; 超期未办: and the deadline before today (a void one is not overdue)."""
    pending = understood(corpus_settings, "待办")
    assert pending.understood_as == {"route": "办件", "-status": "已作废", "sort": "date"}
    assert hits(pending) == {r["reg_no"] for r in corpus if r["route"] == "办件" and r.get("status") != "已作废"}
    assert "收〔2025〕108号" not in hits(pending)  # void
    overdue = understood(corpus_settings, "超期未办")
    assert overdue.understood_as == {"route": "办件", "-status": "已作废", "deadline_to": "2026-03-14", "sort": "date"}
    assert hits(overdue) == {r["reg_no"] for r in corpus if r["route"] == "办件" and r.get("status") != "已作废"
                             and r.get("deadline") and r["deadline"] < "2026-03-15"}
    assert hits(overdue) == {"收〔2026〕2号", "收〔2026〕10号", "收〔2025〕113号"}
    # the same as fields: a 阅件 past its deadline (收〔2025〕105号) is there without 办件
    assert hits(understood(corpus_settings, "截止日期:..2026-03-14 -状态:作废 办件")) == hits(overdue)
    assert "收〔2025〕105号" in hits(understood(corpus_settings, "截止日期:..2026-03-14"))
