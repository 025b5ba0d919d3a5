"""Keeping the index true to the registry: rebuild (``reindex``), compare (``check``), repair (``fix``).

The registry is the source of truth; every record carries a ``version`` that changes when the
record changes, and the index keeps it beside the reg_no. ``check`` compares the two and names
what is missing, stale or orphaned; ``fix`` re-indexes exactly those.

``reindex`` builds a complete new generation beside the live one (see writer.py), committing
every ``chunk_size`` documents and recording a checkpoint after each commit. If it is
interrupted, the next run resumes into the same directory and skips every record already there
with the same version, then switches ``CURRENT`` over in one atomic rename.

A crash inside a whoosh commit is harmless to readers: whoosh writes the new segment first and
the table of contents (TOC) last, by renaming a temporary file, so the index stays at the
previous commit. The documents of the interrupted commit are simply absent, which ``check``
reports as missing and ``fix`` (or ``reindex``) puts back.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from core import durable
from core.errors import InvalidValue
from core.settings import Settings
from index.documents import IndexDoc
from index.errors import IndexBusy, IndexUnavailable
from index.schema import SCHEMA_VERSION
from index.writer import (LOCK_TIMEOUT, as_index_doc, create_empty, create_or_open, current_dir, directory_lock,
                          document_fields, merge_small,
                          generation_dirs, next_generation, open_index, open_path, open_writer, write_current,
                          write_documents)

CHECKPOINT = "REINDEX.json"
PARALLEL_MIN = 200  # smaller chunks are not worth starting writer processes for
BUILDING = ".building"
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Drift:
    missing: tuple[str, ...]   # in the registry, not in the index
    stale: tuple[str, ...]     # in both, but the index has another version (or a duplicate)
    orphans: tuple[str, ...]   # in the index, no longer in the registry
    error: str | None = None   # the index could not be read at all: only reindex helps

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphans or self.error)

    def to_json(self) -> dict[str, Any]:
        return {"clean": self.clean, "missing": list(self.missing), "stale": list(self.stale),
                "orphans": list(self.orphans), "error": self.error}


@dataclass(frozen=True)
class ReindexReport:
    indexed: int      # documents written by this run
    skipped: int      # already in the resumed build with the same version
    total: int        # documents in the new live index
    resumed: bool
    seconds: float
    generation: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def indexed_versions(ix: whoosh_index.Index) -> dict[str, list[str]]:
    """reg_no -> the versions indexed under it (more than one means a duplicate), from columns."""
    found: dict[str, list[str]] = {}
    with ix.searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            reg_nos = leaf.column_reader("reg_no")
            versions = leaf.column_reader("version")
            for docnum in leaf.all_doc_ids():
                found.setdefault(reg_nos[docnum], []).append(versions[docnum])
    return found


def check(settings: Settings, expected: Mapping[str, Any]) -> Drift:
    """Compare the index with ``expected`` (reg_no -> version as the registry has it)."""
    try:
        ix = open_index(settings)
        try:
            found = indexed_versions(ix)
        finally:
            ix.close()
    except IndexUnavailable as exc:
        return Drift(missing=tuple(sorted(expected)), stale=(), orphans=(), error=exc.message)
    except Exception as exc:  # a damaged segment shows up only when it is read
        return Drift(missing=tuple(sorted(expected)), stale=(), orphans=(), error=f"{type(exc).__name__}: {exc}")
    missing = sorted(r for r in expected if r not in found)
    stale = sorted(r for r, v in expected.items() if r in found and found[r] != [str(v)])
    orphans = sorted(r for r in found if r not in expected)
    return Drift(tuple(missing), tuple(stale), tuple(orphans))


def fix(settings: Settings, drift: Drift, records_by_reg_no: Mapping[str, IndexDoc | Mapping[str, Any]], *,
        timeout: float = LOCK_TIMEOUT) -> int:
    """Re-index missing and stale records and delete orphans, in one commit; returns the count."""
    if drift.error:
        raise IndexUnavailable(f"搜索索引无法读取，不能逐条修复：{drift.error}")
    wanted = [*drift.missing, *drift.stale]
    absent = [r for r in wanted if r not in records_by_reg_no]
    if absent:
        raise InvalidValue(f"修复索引需要这些登记记录，但没有提供：{'、'.join(absent[:10])}")
    if not wanted and not drift.orphans:
        return 0
    ix = create_or_open(settings)
    try:
        writer = open_writer(ix, timeout=timeout)
        try:
            for reg_no in drift.orphans:
                writer.delete_by_term("reg_no", reg_no)
            for reg_no in wanted:
                # update_document deletes every copy under this reg_no first, so duplicates go too.
                writer.update_document(**document_fields(as_index_doc(records_by_reg_no[reg_no]),
                                                         settings.zone))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_small)
    finally:
        ix.close()
    return len(wanted) + len(drift.orphans)


# --- reindex ------------------------------------------------------------------------------

def _write_checkpoint(build: Path, **state: Any) -> None:
    state.update(schema_version=SCHEMA_VERSION, updated_at=datetime.now(timezone.utc).isoformat())
    durable.write_text(build / CHECKPOINT, json.dumps(state, ensure_ascii=False))


def _read_checkpoint(build: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((build / CHECKPOINT).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return state if state.get("schema_version") == SCHEMA_VERSION else None


def _build_dir(settings: Settings) -> tuple[Path, bool]:
    """The directory to build into: an interrupted build to resume, or a new one."""
    builds = [p for p in generation_dirs(settings) if p.name.endswith(BUILDING)]
    resumable = [p for p in builds if _read_checkpoint(p) is not None]
    keep = resumable[-1] if resumable else None
    for stale in builds:
        if stale != keep:
            shutil.rmtree(stale, ignore_errors=True)
    if keep is not None:
        return keep, True
    build = settings.index_dir / (next_generation(settings) + BUILDING)
    create_empty(build)
    _write_checkpoint(build, committed=0, last_reg_no=None, done=False)
    return build, False


def _lock_is_free(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, durable.PRIVATE_FILE)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def remove_old_generations(settings: Settings) -> list[Path]:
    """Delete generations that are neither live nor being built, unless a writer still holds one."""
    live = current_dir(settings)
    removed = []
    for path in generation_dirs(settings):
        if path == live or path.name.endswith(BUILDING):
            continue
        if _lock_is_free(path / "WRITELOCK"):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def reindex(settings: Settings, records: Iterable[Mapping[str, Any]], *, total: int | None = None,
            progress: Progress | None = None, chunk_size: int = 5000, procs: int | None = None,
            timeout: float = LOCK_TIMEOUT) -> ReindexReport:
    """Rebuild the whole index from ``records`` (registry record dicts) and switch to it.

    ``progress(done, total)`` is called after each committed chunk. Interrupt it at any point and
    run it again: it resumes. Each chunk becomes ``procs`` segments and a search visits every
    segment, so chunks are large; merging segments afterwards is not worth it (whoosh merges in
    Python, as slowly as it indexes). ``procs`` defaults to the configured workers, at most 2.
    """
    started = time.monotonic()
    procs = procs if procs is not None else min(2, settings.workers)
    durable.private_dir(settings.index_dir)
    lock_fd = os.open(settings.index_dir / "REINDEX.lock", os.O_CREAT | os.O_WRONLY, durable.PRIVATE_FILE)
    try:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise IndexBusy("另一个索引重建（wenshu reindex）正在进行。") from None
        build, resumed = _build_dir(settings)
        ix = open_path(build)
        try:
            present = indexed_versions(ix) if resumed else {}
            state = _read_checkpoint(build) or {}
            committed = int(state.get("committed", 0)) if resumed else 0
            seen: set[str] = set()
            batch: list[IndexDoc] = []
            indexed = skipped = done = 0

            def flush() -> None:
                nonlocal indexed, committed
                if batch:
                    # A resumed build may hold an older version of a record: replace it.
                    write_documents(ix, batch, settings.zone, update=resumed, procs=procs if len(batch) >= PARALLEL_MIN else 1,
                                    timeout=timeout)
                    indexed += len(batch)
                    committed += len(batch)
                    _write_checkpoint(build, committed=committed, last_reg_no=batch[-1].reg_no, done=False)
                    batch.clear()
                if progress:
                    progress(done, total)

            for record in records:
                doc = as_index_doc(record)
                seen.add(doc.reg_no)
                done += 1
                if present.get(doc.reg_no) == [doc.version]:
                    skipped += 1
                    continue
                batch.append(doc)
                if len(batch) >= chunk_size:
                    flush()
            flush()
            leftovers = [reg_no for reg_no in present if reg_no not in seen]
            if leftovers:  # deleted from the registry while the build was interrupted
                writer = open_writer(ix, timeout=timeout)
                for reg_no in leftovers:
                    writer.delete_by_term("reg_no", reg_no)
                writer.commit()
            with ix.searcher() as searcher:
                count = searcher.doc_count()
        finally:
            ix.close()
        name = build.name[: -len(BUILDING)]
        with directory_lock(settings):
            os.rename(build, settings.index_dir / name)
            write_current(settings, name)
        (settings.index_dir / name / CHECKPOINT).unlink(missing_ok=True)
        remove_old_generations(settings)
        return ReindexReport(indexed=indexed, skipped=skipped, total=count, resumed=resumed,
                             seconds=round(time.monotonic() - started, 3), generation=name)
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)
