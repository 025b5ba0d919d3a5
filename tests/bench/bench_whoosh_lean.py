"""Plain whoosh through its public API against wenshu's fast paths (issue 18, "a lean index").

    python tests/bench/bench_whoosh_lean.py             # 10,000 and 50,000 documents (half an hour)
    python tests/bench/bench_whoosh_lean.py --quick     # 2,000 documents, one round of queries

``index/fastwrite.py`` (segment writing) and ``index/engine.py`` (query evaluation) use whoosh's
private names and block format. This measures what the embedded default would cost without them,
on bench_search's synthetic corpus (about 2,000 characters a document), both sides in the same
run on the same documents:

* **wenshu**: ``index.reindex`` as ``wenshu reindex`` runs it (``FastMpWriter``, chunks of 5,000,
  2 processes), searches by ``index.search`` (the numpy evaluator).
* **plain whoosh**: ``whoosh.index.create_in`` with the same schema (the same fields, analyzers
  and ``PackedPositions``: ``index.schema`` uses only public extension points), the same fields of
  each record (``index.writer.document_fields``), written by ``ix.writer(...)``: whoosh's own
  ``SegmentWriter``, or its public multiprocessing writer (``procs=2, multisegment=True``) for a
  chunk of 200 or more, as reindex does; the same chunks, ``limitmb`` and ``compound=False``.
  Searched by ``index.search(..., evaluator="whoosh")``: the same plan from ``index.query``
  (real whoosh queries), run by ``searcher.search(query, filter=, mask=, limit=)`` (``sortedby``
  for date order), with the same ``index.snippets.snippet`` for each hit. No numpy evaluator,
  no fast writer.

For each size: the full build's time, rate and CPU seconds (writer processes included), the
index's size, a top-20 page with snippets for bench_search's query mix, the two sides asked the
same query one after the other (cold: each query the first time; warm: the mix ``--rounds`` times
more, 20% sorted by date), the first pages whose scores differ between the sides, and then
documents indexed one commit each as registration does (the first commit apart: whoosh's merge
policy may merge the rebuild's segments in it; with the peak resident size meanwhile). The
records are generated once into a file and streamed from it by both sides, so the benchmark's
own memory stays flat whatever the size; reading them is timed alone and reported. The issue's
goals for plain whoosh: search p95 <= 150 ms and a full reindex of 50,000 documents in <= 3 min.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.bench_search import (QUERY_MIX, Generator, _dir_size, _percentile, corpus_options,  # noqa: E402
                                     corpus_sizes)

TODAY = date(2026, 3, 15)
INCREMENTAL = 50  # documents indexed one commit each after the build
GOAL_P95_MS = 150.0
GOAL_REINDEX_S = 180.0


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the writer processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    """The machine's load average (1 and 5 minutes), and this process's resident size now."""
    one, five, _ = os.getloadavg()
    with open("/proc/self/statm") as statm:
        resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return f"load {one:.2f}/{five:.2f}, {resident:.0f} MB resident"


def write_records(path: Path, size: int) -> float:
    """Generate ``size`` records into ``path`` (one pickle each); returns the seconds it took."""
    started = time.perf_counter()
    generator = Generator()
    with path.open("wb") as out:
        for i in range(size):
            pickle.dump(generator.record(i), out, protocol=5)
    return time.perf_counter() - started


def read_records(path: Path) -> Iterator[dict]:
    with path.open("rb") as source:
        while True:
            try:
                yield pickle.load(source)
            except EOFError:
                return


def pick_numbers(path: Path, size: int) -> list[str]:
    """Six 发文字号 of the corpus, each in two bracket styles (bench_search's "doc number" kind)."""
    wanted = set(random.Random(7).sample(range(size), 6))
    numbers = [r["doc_number"] for i, r in enumerate(read_records(path)) if i in wanted]
    return [v for n in numbers for v in (n, n.replace("〔", "[").replace("〕", "]"))]


# --- building -------------------------------------------------------------------------------

def build_wenshu(path: Path, settings, *, size: int, chunk: int, procs: int) -> float:
    from index import reindex

    started = time.perf_counter()
    reindex(settings, read_records(path), total=size, chunk_size=chunk, procs=procs)
    return time.perf_counter() - started


def plain_layout(settings) -> Path:
    """An index folder where ``index.search`` finds it (``CURRENT`` and the schema mark: two small
    files, written before timing starts)."""
    from index.schema import SCHEMA_VERSION

    folder = settings.index_dir / "g0001"
    folder.mkdir(parents=True)
    (folder / "WENSHU_SCHEMA").write_text(str(SCHEMA_VERSION), encoding="utf-8")
    (settings.index_dir / "CURRENT").write_text("g0001\n", encoding="utf-8")
    return folder


def _plain_writer(ix, procs: int):  # noqa: ANN001, ANN202
    options = {"limitmb": 128, "compound": False}
    if procs > 1:
        options.update(procs=procs, multisegment=True)
    return ix.writer(**options)


def build_plain(path: Path, folder: Path, zone, *, chunk: int, procs: int) -> float:  # noqa: ANN001
    """The same documents through whoosh's public API only."""
    from whoosh import index as whoosh_index

    from index.documents import IndexDoc
    from index.maintenance import PARALLEL_MIN
    from index.schema import build_schema
    from index.writer import document_fields

    started = time.perf_counter()
    ix = whoosh_index.create_in(str(folder), build_schema())
    batch: list[dict] = []

    def flush() -> None:
        writer = _plain_writer(ix, procs if len(batch) >= PARALLEL_MIN else 1)
        try:
            for record in batch:
                writer.add_document(**document_fields(IndexDoc.from_record(record), zone))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        batch.clear()

    for record in read_records(path):
        batch.append(record)
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    ix.close()
    return time.perf_counter() - started


def incremental_records(path: Path, count: int) -> list[dict]:
    """``count`` records of the corpus (not 涉密), changed as a correction changes them."""
    found = []
    for record in read_records(path):
        if record["secrecy"] is None:
            record = dict(record, version=2, title=record["title"] + "（更正）")
            found.append(record)
            if len(found) == count:
                break
    return found


def _reset_peak() -> None:
    """Start this process's peak resident size afresh (Linux: VmHWM), to read one phase's peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_by_one(commit, records: list[dict]) -> dict:  # noqa: ANN001
    """Each record its own commit, as registration indexes: the first commit's time (whoosh's
    merge policy may merge the segments a rebuild left then), the median of the others, and
    this process's peak resident size meanwhile."""
    _reset_peak()
    times = []
    for record in records:
        started = time.perf_counter()
        commit(record)
        times.append((time.perf_counter() - started) * 1000)
    return {"first_ms": times[0], "median_ms": _percentile(times[1:], 50), "peak_mb": _peak_mb()}


def commit_wenshu(settings):  # noqa: ANN001, ANN201
    from index import index_documents

    return lambda record: index_documents(settings, [record])


def commit_plain(folder: Path, zone):  # noqa: ANN001, ANN201
    """whoosh's own writer and its default merge policy, a document per commit."""
    from whoosh import index as whoosh_index

    from index.documents import IndexDoc
    from index.writer import document_fields

    def commit(record: dict) -> None:
        ix = whoosh_index.open_dir(str(folder))
        writer = ix.writer(limitmb=128, compound=False)
        writer.update_document(**document_fields(IndexDoc.from_record(record), zone))
        writer.commit()
        ix.close()
    return commit


# --- searching ------------------------------------------------------------------------------

SIDES = ("wenshu", "plain")


def run_queries(settings_by_side: dict, numbers: list[str], rounds: int) -> dict:
    """Each query of the mix asked of both sides one after the other (cold, then ``rounds`` warm
    passes); milliseconds per side, per kind."""
    from index import engine, search

    evaluators = {"wenshu": "numpy", "plain": "whoosh"}
    mix = dict(QUERY_MIX, **{"doc number": numbers})
    for side in SIDES:  # open the searchers, load rjieba's dictionary
        search(settings_by_side[side], "打开索引", limit=20, today=TODAY, evaluator=evaluators[side])
    engine.clear_caches()
    fallbacks = engine.FALLBACKS
    cold = {side: [] for side in SIDES}
    warm = {side: {kind: [] for kind in mix} for side in SIDES}
    totals_differ, pages_differ = [], []
    rnd = random.Random(7)
    for round_ in range(rounds + 1):
        for kind, queries in mix.items():
            for q in queries:
                sort = "date" if round_ and rnd.random() < 0.2 else "relevance"
                totals, pages = {}, {}
                for side in SIDES:
                    started = time.perf_counter()
                    result = search(settings_by_side[side], q, limit=20, today=TODAY, sort=sort,
                                    evaluator=evaluators[side])
                    elapsed = (time.perf_counter() - started) * 1000
                    (warm[side][kind] if round_ else cold[side]).append(elapsed)
                    totals[side] = result.total
                    pages[side] = sorted(round(hit.score or 0, 3) for hit in result.hits)
                if totals["wenshu"] != totals["plain"]:
                    totals_differ.append((q, totals))
                # The two indexes number documents differently (whoosh's writer processes take jobs
                # as they come), so equal scores at a page's end may pick other documents; a page
                # with other scores is a wrong page (whoosh's limited search skipped better hits).
                if not round_ and pages["wenshu"] != pages["plain"]:
                    pages_differ.append(q)
    assert engine.FALLBACKS == fallbacks, "the numpy evaluator fell back to whoosh's search"
    return {"cold": cold, "warm": warm, "totals_differ": totals_differ, "pages_differ": pages_differ,
            "queries": sum(map(len, mix.values()))}


# --- one size -------------------------------------------------------------------------------

def bench(size: int, *, chunk: int, procs: int, rounds: int, plain_first: bool = False) -> dict:
    from core.settings import load_settings

    print(f"\n--- {size:,} documents ({_load()}) ---", flush=True)
    work = Path(tempfile.mkdtemp(prefix="wenshu-bench-lean-"))
    try:
        records = work / "records.pickle"
        generate_s = write_records(records, size)
        started = time.perf_counter()
        chars = sum(len(r["text"]) for r in read_records(records)) / size
        read_s = time.perf_counter() - started
        numbers = pick_numbers(records, size)
        print(f"generated in {generate_s:.1f} s ({chars:,.0f} characters a document); reading them back "
              f"takes {read_s:.2f} s, inside both builds", flush=True)

        wenshu = load_settings(data_dir=work / "wenshu", env={})
        plain = load_settings(data_dir=work / "plain", env={})
        row: dict = {"size": size, "read_s": read_s}
        folder = plain_layout(plain)
        builds = {"wenshu": lambda: build_wenshu(records, wenshu, size=size, chunk=chunk, procs=procs),
                  "plain": lambda: build_plain(records, folder, plain.zone, chunk=chunk, procs=procs)}
        for side in (reversed(SIDES) if plain_first else SIDES):
            cpu = _cpu()
            row[f"{side}_s"] = builds[side]()
            row[f"{side}_cpu"] = _cpu() - cpu
            print(f"{side + ' build:':<13} {row[f'{side}_s']:7.1f} s, {size / row[f'{side}_s']:5.0f} docs/s, "
                  f"{row[f'{side}_cpu']:.0f} CPU s ({_load()})", flush=True)
        row["wenshu_mb"] = _dir_size(wenshu.index_dir) / 1e6
        row["plain_mb"] = _dir_size(plain.index_dir) / 1e6

        found = run_queries({"wenshu": wenshu, "plain": plain}, numbers, rounds)
        row["totals_differ"] = found["totals_differ"]
        row["pages_differ"] = found["pages_differ"]
        row["mix_size"] = found["queries"]
        for side in SIDES:
            every = [t for values in found["warm"][side].values() for t in values]
            row[side] = {"cold_p50": _percentile(found["cold"][side], 50),
                         "cold_p95": _percentile(found["cold"][side], 95),
                         "p50": _percentile(every, 50), "p95": _percentile(every, 95), "queries": len(every),
                         "by_kind": {k: (_percentile(v, 50), _percentile(v, 95))
                                     for k, v in found["warm"][side].items()}}
        print(f"searched ({_load()})", flush=True)

        changed = incremental_records(records, INCREMENTAL)
        commits = {"wenshu": commit_wenshu(wenshu), "plain": commit_plain(folder, plain.zone)}
        for side in SIDES:
            row[f"{side}_commits"] = found = one_by_one(commits[side], changed)
            print(f"{side}: a document per commit, first {found['first_ms']:,.0f} ms, then median "
                  f"{found['median_ms']:.0f} ms; peak {found['peak_mb']:,.0f} MB ({_load()})", flush=True)
        return row
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_table(rows: list[dict]) -> None:
    print("\nBuilding the whole index (same records, chunks and processes; ratio = plain / wenshu time)")
    print(f"{'docs':>8} | {'wenshu s':>8} | {'docs/s':>6} | {'CPU s':>5} | {'plain s':>8} | {'docs/s':>6} | "
          f"{'CPU s':>5} | {'ratio':>5} | {'wenshu MB':>9} | {'plain MB':>8}")
    for r in rows:
        print(f"{r['size']:>8,} | {r['wenshu_s']:>8.1f} | {r['size'] / r['wenshu_s']:>6.0f} | "
              f"{r['wenshu_cpu']:>5.0f} | "
              f"{r['plain_s']:>8.1f} | {r['size'] / r['plain_s']:>6.0f} | {r['plain_cpu']:>5.0f} | "
              f"{r['plain_s'] / r['wenshu_s']:>5.2f} | {r['wenshu_mb']:>9.0f} | {r['plain_mb']:>8.0f}")
    print(f"\nThen {INCREMENTAL} documents, one commit each (first commit ms / median of the others ms / peak MB)")
    for r in rows:
        commits = {side: r[side + "_commits"] for side in SIDES}
        cells = " | ".join(f"{side} {c['first_ms']:,.0f} / {c['median_ms']:.0f} / {c['peak_mb']:,.0f}"
                           for side, c in commits.items())
        print(f"{r['size']:>8,} | {cells}")
    print("\nSearch, top-20 page with snippets, ms (ratio = plain / wenshu)")
    print(f"{'docs':>8} | {'side':>6} | {'cold p50':>8} | {'cold p95':>8} | {'warm p50':>8} | {'warm p95':>8}")
    for r in rows:
        for side in SIDES:
            s = r[side]
            print(f"{r['size']:>8,} | {side:>6} | {s['cold_p50']:>8.1f} | {s['cold_p95']:>8.1f} | {s['p50']:>8.1f} | "
                  f"{s['p95']:>8.1f}")
        w, p = r["wenshu"], r["plain"]
        print(f"{r['size']:>8,} | {'ratio':>6} | {p['cold_p50'] / w['cold_p50']:>8.1f} | "
              f"{p['cold_p95'] / w['cold_p95']:>8.1f} | {p['p50'] / w['p50']:>8.1f} | {p['p95'] / w['p95']:>8.1f}")
    print("\nWarm p50 / p95 per kind of query, ms")
    for r in rows:
        for side in SIDES:
            cells = ", ".join(f"{k} {a:.0f}/{b:.0f}" for k, (a, b) in r[side]["by_kind"].items())
            print(f"{r['size']:>8,} {side:>6}: {cells}")
        if r["totals_differ"]:
            print(f"{r['size']:>8,} totals differ: {r['totals_differ'][:5]}")
        print(f"{r['size']:>8,} first pages (top 20 by relevance) whose scores differ, plain against wenshu: "
              f"{len(r['pages_differ'])} of {r['mix_size']} {r['pages_differ']}")
    print("\nThe issue's goals for plain whoosh (search p95 <= 150 ms, 50,000 documents rebuilt in <= 3 min):")
    for r in rows:
        p = r["plain"]
        verdicts = [f"warm p95 {p['p95']:.0f} ms {'met' if p['p95'] <= GOAL_P95_MS else 'NOT met'}",
                    f"cold p95 {p['cold_p95']:.0f} ms {'met' if p['cold_p95'] <= GOAL_P95_MS else 'NOT met'}"]
        if r["size"] >= 50000:
            verdicts.append(f"rebuild {r['plain_s']:.0f} s {'met' if r['plain_s'] <= GOAL_REINDEX_S else 'NOT met'}")
        print(f"{r['size']:>8,}: " + "; ".join(verdicts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    corpus_options(parser, "warm passes over the query mix")
    parser.add_argument("--plain-first", action="store_true", help="build plain whoosh's index first")
    args = parser.parse_args(argv)
    sizes, rounds = corpus_sizes(args)
    print(f"{os.cpu_count()} cores, {_load()}, started {time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    rows = [bench(size, chunk=args.chunk, procs=args.procs, rounds=rounds, plain_first=args.plain_first)
            for size in sizes]
    print_table(rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nlargest resident size of this process: {peak:.0f} MB; finished {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
