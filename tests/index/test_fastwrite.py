"""The fast segment writer writes what whoosh's own writer writes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from whoosh.writing import SegmentWriter

from index.documents import IndexDoc
from index.fastwrite import FastMpWriter, FastSegmentWriter
from index.writer import create_empty, document_fields

ZONE = ZoneInfo("Asia/Shanghai")


def _fields(records: list[dict]) -> list[dict]:
    return [document_fields(IndexDoc.from_record(record), ZONE) for record in records]


def _segment_files(folder: Path) -> dict[str, str]:
    """Digest of each segment file by its kind (the segment's random name left out)."""
    return {path.name.split(".", 1)[1]: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.iterdir() if path.name.startswith("MAIN_") and "." in path.name}


def _postings(ix) -> dict:  # noqa: ANN001
    """Every term with its statistics, and per document (by reg_no) its weight and positions."""
    with ix.reader() as reader:
        reg_nos = {docnum: stored["reg_no"] for docnum, stored in reader.iter_docs()}
        found = {}
        for fieldname, term in reader.all_terms():
            info = reader.term_info(fieldname, term)
            matcher = reader.postings(fieldname, term)
            rows = []
            while matcher.is_active():
                rows.append((reg_nos[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            found[(fieldname, term)] = (info.doc_frequency(), info.weight(), sorted(rows))
        return found


def test_segment_is_whooshs_but_for_the_block_pickles(tmp_path, corpus):
    """Stored fields, lengths and columns byte for byte; the postings and the terms' statistics
    the same when whoosh reads them back (blocks are pickled with a newer protocol, so the
    postings and term files differ in bytes)."""
    docs = _fields(corpus)
    digests, postings = [], []
    for name, writer_class in (("whoosh", SegmentWriter), ("fast", FastSegmentWriter)):
        ix = create_empty(tmp_path / name)
        writer = writer_class(ix, compound=False, limitmb=512)  # whoosh keeps it all in memory
        for fields in docs:
            writer.add_document(**fields)
        writer.commit()
        digests.append(_segment_files(tmp_path / name))
        postings.append(_postings(ix))
    assert {"pst", "trm", "_stored.col"} <= set(digests[0]) == set(digests[1])
    for kind in ("pst", "trm"):
        del digests[0][kind], digests[1][kind]
    assert digests[0] == digests[1]
    assert postings[0] == postings[1]
    assert any(field.endswith("_bi") for field, _ in postings[0])


def test_merging_and_replacing_give_whooshs_postings(tmp_path, corpus):
    """Several commits, replaced documents (deletions), then a merge of every segment: the
    merge feeds the pool postings renumbered from other segments."""
    docs = _fields(corpus)
    results = []
    for name, writer_class in (("whoosh", SegmentWriter), ("fast", FastSegmentWriter)):
        ix = create_empty(tmp_path / name)
        for start in range(0, len(docs), 10):
            writer = writer_class(ix, compound=False)
            for fields in docs[start:start + 10]:
                writer.add_document(**fields)
            writer.commit(merge=False)
        writer = writer_class(ix, compound=False)
        for fields in docs[3:8]:
            writer.update_document(**fields)
        writer.commit(optimize=True)
        assert len(ix._segments()) == 1
        results.append(_postings(ix))
    assert results[0] == results[1]


@pytest.mark.slow
def test_parallel_writer_indexes_the_same_postings(tmp_path, corpus):
    docs = _fields(corpus)
    results = []
    for name in ("one", "two"):
        ix = create_empty(tmp_path / name)
        writer = FastSegmentWriter(ix, compound=False) if name == "one" else \
            FastMpWriter(ix, procs=2, multisegment=True, batchsize=8, compound=False)
        for fields in docs:
            writer.add_document(**fields)
        writer.commit()
        if name == "two":
            assert len(ix._segments()) == 2
        results.append(_postings(ix))
    assert results[0] == results[1]
