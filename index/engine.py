"""Evaluates wenshu's whoosh queries with numpy instead of whoosh's matcher tree.

whoosh scores and counts one document at a time in Python: about 3-10 µs per matching
document, so a common word (科研 in 60% of 50,000 documents) cost 100-300 ms for a top-20 page
and again as much to count the total. Here a query is evaluated per segment over whole posting
lists: each block of postings is decoded once into arrays, BM25F (whoosh's own formula,
statistics and length encoding) is computed vectorised, And/Or/AndMaybe are array operations,
and decoded lists are kept in a bounded cache. A phrase's candidates are the documents with
all of its bigrams; their positions (``PackedPositions``, so one buffer per bigram) are checked
for adjacency in one array intersection per bigram.

It understands exactly the query types ``index.query`` and ``index.search`` build (Term, Phrase,
Prefix, And, Or, AndMaybe, Not, ConstantScoreQuery, DateRange, Every). Anything else raises
``Unsupported`` and ``index.search`` falls back to whoosh's own search, which is also the
reference the tests compare this with.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from math import log
from pickle import loads

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.util.times import datetime_to_long

from index.analysis import PackedPositions


B, K1 = 0.75, 1.2  # whoosh's BM25F defaults
_NO_VALUE = np.iinfo(np.int64).max
_LENGTH_TABLE = None


def _row_positions(postings: Postings, docs: np.ndarray) -> np.ndarray:
    """``row << 32 | position`` for each position of the term in each of ``docs`` (all of which
    hold it), ascending: the values are ``PackedPositions``, so one buffer holds them all."""
    chosen = [postings.values[i] for i in np.searchsorted(postings.ids, docs).tolist()]
    counts = np.fromiter(map(len, chosen), dtype=np.int64, count=len(chosen)) // 4
    found = np.frombuffer(b"".join(chosen), dtype="<u4").astype(np.int64)
    return (np.repeat(np.arange(len(chosen), dtype=np.int64), counts) << 32) | found


class Unsupported(Exception):
    """A query node this evaluator does not know; use whoosh's search instead."""


FALLBACKS = 0  # searches that had to use whoosh's own evaluation (tests expect none)


def _length_table() -> np.ndarray:
    global _LENGTH_TABLE
    if _LENGTH_TABLE is None:
        from whoosh.util.numeric import byte_to_length
        _LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
    return _LENGTH_TABLE


@dataclass
class Postings:
    ids: np.ndarray               # sorted segment-local docnums
    weights: np.ndarray           # term frequency x field boost
    values: Sequence[bytes] | None = None


_EMPTY = Postings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), ())


class PostingCache:
    """Decoded posting lists, least recently used first out, within a byte budget. Segments
    never change once written, so an entry never goes stale; it just stops being asked for when
    its segment is merged away. Even short lists are kept: with many segments, looking a term up
    in each segment's term index costs more than decoding its few postings."""

    ENTRY_OVERHEAD = 200

    def __init__(self, budget_bytes: int = 96 * 1024 * 1024):
        self.budget = budget_bytes
        self.used = 0
        self.entries: OrderedDict[tuple, tuple[Postings, int]] = OrderedDict()
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.used = 0

    @staticmethod
    def size(postings: Postings) -> int:
        values = 56 * len(postings.values) if postings.values is not None else 0
        return PostingCache.ENTRY_OVERHEAD + postings.ids.nbytes + postings.weights.nbytes + values

    def get(self, key: tuple, values: bool) -> Postings | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None or (values and found[0].values is None):
                return None
            self.entries.move_to_end(key)
            return found[0]

    def put(self, key: tuple, postings: Postings) -> None:
        size = self.size(postings)
        if size > self.budget // 4:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self.entries[key] = (postings, size)
            self.used += size
            while self.used > self.budget and self.entries:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.used -= dropped


POSTINGS = PostingCache()


def clear_caches() -> None:
    """Forget decoded postings (benchmarks measuring cold searches)."""
    POSTINGS.clear()


def cached_length(leaf, fieldname: str, text: str) -> int:
    """How many postings a term has in this segment (from the cache when it is there)."""
    cached = POSTINGS.get((leaf.segment().segment_id(), fieldname, text), False)
    return len(cached.ids) if cached is not None else leaf.doc_frequency(fieldname, text)


def read_postings(leaf, fieldname: str, text: str, *, values: bool = False,
                  within: np.ndarray | None = None) -> Postings:
    """Postings of one term in one segment (deleted documents included).

    With ``within`` (sorted docnums), blocks whose docnum range holds none of them are skipped
    without being decompressed (and the partial result is not cached): checking the positions
    of a few phrase candidates in a common word's long list.
    """
    key = (leaf.segment().segment_id(), fieldname, text)
    cached = POSTINGS.get(key, values)
    if cached is not None:
        return cached
    fieldobj = leaf.schema[fieldname]
    try:
        matcher = leaf._terms.matcher(fieldname, fieldobj.to_bytes(text), fieldobj.format)
    except (TermNotFound, KeyError):
        POSTINGS.put(key, _EMPTY)
        return _EMPTY
    if not isinstance(matcher, W3LeafMatcher):  # inlined postings of a rare term
        ids, weights, vals = [], [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if values:
                vals.append(matcher.value())
            matcher.next()
        postings = Postings(np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64),
                            vals if values else None)
        POSTINGS.put(key, postings)
        return postings
    try:
        return _read_blocks(matcher, key, values, within)
    except AttributeError as exc:  # whoosh's block reader is not what this was written against
        raise Unsupported(f"postings reader: {exc}") from exc


def _read_blocks(matcher: W3LeafMatcher, key: tuple, values: bool, within: np.ndarray | None) -> Postings:
    id_parts, weight_parts, value_parts = [], [], []
    postfile = matcher._postfile
    previous_max = -1
    while matcher.is_active():
        block_max = matcher._maxid
        if within is not None:
            first = np.searchsorted(within, previous_max + 1)
            if first >= len(within) or within[first] > block_max:
                previous_max = block_max
                matcher._next_block()
                continue
        previous_max = block_max
        raw = postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        ids, weights, vals = loads(zlib.decompress(raw) if matcher._compression else raw)
        count = matcher._blocklength
        id_parts.append(np.cumsum(np.array(ids, dtype=np.int64)))  # ids are delta-encoded
        if weights is None:
            weight_parts.append(np.ones(count))
        elif isinstance(weights, float):
            weight_parts.append(np.full(count, weights))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float64))
        if values:
            value_parts.extend(vals)
        matcher._next_block()
    if not id_parts:
        return _EMPTY
    postings = Postings(np.concatenate(id_parts), np.concatenate(weight_parts), value_parts if values else None)
    if within is None:
        POSTINGS.put(key, postings)
    return postings


class SegmentView:
    """One segment's arrays: field lengths, dates, deletions. Segments never change once
    written (only their deletion set does), so the arrays are cached per segment."""

    _cache: dict[tuple[str, str], np.ndarray] = {}

    def __init__(self, leaf, offset: int):
        self.leaf = leaf
        self.offset = offset
        self.size = leaf.doc_count_all()
        if not hasattr(leaf, "segment"):
            raise Unsupported(f"reader {type(leaf).__name__}")
        self.segid = leaf.segment().segment_id()
        deleted = leaf.deleted_docs_set  # a (cached) property
        self.live = np.ones(self.size, dtype=bool)
        if deleted:
            self.live[np.fromiter(deleted, dtype=np.int64)] = False

    def _cached(self, key: str, build) -> np.ndarray:
        cache_key = (self.segid, key)
        found = SegmentView._cache.get(cache_key)
        if found is None or len(found) != self.size:
            if len(SegmentView._cache) > 512:
                SegmentView._cache.clear()
            found = SegmentView._cache[cache_key] = build()
        return found

    def lengths(self, fieldname: str) -> np.ndarray:
        """Field lengths as whoosh scores with them (one byte per document, decoded)."""
        def build():
            encoded = np.zeros(self.size, dtype=np.uint8)
            reader = self.leaf._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if reader is not None:
                count = min(self.size, reader._count)
                encoded[:count] = np.frombuffer(reader._dbfile.get(reader._basepos, count), dtype=np.uint8)
            return _length_table()[encoded]
        return self._cached("len:" + fieldname, build)

    def column(self, fieldname: str) -> np.ndarray:
        def build():
            if not self.leaf.has_column(fieldname):
                return np.zeros(self.size, dtype=np.int64)
            reader = self.leaf.column_reader(fieldname, translate=False)
            # A document without a value (no deadline) has whoosh's default, 2**64 - 1: it is
            # kept above every date, as an int64, and a range with an upper bound leaves it out.
            return np.fromiter((min(reader[i], _NO_VALUE) for i in range(self.size)), dtype=np.int64,
                               count=self.size)
        return self._cached("col:" + fieldname, build)


class Evaluator:
    """Evaluates a query on one segment to (matches, scores) dense arrays."""

    def __init__(self, searcher, view: SegmentView, stats: dict):
        self.searcher = searcher
        self.view = view
        self.n = view.size
        self.stats = stats  # (field, text) -> (idf, avgfl), shared by the segments of one search

    # statistics are global (the whole index), as whoosh computes them
    def _bm25(self, fieldname: str, text: str, postings: Postings) -> np.ndarray:
        searcher = self.searcher
        if not searcher.schema[fieldname].scorable:  # whoosh's WeightScorer for ID fields
            return postings.weights
        stats = self.stats.get((fieldname, text))
        if stats is None:
            df = searcher.doc_frequency(fieldname, text)
            stats = self.stats[(fieldname, text)] = (log(searcher.doc_count_all() / (df + 1)) + 1,
                                                     searcher.avg_field_length(fieldname) or 1)
        idf, avgfl = stats
        fl = self.view.lengths(fieldname)[postings.ids]
        tf = postings.weights
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

    def evaluate(self, q: Q.Query, scored: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        method = getattr(self, "_" + type(q).__name__, None)
        if method is None:
            raise Unsupported(type(q).__name__)
        matched, scores = method(q, scored)
        boost = getattr(q, "boost", 1.0)  # a wrapping query (ConstantScoreQuery) has none
        if scored and scores is not None and boost != 1.0 and not isinstance(q, (Q.Term, Q.Phrase)):
            scores = scores * boost
        return matched, scores

    def _Term(self, q, scored):
        postings = read_postings(self.view.leaf, q.fieldname, q.text)
        matched = np.zeros(self.n, dtype=bool)
        matched[postings.ids] = True
        if not scored:
            return matched, None
        scores = np.zeros(self.n)
        if len(postings.ids):
            scores[postings.ids] = self._bm25(q.fieldname, q.text, postings) * q.boost
        return matched, scores

    def _Phrase(self, q, scored):
        words = list(q.words)
        if q.slop != 1:
            raise Unsupported("phrase slop")
        leaf = self.view.leaf
        # 1. Documents with every bigram (id lists only: compact enough to keep cached).
        lists = [read_postings(leaf, q.fieldname, w) for w in words]
        candidates = lists[0].ids
        for postings in lists[1:]:
            candidates = np.intersect1d(candidates, postings.ids, assume_unique=True)
        # 2. Of those, the ones where the bigrams are adjacent, decoding only the blocks that hold them.
        docs = self._adjacent(q.fieldname, words, candidates)
        matched = np.zeros(self.n, dtype=bool)
        matched[docs] = True
        if not scored:
            return matched, None
        scores = np.zeros(self.n)
        for word, postings in zip(words, lists):
            scores[docs] += self._bm25(q.fieldname, word, postings)[np.searchsorted(postings.ids, docs)]
        return matched, scores * q.boost

    def _adjacent(self, fieldname: str, words: list[str], docs: np.ndarray) -> np.ndarray:
        """The ``docs`` (each holding every word) in which ``words`` occur at consecutive positions."""
        if not len(docs):
            return docs
        leaf = self.view.leaf
        if not isinstance(leaf.schema[fieldname].format, PackedPositions):
            raise Unsupported(f"positions of {fieldname} are not PackedPositions")
        lists = []
        for word in words:
            # Decode only the blocks holding these documents when they are few for the list.
            sparse = len(docs) * 8 < cached_length(leaf, fieldname, word)
            lists.append(read_postings(leaf, fieldname, word, values=True, within=docs if sparse else None))
        # (row in docs, position) of the first word, kept where the k-th word is at position + k.
        starts = _row_positions(lists[0], docs)
        for k, postings in enumerate(lists[1:], start=1):
            starts = np.intersect1d(starts, _row_positions(postings, docs) - k, assume_unique=True)
            if not len(starts):
                break
        return docs[np.unique(starts >> 32)]

    def _Prefix(self, q, scored):
        # Like whoosh's Prefix: an Or of every term starting with the prefix.
        matched = np.zeros(self.n, dtype=bool)
        scores = np.zeros(self.n) if scored else None
        for text in self.view.leaf.expand_prefix(q.fieldname, q.text):
            text = text.decode("utf-8") if isinstance(text, bytes) else text
            postings = read_postings(self.view.leaf, q.fieldname, text)
            matched[postings.ids] = True
            if scored and len(postings.ids):
                scores[postings.ids] += self._bm25(q.fieldname, text, postings)
        return matched, scores

    def _Or(self, q, scored):
        matched = np.zeros(self.n, dtype=bool)
        scores = np.zeros(self.n) if scored else None
        for sub in q.subqueries:
            m, s = self.evaluate(sub, scored)
            matched |= m
            if scored:
                scores += s
        return matched, scores

    def _And(self, q, scored):
        matched = np.ones(self.n, dtype=bool)
        scores = np.zeros(self.n) if scored else None
        for sub in q.subqueries:
            m, s = self.evaluate(sub, scored)
            matched &= m
            if scored:
                scores += s
        return matched, scores

    def _AndMaybe(self, q, scored):
        matched, scores = self.evaluate(q.a, scored)
        if scored:
            _, optional = self.evaluate(q.b, True)
            scores = scores + optional
        return matched, scores

    def _ConstantScoreQuery(self, q, scored):
        matched, _ = self.evaluate(q.child, scored=False)
        return matched, matched * q.score if scored else None

    def _Not(self, q, scored):
        # Every document the child does not match (deleted ones are left out by the caller, as
        # for every query); never scored: it only appears in masks (the clearance's, see
        # ``index.search.clearance_mask``).
        matched = ~self.evaluate(q.query, scored=False)[0]
        return matched, matched.astype(float) if scored else None

    def _Every(self, q, scored):
        return np.ones(self.n, dtype=bool), np.ones(self.n) if scored else None

    def _DateRange(self, q, scored):
        values = self.view.column(q.fieldname)
        matched = np.ones(self.n, dtype=bool)
        if q.startdate is not None:
            matched &= values >= datetime_to_long(q.startdate)
        if q.enddate is not None:
            matched &= values <= datetime_to_long(q.enddate)
        return matched, matched.astype(float) if scored else None


@dataclass
class Found:
    total: int
    docnums: list[int]        # global docnums of the requested page, in order
    scores: list[float | None]


def run(searcher, text: Q.Query | None, filters: Q.Query | None, mask: Q.Query | None, *,
        sort: str, first: int, count: int) -> Found:
    """Top ``first:first+count`` documents matching ``text`` (scored) and ``filters``, not ``mask``."""
    reader = searcher.reader()
    doc_parts, score_parts, date_parts, reg_parts = [], [], [], []
    stats: dict = {}
    for leaf, offset in list(reader.leaf_readers()):
        if leaf.doc_count_all() == 0:  # a new office's empty index has a reader without a segment
            continue
        view = SegmentView(leaf, offset)
        docs, scores = _match_segment(Evaluator(searcher, view, stats), view, text, filters, mask, sort)
        doc_parts.append(docs + offset)
        score_parts.append(scores)
        if sort == "date":
            date_parts.append(view.column("date")[docs])
            reg_parts.append(view.column("registered_at")[docs])
    if not doc_parts:
        return Found(0, [], [])
    return _page(np.concatenate(doc_parts), score_parts, date_parts, reg_parts, sort=sort, first=first,
                 count=count)


def _match_segment(evaluator: Evaluator, view: SegmentView, text: Q.Query | None, filters: Q.Query | None,
                   mask: Q.Query | None, sort: str) -> tuple[np.ndarray, np.ndarray]:
    """One segment's live documents that match (segment docnums), and their scores (0 unscored)."""
    matched = view.live.copy()
    scores = None
    if text is not None:
        m, scores = evaluator.evaluate(text, scored=(sort == "relevance"))
        matched &= m
    if filters is not None:
        matched &= evaluator.evaluate(filters, scored=False)[0]
    if mask is not None:
        matched &= ~evaluator.evaluate(mask, scored=False)[0]
    docs = np.flatnonzero(matched)
    return docs, scores[docs] if scores is not None else np.zeros(len(docs))


def _page(docs: np.ndarray, score_parts: list, date_parts: list, reg_parts: list, *, sort: str, first: int,
          count: int) -> Found:
    """The requested page of ``docs`` (global docnums) in ``sort`` order; only the documents up to
    the page's end are ranked."""
    total = len(docs)
    wanted = min(total, first + count)
    if sort == "date":
        # newest first; ties by registration time, then by document number (stable)
        order = np.lexsort((docs, -np.concatenate(reg_parts), -np.concatenate(date_parts)))[:wanted]
        scores = [None] * len(order)
    else:
        score_all = np.concatenate(score_parts)
        if wanted < total:
            # Every document scoring at least the wanted-th score, ties included: which of equal
            # scores make the page is then decided by docnum, as on every other page (argpartition
            # alone picks among ties arbitrarily, so a record could show on two pages or none).
            kth = np.partition(-score_all, wanted - 1)[wanted - 1]
            top = np.flatnonzero(-score_all <= kth)
        else:
            top = np.arange(total)
        order = top[np.lexsort((docs[top], -score_all[top]))][:wanted]
        scores = [float(s) for s in score_all[order]]
    page = order[first:wanted]
    return Found(total, [int(d) for d in docs[page]], scores[first:wanted])
