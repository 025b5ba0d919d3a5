"""Writing a whoosh segment faster: a segment whoosh reads as its own, in a fraction of the time.

Chinese text indexed as bigrams makes several times the postings whoosh's StandardAnalyzer
makes, and whoosh's ``SegmentWriter`` spends its time per token and per posting, in Python:

* the format groups a document's tokens into postings and encodes each one;
* its pool estimates each posting's size, keeps it as a tuple, and past ``limitmb`` pickles
  runs to temporary files, to sort them all and heap-merge them back at commit;
* writing then looks up the document's field length and makes a checked append per posting.

Here a text field's tokens go into a ``TokenRun`` as term ids (one dictionary lookup per token,
done in C by ``map``), and at commit a few numpy operations sort a whole segment's tokens into
postings: per term, per document, the positions. ``write_terms`` then hands each term's
postings to whoosh's posting writer a block at a time, pickled with a newer protocol
(``_BlockWriter``). Codec, formats and file layout are whoosh's: ``tests/index/test_fastwrite.py``
checks that whoosh reads back the same postings and statistics as its own writer makes, and
that every other segment file is byte for byte the same.

Built against whoosh-reloaded 2.7 (pinned below 2.8 in pyproject.toml): it uses the W3
posting writer's block buffer and block layout, which are not public API.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Iterator
from pickle import dumps

import numpy as np
from whoosh import multiproc
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

Postings = tuple[list[int], list[float], list[bytes]]  # docnums, weights, encoded values


class TokenRun:
    """One field's tokens in a segment, as term ids, turned into postings at commit.

    A token's position is its index among its document's tokens; a token that is no term
    (punctuation among words) keeps its position and is dropped at commit. Positions are
    encoded as ``index.analysis.PackedPositions`` does.
    """

    def __init__(self, is_term: Callable[[str], bool], field_boost: float) -> None:
        self.is_term = is_term
        self.field_boost = field_boost
        self.ids: dict[str, int] = {}  # token -> term id, or -1 for a token that is no term
        self.terms: list[str] = []
        self.token_ids = array("i")
        self.docnums: list[int] = []
        self.sizes: list[int] = []
        self.boosts: list[float] = []

    def add(self, docnum: int, tokens: list[str], boost: float) -> int:
        """One document's tokens; returns the field's length (its number of terms)."""
        ids = self.ids
        for token in set(tokens).difference(ids):
            if self.is_term(token):
                ids[token] = len(self.terms)
                self.terms.append(token)
            else:
                ids[token] = -1
        doc_ids = list(map(ids.__getitem__, tokens))
        self.token_ids.extend(doc_ids)
        self.docnums.append(docnum)
        self.sizes.append(len(doc_ids))
        self.boosts.append(boost)
        return len(doc_ids) - doc_ids.count(-1)

    def postings(self) -> Iterator[tuple[bytes, list[int], list[float], list[bytes]]]:
        """Each term in byte order (code point order is UTF-8's byte order) with its postings
        in docnum order."""
        if not self.terms:
            return
        sizes = np.asarray(self.sizes)
        token_ids = np.frombuffer(self.token_ids, dtype=np.intc)
        order = sorted(range(len(self.terms)), key=self.terms.__getitem__)
        rank = np.empty(len(order) + 1, dtype=np.int64)
        rank[order] = np.arange(len(order))
        rank[-1] = len(order)  # for id -1, a token that is no term: sorts last, then is cut off
        # One sort of (term rank, token index) pairs packed in an int64 orders the tokens by
        # term, document and position: numpy sorts int64s about ten times faster than it
        # argsorts, and the pairs are unique, so no stable sort is needed.
        packed_keys = np.sort((rank[token_ids] << 32) | np.arange(len(token_ids), dtype=np.int64))
        packed_keys = packed_keys[:len(packed_keys) - int(np.count_nonzero(token_ids < 0))]
        keys = packed_keys >> 32
        at = packed_keys & 0xFFFFFFFF
        doc = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)[at]
        position = (at - (np.cumsum(sizes) - sizes)[doc]).astype("<u4")

        first = np.ones(len(keys), dtype=bool)
        first[1:] = (keys[1:] != keys[:-1]) | (doc[1:] != doc[:-1])
        starts = np.flatnonzero(first)
        ends = np.append(starts[1:], len(keys))
        posting_doc = doc[starts]
        # whoosh's arithmetic, in its order: frequency * field boost, then * document boost.
        weights = ((ends - starts) * self.field_boost * np.asarray(self.boosts)[posting_doc]).tolist()
        docnums = np.asarray(self.docnums)[posting_doc].tolist()
        packed = position.tobytes()
        values = [packed[a:b] for a, b in zip((starts * 4).tolist(), (ends * 4).tolist())]

        term_keys = keys[starts]
        term_starts = np.flatnonzero(np.append(True, term_keys[1:] != term_keys[:-1]))
        term_ends = np.append(term_starts[1:], len(term_keys))
        terms = self.terms
        for key, a, b in zip(term_keys[term_starts].tolist(), term_starts.tolist(), term_ends.tolist()):
            yield terms[order[key]].encode("utf-8"), docnums[a:b], weights[a:b], values[a:b]


class TermPool:
    """Stands in for whoosh's ``PostingPool``: text fields' tokens in ``TokenRun``s, and other
    postings (other fields, and segments merged in) grouped by field and term as they come:
    ``{field: {term: (docnums, weights, values)}}``. ``terms`` gives them back in whoosh's order.
    """

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, Postings]] = {}
        self.runs: dict[str, TokenRun] = {}
        self.fieldnames: set[str] = set()  # read by whoosh's multiprocessing writer
        self.out_of_order: set[tuple[str, bytes]] = set()  # terms whose docnums need a sort

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting, as whoosh's pool takes it (merging other segments in comes this way)."""
        fieldname, term, docnum, weight, value = item
        if docnum < 0:  # whoosh's marker for a spelling-only word: no posting
            return
        postings = self._terms(fieldname).get(term)
        if postings is None:
            self.fields[fieldname][term] = ([docnum], [weight], [value or b""])
            return
        docnums, weights, values = postings
        if docnum <= docnums[-1]:
            self.out_of_order.add((fieldname, term))
        docnums.append(docnum)
        weights.append(weight)
        values.append(value or b"")

    def add_items(self, fieldname: str, docnum: int, items, doc_boost: float) -> int:  # noqa: ANN001
        """A field's ``(term, frequency, weight, value)`` items for one document; returns the
        field's length (the sum of the frequencies)."""
        length = 0
        for term, frequency, weight, value in items:
            length += frequency
            self.add((fieldname, term, docnum, weight * doc_boost, value))
        return length

    def add_tokens(self, fieldname: str, docnum: int, tokens: list[str], is_term: Callable[[str], bool],
                   field_boost: float, doc_boost: float) -> int:
        """A text field's tokens for one document; returns the field's length."""
        run = self.runs.get(fieldname)
        if run is None:
            run = self.runs[fieldname] = TokenRun(is_term, field_boost)
            self.fieldnames.add(fieldname)
        return run.add(docnum, tokens, doc_boost)

    def _terms(self, fieldname: str) -> dict[bytes, Postings]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def terms(self, fieldname: str) -> Iterator[tuple[bytes, list[int], list[float], list[bytes]]]:
        """The field's terms in byte order, each with its postings in docnum order."""
        terms = self._terms(fieldname)
        run = self.runs.pop(fieldname, None)
        if run is not None and not terms:  # only new documents' text: already in order
            yield from run.postings()
            return
        for term, docnums, weights, values in run.postings() if run is not None else ():
            known = terms.get(term)
            if known is None:
                terms[term] = (docnums, weights, values)
                continue
            if docnums[0] <= known[0][-1]:
                self.out_of_order.add((fieldname, term))
            known[0].extend(docnums)
            known[1].extend(weights)
            known[2].extend(values)
        for term in sorted(terms):
            docnums, weights, values = terms[term]
            if (fieldname, term) in self.out_of_order:
                rows = sorted(zip(docnums, weights, values))
                docnums, weights, values = ([row[i] for row in rows] for i in range(3))
            yield term, docnums, weights, values

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        for fieldname in sorted(self.fieldnames):
            for term, docnums, weights, values in self.terms(fieldname):
                for docnum, weight, value in zip(docnums, weights, values):
                    yield fieldname, term, docnum, weight, value

    def cleanup(self) -> None:
        self.fields.clear()
        self.runs.clear()


class _BlockWriter(W3PostingsWriter):
    """whoosh's posting writer, pickling each block with protocol 5 instead of 2, compressing
    with zlib's level 1 and leaving blocks under 256 bytes uncompressed (each block's header
    says how it was compressed, and whoosh reads any level).

    Protocol 2 has no opcode for bytes: every encoded value (one per posting) goes through
    ``_codecs.encode(str, "latin1")``, some 15 bytes and a function call more per posting.
    Protocol 5 writes them as they are, which makes blocks 40% smaller before compression and
    halves the commit's zlib and pickle time. whoosh reads blocks with ``pickle.loads``, which
    takes any protocol; the block layout is whoosh's own.
    """

    @classmethod
    def replacing(cls, writer: W3PostingsWriter) -> _BlockWriter:
        return cls(writer._postfile, writer._blocklimit, byteids=writer._byteids,
                   compression=writer._compression, inlinelimit=writer._inlinelimit)

    def _write_block(self, last: bool = False) -> None:
        # whoosh-reloaded 2.7's W3PostingsWriter._write_block, but for the two changes above.
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        databytes = dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 5)
        # whoosh meant to leave tiny blocks uncompressed (its test for it is dead code): below
        # 256 bytes zlib saves nothing here and its set-up is most of the call. Above, zlib's
        # fastest level: 7% less indexing time than whoosh's level 3, for 1.5% more bytes.
        compression = min(self._compression, 1) if len(databytes) >= 256 else 0
        if compression:
            databytes = zlib.compress(databytes, compression)
        ids = self._ids
        infobytes = dumps((len(ids), ids[-1], self._maxweight, compression, length_to_byte(self._minlength),
                           length_to_byte(self._maxlength)), 2)
        length = len(infobytes) + len(databytes)
        self._postfile.write_int(-length if last else length)  # negative: the term's last block
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


def write_terms(fieldwriter, schema, lengths, pool: TermPool, doc_count: int) -> None:  # noqa: ANN001
    """What ``FieldWriter.add_postings`` does for a sorted stream of postings, a block at a time."""
    for fieldname in sorted(pool.fieldnames):
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        fieldwriter._postwriter = _BlockWriter.replacing(fieldwriter._postwriter)
        # Only a scorable field has lengths; asking for another's stats a missing file per document.
        field_lengths = [lengths.doc_field_length(docnum, fieldname) for docnum in range(doc_count)] \
            if lengths is not None and fieldobj.scorable else None
        writer = fieldwriter._postwriter
        limit = writer._blocklimit
        for term, docnums, weights, values in pool.terms(fieldname):
            fieldwriter.start_term(term)
            for start in range(0, len(docnums), limit):
                if start:
                    writer._write_block()
                _fill_block(writer, docnums[start:start + limit], weights[start:start + limit],
                            values[start:start + limit], field_lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _fill_block(writer, docnums, weights, values, field_lengths) -> None:  # noqa: ANN001
    """Set the posting writer's buffered block as ``add_posting`` would have built it."""
    writer._ids = array("I", docnums)
    writer._weights = array("f", weights)
    writer._values = values if all(values) else [value for value in values if value]
    writer._maxweight = max(0, max(weights))
    if field_lengths is not None:
        lengths = list(map(field_lengths.__getitem__, docnums))
        if not min(lengths):
            lengths = [length for length in lengths if length]
        if lengths:
            writer._minlength, writer._maxlength = min(lengths), max(lengths)


class _FastPostings:
    """Mixin for whoosh writers: ``TermPool`` and ``write_terms`` in place of whoosh's pool."""

    def _use_term_pool(self) -> None:
        self.pool.cleanup()  # whoosh's pool made in __init__: nothing in it yet
        self.pool = TermPool()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            write_terms(self.fieldwriter, self.schema, lengths, self.pool, self.docnum)
            self.fieldwriter.close()
        finally:
            if lengths is not None:
                lengths.close()


class FastSegmentWriter(_FastPostings, SegmentWriter):
    def __init__(self, ix, **kwargs):  # noqa: ANN001
        super().__init__(ix, **kwargs)
        self._use_term_pool()
        self._items_of: dict[tuple[str, object], list] = {}
        self._plain = not any(field.vector or field.separate_spelling() for _, field in self.schema.items())

    def add_document(self, **fields) -> None:  # noqa: ANN003
        """whoosh's ``SegmentWriter.add_document`` (for schemas without term vectors or spelling
        fields), handing a field's postings to the pool in one call; a field that offers
        ``tokens`` (``index.schema.ChineseText``) hands over its tokens as they are."""
        if not self._plain:
            return super().add_document(**fields)
        self._check_state()
        perdocwriter, schema, docnum, pool = self.perdocwriter, self.schema, self.docnum, self.pool
        doc_boost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, doc_boost)
                    tokens = getattr(field, "tokens", None)
                    if tokens is not None and isinstance(value, str):
                        length = pool.add_tokens(fieldname, docnum, tokens(value), field.is_term,
                                                 field.format.field_boost, boost)
                    else:
                        length = pool.add_items(fieldname, docnum, self._items(fieldname, field, value), boost)
                    if not field.scorable:
                        length = 0
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


    def _items(self, fieldname: str, field, value) -> list:  # noqa: ANN001
        """``field.index(value)``, remembered for the writer's life: metadata values (文种, route,
        secrecy, a date) repeat from document to document, and whoosh's analysis of one is
        a dozen Python calls."""
        try:
            items = self._items_of.get((fieldname, value))
        except TypeError:  # an unhashable value (a list for a KEYWORD field)
            return list(field.index(value))
        if items is None:
            items = self._items_of[(fieldname, value)] = list(field.index(value))
        return items


class _FastSubWriterTask(SubWriterTask):
    """whoosh's sub-writer process, writing its segment with ``FastSegmentWriter``."""

    def run(self) -> None:
        # This runs in the forked child only: the name whoosh's run() looks up is ours here.
        multiproc.SegmentWriter = FastSegmentWriter
        super().run()


class FastMpWriter(_FastPostings, MpWriter):
    """whoosh's multiprocessing writer (one segment per process) with fast segment writing."""

    def __init__(self, ix, **kwargs):  # noqa: ANN001
        super().__init__(ix, **kwargs)
        self._use_term_pool()

    def _new_task(self) -> SubWriterTask:
        task = _FastSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                  self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task
