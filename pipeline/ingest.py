"""The pipeline for one file, as a recipe: an ordered tuple of small steps over one Job value.

``wenshu ingest FILE`` and the watcher both call ``ingest_file``; nothing else registers.
A step returns a new Job; the step that settles the outcome (registered, duplicate,
quarantined) ends the recipe. Bad input never raises out of here: it is quarantined with a reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from core import durable
from core.errors import WenshuError
from core.settings import Settings
from core.vocab import INCOMING, OTHER_TYPE, OUTGOING, Status
from extractors import extract
from extractors.errors import Corrupt, ExtractionError
from extractors.model import Extracted
from pipeline.files import (dated_folder, free_name, move_quarantined, place, put_in_store, readable_name, readable_text,
                            reason_file, sha256_of, stage_reason)
from pipeline.understand import Rules, Understanding, load_rules, understand
from registry import queries, records
from registry.identity import SAME_FILE
from registry.numbering import NumberTaken

OWN_IN_INBOX = "本单位发出的文件出现在收文中"


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
    # The watcher's ledger row for this file: closed in the transaction that records the
    # file's outcome (registration, duplicate or quarantine).
    claim: int | None = None
    as_new: str | None = None  # the clerk's reason to register a same_document duplicate anew
    origin: dict[str, Any] | None = None  # where a retried file came from
    # How a file is extracted: in this process (the watcher's workers, already capped), or in
    # `ingest`'s capped child process (pipeline/isolation.py).
    extract: Callable[[Path, Settings], Extracted] | None = None

    def office_rules(self) -> Rules:
        return self.rules or load_rules(self.settings)


@dataclass(frozen=True)
class Outcome:
    """The result of one file: the `--json` object of `wenshu ingest` (README, JSON output)."""

    path: str
    status: Status
    reg_no: str | None = None
    duplicate_of: str | None = None
    reason: str | None = None
    kind: str | None = None  # the error kind when quarantined
    doc_type: str | None = None
    title: str | None = None
    route: str | None = None
    duplicate_kind: str | None = None  # same_file (the bytes) | same_document (机关 + 文号)
    number_allocated: bool = False  # a 发文 number issued now: the clerk writes it on the paper

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
    stored_now: bool = False  # this job wrote the store copy (undone if the registration fails)
    reg_no: str | None = None
    outcome: Outcome | None = None


def hash_file(job: Job, ctx: Context) -> Job:
    """The watcher hashed the file when it claimed it; `ingest` hashes it here."""
    return job if job.sha256 else dataclasses.replace(job, sha256=sha256_of(job.source))


def skip_known_file(job: Job, ctx: Context) -> Job:
    """A file already registered is not extracted again; the registry records the duplicate.
    The plain read spares every new file the write lock; the registry checks again under it."""
    known = queries.registered_as(ctx.engine, job.sha256)
    if known:
        known = records.record_duplicate(ctx.engine, sha256=job.sha256, file_name=job.file_name,
                                         actor=ctx.actor, claim=ctx.claim)
    return _settle_duplicate(job, ctx, known, SAME_FILE) if known else job


def extract_text(job: Job, ctx: Context) -> Job:
    try:
        extracted = (ctx.extract or extract)(job.source, ctx.settings)
    except ExtractionError as error:
        return _retry_or_quarantine(job, ctx, error)
    except Exception as error:  # a library choking on malformed input is still bad input
        return _retry_or_quarantine(job, ctx, Corrupt("文件内容已损坏，无法读取。请向来文单位重新索取。",
                                                      cause=f"{type(error).__name__}: {error}"))
    return dataclasses.replace(job, extracted=extracted)


# Only a file that may still be being written (a scanner writing in bursts) is tried again; an
# empty, encrypted or unsupported file does not change by waiting.
RETRYABLE_KINDS = frozenset({"corrupt"})


def _retry_or_quarantine(job: Job, ctx: Context, error: ExtractionError) -> Job:
    if error.kind in RETRYABLE_KINDS and not ctx.final_attempt:
        return dataclasses.replace(job, outcome=Outcome(path=readable_name(str(job.source)), status=Status.RETRY,
                                                        reason=error.message, kind=error.kind))
    return quarantine(job, ctx, error)


def understand_document(job: Job, ctx: Context) -> Job:
    from_ocr = any(page.method == "ocr" for page in job.extracted.pages)
    understood = understand(job.extracted.text, ctx.settings, ctx.office_rules(), today=ctx.settings.today(),
                            from_ocr=from_ocr)
    return dataclasses.replace(job, understood=understood)


def store_original(job: Job, ctx: Context) -> Job:
    stored, now = put_in_store(ctx.settings.store_dir, job.source, job.sha256, job.file_name)
    return dataclasses.replace(job, stored=stored, stored_now=now)


def register(job: Job, ctx: Context) -> Job:
    try:
        registration = records.register(ctx.engine, ctx.settings, intake_of(job, ctx), ctx.actor, claim=ctx.claim)
    except NumberTaken as error:  # a 发文 printed with a number its series already gave out
        return quarantine(job, ctx, error)
    if registration.is_duplicate:  # the same 公文, or a file another worker registered meanwhile
        return _settle_duplicate(job, ctx, registration.reg_no, registration.duplicate_kind)
    if ctx.move:
        job.source.unlink(missing_ok=True)
    understood = job.understood
    return dataclasses.replace(job, reg_no=registration.reg_no, outcome=Outcome(
        path=readable_name(str(job.source)), status=Status.REGISTERED, reg_no=registration.reg_no,
        doc_type=understood.doc_type, title=understood.title,
        route=understood.route if job.direction == INCOMING else None,
        number_allocated=registration.allocated))


def intake_of(job: Job, ctx: Context) -> records.Intake:
    """What the register records of a file. 阅件/办件 is decided for what we receive; for what we
    send, the record says what we wait for (a 批复, a 复函) and by when."""
    extracted, understood = job.extracted, job.understood
    fields = {name: getattr(understood, name) for name in records.UNDERSTOOD_FIELDS if hasattr(understood, name)}
    details = {name: value for name, value in understood.as_json().items() if name not in fields}
    warnings = extracted.warnings + understood.checks
    if job.direction == OUTGOING:
        fields.update(route=None, deadline=understood.awaits_by)
        details.update(why_route=[], awaits=understood.awaits)
    elif understood.is_own and understood.doc_type != OTHER_TYPE:  # our own 公文, not our sign-in sheet
        warnings += (OWN_IN_INBOX,)
    return records.Intake(
        direction=job.direction, series=job.series, file_name=job.file_name, sha256=job.sha256,
        # logical (store/ab/…), not where this machine mounts the store: the row is the same on
        # every machine, and its audit digest covers it
        stored_path=ctx.settings.logical_stored_path(job.stored), format=extracted.format,
        pages=extracted.page_count, text_method=extracted.text_method, text=extracted.text,
        warnings=warnings, fields=fields, details=details, number_draft=understood.doc_number_draft,
        as_new=ctx.as_new, origin=ctx.origin)


# Indexing is not a step: the callers index what they registered in one commit per batch
# (pipeline/indexing.py), which costs about as much for forty documents as for one.
STEPS: tuple[Callable[[Job, Context], Job], ...] = (
    hash_file,
    skip_known_file,
    extract_text,
    understand_document,
    store_original,
    register,
)


def ingest_file(path: Path, ctx: Context, *, direction: str = INCOMING, series: str | None = None,
                file_name: str | None = None, sha256: str | None = None) -> Outcome:
    job = Job(source=path, file_name=readable_name(file_name or path.name), direction=direction, series=series,
              sha256=sha256)
    try:
        for step in STEPS:
            job = step(job, ctx)
            if job.outcome is not None:
                return job.outcome
    except BaseException:
        _undo_store_copy(job, ctx)  # a full disk, say: no unregistered copy is left in store/
        raise
    raise AssertionError("the recipe ended without an outcome")


def _undo_store_copy(job: Job, ctx: Context) -> None:
    if job.stored_now and job.reg_no is None:
        try:
            if not queries.registered_as(ctx.engine, job.sha256):
                job.stored.unlink(missing_ok=True)
        except Exception:  # noqa: BLE001 (the database gone too: the copy stays, harmless, as before)
            pass


def _settle_duplicate(job: Job, ctx: Context, reg_no: str, kind: str) -> Job:
    """The registry has recorded the duplicate; the file goes to duplicates/ (watcher only)."""
    if ctx.move:
        place(job.source, dated_folder(ctx.settings.duplicates_dir, ctx.settings.today()), job.file_name, move=True)
    return dataclasses.replace(job, outcome=Outcome(path=readable_name(str(job.source)), status=Status.DUPLICATE,
                                                    reg_no=reg_no, duplicate_of=reg_no, duplicate_kind=kind))


def quarantine(job: Job, ctx: Context, error: ExtractionError | NumberTaken) -> Job:
    """Keep the file with a reason the clerk can read, and record it in the audit log. The
    watcher stages the reason in the claim folder, records (closing the claim), then moves
    both: after a crash at any point the ledger says what is left to do."""
    error.message, error.cause = readable_text(error.message), readable_text(error.cause)  # may quote a name
    target = free_name(dated_folder(ctx.settings.quarantine_dir, ctx.settings.today()), job.file_name)
    text = reason_text(job.file_name, error, job.sha256)
    if ctx.move:
        stage_reason(job.source, text)
    else:  # `ingest` copies: the copy and its reason first, undone if the quarantine cannot be recorded
        target = place(job.source, target.parent, target.name, move=False)
    try:
        if not ctx.move:
            durable.write_text(reason_file(target), text)
        records.record_quarantine(ctx.engine, file_name=job.file_name, sha256=job.sha256,
                                  kind=error.kind, reason=error.message, cause=error.cause,
                                  quarantined_to=target.relative_to(ctx.settings.data_dir).as_posix(),
                                  actor=ctx.actor, claim=ctx.claim)
    except BaseException:
        if not ctx.move:
            reason_file(target).unlink(missing_ok=True)
            target.unlink(missing_ok=True)
        raise
    if ctx.move:
        move_quarantined(job.source, target)
    return dataclasses.replace(job, outcome=Outcome(path=readable_name(str(job.source)), status=Status.QUARANTINED,
                                                    reason=error.message, kind=error.kind))


# What the scanner operator or the clerk does about a quarantined file, by its kind.
HANDLING = {
    "unsupported": "请另存为 PDF 或 Word（.docx）后重新放入；旧版 .doc、.wps 文件可请管理员安装 LibreOffice 后运行 "
                   "wenshu retry。",
    "encrypted": "请向来文单位索取未加密的文件，或用密码打开后另存为未加密的文件，再重新放入。",
    "corrupt": "请向来文单位重新索取，或重新扫描后放入。",
    "empty": "文件没有可读的内容（或是空白扫描）：请确认扫描成功后重新扫描放入。",
    "too_large": "请拆分后分别放入，或请管理员调高 [limits] 中的上限后运行 wenshu retry。",
    "missing_engine": "请管理员安装文字识别组件（运行 scripts/setup.sh）后运行 wenshu retry --all。",
    "number_taken": "请核对纸面文号：确属另一份文件的，改正文号后重新放入发文目录；确为同一文件的，"
                    "可用 wenshu discard 删除此件。",
}
_REASON_LINE = "原因："


def reason_text(file_name: str, error: WenshuError, sha256: str | None) -> str:
    """The reason file beside a quarantined file, for the scanner operator and the clerk; in
    Chinese, with the technical cause last for the administrator."""
    kind = getattr(error, "kind", "corrupt")
    return (f"文件：{file_name}\n{_REASON_LINE}{error.message}\n"
            f"处理办法：{HANDLING.get(kind, HANDLING['corrupt'])}\n"
            f"\n技术信息（{kind}）：{error.cause or '-'}\nSHA-256：{sha256}\n")


def quarantine_reason(reason: Path) -> str | None:
    """The 原因 line of a reason file (``reason_text``)."""
    try:
        lines = reason.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((line.removeprefix(_REASON_LINE) for line in lines if line.startswith(_REASON_LINE)), None)


def original_name(reason: Path) -> str | None:
    """The file's name as it arrived, from the first line of its reason file (``reason_text``)."""
    try:
        first = reason.read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    return first.removeprefix("文件：") if first.startswith("文件：") else None
