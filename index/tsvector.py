"""wenshu's analysis as PostgreSQL ``tsvector`` and ``tsquery`` literals (pure functions).

When the registry is PostgreSQL, search can run there: each record's tokens are stored as a
``tsvector`` built here, from the very tokens and positions the whoosh fields get (no PostgreSQL
text parser or configuration is involved: the literal is cast with ``::tsvector``), and queries
are ``tsquery`` literals built from the same analysis. See docs/search.md, "Search in
PostgreSQL".

What one record's tsvector holds:

* the bigrams of ``text_bi`` (title, 发文字号 and, unless 涉密, body, joined as
  ``index.writer.document_fields`` joins them), each at its whoosh position + 1 (PostgreSQL
  positions start at 1). Weight ``A`` for positions in the title, ``B`` in the 发文字号, ``D``
  (PostgreSQL's default, not written) in the body. ``title_bi`` needs no lexemes of its own:
  the title comes first in ``text_bi``, so its bigrams sit at the same positions, and a title
  match is a lexeme with weight ``A`` (``'科研':A`` in a tsquery).
* the rjieba words of the title (``title_w``), prefixed with ``~`` so that a title word is
  never confused with a bigram (科研 the word vs 科研 the bigram), at their whoosh positions,
  weight ``A``. No bigram can start with ``~``: bigrams are runs of letters and digits.

PostgreSQL's limits, applied here so the literal is exactly what is stored:

* positions above 16,383 are stored as 16,383 (PostgreSQL's own rule): a lexeme seen only
  there is still found by a word query, but a phrase in that part of a long document is not;
* at most 256 positions per lexeme (the first 256 are kept): a phrase whose only occurrences
  use a later position of a frequent bigram is missed, and the rank sees at most 256;
* a lexeme longer than 2,047 bytes is refused by PostgreSQL: it is left out (a run of letters
  and digits that long is not a word anyone searches for).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from index.analysis import HAN, bigrams, cached_normalize, is_word, jieba_tokens, normalize
from index.documents import IndexDoc

MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
MAX_LEXEME_BYTES = 2047
TITLE_WEIGHT, NUMBER_WEIGHT, BODY_WEIGHT = "A", "B", "D"
TITLE_WORD = "~"  # prefix of the lexemes of title words
# ts_rank_cd's weights array, {D, C, B, A}: PostgreSQL's default. A title match counts ten body ones.
RANK_WEIGHTS = (0.1, 0.2, 0.4, 1.0)

_LONE_HAN = re.compile(rf"^[{HAN}]$")


@dataclass(frozen=True)
class Lexemes:
    """lexeme -> ascending positions within PostgreSQL's limits, each position's weight (from
    where the title and the 发文字号 end), and what the limits cost."""

    positions: dict[str, list[int]]
    title_end: int           # positions 1..title_end are the title's (weight A)
    number_end: int          # title_end+1..number_end the 发文字号's (B); the body's after (D)
    total: int               # positions of the analysis (title words included)
    clamped: int             # positions beyond 16,383 (stored as 16,383, merged)
    truncated: int           # positions past a lexeme's 256th (not stored)
    too_long: int = 0        # lexemes left out for being over 2,047 bytes

    @property
    def lost(self) -> int:
        """Positions not stored where the analysis put them."""
        return self.clamped + self.truncated

    def weight(self, token: str, position: int) -> str:
        if token.startswith(TITLE_WORD) or position <= self.title_end:
            return TITLE_WEIGHT
        return NUMBER_WEIGHT if position <= self.number_end else BODY_WEIGHT

    @property
    def entries(self) -> dict[str, list[tuple[int, str]]]:
        """lexeme -> [(position, weight)], as PostgreSQL reads the literal back."""
        return {token: [(p, self.weight(token, p)) for p in positions] for token, positions in self.positions.items()}


def searchable_text(doc: IndexDoc) -> tuple[str, str, str]:
    """(title, 发文字号, body) as ``document_fields`` puts them into ``text_bi``: the body
    normalised (case kept), none for 涉密 records."""
    body = normalize(doc.text, lower=False) if doc.text and not doc.is_secret else ""
    return doc.title or "", doc.doc_number or "", body


def text_lexemes(title: str, doc_number: str = "", body: str = "") -> Lexemes:
    """The lexemes of a record's title, 发文字号 and body text (the body already left out when 涉密)."""
    parts = [title, doc_number] + ([body] if body else [])
    tokens = bigrams(cached_normalize("\n".join(parts)))
    # The title's bigrams are the first ones: the joined text starts with the title, and a
    # bigram never looks ahead of its second character. Counting them on the title alone gives
    # where the title ends; the bigram joining the title to the 发文字号 (when no space
    # separates them after normalisation) counts as the 发文字号's.
    title_end = len(bigrams(normalize(title))) if title else 0
    number_end = len(bigrams(normalize(f"{title}\n{doc_number}"))) if doc_number else title_end
    where: defaultdict[str, list[int]] = defaultdict(list)
    for position, token in enumerate(tokens, 1):
        where[token].append(position)
    total = len(tokens)
    if title:
        for position, token in enumerate(jieba_tokens(cached_normalize(title)), 1):
            if is_word(token):
                where[TITLE_WORD + token].append(position)
                total += 1
    out: dict[str, list[int]] = {}
    counts = [0, 0, 0]
    for token, positions in where.items():
        if len(token.encode("utf-8")) > MAX_LEXEME_BYTES:
            counts[2] += 1
            continue
        if positions[-1] > MAX_POSITION:
            # PostgreSQL stores every position past the limit as the limit. (It keeps the
            # strongest weight of the positions it merges: the weight of the first of them,
            # which is the limit's own unless the title and 发文字号 reach past it.)
            kept = [p for p in positions if p < MAX_POSITION]
            kept.append(MAX_POSITION)
            counts[0] += len(positions) - len(kept)
            positions = kept
        if len(positions) > MAX_POSITIONS_PER_LEXEME:
            counts[1] += len(positions) - MAX_POSITIONS_PER_LEXEME
            positions = positions[:MAX_POSITIONS_PER_LEXEME]
        out[token] = positions
    return Lexemes(out, title_end, number_end, total, counts[0], counts[1], counts[2])


def document_lexemes(doc: IndexDoc) -> Lexemes:
    return text_lexemes(*searchable_text(doc))


def quote(lexeme: str) -> str:
    """A lexeme as tsvector and tsquery input read it: in single quotes, a quote doubled, a
    backslash escaped (colons, spaces and operators are plain characters inside the quotes)."""
    if "\\" in lexeme:
        lexeme = lexeme.replace("\\", "\\\\")
    if "'" in lexeme:
        lexeme = lexeme.replace("'", "''")
    return f"'{lexeme}'"


def tsvector_literal(lexemes: Lexemes | dict[str, list[tuple[int, str]]]) -> str:
    """The literal to cast with ``::tsvector`` (or COPY into a tsvector column)."""
    if not isinstance(lexemes, Lexemes):
        return " ".join(quote(token) + ":" + ",".join(str(p) if w == BODY_WEIGHT else f"{p}{w}" for p, w in positions)
                        for token, positions in lexemes.items())
    items = []
    weighted_end = lexemes.number_end
    for token, positions in lexemes.positions.items():
        if positions[0] > weighted_end and not token.startswith(TITLE_WORD):  # body only: weight D, not written
            items.append(f"{quote(token)}:{','.join(map(str, positions))}")
        else:
            items.append(f"{quote(token)}:" + ",".join(
                f"{p}{w}" if (w := lexemes.weight(token, p)) != BODY_WEIGHT else str(p) for p in positions))
    return " ".join(items)


def document_tsvector(doc: IndexDoc) -> str:
    """The tsvector literal of one record (metadata only for 涉密 records, as in whoosh)."""
    return tsvector_literal(document_lexemes(doc))


_ENTRY = re.compile(r"'((?:[^']|'')*)'(?::([0-9A-D,]+))?")


def parse_tsvector(text: str) -> dict[str, list[tuple[int, str]]]:
    """PostgreSQL's output of a tsvector (``tsvector::text``) back into entries (D written out)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for match in _ENTRY.finditer(text):
        token = match.group(1).replace("''", "'").replace("\\\\", "\\")
        positions = []
        for item in (match.group(2) or "").split(","):
            if item:
                digits = item.rstrip("ABCD")
                positions.append((int(digits), item[len(digits):] or BODY_WEIGHT))
        out[token] = positions
    return out


# --- queries ----------------------------------------------------------------------------------

def phrase_tokens(text: str) -> list[str]:
    """The bigrams a substring must show in a row, as ``index.query.substring_query`` takes
    them: a lone Han character at either end is left to its neighbours (in the document it sits
    inside a longer run, where it is part of a bigram)."""
    tokens = bigrams(normalize(text))
    while len(tokens) > 1 and _LONE_HAN.match(tokens[0]):
        tokens.pop(0)
    while len(tokens) > 1 and _LONE_HAN.match(tokens[-1]):
        tokens.pop()
    return tokens


def tsquery_for_phrase(text: str, *, weights: str = "") -> str | None:
    """Documents whose text contains ``text`` as a substring: ``'期末' <-> '末考' <-> '考试'``.
    ``weights="A"`` asks for it in the title. A lone Han character is that character or any
    bigram starting with it (``'科':*``), as whoosh's Or(Term, Prefix). None when there is
    nothing to find (only punctuation)."""
    tokens = phrase_tokens(text)
    if not tokens:
        return None
    suffix = f":{weights}" if weights else ""
    if len(tokens) == 1 and _LONE_HAN.match(tokens[0]):
        return f"{quote(tokens[0])}:*{weights}"
    chain = " <-> ".join(quote(t) + suffix for t in tokens)
    return chain if len(tokens) == 1 else f"({chain})"


def tsquery_for_title_word(word: str) -> str:
    """A whole rjieba word of the title (the ranking bonus of ``title_w``)."""
    return quote(TITLE_WORD + normalize(word)) + f":{TITLE_WEIGHT}"


def tsquery_for_words(words: Iterable[str], *, exclude: Iterable[str] = (), weights: str = "") -> str | None:
    """Every one of ``words`` as a substring (each its own ``<->`` chain), AND-ed, and none of
    ``exclude``: ``'科研' & '经费' & !'请示'``. None when nothing is asked for."""
    wanted = [q for q in (tsquery_for_phrase(w, weights=weights) for w in words) if q]
    unwanted = [q for q in (tsquery_for_phrase(w, weights=weights) for w in exclude) if q]
    parts = wanted + [f"!{q}" for q in unwanted]
    if not parts:
        return None
    return " & ".join(parts)
