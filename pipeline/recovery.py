"""Finishing claims that a crash interrupted, from the intake ledger alone.

Every outcome closes its claim's ledger row in the transaction that records it (the
registration, or the duplicate or quarantine event), and the file is moved only afterwards. So:

* a row still ``claimed`` has no outcome yet: its file is in work/ (run the recipe again), or
  someone removed it by hand (the claim is released);
* a closed row whose file is still in work/ had its transaction commit and then the crash:
  the file goes where the row says (``finish_closed``), nothing is recorded twice.
"""

from __future__ import annotations

from sqlalchemy import Engine

from core.settings import Settings
from core.vocab import ClaimState, Status
from pipeline.files import dated_folder, move_quarantined, place
from pipeline.ingest import Context, Outcome
from registry import ledger, queries
from registry.ledger import Entry

VANISHED = "文件在处理过程中从工作区消失（可能被手工移走）。"


def settle_interrupted(entry: Entry, ctx: Context) -> Outcome | None:
    """A claim with no outcome yet: None (run the recipe on its file), or released when the
    file is gone from work/."""
    if (ctx.settings.data_dir / entry.work_path).exists():
        return None
    ledger.release(ctx.engine, entry.id, reason=VANISHED)
    return Outcome(path=entry.work_path, status=Status.RELEASED, reason=VANISHED)


def finish_closed(entry: Entry, settings: Settings, engine: Engine) -> Outcome:
    """Do what a closed claim's outcome leaves to the file system, if a crash left it undone,
    and say what the outcome was."""
    work = settings.data_dir / entry.work_path
    leftover = work.exists()
    if entry.state == ClaimState.DONE:
        work.unlink(missing_ok=True)  # registered: its bytes are in store/
        document = queries.get(engine, entry.reg_no)
        return Outcome(path=entry.work_path, status=Status.REGISTERED, reg_no=entry.reg_no,
                       doc_type=document.doc_type, title=document.title, route=document.route)
    if entry.state == ClaimState.DUPLICATE:
        if leftover:
            place(work, dated_folder(settings.duplicates_dir, settings.today()), entry.file_name, move=True)
        return Outcome(path=entry.work_path, status=Status.DUPLICATE, reg_no=entry.reg_no,
                       duplicate_of=entry.reg_no, duplicate_kind=entry.kind)
    if entry.state == ClaimState.QUARANTINED:
        if leftover:  # its reason was staged beside it before the quarantine was recorded
            move_quarantined(work, settings.data_dir / entry.placed_to)
        return Outcome(path=entry.work_path, status=Status.QUARANTINED, reason=entry.reason, kind=entry.kind)
    return Outcome(path=entry.work_path, status=Status.RELEASED, reason=entry.reason)
