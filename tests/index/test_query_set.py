"""The labelled query set (labels.json): recall@10, and every known word finds every document."""

from __future__ import annotations

import re

from index import search
from index.analysis import normalize

from .conftest import LABELS, TODAY


def test_the_label_set_is_big_enough(corpus):
    assert len(corpus) >= 40
    assert len(LABELS["queries"]) >= 30
    assert len(LABELS["two_char_words"]) >= 20
    known = {r["reg_no"] for r in corpus}
    assert all(set(item["must"]) <= known and 0 < len(item["must"]) <= 10 for item in LABELS["queries"])


def test_recall_at_10(corpus_settings):
    wanted = found = 0
    misses = []
    for item in LABELS["queries"]:
        top = [hit.reg_no for hit in search(corpus_settings, item["q"], today=TODAY, limit=10).hits]
        hits = [reg_no for reg_no in item["must"] if reg_no in top]
        wanted += len(item["must"])
        found += len(hits)
        if len(hits) < len(item["must"]):
            misses.append((item["q"], sorted(set(item["must"]) - set(hits))))
    recall = found / wanted
    assert recall >= 0.95, f"recall@10 = {recall:.3f}; missed: {misses}"


def searchable_text(record) -> str:
    """What the index holds for a record: title, 发文字号 and, unless 涉密, the body."""
    parts = [record["title"] or "", record["doc_number"] or ""]
    if not record["secrecy"]:
        parts.append(record["text"])
    return normalize("\n".join(parts))


def test_every_known_word_finds_every_document_containing_it(corpus_settings, corpus):
    for word in LABELS["two_char_words"]:
        assert len(word) == 2
        containing = {r["reg_no"] for r in corpus if word in searchable_text(r)}
        mid_sentence = any(re.search(rf"[\u4e00-\u9fff]{word}", searchable_text(r)) for r in corpus)
        assert containing and mid_sentence, word
        result = search(corpus_settings, word, today=TODAY, limit=100)
        assert {hit.reg_no for hit in result.hits} == containing, word
        assert result.total == len(containing)
