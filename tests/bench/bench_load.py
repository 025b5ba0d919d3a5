"""Load: concurrent clients mixing search, document pages and the register against `wenshu web`.

    python tests/bench/bench_load.py                                   # SQLite, 10,000 documents, 50 clients, 60 s
    python tests/bench/bench_load.py --docs 2000 --seconds 30          # what `make bench` runs (tests/bench/run_all.py)
    python tests/bench/bench_load.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python tests/bench/bench_load.py --keep DIR                        # build once into DIR; later runs reuse it

The office is built as bench_web builds it: bench_search's synthetic 公文 (about 2,000 characters
each, 1% 秘密) registered through the registry's own ``register`` (numbers, 档号, audit events),
no file extracted. The clerk who signs in (文书, cleared for 秘密) is made with ``wenshu user add``
and the search side is brought up to date with ``wenshu reindex``, both as subprocesses with the
run's environment (WENSHU_DATA, WENSHU_DATABASE_URL). Then the real server is started:
``wenshu web --workers N --port P`` on 127.0.0.1, a free port.

Without ``--pg-url`` the registry is SQLite in a temporary data directory. With it (a server
URL where the user may create databases), a fresh database ``wenshu_load_<pid>`` is created for
the run and dropped afterwards (kept with ``--keep``).

Each of ``--clients`` clients (asyncio + httpx, one connection and one cookie jar each) signs in
once through the real login form, one after the other, before the clock starts (the form's own
CSRF token; failed logins are throttled by ``[web] login_attempts``, successful ones are not).
Then for ``--warmup`` seconds (not counted; each worker opens its searcher, loads rjieba and warms
its caches) and ``--seconds`` seconds (counted), every client loops with no pause between
requests, picking each by weight: the search page ``/search?q=…`` with bench_search's
QUERY_MIX and a few 发文字号 (50%), the document page ``/documents/{登记号}`` of a random
registered record (30%), the register ``/register`` at a random page, or page 1 to 3 of a random
filter (20%). A closed loop: the server is kept saturated, so the latencies include the time a
request waits for a free core, and the throughput is the most these workers serve on this
machine. The clients run in this process, on the same cores as the server.

Any answer other than 200, and any exception (a timeout after ``--timeout`` s included), is an
error: the first few are printed with the tail of the server's log, and the exit code is 1.
Printed: per kind the requests, p50, p95, p99, max and errors; the throughput; the load average
(/proc/loadavg) before the server starts and when the clock starts and stops; where the CPU went
while it ran, since the machine may be shared (in cores, from /proc: the server's processes,
PostgreSQL's for all its databases, the clients, everything else); on PostgreSQL the connections
the server opened (pg_stat_database.sessions); the commit measured; and rows for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.bench_pg_search import create_database, drop_database, libpq_url, load_avg  # noqa: E402
from tests.bench.bench_search import QUERY_MIX, Generator  # noqa: E402
from tests.bench.bench_web import synthetic_intake  # noqa: E402
from tests.bench.bench_web import percentile  # noqa: E402

WENSHU = REPO / ".venv" / "bin" / "wenshu"
USER = "clerk"
PASSWORD = "bench-load-2026"
OFFICE_ENV = {"WENSHU_OFFICE_CODE": "化学院"}  # bench_web's office
LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KINDS = {"search": 50, "document": 30, "register": 20}  # weights
REGISTER_FILTERS = [{"type": "通知"}, {"type": "函"}, {"type": "请示", "route": "办件"}, {"route": "阅件"},
                    {"direction": "发文"}, {"direction": "收文", "order": "oldest"},
                    {"from": "2025-01-01", "to": "2025-06-30"}, {"type": "报告", "from": "2026-01-01"}]
REGISTER_PAGE_SIZE = 50  # pipeline.web.filters.PAGE_SIZE
STATE_FILE = "load.json"  # in a --keep folder: what was built there


# --- building the office -----------------------------------------------------------------------

def wenshu(env: dict, *args: str, stdin: str | None = None) -> str:
    """One `wenshu` command as a subprocess with the run's environment; its output."""
    done = subprocess.run([str(WENSHU), *args], env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"wenshu {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def register_documents(settings, size: int) -> None:
    """``size`` of bench_search's synthetic documents through ``registry.records.register``, as
    bench_web's ``build`` does it (its loop, without its in-process reindex and SQLite pragma)."""
    from sqlalchemy import event

    from registry.db import open_registry
    from registry.records import register

    engine = open_registry(settings)
    sqlite = engine.dialect.name == "sqlite"

    def not_durable(connection, _record):
        # Building only: no fsync per registration. The server measured afterwards is durable.
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF" if sqlite else "SET synchronous_commit = off")
        cursor.close()
        connection.commit()

    engine.dispose()
    event.listen(engine, "connect", not_durable)
    generator = Generator()
    started = time.perf_counter()
    for i in range(size):
        intake, when = synthetic_intake(settings, generator.record(i), i)
        register(engine, settings, intake, USER, now=when)
        if (i + 1) % 2000 == 0:
            print(f"  registered {i + 1:,} ({(i + 1) / (time.perf_counter() - started):,.0f}/s)", flush=True)
    print(f"registered {size:,} in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()


def build(env: dict, settings, size: int) -> None:
    wenshu(env, "init")
    # The registry has no account yet: the first one needs no --user.
    wenshu(env, "user", "add", USER, "--role", "clerk", "--clearance", "秘密", "--display-name", "压测文书",
           "--password-stdin", stdin=PASSWORD + "\n")
    register_documents(settings, size)
    started = time.perf_counter()
    print(wenshu(env, "reindex").strip(), flush=True)
    print(f"wenshu reindex: {time.perf_counter() - started:.0f} s", flush=True)


def targets(settings, rnd: random.Random) -> tuple[list[str], list[str], int]:
    """The search queries, every 登记号 (the clerk sees them all), and the register's pages."""
    from sqlalchemy import select

    from registry.db import open_registry
    from registry.models import Document

    engine = open_registry(settings)
    with engine.connect() as connection:
        rows = connection.execute(select(Document.reg_no, Document.doc_number)).all()
    engine.dispose()
    reg_nos = [reg_no for reg_no, _ in rows]
    numbers = [number for _, number in rows if number]
    queries = [q for qs in QUERY_MIX.values() for q in qs] + rnd.sample(numbers, min(6, len(numbers)))
    return queries, reg_nos, max(1, -(-len(reg_nos) // REGISTER_PAGE_SIZE))


# --- the server --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    out = log.open("wb")
    server = subprocess.Popen([str(WENSHU), "web", "--workers", str(workers), "--port", str(port)], env=env,
                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    out.close()
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"wenshu web exited ({server.returncode}):\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"wenshu web did not answer in 60 s:\n{log.read_text(errors='replace')}")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to the `wenshu web` this run started (its supervisor stops its workers)."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(40)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # its own session: this server and its workers only
        server.wait(10)


# --- the machine ----------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """Seconds of CPU all cores have spent busy since boot (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK


def process_cpu(pid: int) -> float:
    """User and system CPU seconds of one live process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def server_pids(server_pid: int) -> list[int]:
    """`wenshu web` and its worker processes."""
    children = []
    for task in Path(f"/proc/{server_pid}/task").glob("*/children"):
        children += [int(pid) for pid in task.read_text().split()]
    return [server_pid, *children]


def database_sessions(pg_url: str, database: str) -> int:
    """Connections ever opened to ``database`` (pg_stat_database.sessions, PostgreSQL 14+)."""
    from tests.bench.bench_pg_search import connect

    with connect(libpq_url(pg_url)) as conn:
        return conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (database,)).fetchone()[0]


def _stat(pid: str) -> tuple[str, int, float, float] | None:
    """A process's name, parent, own CPU seconds and its reaped children's CPU seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            head, tail = f.read().rsplit(")", 1)
    except OSError:
        return None
    fields = tail.split()
    return (head.split("(", 1)[1], int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK,
            (int(fields[13]) + int(fields[14])) / TICK)


def postgres_cpu() -> tuple[dict[int, float], float]:
    """CPU seconds of every PostgreSQL process on this machine (all databases: the shared
    machine's other users' too), and what its postmaster's exited children (backends that
    closed) have used: a pool that closes and reopens connections spends its CPU there."""
    live, reaped = {}, 0.0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := _stat(entry.name)) and stat[0] == "postgres":
            live[int(entry.name)] = stat[2]
            parent = _stat(str(stat[1]))
            if parent is None or parent[0] != "postgres":  # the postmaster
                reaped += stat[3]
    return live, reaped


class CpuMeter:
    """Where the machine's CPU went between ``start()`` and ``stop()``, in cores: the server (its
    supervisor and workers), PostgreSQL (all its processes), this process (the clients), and
    every other process."""

    def __init__(self, server_pid: int, sessions: Callable[[], int] | None = None):
        self.server_pid, self.sessions = server_pid, sessions

    def _sample(self) -> dict:
        pg_live, pg_reaped = postgres_cpu()
        return {"wall": time.monotonic(), "busy": machine_busy(), "clients": time.process_time(),
                "sessions": self.sessions() if self.sessions else 0, "pg_live": pg_live, "pg_reaped": pg_reaped,
                "server": {pid: process_cpu(pid) for pid in server_pids(self.server_pid)}}

    def start(self) -> None:
        self.first = self._sample()

    def stop(self) -> dict:
        first, last = self.first, self._sample()
        wall = last["wall"] - first["wall"]
        # A process started during the count counts from 0; a PostgreSQL backend that ended
        # during it is in the postmaster's reaped total, less what it had used before.
        used = {"server": sum(cpu - first["server"].get(pid, 0.0) for pid, cpu in last["server"].items()),
                "postgres": (sum(cpu - first["pg_live"].get(pid, 0.0) for pid, cpu in last["pg_live"].items())
                             + last["pg_reaped"] - first["pg_reaped"]
                             - sum(cpu for pid, cpu in first["pg_live"].items() if pid not in last["pg_live"])),
                "clients": last["clients"] - first["clients"]}
        busy = last["busy"] - first["busy"]
        if set(last["server"]) != set(first["server"]):  # uvicorn replaced a worker (logged at info only)
            print(f"note: the server's processes changed during the count: {sorted(first['server'])} → "
                  f"{sorted(last['server'])}", flush=True)
        cores = os.cpu_count() or 1
        return {"cores": cores, "connections": last["sessions"] - first["sessions"],
                **{name: max(0.0, value) / wall for name, value in used.items()},
                "others": max(0.0, busy - sum(used.values())) / wall, "idle": max(0.0, cores - busy / wall)}


# --- the clients ---------------------------------------------------------------------------------

class Results:
    def __init__(self):
        self.latency: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.errors: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.examples: list[str] = []
        self.recording = False

    def add(self, kind: str, ms: float, problem: str | None) -> None:
        if problem is not None:
            self.errors[kind] += 1
            if len(self.examples) < 8:
                self.examples.append(f"{kind} after {ms:.0f} ms: {problem}")
        if self.recording:
            self.latency[kind].append(ms)


async def sign_in(base: str, timeout: float):
    """The real login form, on a connection of its own; the session's cookies. With a pause and
    another try if logins are throttled."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=timeout, follow_redirects=False) as client:
        for attempt in range(5):
            page = await client.get("/login")
            token = LOGIN_CSRF.search(page.text).group(1)
            answer = await client.post("/login", data={"username": USER, "password": PASSWORD, "csrf_token": token,
                                                       "next": "/"}, headers={"Origin": base})
            if answer.status_code == 303:
                return client.cookies
            print(f"  login answered {answer.status_code}; waiting {2 ** attempt} s", flush=True)
            await asyncio.sleep(2 ** attempt)
    raise SystemExit("could not sign in")


def pick(rnd: random.Random, queries: list[str], reg_nos: list[str], pages: int) -> tuple[str, str, dict]:
    kind = rnd.choices(list(KINDS), weights=list(KINDS.values()))[0]
    if kind == "search":
        return kind, "/search", {"q": rnd.choice(queries)}
    if kind == "document":
        return kind, "/documents/" + quote(rnd.choice(reg_nos), safe=""), {}
    if rnd.random() < 0.5:
        return kind, "/register", {"page": str(rnd.randint(1, pages))}
    return kind, "/register", {**rnd.choice(REGISTER_FILTERS), "page": str(rnd.randint(1, 3))}


async def client_loop(client, rnd: random.Random, targets_: tuple, results: Results, stop_at: list[float]) -> int:
    sent = 0
    while time.monotonic() < stop_at[0]:
        kind, path, params = pick(rnd, *targets_)
        started = time.perf_counter()
        problem = None
        try:
            answer = await client.get(path, params=params)
            if answer.status_code != 200:
                problem = f"GET {answer.request.url} → {answer.status_code} {answer.text[:200]!r}"
        except Exception as exc:  # noqa: BLE001 (every failure is counted and shown)
            problem = f"GET {path} {params} → {type(exc).__name__}: {exc}"
        results.add(kind, (time.perf_counter() - started) * 1000, problem)
        sent += 1
    return sent


async def load(base: str, clients: int, warmup: float, seconds: float, timeout: float, targets_: tuple,
               seed: int, meter: CpuMeter) -> dict:
    import httpx

    results = Results()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    started = time.perf_counter()
    # One after the other, before the clock starts. Each signs in on a connection of its own and
    # hands its cookies to the client that loops, which opens a fresh connection: a connection
    # left idle while the others sign in would be closed by uvicorn after its keep-alive timeout
    # (5 s), and a request sent at that very moment fails with "Server disconnected" (httpx does
    # not retry; a browser retries such a GET).
    jars = [await sign_in(base, timeout) for _ in range(clients)]
    print(f"{clients} clients signed in ({time.perf_counter() - started:.1f} s)", flush=True)
    pool = [httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits, follow_redirects=False, cookies=jar)
            for jar in jars]
    try:
        stop_at = [time.monotonic() + warmup + seconds]
        loops = [asyncio.create_task(client_loop(client, random.Random(seed + n), targets_, results, stop_at))
                 for n, client in enumerate(pool)]
        await asyncio.sleep(warmup)
        results.recording = True
        load_start, began = load_avg(), time.perf_counter()
        meter.start()
        warmup_errors = sum(results.errors.values())
        await asyncio.sleep(seconds)
        load_end, cpu = load_avg(), meter.stop()
        await asyncio.gather(*loops)  # the requests in flight at the deadline are answered and counted
        elapsed = time.perf_counter() - began
    finally:
        for client in pool:
            await client.aclose()
    return {"results": results, "elapsed": elapsed, "load_start": load_start, "load_end": load_end,
            "warmup_errors": warmup_errors, "cpu": cpu}


# --- the report ---------------------------------------------------------------------------------

def report(run: dict, backend: str, docs: int, workers: int, clients: int, log: Path) -> int:
    results: Results = run["results"]
    total = sum(len(v) for v in results.latency.values())
    errors = sum(results.errors.values())
    rate = total / run["elapsed"]
    print(f"\nLoad: {clients} clients, {backend}, {docs:,} documents, {workers} workers, "
          f"{run['elapsed']:.1f} s counted; code {code_version()}")
    print(f"{'kind':<9} | {'requests':>8} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'max ms':>7} | errors")
    rows = []
    for kind, values in [*results.latency.items(), ("all", [v for vs in results.latency.values() for v in vs])]:
        errs = results.errors[kind] if kind in results.errors else errors
        if values:
            p50, p95, p99, top = (percentile(values, 50), percentile(values, 95), percentile(values, 99),
                                  max(values))
        else:
            p50 = p95 = p99 = top = float("nan")
        print(f"{kind:<9} | {len(values):>8} | {p50:>7.0f} | {p95:>7.0f} | {p99:>7.0f} | {top:>7.0f} | {errs}")
        rows.append(f"| {backend} | {docs:,} | {workers} | {kind} | {len(values):,} | {p50:,.0f} | {p95:,.0f} | "
                    f"{p99:,.0f} | {top:,.0f} | {errs} |")
    cpu = run["cpu"]
    print(f"throughput {rate:.1f} req/s; load average (1, 5, 15 min) before the server started "
          f"{run['load_before']}, when the count started {run['load_start']}, when it stopped {run['load_end']}")
    print(f"CPU over the count, in cores of {cpu['cores']}: server {cpu['server']:.2f}, PostgreSQL (all databases) "
          f"{cpu['postgres']:.2f}, clients (this process) {cpu['clients']:.2f}, other processes {cpu['others']:.2f}, "
          f"idle {cpu['idle']:.2f}")
    if backend == "PostgreSQL":
        print(f"PostgreSQL connections opened during the count: {cpu['connections']:,} "
              f"({cpu['connections'] / run['elapsed']:.1f}/s)")
    if run["warmup_errors"]:
        print(f"(of the errors, {run['warmup_errors']} were in the warm-up)")
    print("\nFor docs/benchmarks.md:\n")
    print("| backend | documents | workers | kind | requests | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    print(f"\n{backend}: {rate:.1f} requests/s over {run['elapsed']:.0f} s, {clients} clients; load average "
          f"{run['load_before']} before the server started, {run['load_start']} at the start of the count, "
          f"{run['load_end']} at its end; CPU (cores) server {cpu['server']:.2f}, PostgreSQL "
          f"{cpu['postgres']:.2f}, clients {cpu['clients']:.2f}, "
          f"other processes {cpu['others']:.2f}.")
    if errors:
        print(f"\n{errors} errors; the first:")
        for example in results.examples:
            print("  " + example)
    server_log = log.read_text(errors="replace") if log.exists() else ""
    if errors or "Traceback" in server_log:
        print(f"\nthe server's log ({log}), last 60 lines:")
        print("\n".join(server_log.splitlines()[-60:]))
    return 1 if errors else 0


def code_version() -> str:
    """The commit measured, and whether the work tree differs from it."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return head + (" with uncommitted changes" if dirty else "")


# --- the run ------------------------------------------------------------------------------------

def database_url_for(pg_url: str, name: str) -> str:
    """``pg_url`` (driver kept, e.g. postgresql+psycopg://) naming database ``name``."""
    return re.sub(r"^(postgresql(?:\+\w+)?://[^/?]*)(/[^?]*)?", rf"\1/{name}", pg_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000, help="documents in the registry (default 10,000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="counted seconds of load (default 60)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before the count (default 5)")
    parser.add_argument("--workers", type=int, default=4, help="uvicorn worker processes (default 4)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds a request may take (default 60)")
    parser.add_argument("--pg-url", help="PostgreSQL server URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/"
                                         "test: a fresh database is made for the run (default: SQLite)")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep it (reused when it exists)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from core.settings import load_settings

    work = args.keep or Path(tempfile.mkdtemp(prefix="wenshu-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    data_dir = work / "data"
    state_path = work / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.exists() else None
    backend = "PostgreSQL" if args.pg_url else "SQLite"
    if state and (state["backend"] != backend or state["docs"] != args.docs):
        raise SystemExit(f"{work} holds {state['docs']} documents on {state['backend']}: use another --keep folder")
    database = None
    if args.pg_url and not state:
        database = f"wenshu_load_{os.getpid()}"
        create_database(libpq_url(args.pg_url), database)
    url = state["database_url"] if state else database_url_for(args.pg_url, database) if args.pg_url else None
    wenshu_env = {**OFFICE_ENV, "WENSHU_DATA": str(data_dir), **({"WENSHU_DATABASE_URL": url} if url else {})}
    env = {key: value for key, value in os.environ.items() if not key.startswith("WENSHU_")} | wenshu_env
    settings = load_settings(data_dir=data_dir, env=wenshu_env)
    log = work / "web.log"
    server = None
    try:
        if state is None:
            build(env, settings, args.docs)
            if args.keep:
                state_path.write_text(json.dumps({"backend": backend, "docs": args.docs, "database_url": url}))
        rnd = random.Random(args.seed)
        targets_ = targets(settings, rnd)
        port, load_before = free_port(), load_avg()
        server = start_server(env, port, args.workers, log)
        print(f"wenshu web --workers {args.workers} --port {port} answers ({backend}, {args.docs:,} documents)",
              flush=True)
        pg_name = re.sub(r"^.*/([^/?]+)(\?.*)?$", r"\1", url) if url else None
        meter = CpuMeter(server.pid, (lambda: database_sessions(args.pg_url, pg_name)) if url else None)
        run = asyncio.run(load(f"http://127.0.0.1:{port}", args.clients, args.warmup, args.seconds, args.timeout,
                               targets_, args.seed, meter))
        run["load_before"] = load_before
        stop_server(server)
        return report(run, backend, args.docs, args.workers, args.clients, log)
    finally:
        if server is not None:
            stop_server(server)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
            if database:
                drop_database(libpq_url(args.pg_url), database)
        elif database:
            print(f"kept: {work} and database {database}")


if __name__ == "__main__":
    sys.exit(main())
