"""The pipeline for one file, as a recipe: an ordered tuple of small steps over one Job value.

``wenshu ingest FILE`` and the watcher both call ``ingest_file``; nothing else registers.
A step returns a new Job; a step that settles the outcome (duplicate, quarantined) ends the
recipe early. Bad input never raises out of here: it is quarantined with a reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from extractors import extract
from extractors.errors import Corrupt, ExtractionError
from extractors.model import Extracted
from pipeline.files import dated_folder, place, put_in_store, sha256_of
from pipeline.indexing import index_registered
from core.settings import Settings
from pipeline.understand import Rules, Understanding, load_rules, understand
from registry import queries, records


@dataclass(frozen=True)
class Context:
    settings: Settings
    engine: Engine
    actor: str
    move: bool = False  # the watcher moves files out of the inbox; `ingest` copies
    # The watcher retries a file that does not parse yet (a scanner still writing in bursts);
    # only the last attempt quarantines it.
    final_attempt: bool = True
    rules: Rules | None = None  # loaded once at the edge; None: the data directory's rules
    # Index each registered file at once; callers that index in batches (the watcher, a
    # multi-file `ingest`) say False and index afterwards in one commit.
    index: bool = True
    claim: int | None = None  # the watcher's ledger row for this file, closed with its registration

    def office_rules(self) -> Rules:
        return self.rules or load_rules(self.settings)


@dataclass(frozen=True)
class Outcome:
    """The result of one file: the `--json` object of `wenshu ingest` (README, JSON output)."""

    path: str
    status: str  # registered | duplicate | quarantined | retry (watcher only: not final yet)
    reg_no: str | None = None
    duplicate_of: str | None = None
    reason: str | None = None
    kind: str | None = None  # the error kind when quarantined
    doc_type: str | None = None
    title: str | None = None
    route: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Job:
    source: Path
    file_name: str  # as the clerk named it (the watcher works on a renamed copy in work/)
    direction: str
    series: str | None = None
    sha256: str | None = None
    extracted: Extracted | None = None
    understood: Understanding | None = None
    stored: Path | None = None
    reg_no: str | None = None
    outcome: Outcome | None = None


def hash_file(job: Job, ctx: Context) -> Job:
    return dataclasses.replace(job, sha256=sha256_of(job.source))


def skip_known_file(job: Job, ctx: Context) -> Job:
    """A file already registered is not extracted again; the registry records the duplicate."""
    known = queries.registered_as(ctx.engine, job.sha256)
    if known:
        known = records.record_duplicate(ctx.engine, sha256=job.sha256, file_name=job.file_name,
                                         actor=ctx.actor)
    return _settle_duplicate(job, ctx, known) if known else job


def extract_text(job: Job, ctx: Context) -> Job:
    try:
        extracted = extract(job.source, ctx.settings)
    except ExtractionError as error:
        return _retry_or_quarantine(job, ctx, error)
    except Exception as error:  # a library choking on malformed input is still bad input
        return _retry_or_quarantine(job, ctx, Corrupt("文件内容已损坏，无法读取。请向来文单位重新索取。",
                                                      cause=f"{type(error).__name__}: {error}"))
    return dataclasses.replace(job, extracted=extracted)


RETRYABLE_KINDS = frozenset({"corrupt", "empty"})


def _retry_or_quarantine(job: Job, ctx: Context, error: ExtractionError) -> Job:
    if error.kind in RETRYABLE_KINDS and not ctx.final_attempt:
        return dataclasses.replace(job, outcome=Outcome(path=str(job.source), status="retry",
                                                        reason=error.message, kind=error.kind))
    return quarantine(job, ctx, error)


def understand_document(job: Job, ctx: Context) -> Job:
    today = datetime.now(ctx.settings.zone).date()
    understood = understand(job.extracted.text, ctx.settings, ctx.office_rules(), today=today)
    return dataclasses.replace(job, understood=understood)


def store_original(job: Job, ctx: Context) -> Job:
    return dataclasses.replace(job, stored=put_in_store(ctx.settings.store_dir, job.source, job.sha256, job.file_name))


def register(job: Job, ctx: Context) -> Job:
    extracted, understood = job.extracted, job.understood
    fields = {name: getattr(understood, name) for name in records.UNDERSTOOD_FIELDS
              if hasattr(understood, name)}
    intake = records.Intake(
        direction=job.direction, series=job.series, file_name=job.file_name, sha256=job.sha256,
        stored_path=str(job.stored.relative_to(ctx.settings.data_dir)), format=extracted.format,
        pages=extracted.page_count, text_method=extracted.text_method, text=extracted.text,
        warnings=extracted.warnings + understood.checks, fields=fields,
        details={name: value for name, value in understood.as_json().items() if name not in fields})
    registration = records.register(ctx.engine, ctx.settings, intake, ctx.actor, claim=ctx.claim)
    if registration.is_duplicate:  # registered by another worker since skip_known_file looked
        return _settle_duplicate(job, ctx, registration.reg_no)
    if ctx.move:
        job.source.unlink(missing_ok=True)
    return dataclasses.replace(job, reg_no=registration.reg_no)


def index_document(job: Job, ctx: Context) -> Job:
    if ctx.index:
        index_registered(ctx.engine, ctx.settings, [job.reg_no], ctx.actor)
    return dataclasses.replace(job, outcome=Outcome(
        path=str(job.source), status="registered", reg_no=job.reg_no,
        doc_type=job.understood.doc_type, title=job.understood.title, route=job.understood.route))


STEPS: tuple[Callable[[Job, Context], Job], ...] = (
    hash_file,
    skip_known_file,
    extract_text,
    understand_document,
    store_original,
    register,
    index_document,
)


def ingest_file(path: Path, ctx: Context, *, direction: str = "收文", series: str | None = None,
                file_name: str | None = None) -> Outcome:
    job = Job(source=path, file_name=file_name or path.name, direction=direction, series=series)
    for step in STEPS:
        job = step(job, ctx)
        if job.outcome is not None:
            return job.outcome
    raise AssertionError("the recipe ended without an outcome")


def _settle_duplicate(job: Job, ctx: Context, reg_no: str) -> Job:
    """The registry has recorded the duplicate; the file goes to duplicates/ (watcher only)."""
    if ctx.move:
        place(job.source, dated_folder(ctx.settings.duplicates_dir, _today(ctx)), job.file_name, move=True)
    return dataclasses.replace(job, outcome=Outcome(path=str(job.source), status="duplicate",
                                                    reg_no=reg_no, duplicate_of=reg_no))


def quarantine(job: Job, ctx: Context, error: ExtractionError) -> Job:
    """Keep the file with a reason the clerk can read, and record it in the audit log."""
    folder = dated_folder(ctx.settings.quarantine_dir, _today(ctx))
    placed = place(job.source, folder, job.file_name, move=ctx.move)
    reason_file = placed.with_name(placed.name + ".reason.txt")
    reason_file.write_text(
        f"文件：{job.file_name}\n原因：{error.message}\n"
        + (f"处理办法：{error.fix}\n" if error.fix else "")
        + f"\n技术信息（{error.kind}）：{error.cause or '-'}\nSHA-256：{job.sha256}\n",
        encoding="utf-8")
    records.record_quarantine(ctx.engine, file_name=job.file_name, sha256=job.sha256,
                              kind=error.kind, reason=error.message, cause=error.cause,
                              quarantined_to=str(placed.relative_to(ctx.settings.data_dir)),
                              actor=ctx.actor)
    return dataclasses.replace(job, outcome=Outcome(path=str(job.source), status="quarantined",
                                                    reason=error.message, kind=error.kind))


def _today(ctx: Context):  # noqa: ANN202
    return datetime.now(ctx.settings.zone).date()
