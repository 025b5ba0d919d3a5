"""Pipeline benchmark: what the watcher and the recipe cost on top of extraction.

1. Born-digital documents (150 docx from python-docx, 150 PDFs from reportlab with a CJK font):
   extraction alone (``extractors.extract``) against the whole recipe (``ingest_file``: hash,
   extract, understand, store durably, register) in one process, and against ``wenshu watch
   --once`` with N workers against N extraction processes. Goal: overhead below 30 %.
2. Scanned pages (the scan samples, several copies each): pages per minute through a running
   ``wenshu watch`` (its workers warmed by a scan each, as the raw pool is by a page each),
   from dropping the files to the last registration, against the raw OCR engine on the same
   pages with the same number of processes. Goal: a ratio of 0.9 or more. The raw engine runs
   twice: as RapidOCR ships (the goal's baseline) and opened as wenshu opens it (onnxruntime's
   memory arena on), so what the session options give and what the pipeline costs are apart.
3. Latency of a running watcher, from a small docx landing in the inbox to its registration,
   beyond the stability delay. Goal: below 2 s.

Run: ``.venv/bin/python tests/bench/bench_pipeline.py [born-digital] [scans] [latency]`` (all
three without arguments; ``make bench`` runs it).
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.watch.helpers import (WatchProcess, docx_bytes, pdf_bytes, png_text_page, wait_until,  # noqa: E402
                                 wenshu)

WORKERS = min(2, os.cpu_count() or 1)
ROWS: list[tuple[str, str, str, str]] = []


def row(what: str, measured: str, baseline: str = "", ratio: str = "") -> None:
    ROWS.append((what, measured, baseline, ratio))
    print(f"  {what}: {measured}  {baseline}  {ratio}", flush=True)


# --- 1. born-digital ----------------------------------------------------------------------------

BORN_DIGITAL = 150  # of each kind: enough for the watcher's steady state to outweigh its index batches


def _born_digital(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    files = []
    for n in range(BORN_DIGITAL):
        path = folder / f"通知{n:02d}.docx"
        path.write_bytes(docx_bytes(n, paragraphs=40))
        files.append(path)
    for n in range(BORN_DIGITAL):
        path = folder / f"请示{n:02d}.pdf"
        path.write_bytes(pdf_bytes(100 + n, pages=2))
        files.append(path)
    return files


def _settings(data: Path):
    from core.settings import load_settings
    return load_settings(data_dir=data, env={})


@functools.cache
def _pool_settings():
    from core.settings import load_settings
    return load_settings(data_dir=tempfile.gettempdir(), env={})


def _extract_one(path: str) -> int:
    from extractors import extract
    return len(extract(Path(path), _pool_settings()).text)


def _pool_time(files: list[Path], processes: int) -> float:
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        pool.map(_extract_one, [str(files[0])] * processes)  # warm: imports done in each process
        started = time.perf_counter()
        pool.map(_extract_one, [str(path) for path in files], chunksize=1)
        return time.perf_counter() - started


def bench_born_digital(tmp: Path) -> None:
    from extractors import extract
    from pipeline.indexing import index_registered
    from pipeline.ingest import STEPS, Context, Job, ingest_file
    from registry.db import open_registry

    print(f"born-digital documents ({BORN_DIGITAL} docx, {BORN_DIGITAL} two-page PDFs)", flush=True)
    files = _born_digital(tmp / "born")
    settings = _settings(tmp / "recipe-data")
    for folder in settings.folders:
        folder.mkdir(parents=True, exist_ok=True)
    engine = open_registry(settings)
    extract(files[0], settings)
    extract(files[-1], settings)

    started = time.perf_counter()
    for path in files:
        extract(path, settings)
    extract_alone = time.perf_counter() - started

    context = Context(settings=settings, engine=engine, actor="bench")
    warm = tmp / "warm.docx"
    warm.write_bytes(docx_bytes(999))
    ingest_file(warm, context)  # load the rules and the like once
    steps: dict[str, float] = {}
    started = time.perf_counter()
    for path in files:  # ingest_file's own loop, timing each step of the recipe
        job = Job(source=path, file_name=path.name, direction="收文")
        for step in STEPS:
            begun = time.perf_counter()
            job = step(job, context)
            steps[step.__name__] = steps.get(step.__name__, 0.0) + time.perf_counter() - begun
            if job.outcome is not None:
                break
        assert job.outcome.status == "registered", job.outcome
        begun = time.perf_counter()  # as `wenshu ingest FILE` does: its own index commit
        index_registered(engine, settings, [job.reg_no], "bench")
        steps["index_registered"] = steps.get("index_registered", 0.0) + time.perf_counter() - begun
    recipe = time.perf_counter() - started
    row("one process: extract only vs the recipe (ingest_file)",
        f"{recipe / len(files) * 1000:.1f} ms/file", f"extract {extract_alone / len(files) * 1000:.1f} ms/file",
        f"{recipe / extract_alone:.2f}x (overhead {100 * (recipe / extract_alone - 1):.0f}%)")
    row("  recipe steps, ms/file", ", ".join(f"{name} {seconds / len(files) * 1000:.1f}"
                                            for name, seconds in steps.items()))

    # the watcher end to end, N workers, against N extraction processes
    data = tmp / "watch-data"
    wenshu(data, "init")
    for path in files:
        shutil.copy(path, data / "inbox" / path.name)
    started = time.perf_counter()
    result = wenshu(data, "watch", "--once", "--json", "--stable-seconds", "0", "--workers", str(WORKERS))
    wall = time.perf_counter() - started
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == len(files) and all(o["status"] == "registered" for o in lines)
    stamps = sorted(_stamp(o["at"]) for o in lines)
    steady = (stamps[-1] - stamps[0]) / (len(stamps) - 1)
    empty = _empty_run(tmp / "empty-data")
    pooled = _pool_time(files, WORKERS)
    row(f"watch --once, {WORKERS} workers vs {WORKERS} extraction processes (steady state)",
        f"{steady * 1000:.1f} ms/file", f"extract {pooled / len(files) * 1000:.1f} ms/file",
        f"{steady / (pooled / len(files)):.2f}x")
    row(f"watch --once, {WORKERS} workers, wall time incl. start-up",
        f"{wall:.1f} s for {len(files)} files", f"start-up + shutdown alone {empty:.1f} s", "")
    floor = _library_floor(files, tmp / "floor")
    row("  floor: the raw libraries alone, 1 process (whoosh StandardAnalyzer index + a SQLite row "
        "with an audit hash per file, one commit each)", f"{floor * 1000 / len(files):.1f} ms/file",
        f"extract {extract_alone / len(files) * 1000:.1f} ms/file", f"{100 * floor / extract_alone:.0f}% of extraction")
    bare = _named_steps_bare(files, tmp / "bare")
    row("  floor: the goal's own steps done bare, 1 process (extract + understand + wenshu's Chinese index, "
        "one commit + the SQLite row above)", f"{bare * 1000 / len(files):.1f} ms/file",
        f"extract {extract_alone / len(files) * 1000:.1f} ms/file",
        f"{bare / extract_alone:.2f}x (overhead {100 * (bare / extract_alone - 1):.0f}%)")


def _library_floor(files: list[Path], folder: Path) -> float:
    """What the bare libraries cost for this work: each text put in a whoosh index with its
    StandardAnalyzer (one commit for all, as the watcher batches), and a row with a SHA-256
    per file inserted and committed durably into SQLite. Below this no pipeline can go."""
    from whoosh import fields, index
    from whoosh.analysis import StandardAnalyzer

    from extractors import extract

    settings = _pool_settings()
    texts = [extract(path, settings).text for path in files]
    folder.mkdir(parents=True)
    ix = index.create_in(str(folder), fields.Schema(reg_no=fields.ID(stored=True, unique=True),
                                                    body=fields.TEXT(analyzer=StandardAnalyzer())))
    started = time.perf_counter()
    _durable_rows(folder, [path.name for path in files], texts)
    writer = ix.writer()
    for n, text in enumerate(texts):
        writer.add_document(reg_no=str(n), body=text)
    writer.commit()
    elapsed = time.perf_counter() - started
    ix.close()
    return elapsed


def _durable_rows(folder: Path, names: list[str], texts: list[str]) -> None:
    """One row per file with a chained SHA-256, each committed durably into SQLite."""
    import hashlib
    import sqlite3

    database = sqlite3.connect(folder / "floor.db", isolation_level=None)
    database.execute("PRAGMA journal_mode = WAL")
    database.execute("PRAGMA synchronous = FULL")
    database.execute("CREATE TABLE record (id INTEGER PRIMARY KEY, name TEXT, text TEXT, hash TEXT)")
    previous = ""
    for name, text in zip(names, texts):
        previous = hashlib.sha256((previous + name + text).encode()).hexdigest()
        database.execute("BEGIN IMMEDIATE")
        database.execute("INSERT INTO record (name, text, hash) VALUES (?, ?, ?)", (name, text, previous))
        database.execute("COMMIT")
    database.close()


def _named_steps_bare(files: list[Path], folder: Path) -> float:
    """Extraction, understanding and wenshu's own index (bigrams and title words, one commit for
    all), plus the durable SQLite rows of ``_library_floor``: the work the goal names, without
    claims, store, ledger, numbering, audit chain or worker processes."""
    from datetime import datetime, timezone

    import index
    from extractors import extract
    from pipeline.understand import load_rules, understand

    folder.mkdir(parents=True)
    settings = _settings(folder)
    rules = load_rules(settings)
    today = datetime.now(settings.zone).date()
    started = time.perf_counter()
    texts, records = [], []
    for n, path in enumerate(files):
        text = extract(path, settings).text
        found = understand(text, settings, rules, today=today)
        texts.append(text)
        records.append({"reg_no": f"F{n}", "direction": "收文", "registered_at": datetime.now(timezone.utc),
                        "doc_type": found.doc_type, "doc_number": found.doc_number, "issuer": found.issuer,
                        "title": found.title, "date": found.date, "route": found.route, "text": text,
                        "version": str(n)})
    _durable_rows(folder, [path.name for path in files], texts)
    index.index_documents(settings, records)
    return time.perf_counter() - started


def _stamp(text: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(text).timestamp()


def _empty_run(data: Path) -> float:
    wenshu(data, "init")
    started = time.perf_counter()
    wenshu(data, "watch", "--once", "--stable-seconds", "0", "--workers", str(WORKERS))
    return time.perf_counter() - started


# --- 2. scanned pages ---------------------------------------------------------------------------

SCANS = ("scan_clean_300dpi.png", "scan_skew_grey.jpg", "scan_rotated_90.png", "scan_multipage.tiff",
         "scan_no_text_layer.pdf")
COPIES = 3


def _scan_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """Copies of the scan samples with distinct bytes (else they would be duplicates), and each
    page as a greyscale PNG for the raw engine."""
    from PIL import Image

    folder.mkdir(parents=True)
    pages_dir = folder / "pages"
    pages_dir.mkdir()
    files, pages = [], []
    sources = [REPO / "samples" / name for name in SCANS if (REPO / "samples" / name).is_file()]
    if not sources:  # no samples yet: render pages
        for n in range(4):
            path = folder / f"rendered{n}.png"
            path.write_bytes(png_text_page(n, 2480, 3508))
            sources.append(path)
    for copy in range(COPIES):
        for source in sources:
            # the same page, different bytes (else a duplicate): readers ignore trailing bytes
            target = folder / f"{copy}-{source.name}"
            target.write_bytes(source.read_bytes() + f"\n% copy {copy}\n".encode())
            files.append(target)
            if source.suffix == ".pdf":
                frames = _pdf_pages(source)
            else:
                image = Image.open(source)
                frames = []
                for index in range(getattr(image, "n_frames", 1)):
                    image.seek(index)
                    frames.append(image.convert("L"))
            for index, frame in enumerate(frames):
                page = pages_dir / f"{target.stem}-{index}.png"
                frame.save(page)
                pages.append(page)
    return files, pages


def _pdf_pages(path: Path):
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    return [page.render(scale=300 / 72).to_pil().convert("L") for page in document]


_ENGINE = None


def _raw_init(tuned: bool) -> None:
    """RapidOCR as shipped, or as wenshu opens it (onnxruntime's memory arena on)."""
    global _ENGINE
    if tuned:
        from extractors.ocr import rapid_engine
        _ENGINE = rapid_engine()
        return
    from rapidocr_onnxruntime import RapidOCR
    _ENGINE = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, print_verbose=False)


def _raw_pages_per_minute(pages: list[Path], *, tuned: bool) -> float:
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS, initializer=_raw_init, initargs=(tuned,)) as pool:
        pool.map(_raw_page, [str(pages[0])] * WORKERS)  # warm: model loaded in each process
        started = time.perf_counter()
        pool.map(_raw_page, [str(page) for page in pages], chunksize=1)
        return len(pages) / (time.perf_counter() - started) * 60


def _raw_page(path: str) -> int:
    import numpy as np
    from PIL import Image
    result, _ = _ENGINE(np.asarray(Image.open(path).convert("L")), use_cls=False)
    return len(result or ())


def bench_scans(tmp: Path) -> None:
    """A running watcher, its workers warmed by one scan each, against a warmed pool of the raw
    engine: the steady state of a scanner room, not the start-up of either."""
    print("scanned pages", flush=True)
    files, pages = _scan_files(tmp / "scans")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    raw_ppm = _raw_pages_per_minute(pages, tuned=False)
    tuned_ppm = _raw_pages_per_minute(pages, tuned=True)

    data = tmp / "scan-data"
    wenshu(data, "init")
    staging = tmp / "scan-staging"
    staging.mkdir()
    watcher = WatchProcess(data, ("--workers", str(WORKERS), "--stable-seconds", "0.2"), log=tmp / "scans.jsonl")
    try:
        for n in range(WORKERS):  # one warm-up page per worker, dropped together
            (staging / f"预热{n}.png").write_bytes(png_text_page(900 + n, 2480, 3508))
        for n in range(WORKERS):
            (staging / f"预热{n}.png").rename(data / "inbox" / f"预热{n}.png")
        wait_until(lambda: len(watcher.outcomes()) == WORKERS, 300, message="the warm-up scans")
        for path in files:
            shutil.copy(path, staging / path.name)
        started = time.time()
        for path in files:
            (staging / path.name).rename(data / "inbox" / path.name)
        wait_until(lambda: len(watcher.outcomes()) == WORKERS + len(files), 900, interval=0.05,
                   message="the scans")
        outcomes = watcher.outcomes()[WORKERS:]
    finally:
        watcher.terminate()
    # copies of one scanned 公文 are the same document after OCR (same 发文机关 and 文号): each is
    # read in full all the same, so they count as pages recognised
    assert all(o["status"] in ("registered", "duplicate") for o in outcomes), outcomes
    elapsed = max(_stamp(o["at"]) for o in outcomes) - started
    pipeline_ppm = len(pages) / elapsed * 60
    extract_ppm = len(pages) / _pool_time(files, WORKERS) * 60
    from core.settings import load_settings
    engine_name = load_settings(data_dir=data, env={}).ocr.engine
    row(f"scanned pages ({len(pages)} pages in {len(files)} files, {engine_name}, {WORKERS} processes): "
        "running watcher vs raw engine", f"{pipeline_ppm:.1f} pages/min", f"raw {raw_ppm:.1f} pages/min",
        f"{pipeline_ppm / raw_ppm:.2f}")
    row("  same pages: running watcher vs the raw engine opened as wenshu opens it (memory arena on)",
        f"{pipeline_ppm:.1f} pages/min", f"raw {tuned_ppm:.1f} pages/min", f"{pipeline_ppm / tuned_ppm:.2f}")
    row("  same pages: running watcher vs extractors.extract alone (upright, deskew, enhance, OCR)",
        f"{pipeline_ppm:.1f} pages/min", f"extract {extract_ppm:.1f} pages/min", f"{pipeline_ppm / extract_ppm:.2f}")


# --- 3. latency ---------------------------------------------------------------------------------

def bench_latency(tmp: Path, count: int = 10) -> None:
    from core.settings import WatchSettings

    print("latency of a running watcher", flush=True)
    delay = WatchSettings().stable_seconds
    data = tmp / "latency-data"
    wenshu(data, "init")
    staging = tmp / "latency-staging"
    staging.mkdir()
    watcher = WatchProcess(data, ("--workers", "1"), log=tmp / "latency.jsonl")
    latencies = []
    try:
        (data / "inbox" / "预热.docx").write_bytes(docx_bytes(500))
        wait_until(lambda: len(watcher.outcomes()) == 1, 60, message="the warm-up file")
        for n in range(count):
            source = staging / f"小文件{n}.docx"
            source.write_bytes(docx_bytes(600 + n))
            landed = time.time()
            source.rename(data / "inbox" / source.name)  # lands whole, as a finished copy does
            wait_until(lambda: len(watcher.outcomes()) == n + 2, 60, interval=0.02, message="registration")
            outcome = watcher.outcomes()[-1]
            assert outcome["status"] == "registered", outcome
            latencies.append(_stamp(outcome["at"]) - landed)
    finally:
        watcher.terminate()
    beyond = [latency - delay for latency in latencies]
    row(f"inbox to registered, small docx, running watcher ({count} files)",
        f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s",
        f"stability delay {delay:g} s",
        f"beyond it: median {statistics.median(beyond):.2f} s, max {max(beyond):.2f} s")


PARTS = {"born-digital": bench_born_digital, "scans": bench_scans, "latency": bench_latency}


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in PARTS]
    if unknown:
        print(f"unknown part {unknown[0]!r}: choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="wenshu-bench-") as tmp:
        for name in argv or PARTS:
            PARTS[name](Path(tmp))
    width = max(len(r[0]) for r in ROWS)
    print("\n" + "what".ljust(width) + " | measured | baseline | ratio")
    print("-" * (width + 40))
    for what, measured, baseline, ratio in ROWS:
        print(f"{what.ljust(width)} | {measured} | {baseline} | {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
