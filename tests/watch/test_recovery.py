"""Resuming claims that a crash interrupted at each dangerous moment, on real files and a real
database. Each test leaves the state a SIGKILL at that moment would leave (by running the real
steps up to that point), lets the owner "die" (its lock goes), and resumes from another watcher."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from pipeline.claims import Claimer, lock_token
from pipeline.files import dated_folder, free_name, reason_file, stage_reason
from pipeline.ingest import Context, ingest_file
from pipeline.processing import process, quarantine_crashed
from registry import ledger, records
from pipeline.database import open_registry
from tests.watch.helpers import audit_actions, files_under, write_txt


@pytest.fixture
def env(settings):
    for folder in settings.folders:
        folder.mkdir(parents=True, exist_ok=True)
    engine = open_registry(settings)
    return settings, engine


def _ctx(settings, engine, move=True):
    return Context(settings=settings, engine=engine, actor="test", move=move, final_attempt=True)


def _claim(settings, engine, name="通知.txt", n=1, owner="dead-watcher"):
    write_txt(settings.inbox_dir / name, n)
    claim = Claimer(settings, engine, owner).claim(settings.inbox_dir / name, "收文")
    assert claim is not None
    return claim


def _resume(settings, engine):
    claims = Claimer(settings, engine, "next-watcher").resume(set())
    results = [process(c.entry, _ctx(settings, engine), retry_after=1) for c in claims]
    for claim in claims:
        claim.release()
    return results


def _actions(settings):
    """The audit events about files arriving (registration also records routed, filed...)."""
    return [action for action, _, _ in audit_actions(settings.data_dir)
            if action in ("registered", "duplicate", "quarantined")]


def _work_is_empty(settings):
    return list(settings.work_dir.iterdir()) == []


def test_claim_moves_the_file_into_its_own_work_folder_with_a_ledger_row(env):
    settings, engine = env
    claim = _claim(settings, engine, name="扫描 001（副本）.txt")
    entry = claim.entry
    work = settings.data_dir / entry.work_path
    assert not (settings.inbox_dir / "扫描 001（副本）.txt").exists() and work.is_file()
    assert work.name == "扫描 001（副本）.txt" and work.parent.parent == settings.work_dir
    assert (entry.state, entry.source_path, entry.file_name) == ("claimed", "inbox/扫描 001（副本）.txt",
                                                                 "扫描 001（副本）.txt")
    assert entry.size == work.stat().st_size and len(entry.sha256) == 64
    claim.release()


def test_only_one_claimer_wins_a_file(env):
    settings, engine = env
    write_txt(settings.inbox_dir / "a.txt", 1)
    first = Claimer(settings, engine, "one").claim(settings.inbox_dir / "a.txt", "收文")
    second = Claimer(settings, engine, "two").claim(settings.inbox_dir / "a.txt", "收文")
    assert first is not None and second is None
    assert len(ledger.unfinished(engine)) == 1
    assert len(list(settings.work_dir.iterdir())) == 1  # the loser left no folder behind
    first.release()


def test_a_live_owners_claim_is_not_taken(env):
    settings, engine = env
    claim = _claim(settings, engine)  # still held: its watcher is alive
    assert Claimer(settings, engine, "other").resume(set()) == []
    claim.release()  # now it "dies"
    [taken] = Claimer(settings, engine, "other").resume(set())
    assert taken.entry.owner == "other" and taken.entry.id == claim.entry.id
    assert Claimer(settings, engine, "third").resume(set()) == []  # taken: held by "other"
    taken.release()


def test_crash_after_the_rename_before_the_ledger_row_adopts_the_orphan(env):
    settings, engine = env
    write_txt(settings.outbox_dir / "发文稿.txt", 3)
    folder = settings.work_dir / "out-0123456789abcdef"
    folder.mkdir()
    os.rename(settings.outbox_dir / "发文稿.txt", folder / "发文稿.txt")  # then: SIGKILL
    [outcome] = [r.outcome for r in _resume(settings, engine)]
    assert outcome.status == "registered" and outcome.reg_no.startswith("化学院发〔")
    assert ledger.counts(engine, datetime(2000, 1, 1, tzinfo=timezone.utc))["done"] == 1
    assert _work_is_empty(settings)


def test_crash_between_a_ticks_moves_and_their_one_ledger_transaction_adopts_every_file(env):
    settings, engine = env
    claimer = Claimer(settings, engine, "dead-watcher")
    moved = []
    for n in range(3):
        write_txt(settings.inbox_dir / f"通知{n}.txt", 10 + n)
        moved.append(claimer.move_in(settings.inbox_dir / f"通知{n}.txt", "收文"))
    for item in moved:  # then: SIGKILL, before claimer.record(moved)
        os.close(item.lock_fd)
    assert ledger.unfinished(engine) == []
    outcomes = [r.outcome for r in _resume(settings, engine)]
    assert sorted(o.status for o in outcomes) == ["registered"] * 3
    assert _work_is_empty(settings) and list(settings.inbox_dir.iterdir()) == []


def test_claims_recorded_together_are_each_resumable(env):
    settings, engine = env
    claimer = Claimer(settings, engine, "dead-watcher")
    for n in range(3):
        write_txt(settings.inbox_dir / f"通知{n}.txt", 20 + n)
    claims = claimer.record([claimer.move_in(settings.inbox_dir / f"通知{n}.txt", "收文") for n in range(3)])
    assert [c.entry.file_name for c in claims] == ["通知0.txt", "通知1.txt", "通知2.txt"]
    assert [c.entry.id for c in claims] == [e.id for e in ledger.unfinished(engine)]
    assert all(c.fresh for c in claims)
    for claim in claims:
        assert (settings.data_dir / claim.entry.work_path).is_file()
        claim.release()  # the watcher dies
    outcomes = [r.outcome for r in _resume(settings, engine)]
    assert sorted(o.status for o in outcomes) == ["registered"] * 3
    assert ledger.unfinished(engine) == [] and _work_is_empty(settings)


def test_crash_after_a_registration_that_closed_its_claim_before_the_work_file_went(env):
    settings, engine = env
    claim = _claim(settings, engine)
    work = settings.data_dir / claim.entry.work_path
    ctx = Context(settings=settings, engine=engine, actor="test", move=False, claim=claim.entry.id)
    registered = ingest_file(work, ctx, file_name=claim.entry.file_name)
    assert ledger.get(engine, claim.entry.id).state == "done" and work.exists()  # SIGKILL now
    claim.release()
    assert _resume(settings, engine) == []  # nothing to redo: the leftover copy is removed
    assert ledger.get(engine, claim.entry.id).reg_no == registered.reg_no
    assert _actions(settings) == ["registered"]
    assert files_under(settings.duplicates_dir) == [] and _work_is_empty(settings)


def test_crash_after_the_duplicate_was_recorded_before_the_move(env):
    settings, engine = env
    first = _claim(settings, engine, "原件.txt", n=5, owner="w")
    [done] = [process(first.entry, _ctx(settings, engine), retry_after=1)]
    first.release()
    assert done.outcome.status == "registered"
    write_txt(settings.inbox_dir / "再次扫描.txt", 5)
    claim = Claimer(settings, engine, "dead").claim(settings.inbox_dir / "再次扫描.txt", "收文")
    records.record_duplicate(engine, sha256=claim.entry.sha256, file_name="再次扫描.txt", actor="test",
                             claim=claim.entry.id)
    assert ledger.get(engine, claim.entry.id).state == "duplicate"  # one transaction with the event
    claim.release()  # SIGKILL before the file moved to duplicates/
    assert _resume(settings, engine) == []  # nothing to redo: the file goes where the ledger says
    assert _actions(settings) == ["registered", "duplicate"]  # once
    assert [p.name for p in files_under(settings.duplicates_dir)] == ["再次扫描.txt"]
    assert ledger.get(engine, claim.entry.id).reg_no == done.outcome.reg_no and _work_is_empty(settings)


def _quarantine_recorded(settings, engine, claim):
    """The quarantine's first two steps: the reason staged in the claim folder, then the audit
    event and the ledger row in one transaction. Returns where the file is to go."""
    work = settings.data_dir / claim.entry.work_path
    target = free_name(dated_folder(settings.quarantine_dir, settings.today()), claim.entry.file_name)
    stage_reason(work, "文件：坏.pdf\n原因：文件内容已损坏。\n\n技术信息（corrupt）：truncated\n")
    records.record_quarantine(engine, file_name=claim.entry.file_name, sha256=claim.entry.sha256, kind="corrupt",
                              reason="文件内容已损坏。", cause="truncated", actor="test", claim=claim.entry.id,
                              quarantined_to=target.relative_to(settings.data_dir).as_posix())
    return target


def test_crash_after_the_quarantine_was_recorded_before_the_move(env):
    settings, engine = env
    claim = _bad_claim(settings, engine)
    target = _quarantine_recorded(settings, engine, claim)
    claim.release()  # SIGKILL: the file and its staged reason are still in work/
    assert _resume(settings, engine) == []
    assert sorted(p.name for p in files_under(settings.quarantine_dir)) == ["坏.pdf", "坏.pdf.reason.txt"]
    assert target.read_bytes() == b"%PDF-1.7\n broken"
    assert reason_file(target).read_text(encoding="utf-8").startswith("文件：坏.pdf\n原因：文件内容已损坏。")
    [(_, _, details)] = [event for event in audit_actions(settings.data_dir) if event[0] == "quarantined"]
    assert details["quarantined_to"] == target.relative_to(settings.data_dir).as_posix()
    entry = ledger.get(engine, claim.entry.id)
    assert (entry.state, entry.kind, entry.cause) == ("quarantined", "corrupt", "truncated")
    assert _actions(settings) == ["quarantined"] and _work_is_empty(settings)


def test_crash_after_the_reason_moved_before_the_file(env):
    settings, engine = env
    claim = _bad_claim(settings, engine)
    target = _quarantine_recorded(settings, engine, claim)
    work = settings.data_dir / claim.entry.work_path
    (work.with_name(".reason.txt")).replace(reason_file(target))
    claim.release()  # SIGKILL between the two moves
    assert _resume(settings, engine) == []
    assert sorted(p.name for p in files_under(settings.quarantine_dir)) == ["坏.pdf", "坏.pdf.reason.txt"]
    assert _actions(settings) == ["quarantined"] and _work_is_empty(settings)


def test_a_worker_that_died_after_recording_an_outcome_is_not_quarantined_again(env):
    settings, engine = env
    claim = _bad_claim(settings, engine)
    target = _quarantine_recorded(settings, engine, claim)  # then the worker died
    outcome = quarantine_crashed(claim.entry, _ctx(settings, engine), cause="killed", timed_out=False)
    claim.release()
    assert (outcome.status, outcome.kind) == ("quarantined", "corrupt")
    assert target.is_file() and reason_file(target).is_file()
    assert _actions(settings) == ["quarantined"] and _work_is_empty(settings)


def test_a_worker_that_died_on_a_file_quarantines_it_with_the_reason(env):
    settings, engine = env
    claim = _bad_claim(settings, engine)
    outcome = quarantine_crashed(claim.entry, _ctx(settings, engine), cause="Killed by SIGKILL", timed_out=False)
    claim.release()
    assert (outcome.status, outcome.kind) == ("quarantined", "corrupt")
    entry = ledger.get(engine, claim.entry.id)
    assert (entry.state, entry.cause) == ("quarantined", "Killed by SIGKILL")
    [placed] = [p for p in files_under(settings.quarantine_dir) if not p.name.endswith(".reason.txt")]
    assert entry.placed_to == placed.relative_to(settings.data_dir).as_posix()
    assert "处理进程异常退出" in reason_file(placed).read_text(encoding="utf-8")
    assert _actions(settings) == ["quarantined"] and _work_is_empty(settings)


def test_a_work_file_that_vanished_releases_its_claim(env):
    settings, engine = env
    claim = _claim(settings, engine)
    (settings.data_dir / claim.entry.work_path).unlink()  # someone tidied work/ by hand
    claim.release()
    [result] = _resume(settings, engine)
    assert result.outcome.status == "released" and result.final
    assert ledger.get(engine, claim.entry.id).state == "released" and _work_is_empty(settings)


def test_empty_work_folders_are_removed_unless_locked(env):
    settings, engine = env
    stale = settings.work_dir / "in-aaaaaaaaaaaaaaaa"
    stale.mkdir()
    busy = settings.work_dir / "in-bbbbbbbbbbbbbbbb"
    busy.mkdir()
    fd = lock_token(busy, exclusive=False)  # a live claimer between mkdir and rename
    assert Claimer(settings, engine, "x").resume(set()) == []
    assert not stale.exists() and busy.exists()
    os.close(fd)


def _bad_claim(settings, engine):
    path = settings.inbox_dir / "坏.pdf"
    path.write_bytes(b"%PDF-1.7\n broken")
    claim = Claimer(settings, engine, "dead").claim(path, "收文")
    assert claim is not None
    return claim



def test_a_copy_interrupted_across_file_systems_leaves_nothing_to_adopt(env):
    """Across file systems the claim is a copy: a crash mid-copy leaves a temporary dot file in
    the work folder (the original is still in the inbox). It is removed, not registered."""
    settings, engine = env
    write_txt(settings.inbox_dir / "原件.txt", 8)
    folder = settings.work_dir / "in-cccccccccccccccc"
    folder.mkdir()
    (folder / ".原件.txt.1234.tmp").write_bytes(b"half a file")
    assert Claimer(settings, engine, "x").resume(set()) == []
    assert not folder.exists() and (settings.inbox_dir / "原件.txt").exists()
