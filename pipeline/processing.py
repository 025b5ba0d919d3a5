"""Processing one claimed file: ``ingest_file`` (the same recipe as ``wenshu ingest``) with the
claim, so that its outcome closes the claim's ledger row in the same transaction. Runs inside
a worker process; the watcher uses ``quarantine_crashed`` itself when a worker died on a file.

A claim resumed after a crash is first settled from the ledger (``pipeline/recovery.py``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from core.vocab import ClaimState, Status
from extractors.errors import Corrupt, ExtractionError, TooLarge
from pipeline import recovery
from pipeline.claims import lock_token, remove_token
from pipeline.ingest import Context, Job, Outcome, ingest_file, quarantine
from registry import ledger
from registry.audit import utc_now
from registry.ledger import Entry


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
        return Result(entry, Outcome(path=entry.work_path, status=Status.ABANDONED), final=False)
    try:
        outcome = None if fresh else recovery.settle_interrupted(entry, ctx)
        if outcome is None:
            origin = json.loads(entry.origin) if entry.origin else None
            outcome = ingest_file(ctx.settings.data_dir / entry.work_path, replace(ctx, claim=entry.id, origin=origin),
                                  direction=entry.direction, series=entry.series, file_name=entry.file_name,
                                  sha256=entry.sha256)
        if outcome.status == Status.RETRY:
            ledger.note_retry(ctx.engine, entry.id, not_before=utc_now() + timedelta(seconds=retry_after),
                              kind=outcome.kind, reason=outcome.reason)
            return Result(entry, outcome, final=False)
        remove_token(folder)
        return Result(entry, outcome, final=True)
    finally:
        os.close(lock_fd)


def quarantine_crashed(entry: Entry, ctx: Context, *, cause: str, timed_out: bool) -> Outcome:
    """A worker died (or hung) on this file on its last attempt: quarantine it with the reason.
    Called by the watcher, which holds the claim's lock."""
    current = ledger.get(ctx.engine, entry.id)
    if current.state != ClaimState.CLAIMED:  # the worker recorded an outcome before it died
        outcome = recovery.finish_closed(current, ctx.settings, ctx.engine)
    else:
        outcome = recovery.settle_interrupted(entry, ctx) or _quarantine_work_file(entry, ctx, cause, timed_out)
    remove_token(ctx.settings.data_dir / Path(entry.work_path).parent)
    return outcome


def _quarantine_work_file(entry: Entry, ctx: Context, cause: str, timed_out: bool) -> Outcome:
    error: ExtractionError
    if timed_out:
        error = TooLarge("文件处理超时，可能页数过多或内容异常。请拆分后重新放入收文目录，或联系管理员。",
                         cause=cause)
    else:
        error = Corrupt("处理该文件时处理进程异常退出（文件可能已损坏，或解压后过大）。"
                        "请向来文单位重新索取，或联系管理员。", cause=cause)
    job = Job(source=ctx.settings.data_dir / entry.work_path, file_name=entry.file_name,
              direction=entry.direction, series=entry.series, sha256=entry.sha256)
    return quarantine(job, replace(ctx, move=True, claim=entry.id), error).outcome
