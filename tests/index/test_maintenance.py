"""reindex / check / fix, resuming an interrupted rebuild, crashes mid-commit, concurrent writers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from index import IndexUnavailable, check, delete_documents, fix, index_documents, reindex, search
from index.maintenance import CHECKPOINT
from index.schema import SCHEMA_VERSION
from index.writer import SCHEMA_FILE, current_dir, generation_dirs

from .conftest import TODAY

REPO = Path(__file__).resolve().parents[2]


def versions(records):
    return {r["reg_no"]: r["version"] for r in records}


def by_reg_no(records):
    return {r["reg_no"]: r for r in records}


def run_python(code: str, *args: str, wait: bool = True):
    command = [sys.executable, "-c", textwrap.dedent(code), *args]
    if not wait:
        return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_reindex_check_fix(settings, corpus):
    report = reindex(settings, corpus, total=len(corpus), chunk_size=20)
    assert (report.indexed, report.total, report.resumed) == (len(corpus), len(corpus), False)
    assert check(settings, versions(corpus)).clean

    changed = dict(corpus[0], version=corpus[0]["version"] + 1, title="关于更正启明星计划的通知")
    new = dict(corpus[1], reg_no="收〔2026〕99号", doc_number="东大教发〔2026〕99号")
    registry = [changed, new, *corpus[3:]]          # corpus[2] was deleted from the registry
    drift = check(settings, versions(registry))
    assert drift.missing == ("收〔2026〕99号",)
    assert drift.stale == (corpus[0]["reg_no"],)
    assert drift.orphans == (corpus[1]["reg_no"], corpus[2]["reg_no"])  # 1 became 99 and 2 is gone
    assert not drift.clean and drift.to_json()["clean"] is False

    assert fix(settings, drift, by_reg_no(registry)) == 4
    assert check(settings, versions(registry)).clean
    assert search(settings, "更正启明星", today=TODAY).hits[0].reg_no == corpus[0]["reg_no"]
    assert search(settings, "东大教发〔2026〕99号", today=TODAY).hits[0].reg_no == "收〔2026〕99号"


def test_reindex_switches_generations_atomically(settings, corpus):
    reindex(settings, corpus[:10], chunk_size=5)
    first = current_dir(settings)
    reindex(settings, corpus, chunk_size=20)
    second = current_dir(settings)
    assert first != second and not first.exists()
    assert [p.name for p in generation_dirs(settings)] == [second.name]
    assert search(settings, "", today=TODAY).total == len(corpus)


def test_an_index_of_an_earlier_schema_asks_for_reindex(settings, corpus):
    """Schema 4 added the 发文字号's sequence, the deadline and the status: an index without them
    is refused with the fix-it message, and reindex makes a current one."""
    reindex(settings, corpus[:5], chunk_size=5)
    (current_dir(settings) / SCHEMA_FILE).write_text(str(SCHEMA_VERSION - 1), encoding="utf-8")
    with pytest.raises(IndexUnavailable) as refused:
        search(settings, "", today=TODAY)
    assert "旧版本" in str(refused.value) and "wenshu reindex" in refused.value.fix
    reindex(settings, corpus, chunk_size=20)
    assert search(settings, "", today=TODAY).total == len(corpus)


class Interrupted(Exception):
    pass


def test_interrupted_reindex_resumes(settings, corpus):
    reindex(settings, corpus[:5], chunk_size=5)              # the live index while rebuilding
    calls = []

    def stop_after_two_chunks(done, total):
        calls.append(done)
        if len(calls) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        reindex(settings, corpus, total=len(corpus), chunk_size=10, progress=stop_after_two_chunks)
    assert calls == [10, 20]
    building = [p for p in generation_dirs(settings) if p.name.endswith(".building")]
    assert len(building) == 1 and (building[0] / CHECKPOINT).exists()
    assert search(settings, "", today=TODAY).total == 5       # searches still use the old index

    registry = [dict(corpus[0], version=7), *corpus[1:-1]]     # one changed, the last one deleted
    report = reindex(settings, registry, total=len(registry), chunk_size=10)
    assert report.resumed and report.skipped == 19                 # the two chunks done, less the changed one
    assert report.indexed == len(registry) - 19 and report.total == len(registry)
    assert check(settings, versions(registry)).clean
    assert not [p for p in generation_dirs(settings) if p.name.endswith(".building")]


CRASH = """
    import os, sys
    from core.settings import load_settings
    from tests.index.conftest import load_corpus
    from index import index_documents
    import whoosh.index, whoosh.filedb.filestore

    point = sys.argv[2]
    if point == "before-toc":        # segment files written, table of contents not
        whoosh.index.TOC.write = lambda *a, **k: os._exit(3)
    elif point == "during-toc":      # new TOC in its temporary file, not yet renamed into place
        rename = whoosh.filedb.filestore.FileStorage.rename_file
        def dying_rename(self, frm, to, safe=False):
            if to.endswith(".toc"):
                os._exit(3)
            return rename(self, frm, to, safe)
        whoosh.filedb.filestore.FileStorage.rename_file = dying_rename
    settings = load_settings(data_dir=sys.argv[1], env={})
    index_documents(settings, load_corpus()[20:])
    os._exit(0)
"""


@pytest.mark.parametrize("point", ["before-toc", "during-toc"])
def test_crash_during_commit_leaves_a_usable_index(settings, corpus, point):
    index_documents(settings, corpus[:20])
    done = run_python(CRASH, str(settings.data_dir), point)
    assert done.returncode == 3, done.stderr
    assert search(settings, "", today=TODAY).total == 20      # the previous commit, intact
    drift = check(settings, versions(corpus))
    assert drift.error is None and set(drift.missing) == {r["reg_no"] for r in corpus[20:]}
    fix(settings, drift, by_reg_no(corpus))
    assert check(settings, versions(corpus)).clean
    index_documents(settings, corpus[:1])                    # and it takes commits again


WRITER_LOOP = """
    import sys
    from core.settings import load_settings
    from tests.index.conftest import load_corpus
    from index import index_documents

    settings = load_settings(data_dir=sys.argv[1], env={})
    corpus = load_corpus()
    version = 100
    while True:
        for start in range(0, len(corpus), 9):
            version += 1
            index_documents(settings, [dict(r, version=version) for r in corpus[start:start + 9]])
            if version == 101:
                print("ready", flush=True)
"""


def test_killed_writers_never_break_the_index(settings, corpus):
    index_documents(settings, corpus)
    rnd = random.Random(5)
    for _ in range(3):
        writer = run_python(WRITER_LOOP, str(settings.data_dir), wait=False)
        assert writer.stdout.readline() == b"ready\n"          # killed mid-work, not mid-import
        time.sleep(rnd.uniform(0.0, 0.6))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert search(settings, "科研", today=TODAY).total > 0
        drift = check(settings, versions(corpus))
        assert drift.error is None and not drift.missing and not drift.orphans
    drift = check(settings, versions(corpus))
    fix(settings, drift, by_reg_no(corpus))
    assert check(settings, versions(corpus)).clean


CONCURRENT = """
    import sys
    from core.settings import load_settings
    from tests.index.conftest import load_corpus
    from index import index_documents

    settings = load_settings(data_dir=sys.argv[1], env={})
    part = int(sys.argv[2])
    mine = load_corpus()[part::3]
    for start in range(0, len(mine), 5):
        index_documents(settings, mine[start:start + 5])
"""


def test_processes_indexing_at_the_same_time_take_turns(settings, corpus):
    writers = [run_python(CONCURRENT, str(settings.data_dir), str(part), wait=False) for part in range(3)]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    assert check(settings, versions(corpus)).clean


def test_delete_documents(settings, corpus):
    index_documents(settings, corpus)
    assert delete_documents(settings, [corpus[0]["reg_no"], "收〔1999〕1号"]) == 1
    assert check(settings, versions(corpus)).missing == (corpus[0]["reg_no"],)


def test_check_without_an_index(settings, corpus):
    drift = check(settings, versions(corpus[:3]))
    assert drift.error and len(drift.missing) == 3
    report = reindex(settings, corpus[:3])
    assert report.total == 3 and check(settings, versions(corpus[:3])).clean


def test_damaged_index_is_detected_and_rebuilt(settings, corpus):
    index_documents(settings, corpus)
    live = current_dir(settings)
    for path in live.iterdir():
        if path.suffix == ".pst":                             # a postings file is lost
            path.unlink()
    drift = check(settings, versions(corpus))
    assert drift.error
    reindex(settings, corpus)
    assert check(settings, versions(corpus)).clean and search(settings, "科研", today=TODAY).total > 0
    assert os.listdir(settings.index_dir)


def test_parallel_reindex_into_several_segments(settings, monkeypatch):
    from index import maintenance
    from tests.bench.bench_search import Generator

    monkeypatch.setattr(maintenance, "PARALLEL_MIN", 10)
    records = Generator(seed=11).records(120)
    report = reindex(settings, records, chunk_size=60, procs=2)   # two writer processes per chunk
    assert report.total == 120 and check(settings, versions(records)).clean
    from index.search import _searcher
    ix, searcher = _searcher(settings)
    assert len(list(searcher.reader().leaf_readers())) >= 2
    for query in ("科研", "危险化学品", '"科研经费"', "教务处的函", "文种:通知 安全", "特急 办件 -经费"):
        for sort in ("relevance", "date"):
            # every hit (whoosh breaks ties at a page boundary arbitrarily when it skips blocks)
            fast = search(settings, query, today=TODAY, limit=200, sort=sort)
            slow = search(settings, query, today=TODAY, limit=200, sort=sort, evaluator="whoosh")
            assert fast.total == slow.total > 0, query
            assert [h.reg_no for h in fast.hits] == [h.reg_no for h in slow.hits], query
