"""Search inside PostgreSQL: the measured design (a spike for issue 18; its code is kept).

    python tests/bench/bench_pg_search.py                    # 100,000 documents, GIN and RUM (long)
    python tests/bench/bench_pg_search.py --quick            # 10,000 documents
    python tests/bench/bench_pg_search.py --docs 1000000 --index rum
    python tests/bench/bench_pg_search.py --part recall      # the labelled query set, PostgreSQL vs whoosh
    python tests/bench/bench_pg_search.py --part limits      # what the tsvector limits cost long documents
    python tests/bench/bench_pg_search.py --part register    # registrations/s with and without search rows
    python tests/bench/bench_pg_search.py --part built --docs 100000   # index.search itself on search_rows
    python tests/bench/bench_pg_search.py --keep, then --reuse wenshu_spike_NNN   # re-time on a quieter machine

``bench``: synthetic 公文 (bench_search's Generator, about 2,000 characters each) are made in
worker processes, their tsvector literal built by ``index.tsvector``, and COPYed straight into a
table of a scratch database (not through the registry): the filter fields as columns, the body
(normalised, for snippets) and ``tokens tsvector``. Then, for a GIN index and for a RUM index
(``rum_tsvector_ops``, the Debian package postgresql-15-rum), for both together, and for a RUM
index that keeps the registration moment in its postings (``rum_tsvector_addon_ops``: the newest
2,000 matches ranked by ``ts_rank_cd``) in turn, bench_search's query mix
is translated from wenshu's own query plan (``index.query.build_plan``) to SQL and timed: the
top 10 by rank (``ts_rank_cd`` for GIN, RUM's ``<=>`` ordering) with their snippets, the exact
total, and a total capped at 10,001 ("10,000+"). Also: index sizes and build times, the load
rate with the tsvector built, and single-row INSERTs with the index in place (what registration
would pay). The scratch database is dropped afterwards unless ``--keep``.

``recall``: the 48 hand-written 公文 of tests/index/corpus and the 58 labelled queries of
tests/index/labels.json: recall@10 of PostgreSQL's ranking next to whoosh's (wenshu's search).

``limits``: PostgreSQL keeps positions up to 16,383 and 256 positions per lexeme; how many
positions, documents and phrases that loses at 2,000 to 50,000 characters.

The URL is a libpq URL of a server where the user may create databases (default: this
machine's, ``postgresql://postgres@127.0.0.1:5432/test``; ``WENSHU_TEST_PG_URL`` is used when
set, ``+psycopg`` dropped). The machine is shared: ``uptime``'s load is printed with each table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COLUMNS = ("id", "reg_no", "reg_no_key", "reg_no_norm", "direction", "registered_at", "doc_type", "doc_number",
           "doc_number_key", "doc_number_norm", "doc_number_seq", "issuer", "issuer_norm", "department",
           "department_norm", "title", "date", "date_value", "secrecy", "secret", "urgency", "route", "status",
           "deadline", "archive_code", "archive_norm", "body", "tokens")
TABLE = """
CREATE TABLE docs (
    id bigint PRIMARY KEY,
    reg_no text NOT NULL, reg_no_key text NOT NULL, reg_no_norm text NOT NULL,
    direction text, registered_at timestamp NOT NULL,
    doc_type text, doc_number text, doc_number_key text, doc_number_norm text, doc_number_seq int,
    issuer text, issuer_norm text, department text, department_norm text,
    title text, date date NOT NULL, date_value date,
    secrecy text, secret boolean NOT NULL, urgency text, route text, status text, deadline date,
    archive_code text, archive_norm text,
    body text,            -- normalised, for snippets; NULL for 涉密 records
    tokens tsvector NOT NULL
)"""
BTREES = ("CREATE INDEX docs_doc_number ON docs (doc_number_key)",
          "CREATE INDEX docs_reg_no ON docs (reg_no_key)",
          "CREATE INDEX docs_date ON docs (date DESC, registered_at DESC)",
          "CREATE INDEX docs_doc_type ON docs (doc_type, date DESC)",
          "CREATE INDEX docs_issuer ON docs (issuer, date DESC)")
TEXT_INDEXES = {"gin": "CREATE INDEX docs_tokens_gin ON docs USING gin (tokens)",
                "rum": "CREATE INDEX docs_tokens_rum ON docs USING rum (tokens rum_tsvector_ops)",
                # RUM with the registration moment in its postings: the matches come newest first
                "newest": "CREATE INDEX docs_tokens_newest ON docs USING rum (tokens rum_tsvector_addon_ops, "
                          "registered_at) WITH (attach = 'registered_at', to = 'tokens')"}
NEWEST = 2000  # "newest": ts_rank_cd ranks the newest NEWEST matches only
WEIGHTS = "{0.1,0.2,0.4,1.0}"  # ts_rank_cd's {D,C,B,A}: PostgreSQL's default, written out
CAP = 10_000
TODAY = date(2026, 3, 15)


def load_avg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def libpq_url(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def with_database(url: str, name: str) -> str:
    return re.sub(r"(postgresql://[^/]*)/[^?]*", rf"\1/{name}", url)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if ordered else float("nan")


# --- rows ---------------------------------------------------------------------------------------

def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    return text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def row_values(doc_id: int, record: dict, zone=None) -> tuple[list, object]:
    """The table row of one registry-like record, and its ``Lexemes`` (for the limits' count).
    ``registered_at`` is the office's wall clock, as whoosh stores it (``zone``: the office's)."""
    import unicodedata
    from zoneinfo import ZoneInfo

    from index.analysis import normalize
    from index.documents import IndexDoc
    from index.numbers import archive_key, number_key, sequence_number
    from index.tsvector import document_lexemes, tsvector_literal

    def key(value):
        return unicodedata.normalize("NFKC", value).strip() if value else None

    doc = IndexDoc.from_record(record)
    moment = doc.registered_at
    if moment.tzinfo:
        moment = moment.astimezone(zone or ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    lexemes = document_lexemes(doc)
    body = normalize(doc.text, lower=False) if doc.text and not doc.is_secret else None
    values = [doc_id, doc.reg_no, number_key(doc.reg_no), normalize(doc.reg_no), doc.direction,
              moment, key(doc.doc_type), doc.doc_number,
              number_key(doc.doc_number) if doc.doc_number else None,
              normalize(doc.doc_number) if doc.doc_number else None, sequence_number(doc.doc_number),
              key(doc.issuer), normalize(doc.issuer) if doc.issuer else None, key(doc.department),
              normalize(doc.department) if doc.department else None, doc.title,
              doc.date or moment.date(), doc.date, key(doc.secrecy), doc.is_secret, key(doc.urgency),
              key(doc.route), key(doc.status), doc.deadline,
              archive_key(doc.archive_code) if doc.archive_code else None,
              normalize(doc.archive_code) if doc.archive_code else None, body, tsvector_literal(lexemes)]
    return values, lexemes


def make_chunk(spec: tuple[int, int, int]) -> tuple[bytes, float, int, int, int]:
    """COPY text of documents ``start..start+count`` (Generator seeded per chunk, so any chunk
    can be made by any worker); seconds spent on the tsvector rows; positions; positions lost;
    documents that lost any."""
    from tests.bench.bench_search import Generator

    chunk_no, start, count = spec
    generator = Generator(seed=2026 + chunk_no)
    records = [generator.record(start + i) for i in range(count)]
    began = time.perf_counter()
    lines, positions, lost, docs_lost = [], 0, 0, 0
    for i, record in enumerate(records):
        doc_id = start + i + 1
        # Unique numbers across chunks (each chunk's Generator counts from 1).
        record["reg_no"] = (f"收〔{record['registered_at'].year}〕{doc_id}号" if record["direction"] == "收文"
                            else f"化学院发〔{record['registered_at'].year}〕{doc_id}号")
        values, lexemes = row_values(doc_id, record)
        positions += lexemes.total
        lost += lexemes.lost
        docs_lost += lexemes.lost > 0
        lines.append("\t".join(map(_copy_value, values)))
    return ("\n".join(lines) + "\n").encode("utf-8"), time.perf_counter() - began, positions, lost, docs_lost


# --- the plan in SQL ------------------------------------------------------------------------------

# The plan's whoosh queries as SQL: the translation search itself uses (``index.pg_search``).
from whoosh import query as Q  # noqa: E402

from index.pg_search import SQL, as_sql, combine, exact_number, rank_terms, translate  # noqa: E402


@dataclass
class SqlQuery:
    where: SQL
    rank_query: str | None     # None: no words, newest first
    number: str | None = None  # an exact 发文字号/登记号 asked for: it comes first
    highlight: list[str] = field(default_factory=list)


def sql_query(text: str, issuers, today: date = TODAY) -> SqlQuery:
    """The clerk's query, through wenshu's own plan, as SQL over the docs table."""
    from index.query import build_plan

    plan = build_plan(text, issuers=issuers, today=today)
    conditions = [translate(q) for q in plan.required + plan.filters + plan.date_filters()]
    conditions += [translate(Q.Not(q)) for q in plan.excluded]
    where = as_sql(combine(conditions, "AND") or SQL("true"))
    rank = " | ".join(f"({t})" for t in dict.fromkeys(rank_terms(plan.text_query(), []))) or None
    number = next((n for n in map(exact_number, plan.required) if n), None)
    return SqlQuery(where, rank, number, plan.highlight)


def top_sql(query: SqlQuery, kind: str, limit: int = 10) -> tuple[str, list]:
    """The ids and scores of the first page, best first."""
    where, params = query.where.sql, list(query.where.params)
    exact = ""
    if query.number:
        exact = "(doc_number_key = %s OR reg_no_key = %s) DESC, "
    if query.rank_query is None:
        sql = f"SELECT id, NULL FROM docs WHERE {where} ORDER BY {exact}date DESC, registered_at DESC LIMIT {limit}"
        return sql, params + ([query.number] * 2 if exact else [])
    if kind == "newest":  # the newest matches straight from the index, the best of them by ts_rank_cd
        sql = (f"SELECT id, ts_rank_cd('{WEIGHTS}', tokens, %s::tsquery) AS score FROM (SELECT id, tokens, date "
               f"FROM docs WHERE {where} ORDER BY registered_at <=| '2100-01-01'::timestamp LIMIT {NEWEST}) s "
               f"ORDER BY score DESC, date DESC LIMIT {limit}")
        return sql, [query.rank_query, *params]
    if kind in ("rum", "both"):  # both: RUM orders, the planner takes either index to match and count
        sql = (f"SELECT id, tokens <=> %s::tsquery AS score FROM docs WHERE {where} "
               f"ORDER BY {exact}tokens <=> %s::tsquery LIMIT {limit}")
        return sql, [query.rank_query, *params, *([query.number] * 2 if exact else []), query.rank_query]
    sql = (f"SELECT id, ts_rank_cd('{WEIGHTS}', tokens, %s::tsquery) AS score FROM docs WHERE {where} "
           f"ORDER BY {exact}score DESC, date DESC LIMIT {limit}")
    return sql, [query.rank_query, *params, *([query.number] * 2 if exact else [])]


def search_page(cur, query: SqlQuery, kind: str, limit: int = 10) -> list[tuple[int, str, str]]:
    """(id, reg_no, snippet) of the first page: ids by rank, then their stored text for snippets."""
    from index.snippets import snippet

    sql, params = top_sql(query, kind, limit)
    forced = kind == "newest" and query.rank_query
    if forced:  # else the planner may sort a bitmap scan's (or a sequential scan's) matches itself
        cur.execute("SET enable_bitmapscan = off; SET enable_seqscan = off")
    cur.execute(sql, params)
    ids = [row[0] for row in cur.fetchall()]
    if forced:
        cur.execute("RESET enable_bitmapscan; RESET enable_seqscan")
    if not ids:
        return []
    cur.execute("SELECT id, reg_no, coalesce(body, title) FROM docs WHERE id = ANY(%s)", [ids])
    stored = {row[0]: row for row in cur.fetchall()}
    return [(i, stored[i][1], snippet(stored[i][2], query.highlight)) for i in ids]


def count(cur, query: SqlQuery, cap: int | None = None) -> int:
    if cap is None:
        cur.execute(f"SELECT count(*) FROM docs WHERE {query.where.sql}", query.where.params)
    else:
        cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM docs WHERE {query.where.sql} LIMIT {cap + 1}) s",
                    query.where.params)
    return cur.fetchone()[0]


# --- the database ---------------------------------------------------------------------------------

def connect(url: str, *, autocommit: bool = True):
    import psycopg
    return psycopg.connect(url, autocommit=autocommit)


def create_database(base: str, name: str) -> str:
    with connect(base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(base, name)


def drop_database(base: str, name: str) -> None:
    with connect(base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def session(conn) -> None:
    # JIT compiles expressions of large scans; for these short queries it costs more than it saves.
    conn.execute("SET jit = off")


def load(url: str, size: int, procs: int, chunk: int = 1000) -> dict:
    specs = [(n, start, min(chunk, size - start)) for n, start in enumerate(range(0, size, chunk))]
    began = time.perf_counter()
    build_s = positions = lost = docs_lost = 0
    with connect(url) as conn:
        conn.execute(TABLE)
        with conn.cursor() as cur, cur.copy(f"COPY docs ({', '.join(COLUMNS)}) FROM STDIN") as copy, \
                multiprocessing.get_context("fork").Pool(procs) as pool:
            for done, (data, seconds, n_positions, n_lost, n_docs) in enumerate(pool.imap(make_chunk, specs), 1):
                copy.write(data)
                build_s += seconds
                positions += n_positions
                lost += n_lost
                docs_lost += n_docs
                if done % 50 == 0:
                    print(f"  {done * chunk:,} rows, {time.perf_counter() - began:.0f} s", flush=True)
        loaded = time.perf_counter() - began
        conn.execute("VACUUM ANALYZE docs")
        sizes = conn.execute("SELECT pg_table_size('docs'), pg_relation_size('docs')").fetchone()
    return {"rows": size, "load_s": loaded, "rows_per_s": size / loaded, "tsvector_ms": build_s / size * 1000,
            "positions": positions, "lost": lost, "docs_lost": docs_lost, "table_bytes": sizes[0],
            "heap_bytes": sizes[1]}


def build_btrees(url: str) -> float:
    began = time.perf_counter()
    with connect(url) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        for sql in BTREES:
            conn.execute(sql)
        conn.execute("ANALYZE docs")
    return time.perf_counter() - began


def build_text_index(url: str, kind: str) -> tuple[float, int]:
    with connect(url) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        if kind != "gin":
            conn.execute("CREATE EXTENSION IF NOT EXISTS rum")
        wanted = ("gin", "rum") if kind == "both" else (kind,)
        for other in TEXT_INDEXES:  # gin or rum alone is timed alone; both keeps what is built
            if other not in wanted:
                conn.execute(f"DROP INDEX IF EXISTS docs_tokens_{other}")
        existing = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'docs'")}
        began = time.perf_counter()
        for name in wanted:
            if f"docs_tokens_{name}" not in existing:
                conn.execute(TEXT_INDEXES[name])
        elapsed = time.perf_counter() - began
        conn.execute("ANALYZE docs")
        size = sum(conn.execute(f"SELECT pg_relation_size('docs_tokens_{name}')").fetchone()[0] for name in wanted)
    return elapsed, size


def query_mix(url: str) -> dict[str, list[str]]:
    from tests.bench.bench_search import QUERY_MIX

    mix = {k: list(v) for k, v in QUERY_MIX.items()}
    with connect(url) as conn:
        size = conn.execute("SELECT max(id) FROM docs").fetchone()[0]
        rnd = random.Random(7)
        ids = rnd.sample(range(1, size + 1), 6)
        numbers = [r[0] for r in conn.execute("SELECT doc_number FROM docs WHERE id = ANY(%s) ORDER BY id", [ids])]
    mix["doc number"] = [v for n in numbers for v in (n, n.replace("〔", "[").replace("〕", "]"))]
    return mix


def issuer_book():
    from core.settings import load_settings
    from index.understand import IssuerBook
    from tests.bench.bench_search import ISSUERS

    return IssuerBook([name for name, _, _ in ISSUERS], load_settings(env={}).office.names)


def time_queries(url: str, kind: str, mix: dict[str, list[str]], rounds: int) -> dict:
    """Per kind: top-10 page with snippets, exact count, capped count (ms), cold then warm."""
    book = issuer_book()
    plans = {q: sql_query(q, book) for queries in mix.values() for q in queries}
    out: dict = {"cold": [], "kinds": {k: {"top": [], "count": [], "capped": []} for k in mix}, "totals": {}}
    with connect(url) as conn, conn.cursor() as cur:
        session(conn)
        for timing_round in range(rounds + 1):
            for name, queries in mix.items():
                for q in queries:
                    plan = plans[q]
                    began = time.perf_counter()
                    search_page(cur, plan, kind)
                    top = (time.perf_counter() - began) * 1000
                    began = time.perf_counter()
                    total = count(cur, plan)
                    exact = (time.perf_counter() - began) * 1000
                    began = time.perf_counter()
                    count(cur, plan, CAP)
                    capped = (time.perf_counter() - began) * 1000
                    if timing_round == 0:
                        out["cold"].append(top + exact)
                        out["totals"][q] = total
                        continue
                    cell = out["kinds"][name]
                    cell["top"].append(top)
                    cell["count"].append(exact)
                    cell["capped"].append(capped)
        out["plans"] = {}
        for q in ("科研", '"科研经费"', "文种:通知 安全", mix["doc number"][0]):
            sql, params = top_sql(plans[q], kind)
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            out["plans"][q] = [r[0] for r in cur.fetchall()]
    return out


def insert_cost(url: str, kind: str, n: int = 200) -> float:
    """ms per single-row INSERT ... COMMIT of a new document with the text index in place."""
    from tests.bench.bench_search import Generator

    generator = Generator(seed=99)
    with connect(url) as conn:
        start = conn.execute("SELECT max(id) FROM docs").fetchone()[0] + 1
        rows = []
        for i in range(n):
            record = generator.record(i)
            record["reg_no"] = f"收〔2027〕{start + i}号"
            rows.append(row_values(start + i, record)[0])
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        began = time.perf_counter()
        for values in rows:
            with conn.transaction():
                conn.execute(f"INSERT INTO docs ({', '.join(COLUMNS)}) VALUES ({placeholders})", values)
        elapsed = (time.perf_counter() - began) / n * 1000
        conn.execute("DELETE FROM docs WHERE id >= %s", [start])
    return elapsed


def bench(args) -> None:
    base = libpq_url(args.url)
    name = args.reuse or f"wenshu_spike_{os.getpid()}"
    url = with_database(base, name) if args.reuse else create_database(base, name)
    print(f"database {name}; load {load_avg()}", flush=True)
    report: dict = {"docs": args.docs, "indexes": {}}
    keep = args.keep or bool(args.reuse)
    try:
        if not args.reuse:
            loaded = load(url, args.docs, args.procs)
            report["load"] = loaded
            print(f"loaded {args.docs:,} rows in {loaded['load_s']:.0f} s ({loaded['rows_per_s']:,.0f} rows/s; "
                  f"tsvector {loaded['tsvector_ms']:.2f} ms/doc in the workers); table "
                  f"{loaded['table_bytes'] / 1e6:,.0f} MB (heap {loaded['heap_bytes'] / 1e6:,.0f} MB); positions lost "
                  f"to the limits {loaded['lost']:,} of {loaded['positions']:,} in {loaded['docs_lost']:,} documents; "
                  f"load {load_avg()}", flush=True)
            report["btree_s"] = build_btrees(url)
        mix = query_mix(url)
        for kind in args.index:
            seconds, size = build_text_index(url, kind)
            print(f"{kind}: built in {seconds:.0f} s, {size / 1e6:,.0f} MB; load {load_avg()}", flush=True)
            timings = time_queries(url, kind, mix, args.rounds)
            inserts = insert_cost(url, kind)
            report["indexes"][kind] = {"build_s": seconds, "bytes": size, "timings": timings,
                                       "insert_ms": inserts, "load": load_avg()}
            print_kind(kind, report["indexes"][kind])
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            drop_database(base, name)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def print_kind(kind: str, result: dict) -> None:
    t = result["timings"]
    print(f"\n{kind.upper()}: index {result['bytes'] / 1e6:,.0f} MB built in {result['build_s']:.0f} s; "
          f"single-row INSERT with it {result['insert_ms']:.1f} ms; load {result['load']}")
    print(f"cold first pass (page + exact count): p50 {percentile(t['cold'], 50):.0f} ms, "
          f"p95 {percentile(t['cold'], 95):.0f} ms")
    print(f"{'kind':>10} | {'page p50':>8} | {'page p95':>8} | {'count p50':>9} | {'count p95':>9} | "
          f"{'page+count p95':>14} | {'capped p50':>10} | {'capped p95':>10} | {'page+capped p95':>15}")
    every_exact, every_capped = [], []
    for name, cell in t["kinds"].items():
        with_count = [a + b for a, b in zip(cell["top"], cell["count"])]
        with_cap = [a + b for a, b in zip(cell["top"], cell["capped"])]
        every_exact += with_count
        every_capped += with_cap
        print(f"{name:>10} | {percentile(cell['top'], 50):>8.1f} | {percentile(cell['top'], 95):>8.1f} | "
              f"{percentile(cell['count'], 50):>9.1f} | {percentile(cell['count'], 95):>9.1f} | "
              f"{percentile(with_count, 95):>14.1f} | {percentile(cell['capped'], 50):>10.1f} | "
              f"{percentile(cell['capped'], 95):>10.1f} | {percentile(with_cap, 95):>15.1f}")
    print(f"{'all':>10} | page+count p50 {percentile(every_exact, 50):.1f} p95 {percentile(every_exact, 95):.1f} | "
          f"page+capped p50 {percentile(every_capped, 50):.1f} p95 {percentile(every_capped, 95):.1f}")
    frequent = sorted(t["totals"].items(), key=lambda kv: -kv[1])[:5]
    print("largest totals: " + ", ".join(f"{q} {n:,}" for q, n in frequent))
    for q, lines in t["plans"].items():
        print(f"plan of {q}:\n    " + "\n    ".join(lines[:14]))


# --- recall on the labelled set -------------------------------------------------------------------

def recall(args) -> None:
    """recall@10 on tests/index/labels.json: PostgreSQL (GIN + ts_rank_cd, RUM + <=>) and whoosh."""
    import tempfile

    from core.settings import load_settings
    from index import index_documents, search
    from index.understand import IssuerBook
    from tests.index.conftest import LABELS, TODAY as LABEL_TODAY, load_corpus

    corpus = load_corpus()
    base = libpq_url(args.url)
    name = f"wenshu_spike_recall_{os.getpid()}"
    url = create_database(base, name)
    results: dict[str, tuple[int, int, list]] = {}
    tops: dict[str, dict[str, list[str]]] = {}
    try:
        with connect(url) as conn:
            conn.execute(TABLE)
            settings = load_settings(data_dir=Path(tempfile.mkdtemp(prefix="wenshu-recall-")) / "data", env={})
            with conn.cursor() as cur:
                for i, record in enumerate(corpus, 1):
                    values = row_values(i, record, settings.zone)[0]
                    cur.execute(f"INSERT INTO docs ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                                values)
            conn.execute("CREATE EXTENSION IF NOT EXISTS rum")
            conn.execute(TEXT_INDEXES["rum"])
            issuers = sorted({r["issuer"] for r in corpus if r["issuer"]})
            index_documents(settings, corpus)
            book = IssuerBook(issuers, settings.office.names)
            with conn.cursor() as cur:
                session(conn)
                for kind in ("whoosh", "gin", "rum"):
                    wanted = found = 0
                    misses = []
                    for item in LABELS["queries"]:
                        if kind == "whoosh":
                            top = [h.reg_no for h in search(settings, item["q"], today=LABEL_TODAY, limit=10).hits]
                        else:
                            top = [reg_no for _, reg_no, _ in
                                   search_page(cur, sql_query(item["q"], book, LABEL_TODAY), kind, 10)]
                        tops.setdefault(kind, {})[item["q"]] = top
                        got = [r for r in item["must"] if r in top]
                        wanted += len(item["must"])
                        found += len(got)
                        if len(got) < len(item["must"]):
                            misses.append((item["q"], sorted(set(item["must"]) - set(got))))
                    results[kind] = (found, wanted, misses)
                # the two-character words: every document containing one, and no other
                from tests.index.test_query_set import searchable_text
                wrong = []
                for word in LABELS["two_char_words"]:
                    containing = {r["reg_no"] for r in corpus if word in searchable_text(r)}
                    got = {reg_no for _, reg_no, _ in search_page(cur, sql_query(word, book, LABEL_TODAY), "gin", 100)}
                    if got != containing:
                        wrong.append(word)
    finally:
        drop_database(base, name)
    print(f"\nrecall@10 on the labelled set ({len(LABELS['queries'])} queries, {len(corpus)} documents); "
          f"load {load_avg()}")
    for kind, (found, wanted, misses) in results.items():
        line = f"  {kind:>6}: {found}/{wanted} = {found / wanted:.3f}" + (f"; missed {misses}" if misses else "")
        if kind != "whoosh":
            same_first = sum(tops[kind][q][:1] == tops["whoosh"][q][:1] for q in tops[kind])
            overlap = [len(set(tops[kind][q]) & set(tops["whoosh"][q])) / max(1, len(set(tops["whoosh"][q])))
                       for q in tops[kind]]
            line += (f"; first hit as whoosh's in {same_first}/{len(overlap)} queries, "
                     f"top-10 overlap with whoosh's {sum(overlap) / len(overlap):.1%}; first hits differing: "
                     + ", ".join(f"{q} ({tops[kind][q][:1]} vs {tops['whoosh'][q][:1]})" for q in tops[kind]
                                 if tops[kind][q][:1] != tops["whoosh"][q][:1]))
        print(line)
    print(f"  two-character words finding exactly the documents containing them (PostgreSQL): "
          f"{len(LABELS['two_char_words']) - len(wrong)}/{len(LABELS['two_char_words'])}"
          + (f"; wrong: {wrong}" if wrong else ""))


# --- what the limits cost -------------------------------------------------------------------------

def limits(args) -> None:
    """Documents of 2,000 to 50,000 characters (bench_search's bodies joined): positions lost,
    documents affected, and phrases of 4 Han characters taken from the text that the stored
    tsvector still finds as a <-> chain."""
    from index.analysis import normalize
    from index.tsvector import phrase_tokens, text_lexemes
    from tests.bench.bench_search import Generator

    generator = Generator(seed=11)
    rnd = random.Random(3)
    han = re.compile(r"[\u4e00-\u9fff]{4}")
    print(f"\ntsvector limits (16,383 positions, 256 per lexeme); load {load_avg()}")
    print(f"{'chars':>7} | {'docs':>4} | {'positions/doc':>13} | {'docs losing':>11} | {'beyond 16,383':>13} | "
          f"{'past 256th':>10} | {'4-char phrases found':>20}")
    for length in (2_000, 10_000, 20_000, 30_000, 50_000):
        docs = 40
        affected = lost = total = phrases = found = clamped = truncated = 0
        for _ in range(docs):
            parts = []
            while sum(map(len, parts)) < length:
                parts.append(generator.record(0)["text"])
            body = "\n".join(parts)[:length]
            lexemes = text_lexemes("", "", body)
            affected += lexemes.lost > 0
            lost += lexemes.lost
            clamped += lexemes.clamped
            truncated += lexemes.truncated
            total += lexemes.total
            entries = {t: {p for p, _ in ps} for t, ps in lexemes.entries.items()}
            text = normalize(body)
            for start in rnd.sample(range(len(text) - 4), 100):
                piece = text[start:start + 4]
                if not han.fullmatch(piece):
                    continue
                tokens = phrase_tokens(piece)
                phrases += 1
                found += any(all(p + i in entries.get(t, ()) for i, t in enumerate(tokens))
                             for p in entries.get(tokens[0], ()))
        print(f"{length:>7,} | {docs:>4} | {total / docs:>13,.0f} | {affected:>11} | {clamped / total:>13.1%} | "
              f"{truncated / total:>10.1%} | {found / phrases:>19.1%}")


# --- registration with its search row ---------------------------------------------------------------

def registration(args) -> None:
    """Registrations per second on PostgreSQL through the registry's own ``register``, without and
    with the search row written in the same transaction (the pipeline's engine), alternating
    blocks of 50 between two scratch databases so both see the same machine load."""
    import tempfile
    from datetime import timezone

    from core.settings import load_settings
    from pipeline.database import open_registry as open_with_rows
    from registry.db import open_registry as open_plain
    from registry.records import Intake, register
    from tests.bench.bench_search import Generator

    count, block = args.register, 50
    generator = Generator(seed=7)
    records = [generator.record(i) for i in range(count)]
    timings: dict[str, float] = {"plain": 0.0, "rows": 0.0}
    names = {kind: f"wenshu_bench_register_{kind}_{os.getpid()}" for kind in timings}
    try:
        engines = {}
        for kind, name in names.items():
            url = create_database(libpq_url(args.url), name).replace("postgresql://", "postgresql+psycopg://", 1)
            settings = load_settings(data_dir=Path(tempfile.mkdtemp()) / kind,
                                     env={"WENSHU_OFFICE_CODE": "化学院"}, overrides={"database_url": url})
            engines[kind] = (settings, (open_with_rows if kind == "rows" else open_plain)(settings))
        for start in range(0, count, block):
            for kind, (settings, engine) in engines.items():
                began = time.perf_counter()
                for i in range(start, min(count, start + block)):
                    r = records[i]
                    intake = Intake(direction="收文", file_name=f"{i}.pdf", sha256=f"{i:064x}",
                                    stored_path=f"store/{i % 256:02x}/{i:064x}.pdf", text=r["text"],
                                    fields={"doc_type": r["doc_type"], "doc_number": f"东大发〔2026〕{i + 1}号",
                                            "issuer": r["issuer"], "title": r["title"], "date": r["date"],
                                            "secrecy": r["secrecy"], "route": r["route"]})
                    register(engine, settings, intake, "clerk",
                             now=r["registered_at"].replace(tzinfo=settings.zone).astimezone(timezone.utc))
                timings[kind] += time.perf_counter() - began
        for settings, engine in engines.values():
            engine.dispose()
    finally:
        for name in names.values():
            drop_database(libpq_url(args.url), name)
    plain, rows = (count / timings[k] for k in ("plain", "rows"))
    print(f"\nregistration on PostgreSQL, {count} documents of ~2,000 characters, load {load_avg()}")
    print(f"  without search rows: {plain:.1f}/s ({1000 / plain:.1f} ms each)")
    print(f"  with search rows:    {rows:.1f}/s ({1000 / rows:.1f} ms each), {rows / plain:.2f}× the rate")


# --- the search as built: index.search over the registry's search_rows --------------------------------

def make_search_rows_chunk(spec: tuple[int, int, int]) -> bytes:
    """COPY text of documents ``start..start+count`` as rows of ``search_rows``, built by the very
    function the registry's write transactions call (``index.pg_rows.search_row``)."""
    from zoneinfo import ZoneInfo

    from index.documents import IndexDoc
    from index.pg_rows import search_row
    from registry.search_rows import COLUMNS as ROW_COLUMNS
    from tests.bench.bench_search import Generator

    chunk_no, start, count = spec
    generator = Generator(seed=2026 + chunk_no)
    zone = ZoneInfo("Asia/Shanghai")
    lines = []
    for i in range(count):
        record = generator.record(start + i)
        doc_id = start + i + 1
        record["reg_no"] = (f"收〔{record['registered_at'].year}〕{doc_id}号" if record["direction"] == "收文"
                            else f"化学院发〔{record['registered_at'].year}〕{doc_id}号")
        row = search_row(IndexDoc.from_record(record), zone)
        lines.append("\t".join(_copy_value(row[column]) for column in ROW_COLUMNS))
    return ("\n".join(lines) + "\n").encode("utf-8")


def built(args) -> None:
    """``index.search`` itself (plan, issuers read from the rows, SQL, exact total, top 20 with
    snippets), on PostgreSQL with the schema of the registry's migrations, over bench_search's mix."""
    import tempfile

    from core.settings import load_settings
    from index import search
    from registry.db import connect as open_database
    from registry.search_rows import COLUMNS as ROW_COLUMNS
    from tests.bench.bench_search import QUERY_MIX

    name = f"wenshu_bench_built_{os.getpid()}"
    url = create_database(libpq_url(args.url), name)
    try:
        settings = load_settings(data_dir=Path(tempfile.mkdtemp()) / "data", env={},
                                 overrides={"database_url": url.replace("postgresql://", "postgresql+psycopg://", 1)})
        open_database(settings.database_url, settings.audit_key_file).dispose()  # the migrations
        chunk = 1000
        specs = [(n, start, min(chunk, args.docs - start)) for n, start in enumerate(range(0, args.docs, chunk))]
        began = time.perf_counter()
        with connect(url) as conn:
            indexdef = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_rows_tokens'"
                                    ).fetchone()[0]
            conn.execute("DROP INDEX search_rows_tokens")  # built once after the load, not row by row
            with conn.cursor() as cur, cur.copy(f"COPY search_rows ({', '.join(ROW_COLUMNS)}) FROM STDIN") as copy, \
                    multiprocessing.get_context("fork").Pool(args.procs) as pool:
                for done, data in enumerate(pool.imap(make_search_rows_chunk, specs), 1):
                    copy.write(data)
                    if done % 50 == 0:
                        print(f"  {done * chunk:,} rows, {time.perf_counter() - began:.0f} s", flush=True)
            loaded = time.perf_counter() - began
            began = time.perf_counter()
            conn.execute(indexdef)
            indexed = time.perf_counter() - began
            conn.execute("VACUUM ANALYZE search_rows")
            numbers = [row[0] for row in conn.execute(
                "SELECT doc_number FROM search_rows WHERE reg_no_key IN (SELECT reg_no_key FROM search_rows "
                "ORDER BY md5(reg_no) LIMIT 6)")]
            sizes = conn.execute("SELECT pg_table_size('search_rows'), pg_relation_size('search_rows_tokens')"
                                 ).fetchone()
        mix = {kind: list(queries) for kind, queries in QUERY_MIX.items()}
        mix["doc number"] = [v for n in numbers for v in (n, n.replace("〔", "[").replace("〕", "]"))]
        timings: dict[str, list[float]] = {kind: [] for kind in mix}
        load_before = load_avg()
        for timing_round in range(args.rounds + 1):
            for kind, queries in mix.items():
                for query in queries:
                    started = time.perf_counter()
                    search(settings, query, today=TODAY, limit=20)
                    if timing_round:
                        timings[kind].append((time.perf_counter() - started) * 1000)
        every = [t for values in timings.values() for t in values]
        print(f"\nindex.search on PostgreSQL ({args.docs:,} documents; load {load_before} -> {load_avg()}): "
              f"loaded {args.docs / loaded:.0f} rows/s, text index built in {indexed:.0f} s, "
              f"table {sizes[0] / 1e6:,.0f} MB, text index {sizes[1] / 1e6:,.0f} MB")
        print("| kind | queries | p50 ms | p95 ms |\n| --- | ---: | ---: | ---: |")
        for kind, values in [*timings.items(), ("all", every)]:
            print(f"| {kind} | {len(values) // max(1, args.rounds)} | {percentile(values, 50):.0f} "
                  f"| {percentile(values, 95):.0f} |")
    finally:
        from index import pg_search
        pg_search.forget(settings.database_url)
        if not args.keep:
            drop_database(libpq_url(args.url), name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000, help="documents (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="10,000 documents, one timed round")
    parser.add_argument("--index", default="gin,rum,both,newest",
                        help="text indexes to measure, in turn: gin, rum, both, newest (default gin,rum,both,newest)")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the query mix after a cold one")
    parser.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1), help="processes making rows")
    parser.add_argument("--register", type=int, default=1000, help="registrations timed by --part register")
    parser.add_argument("--part", action="append", choices=("bench", "recall", "limits", "register", "built"),
                        help="what to run (repeatable; default all)")
    parser.add_argument("--url", default=os.environ.get("WENSHU_TEST_PG_URL",
                                                        "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", metavar="DATABASE",
                        help="time the queries again on a database kept by --keep (no load; indexes rebuilt)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.docs, args.rounds = 10_000, 1
    args.index = [k.strip() for k in args.index.split(",") if k.strip()]
    parts = args.part or ["limits", "recall", "register", "built", "bench"]
    if "limits" in parts:
        limits(args)
    if "recall" in parts:
        recall(args)
    if "register" in parts:
        registration(args)
    if "built" in parts:
        built(args)
    if "bench" in parts:
        bench(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
