"""``search`` when the registry is PostgreSQL: the same plan (``index.query.build_plan``: syntax,
understanding, ``understood_as``) answered from the search rows the registry writes in each
record's own transaction (registry migration 0010, ``index.pg_rows``).

How the plan's whoosh queries become SQL (docs/search.md, "Search in PostgreSQL"): text is a
tsquery on ``tokens`` (a phrase is a ``<->`` chain of its bigrams, ``标题:`` the same chain with
weight ``A``), keyed fields are columns, a name the rows do not know is ``LIKE`` on its normalised
column, dates are ranges. Ranking is ``ts_rank_cd`` with the title weighing ten times the body;
with the RUM index the newest ``NEWEST`` matches come straight from the index and the best of
them are shown, which bounds the cost of a word in half the archive. The index reads the rows;
it never writes them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import ProgrammingError
from whoosh import query as Q

from core.settings import Settings
from index.errors import IndexUnavailable
from index.pg_rows import SUBSTRING_COLUMNS
from index.query import build_plan
from index.results import Hit, SearchResult
from index.snippets import snippet
from index.tsvector import RANK_WEIGHTS, TITLE_WORD, quote
from index.understand import IssuerBook

NEWEST = 2000
WEIGHTS = "{" + ",".join(map(str, RANK_WEIGHTS)) + "}"
KEY_COLUMNS = frozenset({"doc_type", "direction", "route", "urgency", "secrecy", "status", "issuer", "department",
                         "doc_number_key", "reg_no_key", "archive_code"})
DATE_COLUMNS = {"date": "date", "registered_at": "registered_at", "deadline": "deadline"}
TEXT_FIELDS = {"text_bi": "", "title_bi": "A"}  # bigram field -> the weight a match must have

_engines: dict[str, Engine] = {}
_cache: dict[tuple, Any] = {}
_lock = threading.Lock()
CACHED = 16


# --- the plan in SQL ------------------------------------------------------------------------

@dataclass(frozen=True)
class TS:
    """A condition answered from ``tokens`` alone: one tsquery."""
    q: str


@dataclass(frozen=True)
class SQL:
    sql: str
    params: tuple = field(default_factory=tuple)


def as_sql(node: TS | SQL) -> SQL:
    return SQL("tokens @@ %s::tsquery", (node.q,)) if isinstance(node, TS) else node


def combine(nodes: list[TS | SQL | None], op: str) -> TS | SQL | None:
    """AND/OR of conditions; the tsqueries among them become one (one index scan, not several)."""
    nodes = [n for n in nodes if n is not None]
    if len(nodes) <= 1:
        return nodes[0] if nodes else None
    texts = [n.q for n in nodes if isinstance(n, TS)]
    others = [n for n in nodes if isinstance(n, SQL)]
    ts = TS(f" {'&' if op == 'AND' else '|'} ".join(f"({q})" for q in texts)) if texts else None
    if not others:
        return ts
    parts = ([as_sql(ts)] if ts else []) + others
    return SQL("(" + f" {op} ".join(p.sql for p in parts) + ")", tuple(x for p in parts for x in p.params))


def _spelled(tokens: list[str]) -> str:
    """The text a chain of bigrams spells (东湖, 湖大, 大学 -> 东湖大学)."""
    out = tokens[0]
    for token in tokens[1:]:
        out += token[1:] if len(token) == 2 and out.endswith(token[0]) else token
    return out


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def translate(q: Q.Query) -> TS | SQL | None:
    """A query of ``index.query`` as a condition on the search rows (which rows, not their score);
    None for whoosh's Every."""
    name = getattr(q, "fieldname", None)
    if name in TEXT_FIELDS and isinstance(q, (Q.Term, Q.Prefix, Q.Phrase)):
        weight = TEXT_FIELDS[name]
        if isinstance(q, Q.Phrase):
            return TS("(" + " <-> ".join(quote(w) + (f":{weight}" if weight else "") for w in q.words) + ")")
        star = ":*" if isinstance(q, Q.Prefix) else ""
        return TS(quote(q.text) + (star or (":" if weight else "")) + weight)
    if name == "title_w" and isinstance(q, Q.Term):
        return TS(quote(TITLE_WORD + q.text) + ":A")
    if name in SUBSTRING_COLUMNS and isinstance(q, (Q.Term, Q.Prefix, Q.Phrase)):
        value = _spelled(list(q.words)) if isinstance(q, Q.Phrase) else q.text
        return SQL(f"{SUBSTRING_COLUMNS[name]} LIKE %s", (_like(value),))
    if name in KEY_COLUMNS and isinstance(q, Q.Term):
        return SQL(f"{name} = %s", (q.text,))
    if name == "doc_number_seq" and isinstance(q, Q.Term):
        return SQL("doc_number_seq = %s", (int(q.text),))
    if name == "secret" and isinstance(q, Q.Term):
        return SQL("secret" if q.text == "1" else "NOT secret")
    if isinstance(q, Q.DateRange):
        column = DATE_COLUMNS[q.fieldname]
        bounds = []
        if q.startdate:
            bounds.append(SQL(f"{column} >= %s", (q.startdate if column == "registered_at" else q.startdate.date(),)))
        if q.enddate:
            bounds.append(SQL(f"{column} <= %s", (q.enddate if column == "registered_at" else q.enddate.date(),)))
        return combine(bounds, "AND")
    if isinstance(q, Q.And):
        return combine([translate(s) for s in q.subqueries], "AND")
    if isinstance(q, Q.Or):
        return combine([translate(s) for s in q.subqueries], "OR")
    if isinstance(q, Q.AndMaybe):  # the optional part only ranks
        return translate(q.a)
    if isinstance(q, Q.ConstantScoreQuery):
        return translate(q.child)
    if isinstance(q, Q.Not):
        return _negated(translate(q.query))
    if isinstance(q, Q.Every):
        return None
    raise NotImplementedError(f"no SQL for {q!r}")


def _negated(inner: TS | SQL | None) -> TS | SQL:
    if inner is None:
        return SQL("false")
    if isinstance(inner, TS):
        return TS(f"!({inner.q})")
    # A NULL column is not a match: NOT (NULL = x) must be true, not NULL.
    return SQL(f"NOT coalesce({inner.sql}, false)", inner.params)


def rank_terms(q: Q.Query | None, out: list[str]) -> list[str]:
    """The tsqueries the words and their bonus score on, OR-ed into the rank's query. The
    title's bigram bonus is left out: title positions weigh ``A`` in ``tokens`` already."""
    if isinstance(q, (Q.Term, Q.Prefix, Q.Phrase)) and q.fieldname in ("text_bi", "title_w"):
        out.append(translate(q).q)
    elif isinstance(q, Q.AndMaybe):
        rank_terms(q.a, out)
        rank_terms(q.b, out)
    elif isinstance(q, (Q.And, Q.Or)):
        for sub in q.subqueries:
            rank_terms(sub, out)
    elif isinstance(q, Q.ConstantScoreQuery):
        pass  # a record citing a number ranks below the number itself, not by its words
    return out


def exact_number(q: Q.Query) -> str | None:
    """The number of ``Plan.add_number``'s query: the record carrying it comes first."""
    if isinstance(q, Q.Or):
        for sub in q.subqueries:
            if isinstance(sub, Q.Term) and sub.fieldname == "doc_number_key":
                return sub.text
    return None


# --- reading ------------------------------------------------------------------------------

def _engine(settings: Settings) -> Engine:
    url = settings.database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            # A search holds its connection for one query; a few per process are enough, and each
            # uvicorn worker has the registry's own pool beside this one (max_connections).
            engine = _engines[url] = create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4)
    return engine


def forget(url: str) -> None:
    """Close the connections to a database about to be dropped (tests)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _cached(key: tuple, make):
    with _lock:
        if key in _cache:
            return _cache[key]
    value = make()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHED:
            _cache.pop(next(iter(_cache)))
    return value


def _issuer_book(connection, settings: Settings, generation: int, aliases: tuple,
                 hidden: SQL | None) -> IssuerBook:
    """The issuers the rows name, less those only records hidden from the user name."""
    def names() -> list[str]:
        if hidden is None:
            rows = connection.exec_driver_sql("SELECT DISTINCT issuer FROM search_rows WHERE issuer IS NOT NULL")
        else:
            rows = connection.exec_driver_sql(
                f"SELECT issuer FROM search_rows WHERE issuer IS NOT NULL GROUP BY issuer "
                f"HAVING NOT bool_and(coalesce({hidden.sql}, false))", hidden.params)
        return sorted(row[0] for row in rows)

    key = ("book", settings.database_url, generation, tuple(settings.office.names), aliases,
           hidden.sql if hidden else None, hidden.params if hidden else None)
    return _cached(key, lambda: IssuerBook(names(), settings.office.names, aliases={w: m for w, m in aliases}))


def search(settings: Settings, query: str, *, limit: int, page: int, doc_type: str | None,
           date_from: date | str | None, date_to: date | str | None, sort: str, today: date,
           issuer_aliases: tuple, hidden: Q.Query | None) -> SearchResult:
    """One page, as ``index.search.search`` gives it (its arguments already checked). ``hidden``:
    the records the user may not know exist (``index.search.clearance_mask``)."""
    hidden_sql = as_sql(translate(hidden)) if hidden is not None else None
    with _engine(settings).connect() as connection:
        try:
            generation = connection.exec_driver_sql("SELECT generation FROM search_generation").scalar_one()
        except ProgrammingError as error:  # no table: a registry the migrations have not reached
            raise IndexUnavailable(f"数据库中还没有检索表（{error.__class__.__name__}）。") from error
        book = _issuer_book(connection, settings, generation, issuer_aliases, hidden_sql)
        plan = build_plan(query, issuers=book, today=today, doc_type=doc_type, date_from=date_from,
                          date_to=date_to)
        conditions = [translate(q) for q in plan.required + plan.filters + plan.date_filters()]
        conditions += [_negated(translate(q)) for q in plan.excluded]
        if hidden is not None:
            conditions.append(_negated(translate(hidden)))
        where = as_sql(combine(conditions, "AND") or SQL("true"))
        text_query = plan.text_query()
        if text_query is None:
            sort = "date"  # without words to rank by, the newest documents are the most useful first
        # A 发文字号 alone has no words to rank: its own record first, then those citing it, newest first.
        ranked = " | ".join(f"({t})" for t in dict.fromkeys(rank_terms(text_query, []))) or None
        number = next((n for n in map(exact_number, plan.required) if n), None)
        total = connection.exec_driver_sql(f"SELECT count(*) FROM search_rows WHERE {where.sql}",
                                           where.params).scalar_one()
        first = (page - 1) * limit
        sql, params = _page_sql(where, ranked if sort == "relevance" else None, number, first, limit,
                                newest=_text_index(connection, settings) == "rum")
        if "<=|" in sql:  # else the planner may sort a bitmap scan's matches itself: all of them
            connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        found = connection.exec_driver_sql(sql, params).all()
        connection.rollback()
    hits = tuple(Hit(reg_no=row.reg_no, title=row.title, doc_number=row.doc_number, issuer=row.issuer,
                     date=row.date_value, score=float(row.score) if row.score is not None else None,
                     snippet=snippet(row.body if row.body else row.title, plan.highlight),
                     doc_type=row.doc_type, direction=row.direction)
                 for row in found)
    return SearchResult(total=total, hits=hits, understood_as=plan.understood_as(sort), page=page, limit=limit)


SHOWN = "reg_no, title, doc_number, issuer, date_value, doc_type, direction, body"
NEWEST_FIRST = "date DESC, registered_at DESC, reg_no DESC"


def _page_sql(where: SQL, ranked: str | None, number: str | None, first: int, limit: int,
              newest: bool) -> tuple[str, tuple]:
    exact, exact_params = "", ()
    if number:
        exact, exact_params = "(doc_number_key = %s OR reg_no_key = %s) DESC, ", (number, number)
    window = f"LIMIT {limit} OFFSET {first}"
    if ranked is None:
        return (f"SELECT {SHOWN}, NULL AS score FROM search_rows WHERE {where.sql} "
                f"ORDER BY {exact}{NEWEST_FIRST} {window}", where.params + exact_params)
    score = f"ts_rank_cd('{WEIGHTS}', tokens, %s::tsquery)"
    if newest and first + limit <= NEWEST:
        # The newest NEWEST matches straight from the RUM index (registration time attached),
        # then the best of those: a common word costs NEWEST rows, not half the archive.
        inner = (f"SELECT * FROM search_rows WHERE {where.sql} "
                 f"ORDER BY registered_at <=| '9999-12-31'::timestamp LIMIT {NEWEST}")
        return (f"SELECT {SHOWN}, {score} AS score FROM ({inner}) newest "
                f"ORDER BY {exact}score DESC, {NEWEST_FIRST} {window}", (ranked, *where.params, *exact_params))
    return (f"SELECT {SHOWN}, {score} AS score FROM search_rows WHERE {where.sql} "
            f"ORDER BY {exact}score DESC, {NEWEST_FIRST} {window}", (ranked, *where.params, *exact_params))


def _text_index(connection, settings: Settings) -> str:
    def kind() -> str:
        found = connection.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_rows_tokens'").scalar_one_or_none()
        return "rum" if found and "USING rum" in found else "gin"
    return _cached(("index", settings.database_url), kind)
