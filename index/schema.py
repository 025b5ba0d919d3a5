"""The whoosh schema: which field holds what, and how it is analysed.

Text is indexed as character bigrams in ``*_bi`` fields: any substring of two Han characters or
more is found, as a phrase of bigrams. ``text_bi`` is everything searchable of a record in one
field (title, 发文字号, body), so a word costs one posting list to match, not one per field;
``title_bi`` adds the title boost, and ``title_w`` (rjieba's words of the title) ranks a title
that has the query as a whole word above one that merely contains its characters.
Exact-match metadata lives in ID fields whose values are normalised the same way a query value
is. Only what a result page shows is stored.

Changing this schema means old indexes must be rebuilt: bump ``SCHEMA_VERSION`` so that
``open_index`` tells the clerk to run ``wenshu reindex`` instead of failing obscurely.
"""

from __future__ import annotations

from whoosh import fields

from index.analysis import (BigramTokenizer, PackedPositions, WordTokenizer, bigrams, cached_normalize, is_word,
                            jieba_tokens, postings)

# 2: positions stored as PackedPositions; 3: no word field for the body; 4: the 发文字号's sequence
# (「31号文」), the deadline and the status (待办, 超期未办)
SCHEMA_VERSION = 4


class ChineseText(fields.TEXT):
    """A TEXT field with wenshu's analysis and a fast indexing path.

    Queries and highlighting use the analyzer (a normal whoosh tokenizer). Indexing takes the
    token list instead: ``index`` computes the postings straight from it, several times cheaper
    than whoosh's Token-per-token path (``tests/index/test_analysis.py`` checks both give
    identical postings), and ``FastSegmentWriter`` takes ``tokens`` and ``is_term`` as they are.
    """

    def __init__(self, kind: str, stored: bool = False):
        if kind not in ("words", "bigrams"):
            raise ValueError(f"unknown kind {kind!r}")
        super().__init__(analyzer=WordTokenizer() if kind == "words" else BigramTokenizer(),
                         phrase=True, stored=stored)
        self.format = PackedPositions(field_boost=self.format.field_boost)
        self.kind = kind

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        return postings([t if self.is_term(t) else None for t in self.tokens(value)], self.format.field_boost)

    def tokens(self, value: str) -> list[str]:
        """Every token of ``value``, its index in the list being its position."""
        text = cached_normalize(value)
        return jieba_tokens(text) if self.kind == "words" else bigrams(text)

    def is_term(self, token: str) -> bool:
        """Whether ``token`` is indexed, or only takes its position (punctuation among words)."""
        return self.kind == "bigrams" or is_word(token)


def _key(stored: bool = False) -> fields.ID:
    return fields.ID(stored=stored)


def build_schema() -> fields.Schema:
    return fields.Schema(
        # Identity and drift detection; columns make reading them all cheap for `check`.
        reg_no=fields.ID(stored=True, unique=True, sortable=True),
        version=fields.ID(sortable=True),
        reg_no_key=_key(),
        reg_no_bi=ChineseText("bigrams"),
        # 发文字号
        doc_number=fields.STORED(),
        doc_number_key=_key(),
        doc_number_bi=ChineseText("bigrams"),
        doc_number_seq=_key(),  # "31" of 东大教发〔2026〕31号, whatever the 代字 and year
        # Title, and all text. The body is stored normalised for snippets; 涉密 records have no
        # body anywhere in the index.
        title=fields.STORED(),
        title_w=ChineseText("words"),
        title_bi=ChineseText("bigrams"),
        text_bi=ChineseText("bigrams"),
        body=fields.STORED(),
        # Metadata filters.
        issuer=_key(stored=True),
        issuer_bi=ChineseText("bigrams"),
        department=_key(stored=True),
        department_bi=ChineseText("bigrams"),
        doc_type=_key(stored=True),
        direction=_key(stored=True),
        route=_key(stored=True),
        urgency=_key(stored=True),
        secrecy=_key(stored=True),
        secret=_key(),
        archive_code=_key(stored=True),
        archive_bi=ChineseText("bigrams"),
        status=_key(),  # 已登记 / 已作废
        # 办理时限; documents without one have no value here (and match no deadline range).
        deadline=fields.DATETIME(sortable=True),
        # 成文日期 for filtering and sorting falls back to the registration day, so a record
        # without a date still sorts and filters sensibly; date_value keeps the real one.
        date=fields.DATETIME(sortable=True),
        date_value=fields.STORED(),
        registered_at=fields.DATETIME(stored=True, sortable=True),
    )
