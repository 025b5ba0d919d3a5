"""Benchmark of the web pages 检索 (/search) and 文件 (/documents/{登记号}) at 50,000 documents.

    python tests/bench/bench_web.py                  # 50,000 documents (several minutes to build)
    python tests/bench/bench_web.py --docs 5000      # quick mode
    python tests/bench/bench_web.py --keep DIR       # build once into DIR and keep it; later runs reuse it

The documents are bench_search's synthetic college-office 公文 (about 2,000 characters each, 1%
秘密), registered through the registry's own ``register`` (numbers, 档号, audit events: a record's
history is as long as a real one's) and indexed with ``index.reindex``; no file is extracted.

Then, in this process, the application answers through Starlette's TestClient as a clerk cleared
for 秘密 (so the clearance mask is applied to every search): the server time of each request is
taken by an ASGI wrapper around the application (from the request entering the app to the last
byte of the answer: authentication, the route, the library, the template), and the round trip
through the test client is shown too. Beside each page the raw library call it makes is timed
in the same run: ``pipeline.searching.search`` for the search page, ``registry.queries.get`` and
``record_json`` for the document page (and ``pipeline.documents.view``, the one call the page
makes: the record, its history, its linked records). Last, a few searches each after 11 s
without a request, as an office searching now and then makes them (the server's worker threads
have stopped by then). Goals: search page p95 <= 150 ms, document page p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timezone
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.bench_search import QUERY_MIX, Generator  # noqa: E402

PASSWORD = "bench-web-2026"
IDLE_SECONDS = 11  # anyio stops a worker thread idle for 10 s
# The search page is also used through its filters (as query words and search's own arguments).
FILTER_FORMS = [
    {"q": "安全", "doc_type": "通知"}, {"q": "经费", "issuer": "科研处", "route": "办件"},
    {"q": "考试", "from": "2025-01-01", "to": "2025-06-30"}, {"q": "", "direction": "发文", "doc_type": "报告"},
    {"q": "预算", "secrecy": "非密", "sort": "date"}, {"q": "奖学金", "route": "阅件", "page": "2"},
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# --- building the office -------------------------------------------------------------------

def synthetic_intake(settings, r: dict, i: int):
    """The ``Intake`` of bench_search's ``i``-th record (no file behind it) and its registration moment."""
    from core.vocab import OUTGOING
    from registry.records import Intake

    # Unique 发文字号s: the generator draws them at random, and two 公文 of one issuer with one
    # number and a similar title would be one document to the registry.
    number = re.sub(r"〕\d+号$", f"〕{i + 1}号", r["doc_number"])
    when = r["registered_at"].replace(tzinfo=settings.zone).astimezone(timezone.utc)
    why = [f"文种「{r['doc_type']}」" + ("含办理要求" if r["route"] == "办件" else "仅供阅知")]
    intake = Intake(
        direction=r["direction"], file_name=f"{r['title'][:40]}.pdf", sha256=f"{i:064x}",
        stored_path=f"store/{i % 256:02x}/{i:064x}.pdf", format="pdf", pages=2, text_method="pdf-text",
        text=r["text"], series=settings.numbering.default_outgoing if r["direction"] == OUTGOING else None,
        fields={"doc_type": r["doc_type"], "doc_number": number, "issuer": r["issuer"], "title": r["title"],
                "date": r["date"], "secrecy": r["secrecy"], "urgency": r["urgency"],
                "route": r["route"] if r["direction"] != OUTGOING else None, "department": r["department"],
                "retention": "10年"},
        details={"why_route": why, "references": [], "checks": []})
    return intake, when


def build(data_dir: Path, size: int) -> None:
    """``size`` synthetic documents registered and indexed, and a clerk cleared for 秘密."""
    from sqlalchemy import event

    from core.settings import load_settings
    from index import reindex
    from pipeline.indexing import all_records, count_records
    from registry import users
    from registry.db import open_registry
    from registry.records import register

    settings = load_settings(data_dir=data_dir, env={"WENSHU_OFFICE_CODE": "化学院"})
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_registry(settings)
    # Building only: no fsync per registration (the durable default makes 50,000 of them take
    # ten minutes on this disk). What is measured afterwards reads through a fresh engine.
    engine.dispose()
    event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))
    users.add_user(engine, "clerk", roles=["clerk"], password=PASSWORD, actor="系统", clearance="秘密")
    generator = Generator()
    started = time.perf_counter()
    for i in range(size):
        intake, when = synthetic_intake(settings, generator.record(i), i)
        register(engine, settings, intake, "clerk", now=when)
        if (i + 1) % 5000 == 0:
            print(f"  registered {i + 1:,} ({(i + 1) / (time.perf_counter() - started):,.0f}/s)", flush=True)
    print(f"registered {size:,} in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    reindex(settings, all_records(engine, settings), total=count_records(engine), chunk_size=5000, procs=2)
    print(f"indexed in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()


# --- measuring -----------------------------------------------------------------------------

class ServerTimer:
    """ASGI wrapper: the time from a request entering the application to its last body byte."""

    def __init__(self, app):
        self.app, self.last = app, 0.0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()

        async def timed_send(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = (time.perf_counter() - started) * 1000

        await self.app(scope, receive, timed_send)


def signed_in(app):
    """A client signed in as the clerk. Entered: one event loop and its worker threads serve every
    request, as under uvicorn (outside ``with``, TestClient starts a new loop, and so new worker
    threads with cold per-thread searchers, for each request)."""
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False).__enter__()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": token, "next": "/"},
                         headers={"Origin": "http://testserver"})
    assert answer.status_code == 303, answer.text[:300]
    return client


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value


def measure(data_dir: Path, rounds: int, page_count: int, idle: int) -> dict:
    from core.settings import load_settings
    from pipeline import documents, searching
    from pipeline.search_form import SearchForm
    from pipeline.web.app import create_app
    from registry import queries
    from registry.exports import record_json

    settings = load_settings(data_dir=data_dir, env={"WENSHU_OFFICE_CODE": "化学院"})
    app = create_app(settings)
    timer = ServerTimer(app)
    client = signed_in(timer)
    engine = app.state.engine
    rnd = random.Random(11)

    searches: list[dict] = [{"q": q} for kind, queries_ in QUERY_MIX.items() for q in queries_]
    numbers = [doc.doc_number for doc in queries.log_page(engine, settings, queries.LogFilter(),
                                                          clearance=queries.UNRESTRICTED, limit=500).rows]
    searches += [{"q": n} for n in rnd.sample(numbers, 6)] + FILTER_FORMS
    visible = queries.count_log(engine, settings, queries.LogFilter(), clearance="秘密")
    reg_nos = [doc.reg_no for doc in queries.log_page(engine, settings, queries.LogFilter(), clearance="秘密",
                                                      limit=1000, offset=rnd.randint(0, max(0, visible - 1000))).rows]
    pages = rnd.sample(reg_nos, min(page_count, len(reg_nos)))

    def search_page(params):
        answer = client.get("/search", params=params)
        assert answer.status_code == 200 and "共 <strong>" in answer.text, (params, answer.status_code)
        return timer.last

    def search_library(params):
        form = SearchForm.parse(params)
        return searching.search(settings, form.query(), clearance="秘密", **form.options())

    def document_page(reg_no):
        answer = client.get("/documents/" + quote(reg_no, safe=""))
        assert answer.status_code == 200, (reg_no, answer.status_code)
        return timer.last

    def document_library(reg_no):
        return record_json(queries.get_visible(engine, reg_no, "秘密"), settings, with_text=True)

    def document_view(reg_no):  # the one pipeline call the page makes: the record, its history, its links
        return documents.view(engine, settings, reg_no, "秘密")

    # The first pass opens the searcher, loads rjieba and warms the caches: measured apart.
    cold = [timed(lambda p=p: search_page(p)) for p in searches]
    results: dict[str, list[float]] = {name: [] for name in ("search server", "search client", "search library",
                                                              "document server", "document client",
                                                              "document library", "document view")}
    for _ in range(rounds):
        order = searches[:]
        rnd.shuffle(order)
        for params in order:
            results["search library"].append(timed(lambda: search_library(params))[0])
            client_ms, server_ms = timed(lambda: search_page(params))
            results["search client"].append(client_ms)
            results["search server"].append(server_ms)
        for reg_no in pages:
            results["document library"].append(timed(lambda: document_library(reg_no))[0])
            results["document view"].append(timed(lambda: document_view(reg_no))[0])
            client_ms, server_ms = timed(lambda: document_page(reg_no))
            results["document client"].append(client_ms)
            results["document server"].append(server_ms)
    # An office searches now and then: the server's worker threads stop after 10 s idle.
    for params in rnd.sample(searches, idle):
        time.sleep(IDLE_SECONDS)
        results.setdefault("search after idle", []).append(search_page(params))
    summary = {name: (percentile(values, 50), percentile(values, 95), statistics.mean(values), len(values))
               for name, values in results.items() if values}
    summary["cold search server"] = (percentile([s for _, s in cold], 50), percentile([s for _, s in cold], 95),
                                     statistics.mean(s for _, s in cold), len(cold))
    client.__exit__(None, None, None)
    return summary


def report(summary: dict, size: int) -> int:
    print(f"\nWeb pages at {size:,} documents, ms (server: inside the application; client: TestClient round trip)")
    print(f"{'what':<22} | {'p50':>7} | {'p95':>7} | {'mean':>7} | {'n':>5}")
    for name, (p50, p95, mean, n) in summary.items():
        print(f"{name:<22} | {p50:>7.1f} | {p95:>7.1f} | {mean:>7.1f} | {n:>5}")
    search, document = summary["search server"], summary["document server"]
    lib_search, lib_document = summary["search library"], summary["document library"]
    print(f"\nsearch page / library: p50 {search[0] / lib_search[0]:.2f}x, p95 {search[1] / lib_search[1]:.2f}x; "
          f"document page / library: p50 {document[0] / lib_document[0]:.2f}x, p95 {document[1] / lib_document[1]:.2f}x")
    ok = search[1] <= 150 and document[1] <= 100
    print(f"goals: search page p95 {search[1]:.0f} ms (<= 150), document page p95 {document[1]:.0f} ms (<= 100): "
          f"{'met' if ok else 'NOT met'}")
    return 0  # a benchmark reports; it does not fail a run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=50_000, help="documents in the registry (default 50,000)")
    parser.add_argument("--rounds", type=int, default=3, help="times the search mix and the documents are requested")
    parser.add_argument("--documents", type=int, default=200, help="document pages requested per round")
    parser.add_argument("--idle", type=int, default=4,
                        help=f"searches made after {IDLE_SECONDS} s without a request (default 4)")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep it (reused when it exists)")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="wenshu-bench-web-"))
    data_dir = work / "data"
    try:
        if not (data_dir / "wenshu.db").exists():
            build(data_dir, args.docs)
        return report(measure(data_dir, args.rounds, args.documents, args.idle), args.docs)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
