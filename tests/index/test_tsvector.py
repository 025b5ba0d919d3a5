"""index.tsvector: wenshu's tokens as PostgreSQL tsvector/tsquery literals.

The literal must hold exactly the tokens and positions the whoosh fields get; the tests marked
``pg`` cast it in the real server (WENSHU_TEST_PG_URL; skipped cleanly without one) and read it
back, and run phrase queries with ``@@``."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from index.documents import IndexDoc
from index.schema import ChineseText
from index.tsvector import (MAX_POSITION, MAX_POSITIONS_PER_LEXEME, TITLE_WORD, document_lexemes, document_tsvector,
                            parse_tsvector, quote, text_lexemes, tsquery_for_phrase, tsquery_for_title_word,
                            tsquery_for_words, tsvector_literal)
from index.writer import document_fields


def _doc(title: str = "关于做好期末考试工作的通知", text: str = "各学院：期末考试安排如下。",
         doc_number: str | None = "东大教发〔2026〕31号", secrecy: str | None = None) -> IndexDoc:
    return IndexDoc.from_record({"reg_no": "收〔2026〕1号", "registered_at": datetime(2026, 3, 2, 9, 30),
                                 "title": title, "doc_number": doc_number, "text": text, "secrecy": secrecy,
                                 "version": 1})


def _whoosh_positions(field: ChineseText, value: str | None, prefix: str = "") -> dict[str, list[int]]:
    """lexeme -> 1-based positions, as the whoosh field indexes ``value``."""
    out: defaultdict[str, list[int]] = defaultdict(list)
    for position, token in enumerate(field.tokens(value or "") if value else [], 1):
        if field.is_term(token):
            out[prefix + token].append(position)
    return dict(out)


def _positions(entries) -> dict[str, list[int]]:
    return {token: [p for p, _ in positions] for token, positions in entries.items()}


# --- the same tokens and positions as whoosh --------------------------------------------------

def test_tokens_and_positions_are_whooshs_text_bi_and_title_w(corpus):
    bigram_field, word_field = ChineseText("bigrams"), ChineseText("words")
    for record in corpus:
        doc = IndexDoc.from_record(record)
        fields = document_fields(doc, ZoneInfo("Asia/Shanghai"))
        expected = _whoosh_positions(bigram_field, fields["text_bi"])
        expected.update(_whoosh_positions(word_field, fields.get("title_w"), TITLE_WORD))
        lexemes = document_lexemes(doc)
        assert lexemes.lost == 0, record["reg_no"]
        assert _positions(lexemes.entries) == expected, record["reg_no"]


def test_title_bigrams_weigh_a_the_number_b_the_body_d():
    doc = _doc()
    entries = document_lexemes(doc).entries
    title_bigrams = ChineseText("bigrams").tokens(doc.title)
    for position, token in enumerate(title_bigrams, 1):
        assert (position, "A") in entries[token]
    tokens = ChineseText("bigrams").tokens(document_fields(doc, ZoneInfo("UTC"))["text_bi"])
    first, second = [i + 1 for i, token in enumerate(tokens) if token == "期末"]
    assert entries["期末"] == [(first, "A"), (second, "D")] and first <= len(title_bigrams) < second
    assert entries["2026"] == [(entries["2026"][0][0], "B")]
    assert all(w == "A" for token, ps in entries.items() if token.startswith(TITLE_WORD) for _, w in ps)
    assert "~期末考试" in entries  # rjieba's word of the title


def test_a_secret_record_has_metadata_lexemes_only():
    entries = document_lexemes(_doc(text="绝密的正文内容", secrecy="秘密")).entries
    assert "正文" not in entries and "期末" in entries


# --- literal syntax ---------------------------------------------------------------------------

def test_quote_doubles_quotes_and_escapes_backslashes():
    assert quote("科研") == "'科研'"
    assert quote("it's") == "'it''s'"
    assert quote("a\\b") == "'a\\\\b'"
    assert quote("a:b") == "'a:b'"  # a colon inside quotes is part of the lexeme


def test_literal_writes_weights_and_positions():
    literal = tsvector_literal({"科研": [(1, "A"), (7, "D")], "o'k": [(2, "B")]})
    assert literal == "'科研':1A,7 'o''k':2B"
    assert parse_tsvector(literal) == {"科研": [(1, "A"), (7, "D")], "o'k": [(2, "B")]}


def test_positions_beyond_the_limit_are_stored_at_the_limit():
    body = "".join(f"{i:05d}" + "甲乙" for i in range(9000))  # 27,000 positions
    lexemes = text_lexemes("", "", body)
    assert max(p for ps in lexemes.entries.values() for p, _ in ps) == MAX_POSITION
    assert lexemes.clamped > 0
    assert lexemes.entries["08999"] == [(MAX_POSITION, "D")]  # still found as a word


def test_at_most_256_positions_per_lexeme_the_first_ones():
    lexemes = text_lexemes("", "", "。".join(["期末考试"] * 300))
    assert len(lexemes.entries["期末"]) == MAX_POSITIONS_PER_LEXEME
    assert lexemes.entries["期末"][0] == (1, "D")
    assert lexemes.truncated == 3 * (300 - MAX_POSITIONS_PER_LEXEME)


def test_a_lexeme_postgresql_would_refuse_is_left_out():
    lexemes = text_lexemes("", "", "a" * 3000 + " 科研")
    assert "a" * 3000 not in lexemes.entries and lexemes.too_long == 1
    assert lexemes.entries["科研"] == [(2, "D")]  # the long run kept its position


# --- queries ----------------------------------------------------------------------------------

def test_a_phrase_is_a_chain_of_its_bigrams():
    assert tsquery_for_phrase("期末考试") == "('期末' <-> '末考' <-> '考试')"
    assert tsquery_for_phrase("“期末考试”。") == "('期末' <-> '末考' <-> '考试')"
    assert tsquery_for_phrase("科研") == "'科研'"
    assert tsquery_for_phrase("科研", weights="A") == "'科研':A"
    assert tsquery_for_phrase("科") == "'科':*"
    assert tsquery_for_phrase("２０２６年") == "'2026'"  # the lone 年 at the end is left to its neighbours
    assert tsquery_for_phrase("，。") is None
    assert tsquery_for_title_word("科研") == "'~科研':A"


def test_words_are_anded_and_exclusions_negated():
    assert tsquery_for_words(["科研", "经费"]) == "'科研' & '经费'"
    assert tsquery_for_words(["期末考试"], exclude=["请示"]) == "('期末' <-> '末考' <-> '考试') & !'请示'"
    assert tsquery_for_words([], exclude=["请示"]) == "!'请示'"
    assert tsquery_for_words(["，"]) is None


# --- in the real PostgreSQL -------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg():
    url = os.environ.get("WENSHU_TEST_PG_URL")
    if not url:
        pytest.skip("WENSHU_TEST_PG_URL is not set")
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        def run(sql: str, **params):
            return connection.execute(text(sql), params).scalar()
        yield run
    engine.dispose()


def test_postgresql_reads_the_literal_back_exactly(pg, corpus):
    for record in corpus[:12]:
        lexemes = document_lexemes(IndexDoc.from_record(record))
        stored = pg("SELECT CAST(:v AS tsvector)::text", v=tsvector_literal(lexemes))
        assert parse_tsvector(stored) == lexemes.entries, record["reg_no"]


def test_postgresql_reads_quotes_backslashes_and_colons_in_lexemes(pg):
    entries = {"it's": [(1, "D")], "a\\b": [(2, "A")], "a:b": [(3, "B")], "~科研": [(4, "A")], "x y": [(5, "D")]}
    stored = pg("SELECT CAST(:v AS tsvector)::text", v=tsvector_literal(entries))
    assert parse_tsvector(stored) == entries
    assert pg("SELECT CAST(:v AS tsvector) @@ CAST(:q AS tsquery)", v=tsvector_literal(entries),
              q=f"{quote('it' + chr(39) + 's')} & {quote('a:b')}:B & {quote(chr(92).join('ab'))}:A")


def test_our_limits_are_postgresqls(pg):
    """The same text with positions as the analysis gives them: PostgreSQL clamps and truncates
    them to what text_lexemes already wrote."""
    body = "".join(f"{i:05d}" + "期末考试" for i in range(6000))
    lexemes = text_lexemes("", "", body)
    raw = defaultdict(list)
    from index.analysis import bigrams, normalize
    for position, token in enumerate(bigrams(normalize(body)), 1):
        raw[token].append((position, "D"))
    assert lexemes.clamped and lexemes.truncated
    stored = pg("SELECT CAST(:v AS tsvector)::text", v=tsvector_literal(dict(raw)))
    assert parse_tsvector(stored) == lexemes.entries


def test_a_phrase_matches_its_characters_in_a_row_only(pg):
    together = document_tsvector(_doc(title="通知", text="请做好期末考试的准备。"))
    apart = document_tsvector(_doc(title="通知", text="期末复习，末考一次，考试安排另行通知。"))
    query = tsquery_for_phrase("期末考试")

    def match(vector: str, q: str) -> bool:
        return pg("SELECT CAST(:v AS tsvector) @@ CAST(:q AS tsquery)", v=vector, q=q)

    assert match(together, query)
    assert not match(apart, query)
    assert match(apart, tsquery_for_words(["期末", "考试"]))  # as two words it is there
    assert not match(together, tsquery_for_words(["期末"], exclude=["考试"]))
    # across punctuation: 期末。考试 has no 末考 bigram
    assert not match(document_tsvector(_doc(title="通知", text="期末。考试")), query)


def test_title_weight_and_title_words(pg):
    vector = document_tsvector(_doc(title="关于科研经费的通知", text="请做好期末考试的准备。"))

    def match(q: str) -> bool:
        return pg("SELECT CAST(:v AS tsvector) @@ CAST(:q AS tsquery)", v=vector, q=q)

    assert match(tsquery_for_phrase("科研经费", weights="A"))
    assert not match(tsquery_for_phrase("期末考试", weights="A"))  # in the body only
    assert match(tsquery_for_phrase("期末考试", weights="D"))
    assert match(tsquery_for_title_word("科研经费"))  # rjieba's word of the title
    assert not match(tsquery_for_title_word("科研"))  # a part of a word is no title word
    assert not match(tsquery_for_title_word("期末"))
    assert match(tsquery_for_phrase("经"))  # a lone character: any bigram starting with it
