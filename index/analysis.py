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
from operator import add
from struct import pack, unpack

import rjieba
from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Positions

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_GAP = re.compile(rf"(?<=[{HAN}])\s+(?=[{HAN}])")
# A run of Han characters, or a run of other letters/digits (which stays one token).
_RUNS = re.compile(rf"([{HAN}]+)|([^\W{HAN}_]+)")
_WORDLIKE = re.compile(r"[^\W_]")


# Each full-width ASCII form and the ideographic space, as its compatibility decomposition. Put
# in first, they leave most Chinese text NFKC already, which unicodedata then confirms with a
# quick check instead of decomposing and recomposing every character (0.15 -> 0.09 ms for
# 2,000 characters). The result is NFKC's: a character replaced by its own decomposition
# decomposes to the same thing.
_WIDE_FORMS = {0x3000: " ", **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}}
_WIDE_FORM = re.compile("[\u3000\uff01-\uff5e]")


def normalize(text: str, *, lower: bool = True) -> str:
    """NFKC (full-width digits and letters to ASCII), OCR spaces between Han characters removed."""
    if _WIDE_FORM.search(text):  # else translating is a per-character dictionary lookup for nothing
        text = text.translate(_WIDE_FORMS)
    text = _HAN_GAP.sub("", unicodedata.normalize("NFKC", text))
    return text.lower() if lower else text


def words(normalized: str) -> list[str]:
    """rjieba tokens of already normalised text, punctuation and spaces dropped."""
    return [token for token in rjieba.cut(normalized) if _WORDLIKE.search(token)]


def jieba_tokens(normalized: str) -> list[str]:
    """rjieba's tokens, punctuation and spaces included: each token's index is its position."""
    return rjieba.cut(normalized)


def is_word(token: str) -> bool:
    """Whether a token of ``jieba_tokens`` is indexed (punctuation and spaces are not)."""
    return _WORDLIKE.search(token) is not None


def bigrams(normalized: str) -> list[str]:
    """Overlapping Han bigrams (a lone Han character stays a unigram); other runs whole."""
    out: list[str] = []
    for han, other in _RUNS.findall(normalized):  # tuples made in C, not a Match object per run
        if not han:
            out.append(other)
        elif len(han) == 1:
            out.append(han)
        else:
            out.extend(map(add, han, han[1:]))  # each character with the next, in C
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


# One entry is enough: a title is normalised once for its word field and reused by its bigram
# field right after it.
_last_normalized: tuple[str, str] = ("", "")


def cached_normalize(text: str) -> str:
    global _last_normalized
    source, result = _last_normalized  # one read: another thread may replace it meanwhile
    if source is text or source == text:
        return result
    result = normalize(text)
    _last_normalized = (text, result)
    return result


class PackedPositions(Positions):
    """whoosh's ``Positions`` format with a plainer value: the positions as little-endian
    uint32s. The fast writer slices a whole segment's values out of one array, and a phrase
    check decodes one with a single call (whoosh's value is a pickle of position deltas)."""

    def encode(self, poslist: list[int]) -> bytes:
        return _pack_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(unpack(f"<{len(valuestring) // 4}I", valuestring))

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4


def _pack_positions(positions: list[int]) -> bytes:
    return pack(f"<{len(positions)}I", *positions)


def postings(tokens: list[str | None], field_boost: float = 1.0) -> Iterator[tuple[bytes, int, float, bytes]]:
    """(term bytes, frequency, weight, encoded positions) for each distinct token (None: a
    position that holds no term), as ``PackedPositions.word_values`` gives them for the
    analyzer's tokens, without a Token object per token."""
    positions: defaultdict[str | None, list[int]] = defaultdict(list)
    for pos, token in enumerate(tokens):
        positions[token].append(pos)
    positions.pop(None, None)
    for token, where in positions.items():
        yield token.encode("utf-8"), len(where), len(where) * field_boost, _pack_positions(where)


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
