"""Keeping the search index in step with the registry, its source of truth.

On SQLite the search is a whoosh index: the registry hands out records; the index takes them;
the registry records that it happened. A document whose indexing failed (index busy, disk full)
stays registered: `wenshu index check` finds it as missing and `--fix` or `wenshu reindex`
repairs it.

On PostgreSQL the search is the registry's own search rows, written in each record's
transaction (``pipeline.database``): there is nothing to hand over afterwards, and check, fix and
rebuild work on the rows (``registry.search_rows``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import index
from core.errors import WenshuError
from core.settings import Settings
from index import IndexDoc
from registry import audit, records, search_rows
from registry.audit import as_utc
from registry.models import Document

log = logging.getLogger(__name__)
INDEX_EVERY = 1.0  # seconds: what registered meanwhile goes into the search index in one commit


def index_record(document: Document, settings: Settings) -> IndexDoc:
    """The record as the index takes it, built from the registry's own row; ``version``
    changes whenever the record does. 涉密 records go without their text."""
    return IndexDoc(
        reg_no=document.reg_no, direction=document.direction,
        # the index keeps registration times to the second, in the office's time zone
        registered_at=as_utc(document.registered_at).astimezone(settings.zone).replace(microsecond=0),
        doc_type=document.doc_type, doc_number=document.doc_number, issuer=document.issuer,
        title=document.title, date=document.date, secrecy=document.secrecy, urgency=document.urgency,
        route=document.route, department=document.department, archive_code=document.archive_code,
        text=None if document.secrecy else document.text or None, version=audit.record_digest(document),
        deadline=document.deadline, status=document.status)


def in_database(engine: Engine) -> bool:
    """Whether search reads the registry's own rows (PostgreSQL) rather than a whoosh index."""
    return search_rows.supported(engine)


def index_registered(engine: Engine, settings: Settings, reg_nos: Iterable[str], actor: str) -> bool:
    """Index these records now and audit it; False (logged) when the index could not take them.
    On PostgreSQL their rows were written as they were registered or changed: nothing to do."""
    if in_database(engine):
        return True
    wanted = list(reg_nos)
    with Session(engine) as session:
        documents = session.scalars(select(Document).where(Document.reg_no.in_(wanted))).all()
        payload = [index_record(document, settings) for document in documents]
    try:
        index.index_documents(settings, payload)
    except (WenshuError, OSError) as error:
        log.warning("indexing %s failed, `wenshu index check --fix` will repair it: %s", wanted, error)
        return False
    if payload:
        records.record_indexed(engine, {doc.reg_no: doc.version for doc in payload}, actor)
    return True


def index_unindexed(engine: Engine, settings: Settings, actor: str) -> int:
    """Index the records the index lacks or holds in an older version; returns how many. On
    PostgreSQL, the rows of records registered before search moved there (or by a tool that
    opened the registry without the row builder)."""
    if in_database(engine):
        drift = check_rows(engine)
        return fix_rows(engine, drift)
    drift = index.check(settings, expected_versions(engine))
    behind = [*drift.missing, *drift.stale]
    if behind:
        index_registered(engine, settings, behind, actor)
    return len(behind)


def check_rows(engine: Engine) -> index.Drift:
    """The search rows against the registry: missing, stale (another version) and orphan rows."""
    expected, found = expected_versions(engine), search_rows.versions(engine)
    return index.Drift(missing=tuple(sorted(expected.keys() - found.keys())),
                       stale=tuple(sorted(k for k in expected.keys() & found.keys() if expected[k] != found[k])),
                       orphans=tuple(sorted(found.keys() - expected.keys())))


def fix_rows(engine: Engine, drift: index.Drift) -> int:
    """Rewrite the rows ``drift`` found missing or stale, drop the orphans; returns how many."""
    if drift.clean:
        return 0
    return search_rows.rebuild(engine, [*drift.missing, *drift.stale]) + len(drift.orphans)


def rebuild_rows(engine: Engine, progress: Callable[[int], None] | None = None) -> int:
    """Every record's search row written afresh (``wenshu reindex`` on PostgreSQL)."""
    return search_rows.rebuild(engine, progress=progress)


def all_records(engine: Engine, settings: Settings, batch: int = 500) -> Iterator[IndexDoc]:
    with Session(engine) as session:
        query = select(Document).order_by(Document.id).execution_options(yield_per=batch)
        for document in session.scalars(query):
            yield index_record(document, settings)
            session.expunge(document)


def count_records(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Document))


def expected_versions(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {document.reg_no: audit.record_digest(document)
                for document in session.scalars(select(Document).execution_options(yield_per=500))}


class BatchIndexer:
    """Feeds the search index from one thread of the watcher, one commit per batch: a whoosh
    commit costs about as much for forty documents as for one, and two workers committing
    each file would queue on the index lock. A failure leaves the records registered and
    unindexed; the next start (or `wenshu index check --fix`) puts them in."""

    def __init__(self, engine: Engine, settings: Settings, actor: str, *,
                 on_error: Callable[[str, Exception], None]):
        self.engine, self.settings, self.actor, self.on_error = engine, settings, actor, on_error
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="wenshu-indexer", daemon=True)
        self._thread.start()

    def add(self, reg_no: str) -> None:
        self._queue.put(reg_no)

    def close(self) -> None:
        """Index what is waiting, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        # A crash between a registration and its batch commit left records out of the index.
        self._safely(lambda: index_unindexed(self.engine, self.settings, self.actor))
        done = False
        while not done:
            batch = self._next_batch()
            done = batch[-1] is None
            reg_nos = [reg_no for reg_no in batch if reg_no is not None]
            if reg_nos:
                self._safely(lambda: index_registered(self.engine, self.settings, reg_nos, self.actor))

    def _next_batch(self) -> list[str | None]:
        """What arrives within INDEX_EVERY of the first: None ends the batch and the thread."""
        batch = [self._queue.get()]
        deadline = time.monotonic() + INDEX_EVERY
        while batch[-1] is not None and time.monotonic() < deadline:
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _safely(self, step: Callable[[], object]) -> None:
        try:
            step()
        except Exception as error:  # noqa: BLE001 (the database gone for a moment: reported, not fatal)
            self.on_error("搜索索引", error)
