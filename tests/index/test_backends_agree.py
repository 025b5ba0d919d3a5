"""The two backends answer alike: for the labelled queries and the query kinds clerks type, the
PostgreSQL search rows give the same total, the same records and the same ``understood_as`` as
the whoosh index (ranking may differ: BM25 against ``ts_rank_cd``)."""

from __future__ import annotations

import pytest

from index import search

from .conftest import LABELS, TODAY

QUERIES = sorted({item["q"] for item in LABELS["queries"]} | {
    "", "科研 经费", '"科研项目申报"', "标题:安全", "正文:实验室", "-阅件 通知", "文种:通知 发文机关:教务处",
    "教务处的函", "去年12月的请示", "今天登记的", "超期未办", "待办", "涉密", "密级:非密", "31号文",
    "东大教发〔2026〕1号", "文号:鄂教", "收文号:2025", "档号:0001-WS.2025-Y-BGS-0003", "日期:2025-01..2025-06",
    "登记日期:2026", "截止日期:..2026-03-14", "状态:已作废", "紧急", "收文 办件", "a", "安全 -请示",
})


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_both_backends_find_the_same_records(whoosh_corpus, pg_corpus, sort):
    differ = []
    for query in QUERIES:
        whoosh = search(whoosh_corpus, query, today=TODAY, limit=100, sort=sort)
        postgres = search(pg_corpus, query, today=TODAY, limit=100, sort=sort)
        if (whoosh.total, {h.reg_no for h in whoosh.hits}, whoosh.understood_as) != \
                (postgres.total, {h.reg_no for h in postgres.hits}, postgres.understood_as):
            differ.append((query, whoosh.total, postgres.total, whoosh.understood_as, postgres.understood_as))
        if sort == "date":  # newest first is an order both must keep exactly
            assert [h.date for h in postgres.hits] == [h.date for h in whoosh.hits], query
    assert not differ, differ
