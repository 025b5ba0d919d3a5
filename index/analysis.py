"""Chinese text analysis shared by documents and queries.

Two token streams are made from the same normalised text:

* words: rjieba (the Rust port of jieba: same dictionary, ~18x faster) with positions that are the
  sequential index of the token in jieba's output, so phrase queries line up. Punctuation and
  spaces are not indexed but keep their position, so a phrase never matches across them.
  (jieba's own whoosh analyzer records character offsets as positions: every phrase query missed.)
* bigrams: overlapping pairs of Han characters; runs of letters/digits stay whole. Any Han
  substring of two characters or more is a bigram phrase, so words the dictionary does not know
  (project names, 机关代字, OCR fragments) are found no matter how jieba cut them.

Documents and queries go through ``normalize`` first, so full-width ASCII, OCR spaces between
Han characters and case never decide whether something is found.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from pickle import dumps

import rjieba
from whoosh.analysis import Token, Tokenizer
from whoosh.system import pack_uint

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_GAP = re.compile(rf"(?<=[{HAN}])\s+(?=[{HAN}])")
# A run of Han characters, or a run of other letters/digits (which stays one token).
_RUNS = re.compile(rf"([{HAN}]+)|([^\W{HAN}_]+)")
_WORDLIKE = re.compile(r"[^\W_]")


def normalize(text: str, *, lower: bool = True) -> str:
    """NFKC (full-width digits and letters to ASCII), OCR spaces between Han characters removed."""
    text = _HAN_GAP.sub("", unicodedata.normalize("NFKC", text))
    return text.lower() if lower else text


def words(normalized: str) -> list[str]:
    """rjieba tokens of already normalised text, punctuation and spaces dropped."""
    return [token for token in rjieba.cut(normalized) if _WORDLIKE.search(token)]


def indexed_words(normalized: str) -> list[str | None]:
    """rjieba tokens with None where punctuation or a space was: their positions stay taken."""
    return [token if _WORDLIKE.search(token) else None for token in rjieba.cut(normalized)]


def bigrams(normalized: str) -> list[str]:
    """Overlapping Han bigrams (a lone Han character stays a unigram); other runs whole."""
    out: list[str] = []
    for match in _RUNS.finditer(normalized):
        han = match.group(1)
        if han is None:
            out.append(match.group(2))
        elif len(han) == 1:
            out.append(han)
        else:
            out.extend([han[i:i + 2] for i in range(len(han) - 1)])
    return out


def word_spans(normalized: str) -> Iterator[tuple[int, str, int, int]]:
    """(position, word, start, end) of each indexed word."""
    for position, (token, start, end) in enumerate(rjieba.tokenize(normalized)):
        if _WORDLIKE.search(token):
            yield position, token, start, end


def bigram_spans(normalized: str) -> Iterator[tuple[int, str, int, int]]:
    """(position, bigram, start, end) of each bigram (or lone Han character, or other run)."""
    position = 0
    for match in _RUNS.finditer(normalized):
        han, start = match.group(1), match.start()
        if han is None:
            yield position, match.group(2), start, match.end()
            position += 1
        elif len(han) == 1:
            yield position, han, start, start + 1
            position += 1
        else:
            for i in range(len(han) - 1):
                yield position, han[i:i + 2], start + i, start + i + 2
                position += 1


# One entry is enough: a document's body is normalised once for the word field and reused
# by the bigram field right after it.
_last_normalized: tuple[str, str] = ("", "")


def cached_normalize(text: str) -> str:
    global _last_normalized
    source, result = _last_normalized  # one read: another thread may replace it meanwhile
    if source is text or source == text:
        return result
    result = normalize(text)
    _last_normalized = (text, result)
    return result


# Most terms occur once in a document, so their encoded position list is one of a few
# thousand values: encoding each once saves a pickle per posting.
SINGLE_POSITION: dict[int, bytes] = {}


def encode_positions(positions: list[int]) -> bytes:
    """Exactly ``whoosh.formats.Positions.encode``, with the single-position case memoised."""
    if len(positions) == 1:
        encoded = SINGLE_POSITION.get(positions[0])
        if encoded is None:
            encoded = SINGLE_POSITION[positions[0]] = pack_uint(1) + dumps(positions, 2)
        return encoded
    deltas, base = [], 0
    for pos in positions:
        deltas.append(pos - base)
        base = pos
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def grouped_positions(tokens: list[str | None]) -> dict[str, list[int]]:
    """{token: its positions} (None: a position that holds no term)."""
    positions: defaultdict[str | None, list[int]] = defaultdict(list)
    for pos, token in enumerate(tokens):
        positions[token].append(pos)
    positions.pop(None, None)
    return positions


def postings(tokens: list[str | None], field_boost: float = 1.0) -> Iterator[tuple[bytes, int, float, bytes]]:
    """(term bytes, frequency, weight, encoded positions) for each distinct token (None: a
    position that holds no term).

    This is what whoosh's ``Positions.word_values`` + ``FieldType.index`` produce, without
    building a Token object per token: indexing spends its time per posting, not per token.
    """
    positions = grouped_positions(tokens)
    single = SINGLE_POSITION
    for token, where in positions.items():
        count = len(where)
        encoded = single.get(where[0]) if count == 1 else None
        yield token.encode("utf-8"), count, count * field_boost, encoded or encode_positions(where)


class _ChineseTokenizer(Tokenizer):
    """Whoosh tokenizer protocol around one of the token streams above (used for queries,
    highlighting and anything else that asks the field's analyzer)."""

    def _spans(self, normalized: str) -> Iterator[tuple[int, str, int, int]]:
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = normalize(value)
        if not tokenize:
            token.original = token.text = text
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for position, word, start, end in self._spans(text):
            token.text = word
            token.boost, token.stopped = 1.0, False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + position
            if chars:
                # Offsets into the normalised text, which is what wenshu stores for snippets.
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self).__name__)


class WordTokenizer(_ChineseTokenizer):
    def _spans(self, normalized):
        return word_spans(normalized)


class BigramTokenizer(_ChineseTokenizer):
    def _spans(self, normalized):
        return bigram_spans(normalized)
