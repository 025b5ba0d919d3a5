"""Processing one claimed file: ``ingest_file`` (the same recipe as ``wenshu ingest``), then the
ledger. Runs inside a worker process; the watcher uses ``quarantine_crashed`` itself when a
worker died on a file.

A claim may have been interrupted at any point by a crash. Before running the recipe again,
``settle_interrupted`` looks at what the interrupted attempt left behind, so that nothing is
registered twice and no file ends up both registered and "duplicate":

* the bytes are registered, under this name, after this claim, by no other claim: it was us;
  the crash came between the registration and the ledger. Finish the work file and the row.
* the work file is gone and the bytes belong to an older record: it went to duplicates/.
* the work file is gone and sits in quarantine/: with its reason file it was quarantined (the
  audit event is added if the crash came just before it); without, it goes round again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from extractors.errors import Corrupt, ExtractionError, TooLarge
from pipeline.claims import lock_token, remove_token
from pipeline.files import dated_folder, place, sha256_of
from pipeline.indexing import index_registered
from pipeline.ingest import Context, Job, Outcome, ingest_file, quarantine
from registry import ledger, queries, records
from registry.audit import utc_now
from registry.ledger import Entry

RELEASED = "released"  # Outcome status for a claim whose file vanished (not a registry outcome)
ABANDONED = "abandoned"  # the claim is not ours any more (our watcher died): nothing was done


@dataclass(frozen=True)
class Result:
    """What a worker sends back for one claim."""

    entry: Entry
    outcome: Outcome
    final: bool  # the claim is closed (False: it waits for another attempt)


def process(entry: Entry, ctx: Context, *, retry_after: float, fresh: bool = False) -> Result:
    """Run one claim to its next state. ``ctx.final_attempt`` says whether a file that does not
    parse is quarantined now or retried after ``retry_after`` seconds. ``fresh``: the claim's
    first attempt, so there is nothing an interrupted one left behind to look for."""
    folder = ctx.settings.data_dir / Path(entry.work_path).parent
    lock_fd = lock_token(folder, exclusive=False)
    if lock_fd is None:
        return Result(entry, Outcome(path=entry.work_path, status=ABANDONED), final=False)
    try:
        outcome = None if fresh else settle_interrupted(entry, ctx)
        if outcome is not None and outcome.status == "registered" and ctx.index:
            _index(ctx, outcome.reg_no)  # registered, then the crash: the index may lack it
        if outcome is None:
            outcome = ingest_file(ctx.settings.data_dir / entry.work_path, replace(ctx, claim=entry.id),
                                  direction=entry.direction, series=entry.series, file_name=entry.file_name)
            outcome = record(entry, outcome, ctx, retry_after=retry_after)
        final = outcome.status != "retry"
        if final:
            remove_token(folder)
        return Result(entry, outcome, final)
    finally:
        os.close(lock_fd)


def _index(ctx: Context, reg_no: str) -> None:
    index_registered(ctx.engine, ctx.settings, [reg_no], ctx.actor)


def record(entry: Entry, outcome: Outcome, ctx: Context, *, retry_after: float) -> Outcome:
    """Write the outcome into the ledger (a registration closed its claim itself)."""
    engine = ctx.engine
    if outcome.status == "registered":
        return outcome
    if outcome.status == "duplicate":
        ledger.finish(engine, entry.id, ledger.DUPLICATE, reg_no=outcome.duplicate_of)
    elif outcome.status == "quarantined":
        ledger.finish(engine, entry.id, ledger.QUARANTINED, kind=outcome.kind, reason=outcome.reason)
    elif outcome.status == "retry":
        ledger.note_retry(engine, entry.id, not_before=utc_now() + timedelta(seconds=retry_after),
                          kind=outcome.kind, reason=outcome.reason)
    else:
        raise AssertionError(f"unexpected outcome {outcome.status}")
    return outcome


def settle_interrupted(entry: Entry, ctx: Context) -> Outcome | None:
    """Finish a claim from what an interrupted attempt left behind; None: run the recipe."""
    data_dir, engine = ctx.settings.data_dir, ctx.engine
    work = data_dir / entry.work_path
    found = ledger.registration_of(engine, entry)
    if found:
        reg_no, ours = found
        if ours:
            work.unlink(missing_ok=True)
            ledger.finish(engine, entry.id, ledger.DONE, reg_no=reg_no)
            document = queries.get(engine, reg_no)
            return Outcome(path=entry.work_path, status="registered", reg_no=reg_no,
                           doc_type=document.doc_type, title=document.title, route=document.route)
        if not work.exists() or ledger.duplicate_noted(engine, entry, reg_no):
            if work.exists():
                place(work, dated_folder(ctx.settings.duplicates_dir, _today(ctx)), entry.file_name, move=True)
            ledger.finish(engine, entry.id, ledger.DUPLICATE, reg_no=reg_no)
            return Outcome(path=entry.work_path, status="duplicate", reg_no=reg_no, duplicate_of=reg_no)
        return None
    if work.exists():
        return None
    quarantined = _find_quarantined(entry, ctx)
    if quarantined is None:
        reason = "文件在处理过程中从工作区消失（可能被手工移走）。"
        ledger.finish(engine, entry.id, ledger.RELEASED, reason=reason)
        return Outcome(path=entry.work_path, status=RELEASED, reason=reason)
    reason_file = quarantined.with_name(quarantined.name + ".reason.txt")
    if not reason_file.exists():  # moved, but the reason was never written: go round again
        work.parent.mkdir(parents=True, exist_ok=True)
        quarantined.replace(work)
        return None
    kind, reason, cause = _read_reason(reason_file)
    where = quarantined.relative_to(data_dir).as_posix()
    if not ledger.quarantine_noted(engine, entry, where):
        records.record_quarantine(engine, file_name=entry.file_name, sha256=entry.sha256, kind=kind,
                                  reason=reason, cause=cause, quarantined_to=where, actor=ctx.actor)
    ledger.finish(engine, entry.id, ledger.QUARANTINED, kind=kind, reason=reason)
    return Outcome(path=entry.work_path, status="quarantined", reason=reason, kind=kind)


def quarantine_crashed(entry: Entry, ctx: Context, *, cause: str, timed_out: bool) -> Outcome:
    """A worker died (or hung) on this file on its last attempt: quarantine it with the reason.
    Called by the watcher, which holds the claim's lock."""
    settled = settle_interrupted(entry, ctx)
    if settled is not None:
        return settled
    work = ctx.settings.data_dir / entry.work_path
    error: ExtractionError
    if timed_out:
        error = TooLarge("文件处理超时，可能页数过多或内容异常。请拆分后重新放入收文目录，或联系管理员。",
                         cause=cause)
    else:
        error = Corrupt("处理该文件时处理进程异常退出（文件可能已损坏，或解压后过大）。"
                        "请向来文单位重新索取，或联系管理员。", cause=cause)
    job = Job(source=work, file_name=entry.file_name, direction=entry.direction, series=entry.series,
              sha256=sha256_of(work))
    outcome = quarantine(job, replace(ctx, move=True), error).outcome
    ledger.finish(ctx.engine, entry.id, ledger.QUARANTINED, kind=outcome.kind, reason=outcome.reason)
    remove_token(work.parent)
    return outcome


def _find_quarantined(entry: Entry, ctx: Context) -> Path | None:
    """The claim's file in quarantine/<day>/, under its name or a numbered variant of it."""
    if not entry.sha256:
        return None
    stem, suffix = Path(entry.file_name).stem, Path(entry.file_name).suffix
    pattern = re.compile(re.escape(stem) + r"( \(\d+\))?" + re.escape(suffix))
    day = entry.claimed_at.astimezone(ctx.settings.zone).date() - timedelta(days=1)
    while day <= _today(ctx):
        folder = ctx.settings.quarantine_dir / day.isoformat()
        if folder.is_dir():
            for candidate in folder.iterdir():
                if pattern.fullmatch(candidate.name) and candidate.is_file() \
                        and sha256_of(candidate) == entry.sha256:
                    return candidate
        day += timedelta(days=1)
    return None


_KIND = re.compile(r"^技术信息（(?P<kind>[a-z_]+)）：(?P<cause>.*)$", re.M)
_REASON = re.compile(r"^原因：(?P<reason>.*)$", re.M)


def _read_reason(reason_file: Path) -> tuple[str, str, str | None]:
    text = reason_file.read_text(encoding="utf-8", errors="replace")
    kind, reason = _KIND.search(text), _REASON.search(text)
    return (kind["kind"] if kind else "corrupt", reason["reason"] if reason else text.strip()[:200],
            kind["cause"] if kind else None)


def _today(ctx: Context):  # noqa: ANN202
    return datetime.now(ctx.settings.zone).date()
