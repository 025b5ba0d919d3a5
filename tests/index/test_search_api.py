"""The search API: result shape, HTML-safe snippets, 涉密 records, and clear errors."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import text

from core.errors import WenshuError
from index import IndexDoc, QueryError, delete_documents, index_documents, search
from index.errors import IndexUnavailable
from index.search import _searcher
from index.tsvector import parse_tsvector
from index.writer import document_fields
from registry.db import connect

from .conftest import TODAY, in_postgresql


def record(reg_no, text, **extra):
    base = {"reg_no": reg_no, "direction": "收文", "registered_at": datetime(2026, 3, 1, 9, 0), "doc_type": "通知",
            "doc_number": None, "issuer": "东湖大学教务处", "title": f"关于{reg_no}的通知", "date": None,
            "secrecy": None, "urgency": None, "route": "阅件", "department": None, "archive_code": None,
            "text": text, "version": 1}
    base.update(extra)
    return base


def test_result_shape_and_json(corpus_settings):
    result = search(corpus_settings, "启明星", today=TODAY)
    data = result.to_json()
    assert set(data) == {"total", "hits", "understood_as"}
    assert data["total"] == 2 and data["understood_as"]["text"] == "启明星"
    hit = data["hits"][0]
    assert {"reg_no", "title", "doc_number", "issuer", "date", "score", "snippet"} <= set(hit)
    assert "<mark>启明星</mark>" in hit["snippet"]
    json.dumps(data, ensure_ascii=False)  # plain JSON types only
    assert hit["date"] in ("2026-03-05", "2026-03-08")


def test_snippets_are_html_escaped(settings):
    index_documents(settings, [record("收〔2026〕900号", "<script>alert('科研')</script> 经费 & 预算 \"引号\" <b>科研</b>")])
    hit = search(settings, "科研", today=TODAY).hits[0]
    assert "<script>" not in hit.snippet and "<b>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet and "&quot;" in hit.snippet
    assert hit.snippet.count("<mark>科研</mark>") == 2
    escaped_query = search(settings, '"<b>"', today=TODAY)  # markup in the query is text too
    assert all("<b>" not in h.snippet for h in escaped_query.hits)


def test_snippet_is_a_window_around_the_first_match(settings):
    text = "开头的话。" * 60 + "这里讲到启明星计划的中期检查。" + "结尾的话。" * 60
    index_documents(settings, [record("收〔2026〕901号", text)])
    snippet = search(settings, "启明星", today=TODAY).hits[0].snippet
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>启明星</mark>" in snippet
    assert len(snippet) < 160


def test_secret_record_body_is_never_indexed_or_stored(corpus_settings, corpus):
    secret = next(r for r in corpus if r["secrecy"])
    assert "青鸾" in secret["text"] and "涉密载体清查" in secret["text"]
    # the indexing function drops the body whatever the caller passes in
    fields = document_fields(IndexDoc.from_record(secret), corpus_settings.zone)
    assert "body" not in fields
    assert fields["text_bi"] == f"{secret['title']}\n{secret['doc_number']}"
    assert search(corpus_settings, "青鸾", today=TODAY).total == 0
    assert search(corpus_settings, '"涉密载体清查"', today=TODAY).total == 0
    if in_postgresql(corpus_settings):
        engine = connect(corpus_settings.database_url, corpus_settings.audit_key_file)
        with engine.connect() as connection:
            body, tokens = connection.execute(text("SELECT body, tokens::text FROM search_rows WHERE reg_no = :r"),
                                              {"r": secret["reg_no"]}).one()
        assert body is None
        indexed = set(parse_tsvector(tokens))
    else:
        ix, searcher = _searcher(corpus_settings)
        docnum = next(searcher.document_numbers(reg_no=secret["reg_no"]))
        assert "body" not in searcher.stored_fields(docnum)
        indexed = {t.decode() for name in ("text_bi", "title_w") for t in searcher.reader().lexicon(name)}
    assert indexed and "青鸾" not in indexed and "清查" not in indexed and "载体" not in indexed
    # its metadata still is searchable, and its snippet shows only the title
    hit = search(corpus_settings, "保密工作", today=TODAY).hits[0]
    assert hit.reg_no == secret["reg_no"] and "青鸾" not in hit.snippet and "<mark>保密工作</mark>" in hit.snippet


@pytest.mark.parametrize("secrecy", ["秘密", "机密★5年", "绝密", "内部"])
def test_any_secrecy_value_counts_as_secret(secrecy):
    assert IndexDoc.from_record(record("x", "正文", secrecy=secrecy)).is_secret
    assert not IndexDoc.from_record(record("x", "正文", secrecy="无")).is_secret
    assert not IndexDoc.from_record(record("x", "正文", secrecy=None)).is_secret


@pytest.mark.parametrize("query", ["文种:", "标题:", '"科研', "科研”", "日期:abc", "日期:2026-13-01",
                                   "日期:2026-03-31..2026-03-01", "文种:公函件", "密级:很高", "阅办:待办", "-日期:2026"])
def test_malformed_queries_are_query_errors(corpus_settings, query):
    with pytest.raises(QueryError) as caught:
        search(corpus_settings, query, today=TODAY)
    error = caught.value
    assert isinstance(error, WenshuError) and error.exit_code == 9
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)  # a Chinese message for the clerk


@pytest.mark.parametrize("kwargs", [{"sort": "newest"}, {"page": 0}, {"limit": 0}, {"date_from": "昨天"},
                                    {"date_from": "2026-03-02", "date_to": "2026-03-01"}, {"doc_type": "便条"}])
def test_bad_arguments_are_query_errors(corpus_settings, kwargs):
    with pytest.raises(QueryError):
        search(corpus_settings, "科研", today=TODAY, **kwargs)


def test_no_index_yet(settings):
    with pytest.raises(IndexUnavailable) as caught:
        search(settings, "科研")
    assert caught.value.exit_code == 17 and "reindex" in caught.value.fix  # docs/cli.md, exit codes


@pytest.mark.parametrize("query", ["", "   ", "\u3000", "\t\n", "的", "，。！", "-"])
def test_a_query_without_words_lists_everything_newest_first(corpus_settings, corpus, query):
    """Blank, a lone stop character, punctuation, a bare minus: no words to match, so (as search()
    does today) not an error and not nothing, but every record, newest first."""
    result = search(corpus_settings, query, today=TODAY, limit=100)
    assert result.total == len(corpus)
    assert result.to_json()["understood_as"] == {"sort": "date"}
    assert sorted(h.reg_no for h in result.hits) == sorted(r["reg_no"] for r in corpus)
    dates = [h.date for h in result.hits]
    assert None not in dates and dates == sorted(dates, reverse=True)


def _searchable(record: dict) -> str:
    return "\n".join(record.get(name) or "" for name in ("title", "doc_number", "issuer", "text"))


@pytest.mark.parametrize("query", ["a", "院"])
def test_a_one_character_query_finds_only_records_with_it(corpus_settings, corpus, query):
    """A lone letter or Han character is searched as it is, and every hit has it. (Not every
    record with it is a hit: in 各学院、 the 院 ends a run and is indexed only inside the bigram
    学院; docs/search.md promises words of two or more characters.)"""
    result = search(corpus_settings, query, today=TODAY, limit=100)
    assert result.to_json()["understood_as"] == {"text": query, "sort": "relevance"}
    by_reg_no = {r["reg_no"]: r for r in corpus}
    assert 0 < result.total == len(result.hits) < len(corpus)
    for hit in result.hits:
        assert query in _searchable(by_reg_no[hit.reg_no]).lower(), hit.reg_no


def test_a_lone_letter_is_a_word_not_a_prefix(corpus_settings):
    # 化学楼A区 has the word A; 化学楼A305会议室 has the word A305, which a lone a does not find
    assert [h.reg_no for h in search(corpus_settings, "a", today=TODAY).hits] == ["收〔2026〕19号"]


@pytest.mark.parametrize("query,understood", [("附件:申报表", "附件 申报表"), ("http://example.com", "http example.com")])
def test_a_colon_that_is_not_a_field_is_read_as_text(corpus_settings, corpus, query, understood):
    """附件: is not a field name and a URL is not a filter: both are searched as words, and no
    record has them all."""
    result = search(corpus_settings, query, today=TODAY)
    assert result.to_json()["understood_as"] == {"text": understood, "sort": "relevance"}
    assert not any(all(w in _searchable(r) for w in understood.split()) for r in corpus)
    assert result.total == 0 and not result.hits


def test_a_cached_searcher_sees_updates_and_deletions(settings, corpus):
    for start in range(0, len(corpus), 5):                      # several segments
        index_documents(settings, corpus[start:start + 5])
    assert search(settings, "", today=TODAY).total == len(corpus)
    delete_documents(settings, [corpus[0]["reg_no"]])
    index_documents(settings, [dict(corpus[10], version=2, title="更正后的标题北斗")])
    assert search(settings, "", today=TODAY).total == len(corpus) - 1
    assert [h.reg_no for h in search(settings, "北斗", today=TODAY).hits] == [corpus[10]["reg_no"]]
    for start in range(0, len(corpus), 5):                      # updates that merge segments
        index_documents(settings, [dict(r, version=3) for r in corpus[start:start + 5]])
    assert search(settings, "", today=TODAY).total == len(corpus)
    assert search(settings, "", today=TODAY, evaluator="whoosh").total == len(corpus)


@pytest.mark.parametrize("evaluator", ["numpy", "whoosh"])
@pytest.mark.parametrize("query", ["启明星", "文种:通知", "\"启明星\" 办件"])
def test_a_new_offices_empty_index_finds_nothing_without_failing(settings, evaluator, query):
    from index import create_or_open

    create_or_open(settings).close()
    result = search(settings, query, today=TODAY, evaluator=evaluator)
    assert result.total == 0 and result.hits == ()
