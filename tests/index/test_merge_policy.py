"""Ordinary commits leave large segments alone: whoosh's MERGE_SMALL counts a rebuild's twenty
equal segments as small and merged the whole index on the first registration after it."""

from __future__ import annotations

from index import create_or_open, index_documents
from index import writer as index_writer
from index.writer import document_fields, open_writer
from tests.index.test_search_api import record

SEGMENTS, PER_SEGMENT = 20, 5


def _segment_ids(settings) -> set[str]:
    ix = create_or_open(settings)
    try:
        with ix.reader() as reader:
            return {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
    finally:
        ix.close()


def test_the_first_commit_after_a_rebuild_keeps_its_segments(settings, monkeypatch):
    monkeypatch.setattr(index_writer, "LARGE_SEGMENT_DOCS", PER_SEGMENT)
    ix = create_or_open(settings)
    for s in range(SEGMENTS):  # as a rebuild leaves it: many equal segments
        writer = open_writer(ix)
        for n in range(PER_SEGMENT):
            reg_no = f"收〔2026〕{s * PER_SEGMENT + n + 1}号"
            writer.add_document(**document_fields(index_writer.as_index_doc(record(reg_no, "期末考试安排")),
                                                  settings.zone))
        writer.commit(merge=False)
    ix.close()
    rebuilt = _segment_ids(settings)
    assert len(rebuilt) == SEGMENTS

    for n in range(6):  # registrations, one commit each
        index_documents(settings, [record(f"收〔2026〕{1000 + n}号", "寒假安全工作")])
    after = _segment_ids(settings)
    assert rebuilt <= after                          # not one large segment rewritten
    assert len(after - rebuilt) < 6                  # the small ones are merged as whoosh does
