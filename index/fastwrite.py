"""Writing a whoosh segment faster: the same files whoosh writes, in a fraction of the time.

Chinese text indexed as words and bigrams makes about ten postings for every one that whoosh's
StandardAnalyzer makes, and whoosh's ``SegmentWriter`` spends its time per posting, in Python:

* its pool estimates each posting's size, keeps it as a tuple, and past ``limitmb`` pickles
  runs to temporary files, to sort them all and heap-merge them back at commit;
* writing then looks up the document's field length and makes a checked append per posting.

Our documents arrive in docnum order and a chunk fits in memory, so ``TermPool`` groups the
postings by field and term as they come (only the distinct terms get sorted, never the
postings), and ``write_terms`` hands each term's postings to whoosh's own posting writer a
block at a time. Codec, formats and files are whoosh's: ``tests/index/test_fastwrite.py``
checks the segment files are byte for byte those whoosh's own writer makes.

Built against whoosh-reloaded 2.7 (pinned below 2.8 in pyproject.toml): it uses the W3
posting writer's block buffer, which is not public API.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

from whoosh import multiproc
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from index.analysis import SINGLE_POSITION, encode_positions


class TermPool:
    """Postings grouped by field, then term: ``{field: {term: (docnums, weights, values)}}``.

    Stands in for whoosh's ``PostingPool``: ``add`` takes the same tuples (from indexing and
    from merging other segments in), ``iter_postings`` gives them back in whoosh's order.
    """

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, tuple[list[int], list[float], list[bytes]]]] = {}
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

    def add_positions(self, fieldname: str, docnum: int, grouped: dict[str, list[int]], field_boost: float,
                      doc_boost: float) -> int:
        """A positions field's ``{token: positions}`` for one document; returns the field's
        length (its number of tokens)."""
        terms = self._terms(fieldname)
        single = SINGLE_POSITION
        length = 0
        for token, where in grouped.items():
            term = token.encode("utf-8")
            count = len(where)
            length += count
            weight = count * field_boost * doc_boost
            value = (single.get(where[0]) if count == 1 else None) or encode_positions(where)
            postings = terms.get(term)
            if postings is None:
                terms[term] = ([docnum], [weight], [value])
            else:
                postings[0].append(docnum)  # docnums only grow while documents are added
                postings[1].append(weight)
                postings[2].append(value)
        return length

    def _terms(self, fieldname: str) -> dict:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def terms(self, fieldname: str) -> Iterator[tuple[bytes, list[int], list[float], list[bytes]]]:
        """The field's terms in byte order, each with its postings in docnum order."""
        terms = self.fields[fieldname]
        for term in sorted(terms):
            docnums, weights, values = terms[term]
            if (fieldname, term) in self.out_of_order:
                rows = sorted(zip(docnums, weights, values))
                docnums, weights, values = ([row[i] for row in rows] for i in range(3))
            yield term, docnums, weights, values

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        for fieldname in sorted(self.fields):
            for term, docnums, weights, values in self.terms(fieldname):
                for docnum, weight, value in zip(docnums, weights, values):
                    yield fieldname, term, docnum, weight, value

    def cleanup(self) -> None:
        self.fields.clear()


def write_terms(fieldwriter, schema, lengths, pool: TermPool, doc_count: int) -> None:  # noqa: ANN001
    """What ``FieldWriter.add_postings`` does for a sorted stream of postings, a block at a time."""
    for fieldname in sorted(pool.fields):
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        field_lengths = [lengths.doc_field_length(docnum, fieldname) for docnum in range(doc_count)] \
            if lengths is not None else None
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
    writer._values = [value for value in values if value]
    writer._maxweight = max(0, max(weights))
    if field_lengths is not None:
        known = [length for length in (field_lengths[docnum] for docnum in docnums) if length]
        if known:
            writer._minlength, writer._maxlength = min(known), max(known)


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
        self._plain = not any(field.vector or field.separate_spelling() for _, field in self.schema.items())

    def add_document(self, **fields) -> None:  # noqa: ANN003
        """whoosh's ``SegmentWriter.add_document`` (for schemas without term vectors or spelling
        fields), handing a field's postings to the pool in one call; a field that offers
        ``grouped_positions`` gives its tokens' positions without encoding them per posting."""
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
                    grouped = getattr(field, "grouped_positions", None)
                    if grouped is not None and isinstance(value, str):
                        length = pool.add_positions(fieldname, docnum, grouped(value), field.format.field_boost, boost)
                    else:
                        length = pool.add_items(fieldname, docnum, field.index(value), boost)
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
