"""``search``: one page of results with snippets and how the query was understood."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from whoosh import query as Q
from whoosh.sorting import FieldFacet

from core.settings import Settings
from core.vocab import CLEARANCES, UNRESTRICTED, Clearance, visible_to  # noqa: F401 (re-exported)
from index import engine
from index.errors import IndexUnavailable, QueryError
from index import pg_search
from index.query import build_plan
from index.results import Hit, SearchResult  # noqa: F401 (re-exported)
from index.snippets import snippet
from index.understand import IssuerBook
from index.writer import current_dir, open_path

SORTS = ("relevance", "date")
MAX_LIMIT = 1000
OPEN_INDEXES = 4  # per thread; a process normally searches one data directory

# Opening a whoosh reader costs more than most searches, so each thread keeps its searcher
# and opens a new one only when a commit has made a new TOC generation. (Not whoosh's
# Searcher.refresh(): it reuses a segment's reader even when the segment gained deletions, and
# brings merged-away segments back, so updated documents showed up twice.) Searchers are not
# shared between threads.
_local = threading.local()
# Learning issuers means reading a small lexicon; keep a book per index generation (and per
# set of issuers hidden from the user: see ``issuer_book``), only a few of them.
_books: dict[tuple, IssuerBook] = {}
_hidden_issuers: dict[tuple, frozenset[str]] = {}
_books_lock = threading.Lock()
BOOKS = 8



class _Cached:
    def __init__(self, path: Path):
        self.path = path
        self.ix = open_path(path)
        self.searcher = self.ix.searcher()

    def fresh(self):
        if not self.searcher.up_to_date():
            self.close()
            self.ix = open_path(self.path)
            self.searcher = self.ix.searcher()
        return self.searcher

    def close(self) -> None:
        try:
            self.searcher.close()
            self.ix.close()
        except Exception:  # the generation may already be deleted: nothing left to release
            pass


def _searcher(settings: Settings, *, reopen: bool = False):
    path = current_dir(settings)
    if path is None:
        raise IndexUnavailable(f"还没有搜索索引（{settings.index_dir}）。")
    cache: dict[str, _Cached] = _local.__dict__.setdefault("searchers", {})
    key = str(settings.index_dir)
    entry = cache.get(key)
    if entry is not None and (reopen or entry.path != path):
        entry.close()
        entry = None
    if entry is None:
        while len(cache) >= OPEN_INDEXES:
            cache.pop(next(iter(cache))).close()
        entry = cache[key] = _Cached(path)
    return entry.ix, entry.fresh()


IssuerAliases = Mapping[str, Iterable[str]]


def _frozen(aliases: IssuerAliases | None) -> tuple:
    return tuple(sorted((word, (meant,) if isinstance(meant, str) else tuple(sorted(meant)))
                        for word, meant in (aliases or {}).items()))


def clearance_mask(clearance: Clearance) -> Q.Query | None:
    """The documents a user with ``clearance`` may not know exist (``core.vocab.visible_to``);
    None when there are none (no restriction, or 绝密 clearance).

    Written on the ``secret`` field (set from the 密级 as registered) rather than on the 密级
    term, which the index keeps NFKC-normalised: 「ＮＯＮＥ」 is 涉密 for the register, and so
    hidden here, although its term reads ``NONE``. A 涉密 document is visible only when its 密级
    is one of the levels the clearance reaches; any other word counts as 绝密."""
    if clearance is UNRESTRICTED or visible_to(CLEARANCES[-1], clearance):  # the top sees every word
        return None
    secret = Q.Term("secret", "1")
    levels = [Q.Term("secrecy", level) for level in CLEARANCES if visible_to(level, clearance)]
    if not levels:
        return secret
    return Q.And([secret, Q.Not(levels[0] if len(levels) == 1 else Q.Or(levels))])


def hidden_issuers(ix, searcher, hidden: Q.Query | None) -> frozenset[str]:
    """Issuers (as indexed) that only documents matching ``hidden`` name: a user who may not see
    those documents must not have them offered back as what their words meant."""
    if hidden is None:
        return frozenset()
    key = (str(ix.storage.folder), searcher.reader().generation(), repr(hidden))
    with _books_lock:
        found = _hidden_issuers.get(key)
    if found is not None:
        return found
    reader = searcher.reader()
    hidden_docs = {docnum for docnum in searcher.docs_for_query(hidden) if not reader.is_deleted(docnum)}
    named = {searcher.stored_fields(docnum).get("issuer") for docnum in hidden_docs} - {None}
    # Posting lists only (no scoring): a name is hidden when every live document holding it is.
    found = frozenset(name for name in named
                      if all(docnum in hidden_docs or reader.is_deleted(docnum)
                             for docnum in searcher.docs_for_query(Q.Term("issuer", name))))
    with _books_lock:
        _remember(_hidden_issuers, key, found)
    return found


def _remember(cache: dict, key: tuple, value: Any) -> None:
    cache[key] = value
    while len(cache) > BOOKS:  # the oldest first: a new generation replaces them all soon enough
        cache.pop(next(iter(cache)))


def issuer_book(ix, searcher, settings: Settings, aliases: IssuerAliases | None = None,
                hidden: Q.Query | None = None) -> IssuerBook:
    """The issuers the index knows, less those only ``hidden`` documents name."""
    frozen = _frozen(aliases)
    leave_out = hidden_issuers(ix, searcher, hidden)
    key = (str(ix.storage.folder), searcher.reader().generation(), tuple(settings.office.names), frozen,
           leave_out)
    with _books_lock:
        book = _books.get(key)
    if book is None:
        names = sorted(set(searcher.reader().field_terms("issuer")) - leave_out)
        book = IssuerBook(names, settings.office.names, aliases={word: meant for word, meant in frozen})
        with _books_lock:
            _remember(_books, key, book)
    return book


def _check_arguments(limit: int, page: int, sort: str) -> None:
    if sort not in SORTS:
        raise QueryError(f"未知的排序方式“{sort}”，可用：relevance（相关度）、date（日期）。")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"每页条数应在 1 到 {MAX_LIMIT} 之间，收到 {limit!r}。")
    if not isinstance(page, int) or page < 1:
        raise QueryError(f"页码应是从 1 开始的整数，收到 {page!r}。")


def _hit(fields: dict[str, Any], score: float | None, terms: list[str]) -> Hit:
    body = fields.get("body")
    value = fields.get("date_value")
    return Hit(
        reg_no=fields["reg_no"], title=fields.get("title"), doc_number=fields.get("doc_number"),
        issuer=fields.get("issuer"), date=date.fromisoformat(value) if value else None, score=score,
        snippet=snippet(body if body else fields.get("title"), terms),
        doc_type=fields.get("doc_type"), direction=fields.get("direction"))


def search(settings: Settings, query: str, *, limit: int = 20, page: int = 1, doc_type: str | None = None,
           date_from: date | str | None = None, date_to: date | str | None = None, sort: str = "relevance",
           today: date | None = None, evaluator: str = "numpy",
           issuer_aliases: IssuerAliases | None = None, clearance: Clearance = UNRESTRICTED) -> SearchResult:
    """Search the archive. ``query`` is what the clerk typed (see ``index.query`` for the syntax);
    ``today`` anchors 去年/上个月/12月, 今天登记的 and 超期未办 (default: today in the office's time
    zone). ``issuer_aliases`` maps words a clerk uses for an issuer to the names or parts of names
    they stand for (校党委 → 中共东湖大学委员会): the rules' known senders and short names, which
    the caller reads (the index does not read the rules).

    ``clearance``: the user's 保密 clearance (None or a level); documents the user may not know
    exist (``core.vocab.visible_to``) are in no hit and no total, and issuers only they name are
    not offered as what the query meant. Left out (``UNRESTRICTED``): every document, as the CLI
    searches.

    ``evaluator="whoosh"`` runs the same query through whoosh's own matchers: slower, and the
    reference the numpy evaluator (``index.engine``) is tested against."""
    _check_arguments(limit, page, sort)
    if evaluator not in ("numpy", "whoosh"):
        raise ValueError(f"unknown evaluator {evaluator!r}")
    today = today or datetime.now(settings.zone).date()
    if settings.database_url.startswith("postgresql"):
        # The registry's own search rows: written with each record, so nothing here to open or refresh.
        return pg_search.search(settings, query, limit=limit, page=page, doc_type=doc_type, date_from=date_from,
                                date_to=date_to, sort=sort, today=today, issuer_aliases=_frozen(issuer_aliases),
                                hidden=clearance_mask(clearance))
    args = (settings, query, limit, page, doc_type, date_from, date_to, sort, today, evaluator, issuer_aliases,
            clearance)
    try:
        return _search(*args, reopen=False)
    except (OSError, EOFError):
        # A concurrent commit or reindex removed files under a cached reader: open afresh once.
        return _search(*args, reopen=True)


def _search(settings, query, limit, page, doc_type, date_from, date_to, sort, today, evaluator, issuer_aliases,
            clearance, *, reopen) -> SearchResult:
    ix, searcher = _searcher(settings, reopen=reopen)
    hidden = clearance_mask(clearance)
    plan = build_plan(query, issuers=issuer_book(ix, searcher, settings, issuer_aliases, hidden), today=today,
                      doc_type=doc_type, date_from=date_from, date_to=date_to)
    text = plan.text_query()
    filters = plan.filter_query()
    masks = [q for q in (plan.mask_query(), hidden) if q is not None]
    mask = Q.Or(masks) if len(masks) > 1 else masks[0] if masks else None
    if text is None:
        # Without words to rank by, the newest documents are the most useful first.
        sort = "date"
        main, filters = filters or Q.Every(), None
    else:
        main = text
    first = (page - 1) * limit
    understood = plan.understood_as(sort)
    if evaluator == "numpy":
        try:
            found = engine.run(searcher, text, filters if text is not None else main, mask,
                               sort=sort, first=first, count=limit)
        except engine.Unsupported:
            engine.FALLBACKS += 1
            found = None
        if found is not None:
            hits = tuple(_hit(searcher.stored_fields(docnum), score, plan.highlight)
                         for docnum, score in zip(found.docnums, found.scores))
            return SearchResult(total=found.total, hits=hits, understood_as=understood, page=page, limit=limit)
    options: dict[str, Any] = {"filter": filters, "mask": mask, "limit": page * limit}
    if sort == "date":
        options["sortedby"] = [FieldFacet("date", reverse=True), FieldFacet("registered_at", reverse=True)]
    results = searcher.search(main, **options)
    hits = tuple(_hit(hit.fields(), hit.score if sort == "relevance" else None, plan.highlight)
                 for hit in results[first:first + limit])
    return SearchResult(total=len(results), hits=hits, understood_as=understood, page=page, limit=limit)
