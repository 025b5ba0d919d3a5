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
