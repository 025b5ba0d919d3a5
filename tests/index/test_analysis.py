"""Chinese analysis: normalisation, word positions, bigrams, and the fast indexing path."""

from __future__ import annotations

from collections import Counter

import pytest
import rjieba
from whoosh import fields

from index.analysis import BigramTokenizer, WordTokenizer, bigrams, normalize, words
from index.schema import ChineseText


def test_normalize_is_nfkc_whatever_the_shortcut(corpus):
    import unicodedata

    from index.analysis import _HAN_GAP, _WIDE_FORMS

    assert all(unicodedata.normalize("NFKD", chr(code)) == ascii_ for code, ascii_ in _WIDE_FORMS.items())
    tricky = ["Ａ\u0301ｂ（１）　科研", "ｶﾞ①㎡Ⅲ\u3000ﬁ", "\uff21\u030a\uff22", "ｅ\u0301\u0327", "第１２３号"]
    for text in tricky + [record["text"] for record in corpus]:
        assert normalize(text, lower=False) == _HAN_GAP.sub("", unicodedata.normalize("NFKC", text)), text


def test_normalize_full_width_ocr_spaces_and_case():
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("东 湖 大 学\n教 务 处") == "东湖大学教务处"
    assert normalize("Hello World 科研") == "hello world 科研"  # spaces between Latin words stay
    assert normalize("东大教发［２０２６］１１号") == "东大教发[2026]11号"


def test_word_positions_are_sequential_token_indexes():
    text = "东湖大学教务处关于做好2026年科研项目申报工作的通知"
    # whoosh reuses one Token object, so read each as it comes
    positions = [t.pos for t in WordTokenizer()(text, positions=True, chars=True)]
    assert positions == list(range(len(positions)))  # token indexes, not character offsets
    assert [t.text for t in WordTokenizer()(text)] == words(normalize(text))
    assert "科研项目" in words(normalize(text))


def test_word_char_offsets_point_into_normalised_text():
    text = normalize("关于科研项目申报的通知")
    for token in WordTokenizer()(text, chars=True):
        assert text[token.startchar:token.endchar] == token.text


def test_bigrams():
    assert bigrams("科研项目") == ["科研", "研项", "项目"]
    assert bigrams("函") == ["函"]
    assert bigrams("东大教发[2026]31号") == ["东大", "大教", "教发", "2026", "31", "号"]
    assert bigrams("gb/t 9704-2012") == ["gb", "t", "9704", "2012"]
    tokens = [(t.text, t.pos) for t in BigramTokenizer()("科研项目", positions=True)]
    assert tokens == [("科研", 0), ("研项", 1), ("项目", 2)]


@pytest.mark.parametrize("kind", ["words", "bigrams"])
def test_fast_index_path_equals_whoosh_analyzer_path(kind, corpus):
    field = ChineseText(kind)
    for record in corpus[:15]:
        text = record["text"]
        fast = sorted(field.index(text))
        reference = sorted(fields.FieldType.index(field, text))  # whoosh: analyzer + Positions format
        assert fast == reference


def test_rjieba_agrees_with_jieba(corpus):
    import jieba

    text = normalize("".join(record["text"] for record in corpus[:10]))
    ours, theirs = rjieba.cut(text), list(jieba.cut(text))
    same = sum((Counter(ours) & Counter(theirs)).values())  # tokens both segmenters produce
    assert same / max(len(ours), len(theirs)) > 0.97


def test_punctuation_keeps_its_position_so_phrases_do_not_cross_it():
    spans = [(t.text, t.pos) for t in WordTokenizer()("危险，化学品（试剂）", positions=True)]
    assert spans == [("危险", 0), ("化学品", 2), ("试剂", 4)]
