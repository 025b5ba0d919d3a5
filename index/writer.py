"""Where the index lives, and the one way documents get into it.

``settings.index_dir`` holds generations of the whoosh index and a ``CURRENT`` file naming the
live one::

    index/CURRENT          "g0003"
    index/g0003/           the live whoosh index (its own WRITELOCK, segments, TOC)
    index/g0004.building/  a reindex in progress (see maintenance.py)

``reindex`` builds a whole new generation beside the live one and switches by replacing
``CURRENT`` (an atomic rename), so searches never see a half-built index.

whoosh allows one writer per index; it is an OS file lock (released if the process dies), and
a writer waits up to ``LOCK_TIMEOUT`` seconds for it, so processes indexing in turn queue
instead of failing.
"""

from __future__ import annotations

import fcntl
import os
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import _DEF_INDEX_NAME, FileIndex, LockError
from whoosh.util import random_name

from core import durable
from core.settings import Settings
from index.analysis import normalize
from index.documents import IndexDoc
from index.errors import IndexBusy, IndexUnavailable
from index.fastwrite import FastMpWriter, FastSegmentWriter
from index.numbers import archive_key, number_key, sequence_number
from index.schema import SCHEMA_VERSION, build_schema

LOCK_TIMEOUT = 60.0
LOCK_DELAY = 0.05
CURRENT = "CURRENT"
SCHEMA_FILE = "WENSHU_SCHEMA"


# --- locations ------------------------------------------------------------------------------

@contextmanager
def directory_lock(settings: Settings) -> Iterator[None]:
    """Serialises the short operations on ``CURRENT`` (create, switch) between processes."""
    durable.private_dir(settings.index_dir)
    fd = os.open(settings.index_dir / "LOCK", os.O_CREAT | os.O_WRONLY, durable.PRIVATE_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def current_dir(settings: Settings) -> Path | None:
    try:
        name = (settings.index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return settings.index_dir / name if name else None


def generation_dirs(settings: Settings) -> list[Path]:
    if not settings.index_dir.is_dir():
        return []
    return sorted(p for p in settings.index_dir.iterdir() if p.is_dir() and p.name.startswith("g"))


def next_generation(settings: Settings) -> str:
    numbers = [int(p.name[1:5]) for p in generation_dirs(settings) if p.name[1:5].isdigit()]
    return f"g{max(numbers, default=0) + 1:04d}"


def write_current(settings: Settings, name: str) -> None:
    """Point ``CURRENT`` at generation ``name``, durably: a reader sees the old or the new one."""
    durable.write_text(settings.index_dir / CURRENT, name + "\n")


class PrivateStorage(FileStorage):
    """whoosh's folder of index files, each made 0600 (its folders 0700) whatever the umask:
    the index holds the text of every record that is not 涉密. whoosh creates files with
    ``open()``, lock files with ``os.open`` and no mode, and temporary folders with
    ``os.makedirs``: all follow the umask."""

    def create_file(self, name, excl=False, mode="wb", **kwargs):  # noqa: ANN001, ANN003, ANN201
        if self.readonly:
            return super().create_file(name, excl=excl, mode=mode, **kwargs)  # raises ReadOnlyError
        flags = os.O_CREAT | os.O_RDWR | os.O_CLOEXEC | (os.O_EXCL if excl else os.O_TRUNC)
        fd = os.open(self._fpath(name), flags, durable.PRIVATE_FILE)
        fileobj = os.fdopen(fd, mode)
        os.fchmod(fd, durable.PRIVATE_FILE)
        return StructFile(fileobj, name=name, **kwargs)

    def create(self):  # noqa: ANN201
        durable.private_dir(Path(os.path.abspath(self.folder)))
        return super().create()

    def temp_storage(self, name=None):  # noqa: ANN001, ANN201
        name = name or f"{random_name()}.tmp"
        return PrivateStorage(os.path.join(self.folder, name)).create()

    def lock(self, name):  # noqa: ANN001, ANN201
        durable.private_file(Path(self._fpath(name)))
        return super().lock(name)


def create_empty(path: Path) -> whoosh_index.Index:
    ix = FileIndex.create(PrivateStorage(str(path)).create(), build_schema(), _DEF_INDEX_NAME)
    durable.write_text(path / SCHEMA_FILE, str(SCHEMA_VERSION))
    return ix


OPEN_ATTEMPTS = 5   # a writer's commit can remove the table of contents a reader just found


def open_path(path: Path) -> whoosh_index.Index:
    try:
        version = (path / SCHEMA_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexUnavailable(f"搜索索引 {path} 不完整（缺少格式标记）。") from None
    if version != str(SCHEMA_VERSION):
        raise IndexUnavailable(f"搜索索引是旧版本 wenshu 建立的（格式 {version}，当前 {SCHEMA_VERSION}）。")
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return FileIndex(PrivateStorage(str(path)), indexname=_DEF_INDEX_NAME)
        except FileNotFoundError as exc:
            # whoosh finds the newest table of contents by listing the folder, then opens it; a
            # writer committing in between removes it in favour of the next one: read again.
            if attempt + 1 == OPEN_ATTEMPTS:
                raise IndexUnavailable(f"搜索索引 {path} 无法读取。", cause=f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # whoosh raises many kinds when files are missing or damaged
            raise IndexUnavailable(f"搜索索引 {path} 无法读取。", cause=f"{type(exc).__name__}: {exc}") from exc


def open_index(settings: Settings) -> whoosh_index.Index:
    """The live index; ``IndexUnavailable`` if there is none yet or it cannot be read."""
    path = current_dir(settings)
    if path is None:
        raise IndexUnavailable(f"还没有搜索索引（{settings.index_dir}）。")
    return open_path(path)


def create_or_open(settings: Settings) -> whoosh_index.Index:
    path = current_dir(settings)
    if path is not None:
        return open_path(path)
    with directory_lock(settings):
        path = current_dir(settings)  # another process may have created it meanwhile
        if path is not None:
            return open_path(path)
        name = next_generation(settings)
        ix = create_empty(settings.index_dir / name)
        write_current(settings, name)
        return ix


# --- documents -> fields --------------------------------------------------------------------

def _key(value: str | None) -> str | None:
    return unicodedata.normalize("NFKC", value).strip() if value else None


def _naive(moment: datetime, zone: ZoneInfo) -> datetime:
    # whoosh stores naive datetimes; the office's wall clock is what clerks filter by.
    return moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment


def document_fields(doc: IndexDoc, zone: ZoneInfo) -> dict[str, Any]:
    """The whoosh fields of one record. 涉密 records get metadata only: their body text is
    neither indexed nor stored, whatever the caller passed in ``text``."""
    registered = _naive(doc.registered_at, zone)
    day = doc.date or registered.date()
    fields: dict[str, Any] = {
        "reg_no": doc.reg_no,
        "version": doc.version,
        "reg_no_key": number_key(doc.reg_no),
        "reg_no_bi": doc.reg_no,
        "registered_at": registered,
        "date": datetime.combine(day, time()),
        "date_value": doc.date.isoformat() if doc.date else None,
        "secret": "1" if doc.is_secret else "0",
    }
    if doc.doc_number:
        fields.update(doc_number=doc.doc_number, doc_number_key=number_key(doc.doc_number),
                      doc_number_bi=doc.doc_number)
        seq = sequence_number(doc.doc_number)
        if seq is not None:
            fields["doc_number_seq"] = str(seq)
    if doc.title:
        fields.update(title=doc.title, title_w=doc.title, title_bi=doc.title)
    if doc.issuer:
        fields.update(issuer=_key(doc.issuer), issuer_bi=doc.issuer)
    if doc.department:
        fields.update(department=_key(doc.department), department_bi=doc.department)
    if doc.deadline:
        fields["deadline"] = datetime.combine(doc.deadline, time())
    for name in ("doc_type", "direction", "route", "urgency", "secrecy", "status"):
        value = _key(getattr(doc, name))
        if value:
            fields[name] = value
    if doc.archive_code:
        fields.update(archive_code=archive_key(doc.archive_code), _stored_archive_code=doc.archive_code,
                      archive_bi=doc.archive_code)
    searchable = [doc.title or "", doc.doc_number or ""]
    if doc.text and not doc.is_secret:
        body = normalize(doc.text, lower=False)
        fields["body"] = body
        searchable.append(body)
    text = "\n".join(searchable)
    fields["text_bi"] = text
    return fields


# --- writing --------------------------------------------------------------------------------

def open_writer(ix: whoosh_index.Index, *, procs: int = 1, limitmb: int = 128,
                timeout: float = LOCK_TIMEOUT):
    # Not compound: whoosh copies a compound segment into memory every time a reader opens it,
    # which made each search pay for the size of the whole index.
    options: dict[str, Any] = {"limitmb": limitmb, "timeout": timeout, "delay": LOCK_DELAY, "compound": False}
    try:
        if procs > 1:
            return FastMpWriter(ix, procs=procs, multisegment=True, **options)
        return FastSegmentWriter(ix, **options)
    except LockError:
        raise IndexBusy(f"搜索索引正被另一个进程写入，等待 {timeout:.0f} 秒后仍未轮到。") from None


def as_index_doc(item: IndexDoc | Mapping[str, Any]) -> IndexDoc:
    """Index documents come as values, or as registry record dicts (tests, older callers)."""
    return item if isinstance(item, IndexDoc) else IndexDoc.from_record(item)


def write_documents(ix: whoosh_index.Index, docs: Iterable[IndexDoc | Mapping[str, Any]], zone: ZoneInfo, *,
                    update: bool = True, procs: int = 1, limitmb: int = 128,
                    timeout: float = LOCK_TIMEOUT) -> list[str]:
    """Add ``docs`` to ``ix`` in one writer and one commit; returns the reg_nos written.

    ``update`` replaces an existing document with the same reg_no (what ordinary indexing
    wants); a fresh index being rebuilt can skip that lookup. A replaced document only gets a
    deletion mark: its terms and stored body stay in its segment's files until a merge. So a
    record that is 涉密 now and had its body indexed before (a correction of its 密级) has
    that segment rewritten without it in the same commit.
    """
    writer = open_writer(ix, procs=procs, limitmb=limitmb, timeout=timeout)
    written: list[str] = []
    purge: set[str] = set()  # ids of segments holding a body that must go now
    try:
        with _Lookup(writer) as lookup:
            for item in docs:
                doc = as_index_doc(item)
                fields = document_fields(doc, zone)
                if update:
                    if doc.is_secret:
                        purge.update(lookup.segments_with_body(doc.reg_no))
                    writer.update_document(**fields)
                else:
                    writer.add_document(**fields)
                written.append(doc.reg_no)
    except BaseException:
        writer.cancel()
        raise
    if written:
        writer.commit(mergetype=_merging_out(purge) if purge else merge_small)
    else:
        writer.cancel()
    return written


class _Lookup:
    """The segments of the index a writer started from, read once, for the bodies of records
    that became 涉密."""

    def __init__(self, writer) -> None:  # noqa: ANN001
        self.writer = writer
        self.searcher = None

    def __enter__(self) -> _Lookup:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.searcher is not None:
            self.searcher.close()

    def segments_with_body(self, reg_no: str) -> set[str]:
        if not hasattr(self.writer, "_segment_and_docnum"):  # the multiprocess writer: rebuilds only
            return set()
        if self.searcher is None:
            self.searcher = self.writer.searcher()
        found = set()
        for docnum in self.searcher.document_numbers(reg_no=reg_no):
            if self.searcher.stored_fields(docnum).get("body"):
                found.add(self.writer._segment_and_docnum(docnum)[0].segment_id())
        return found


# A segment this large is left out of ordinary merges: a rebuild writes segments of 2,500, and
# whoosh's MERGE_SMALL counts twenty equal segments as small, so the first registration after a
# rebuild of 50,000 merged the whole index (102 s, 3.5 GB, longer than a waiting writer's lock
# timeout). Segments grown past it by merges stay too, until the next rebuild.
LARGE_SEGMENT_DOCS = 2_000


def merge_small(writer, segments):  # noqa: ANN001, ANN201
    """A whoosh merge policy: whoosh's MERGE_SMALL over the segments below ``LARGE_SEGMENT_DOCS``
    documents; the large ones are kept as they are."""
    from whoosh.writing import MERGE_SMALL

    kept = [segment for segment in segments if segment.doc_count_all() >= LARGE_SEGMENT_DOCS]
    small = [segment for segment in segments if segment.doc_count_all() < LARGE_SEGMENT_DOCS]
    return kept + MERGE_SMALL(writer, small)


def _merging_out(segment_ids: set[str]):  # noqa: ANN202
    """A whoosh merge policy: the named segments are rewritten without their deleted documents
    (their files are removed at commit), then the ordinary merge of small segments."""
    from whoosh.reading import SegmentReader

    def merge(writer, segments):  # noqa: ANN001, ANN202
        kept = []
        for segment in segments:
            if segment.segment_id() in segment_ids:
                reader = SegmentReader(writer.storage, writer.schema, segment)
                try:
                    writer.add_reader(reader)
                finally:
                    reader.close()
            else:
                kept.append(segment)
        return merge_small(writer, kept)
    return merge


def index_documents(settings: Settings, docs: Iterable[IndexDoc | Mapping[str, Any]], *,
                    procs: int = 1, timeout: float = LOCK_TIMEOUT) -> int:
    """Index (or re-index) documents by reg_no in one batch commit; returns how many."""
    ix = create_or_open(settings)
    try:
        return len(write_documents(ix, docs, settings.zone, procs=procs, timeout=timeout))
    finally:
        ix.close()


def delete_documents(settings: Settings, reg_nos: Iterable[str], *, timeout: float = LOCK_TIMEOUT) -> int:
    """Remove documents by reg_no; returns how many index documents were deleted."""
    reg_nos = list(reg_nos)
    if not reg_nos:
        return 0
    ix = create_or_open(settings)
    try:
        writer = open_writer(ix, timeout=timeout)
        try:
            deleted = sum(writer.delete_by_term("reg_no", reg_no) for reg_no in reg_nos)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_small)
        return deleted
    finally:
        ix.close()
