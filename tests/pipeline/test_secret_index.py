"""A record corrected to 涉密 leaves the search index at once (issue 14 §10): its body's terms and
stored text, and the deleted copy whoosh keeps of a replaced document until a merge, not at the
next reindex. Real command, real SQLite, real whoosh files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from tests.cli import run, run_json
from tests.pipeline.test_secret_withheld import (NOTICE_BODY, NOTICE_HEAD, NOTICE_TAIL, REPORT_BODY, REPORT_HEAD,
                                                 REPORT_TAIL, _write)


def _index_generation(data: Path) -> Path:
    return data / "index" / (data / "index" / "CURRENT").read_text(encoding="utf-8").strip()


def _everything_the_index_holds(data: Path) -> str:
    """Every term of every field, and every stored field of every document, deleted or not."""
    ix = whoosh_index.open_dir(str(_index_generation(data)))
    held = []
    with ix.reader() as reader:
        for fieldname in ix.schema.names():
            if ix.schema[fieldname].indexed:
                held.extend(term.decode("utf-8", "replace") for term in reader.lexicon(fieldname))
    for segment in ix._segments():
        reader = SegmentReader(ix.storage, ix.schema, segment)
        try:
            held.extend(json.dumps(reader.stored_fields(n), ensure_ascii=False, default=str)
                        for n in range(reader.doc_count_all()))
        finally:
            reader.close()
    ix.close()
    return "\n".join(held)


def test_a_record_corrected_to_secret_leaves_the_index_at_once(tmp_path):
    data = tmp_path / "data"
    plain = NOTICE_HEAD.replace("000012\n机密★1年\n", "") + NOTICE_BODY + NOTICE_TAIL
    other = REPORT_HEAD.replace("秘密★6个月\n", "") + REPORT_BODY + REPORT_TAIL
    [first] = run_json(data, "ingest", str(_write(tmp_path, "通知.txt", plain)))
    run_json(data, "ingest", str(_write(tmp_path, "报告.txt", other)))
    assert run_json(data, "search", "青鸾保密室")["total"] == 1
    assert "青鸾" in _everything_the_index_holds(data)

    run(data, "correct", first["reg_no"], "密级", "机密", "--reason", "纸面标有密级，登记时漏标")
    assert run_json(data, "search", "青鸾保密室")["total"] == 0
    held = _everything_the_index_holds(data)
    assert "青鸾" not in held and "鸾保" not in held          # no term, no stored text, no deleted copy
    for path in _index_generation(data).iterdir():
        assert "青鸾".encode() not in path.read_bytes(), path.name
    # the record is still found by its metadata, the other one by its body; the index is in step
    hit = run_json(data, "search", "招生考试试题")["hits"][0]
    assert hit["reg_no"] == first["reg_no"] and "青鸾" not in hit["snippet"]
    assert run_json(data, "search", "氰化钠")["total"] == 1
    run(data, "index", "check")
    shutil.rmtree(data / "index")
    run(data, "reindex")
    assert "青鸾" not in _everything_the_index_holds(data)
