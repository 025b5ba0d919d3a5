"""Field filters in Chinese, date ranges, sorting and paging."""

from __future__ import annotations

from datetime import date

import pytest

from index import search

from .conftest import TODAY


def found(settings, query, **kwargs):
    return {hit.reg_no for hit in search(settings, query, today=TODAY, limit=100, **kwargs).hits}


def records_where(corpus, **conditions):
    return {r["reg_no"] for r in corpus if all(cond(r) for cond in conditions.values())}


def test_doc_type_issuer_and_route(corpus_settings, corpus):
    expected = records_where(corpus, t=lambda r: r["doc_type"] == "通知", i=lambda r: r["issuer"] == "东湖大学教务处",
                             r=lambda r: r["route"] == "办件")
    assert found(corpus_settings, "文种:通知 发文机关:教务处 办件") == expected == \
        {"收〔2026〕1号", "收〔2026〕13号", "收〔2025〕109号"}
    assert found(corpus_settings, "文种：通知　发文机关：东湖大学教务处　阅办：办件") == expected  # full-width
    assert found(corpus_settings, "doc_type:通知 issuer:教务处 route:办件") == expected


def test_several_values_and_exclusion(corpus_settings, corpus):
    assert found(corpus_settings, "文种:请示,报告") == records_where(corpus, t=lambda r: r["doc_type"] in ("请示", "报告"))
    assert found(corpus_settings, "文种:通知 -阅办:阅件") == records_where(
        corpus, t=lambda r: r["doc_type"] == "通知", r=lambda r: r["route"] != "阅件")


def test_issuer_short_names_and_abbreviations(corpus_settings, corpus):
    students = records_where(corpus, i=lambda r: r["issuer"] == "东湖大学学生工作部")
    assert found(corpus_settings, "发文机关:学生工作部") == students
    assert found(corpus_settings, "发文机关:学工部") == students  # 学工部 for 学生工作部
    ours = records_where(corpus, i=lambda r: r["issuer"] == "东湖大学化学化工学院")
    assert found(corpus_settings, "发文机关:化学院") == ours       # settings.office.names
    assert found(corpus_settings, "来文单位:省教育厅") == records_where(corpus, i=lambda r: r["issuer"] == "湖北省教育厅")


def test_title_body_department_secrecy(corpus_settings, corpus):
    assert found(corpus_settings, "标题:启明星") == {"收〔2026〕9号", "化学院发〔2026〕5号"}
    assert found(corpus_settings, "标题:检查 正文:听课") == {"收〔2026〕1号"}
    assert found(corpus_settings, "部门:学工办") == records_where(corpus, d=lambda r: r["department"] == "学工办")
    assert found(corpus_settings, "密级:秘密") == {"收〔2026〕17号"}
    assert found(corpus_settings, "密级:涉密") == {"收〔2026〕17号"}
    assert "收〔2026〕17号" not in found(corpus_settings, "密级:非密")
    assert found(corpus_settings, "紧急程度:特急") == records_where(corpus, u=lambda r: r["urgency"] == "特急")
    assert found(corpus_settings, "收发:发文") == records_where(corpus, d=lambda r: r["direction"] == "发文")


@pytest.mark.parametrize("written", [
    "日期:2026-03-01..2026-03-15", "日期:2026-03-01~2026-03-15", "日期:2026年3月1日至2026年3月15日",
    "日期:2026/3/1..2026/3/15", "日期:20260301..20260315", "成文日期:2026-03-01到2026-03-15",
])
def test_date_range_forms(corpus_settings, corpus, written):
    expected = records_where(corpus, d=lambda r: date(2026, 3, 1) <= r["date"] <= date(2026, 3, 15))
    assert found(corpus_settings, written) == expected


def test_open_and_coarse_date_ranges(corpus_settings, corpus):
    in_2025 = records_where(corpus, d=lambda r: r["date"].year == 2025)
    assert found(corpus_settings, "日期:2025") == in_2025
    assert found(corpus_settings, "日期:..2025-12-31") == in_2025
    assert found(corpus_settings, "日期:2025-12") == records_where(corpus, d=lambda r: r["date"].strftime("%Y-%m") == "2025-12")
    assert found(corpus_settings, "日期:>=2026-03-12") == records_where(corpus, d=lambda r: r["date"] >= date(2026, 3, 12))
    assert found(corpus_settings, "登记日期:2026-01") == records_where(
        corpus, d=lambda r: r["registered_at"].strftime("%Y-%m") == "2026-01")


def test_date_arguments_combine_with_the_query(corpus_settings, corpus):
    expected = records_where(corpus, t=lambda r: r["doc_type"] == "通知",
                             d=lambda r: date(2026, 1, 1) <= r["date"] <= date(2026, 1, 31))
    assert found(corpus_settings, "", doc_type="通知", date_from=date(2026, 1, 1), date_to="2026-01-31") == expected
    # the narrower of the query's range and the arguments applies
    assert found(corpus_settings, "日期:2026", doc_type="通知", date_from="2026-01-01", date_to="2026-01-31") == expected


def test_sort_by_date_and_relevance(corpus_settings):
    by_date = search(corpus_settings, "安全", today=TODAY, limit=100, sort="date")
    dates = [hit.date for hit in by_date.hits]
    assert dates == sorted(dates, reverse=True)
    by_score = search(corpus_settings, "安全", today=TODAY, limit=100)
    assert {h.reg_no for h in by_score.hits} == {h.reg_no for h in by_date.hits}
    scores = [hit.score for hit in by_score.hits]
    assert scores == sorted(scores, reverse=True)
    assert by_score.hits[0].reg_no != by_date.hits[0].reg_no or len(by_score.hits) == 1
    assert by_score.understood_as["sort"] == "relevance" and by_date.understood_as["sort"] == "date"


def test_filters_only_are_sorted_newest_first(corpus_settings):
    result = search(corpus_settings, "文种:请示", today=TODAY)
    assert result.understood_as["sort"] == "date"
    assert [h.date for h in result.hits] == sorted((h.date for h in result.hits), reverse=True)


def test_pages(corpus_settings, corpus):
    everything = search(corpus_settings, "", today=TODAY, limit=100)
    assert everything.total == len(corpus) == 48
    pages = [search(corpus_settings, "", today=TODAY, limit=10, page=p) for p in (1, 2, 3, 4, 5, 6)]
    assert all(p.total == 48 for p in pages)
    assert [len(p.hits) for p in pages] == [10, 10, 10, 10, 8, 0]
    assert [h.reg_no for p in pages for h in p.hits] == [h.reg_no for h in everything.hits]
    ranked = search(corpus_settings, "安全", today=TODAY, limit=100)
    first, second = (search(corpus_settings, "安全", today=TODAY, limit=3, page=p) for p in (1, 2))
    assert [h.reg_no for h in first.hits + second.hits] == [h.reg_no for h in ranked.hits[:6]]
