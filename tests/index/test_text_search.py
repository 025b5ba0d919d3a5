"""Words inside running text, phrases, unknown words and OCR'd text are found."""

from __future__ import annotations

from whoosh import query as Q

from index import search
from index.search import _searcher

from .conftest import TODAY


def reg_nos(settings, query, **kwargs):
    return [hit.reg_no for hit in search(settings, query, today=TODAY, limit=100, **kwargs).hits]


def test_two_character_word_found_inside_a_longer_jieba_word(corpus_settings, whoosh_corpus):
    # 收〔2026〕20号's title says 科研经费: jieba keeps that as one word, so the word field has no
    # 科研 for it. The bigram field has, and search finds it.
    ix, searcher = _searcher(whoosh_corpus)
    docnum = next(searcher.document_numbers(reg_no="收〔2026〕20号"))
    assert docnum not in set(Q.Term("title_w", "科研").docs(searcher))
    assert docnum in set(Q.Term("title_bi", "科研").docs(searcher))
    assert "收〔2026〕20号" in reg_nos(corpus_settings, "科研")
    assert "收〔2025〕112号" in reg_nos(corpus_settings, "科研")


def test_quoted_phrase(corpus_settings):
    assert reg_nos(corpus_settings, '"科研项目申报"') == ["收〔2026〕2号"]
    assert reg_nos(corpus_settings, "“科研项目申报”") == ["收〔2026〕2号"]
    # The same words, not adjacent, are not the phrase.
    assert "收〔2026〕2号" not in reg_nos(corpus_settings, '"科研申报"')


def test_whooshs_own_phrase_matching_reads_the_packed_positions(whoosh_corpus):
    ix, searcher = _searcher(whoosh_corpus)
    phrase = Q.Phrase("text_bi", ["科研", "研项", "项目", "目申", "申报"])  # 科研项目申报 as bigrams
    found = {searcher.stored_fields(d)["reg_no"] for d in phrase.docs(searcher)}
    assert found == {"收〔2026〕2号"}


def test_unknown_words_found_through_bigrams(corpus_settings):
    assert set(reg_nos(corpus_settings, "启明星")) == {"收〔2026〕9号", "化学院发〔2026〕5号"}
    assert "收〔2026〕3号" in reg_nos(corpus_settings, "鄂教高函")     # 机关代字
    assert "收〔2026〕1号" in reg_nos(corpus_settings, "东大教发")     # 机关代字
    assert set(reg_nos(corpus_settings, "楚天化工")) == {"化学院函〔2026〕1号", "化学院函〔2025〕8号",
                                                         "化学院发〔2025〕14号"}
    # jieba cuts 碳中和 as 碳中/和; the whole word is still required and found.
    assert "收〔2025〕106号" in reg_nos(corpus_settings, "碳中和")


def test_ocr_spaced_text_is_found_and_shown_without_the_spaces(corpus_settings):
    result = search(corpus_settings, "冒充客服", today=TODAY)
    assert [hit.reg_no for hit in result.hits] == ["收〔2026〕14号"]
    assert "<mark>冒充客服</mark>" in result.hits[0].snippet
    # 电 信 网\n络 诈 骗: spaces and a line break inside the word
    assert "收〔2026〕14号" in reg_nos(corpus_settings, "电信网络诈骗")


def test_query_is_normalised_like_documents(corpus_settings):
    assert reg_nos(corpus_settings, "冒 充 客 服") == reg_nos(corpus_settings, "冒充客服") == ["收〔2026〕14号"]
    # full-width digits in the OCR text and in the query; quoted, so it is matched as text
    assert "收〔2026〕14号" in reg_nos(corpus_settings, '正文:"东大保发〔２０２６〕３号"')


def test_all_words_must_match_and_rank(corpus_settings):
    both = reg_nos(corpus_settings, "毕业论文 查重")
    assert both == ["收〔2026〕13号"]
    result = search(corpus_settings, "科研经费", today=TODAY)
    assert {hit.reg_no for hit in result.hits[:2]} == {"收〔2026〕20号", "收〔2025〕112号"}  # in their titles
    assert all(a.score >= b.score for a, b in zip(result.hits, result.hits[1:]))


def test_excluding_words(corpus_settings):
    with_it = set(reg_nos(corpus_settings, "危险化学品"))
    without = set(reg_nos(corpus_settings, "危险化学品 -易制毒"))
    assert without == with_it - {"收〔2026〕10号", "化学院发〔2026〕3号"}
