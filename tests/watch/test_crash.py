"""Crash consistency: a watcher SIGKILLed at random moments, again and again, loses nothing and
registers nothing twice."""

from __future__ import annotations

import hashlib
import random
import signal
import time
from collections import defaultdict

import pytest
from sqlalchemy import create_engine, select

from tests.watch.helpers import (WatchProcess, assert_gap_free, audit_actions, database_url, documents, files_under,
                                 ledger_rows, pdf_bytes, truncated, wenshu, write_docx, write_txt)

ARGS = ("--workers", "2", "--stable-seconds", "0.2", "--retries", "1", "--retry-backoff", "0.3",
        "--rescan-interval", "1")


def _make_files(staging, rng: random.Random) -> dict[str, str]:
    """60 files in ``staging``: 42 good (txt, docx), 9 copies of good ones under other names,
    9 bad (truncated PDF, empty, random bytes in a zip). Returns name -> "good" | "bad"."""
    expected: dict[str, str] = {}
    made = []
    for k in range(42):
        target = staging / (f"文件{k:03d}.docx" if k % 3 == 0 else f"文件{k:03d}.txt")
        (write_docx if target.suffix == ".docx" else write_txt)(target, k)
        made.append(target)
        expected[target.name] = "good"
    for j, original in enumerate(rng.sample(made, 9)):
        copy = staging / f"再次扫描{j:03d}{original.suffix}"
        copy.write_bytes(original.read_bytes())
        expected[copy.name] = "good"
    for j in range(3):
        bad = {f"损坏{j:03d}.pdf": truncated(pdf_bytes(j), rng)[:400], f"空文件{j:03d}.docx": b"",
               f"乱码{j:03d}.docx": b"PK\x03\x04" + rng.randbytes(3000)}
        for name, content in bad.items():
            (staging / name).write_bytes(content)
            expected[name] = "bad"
    return expected


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_at_random_moments_loses_nothing_and_registers_nothing_twice(tmp_path):
    rng = random.Random(20261128)
    data = tmp_path / "data"
    wenshu(data, "init")
    inbox, outbox = data / "inbox", data / "outbox"
    staging = tmp_path / "staging"
    staging.mkdir()
    expected = _make_files(staging, rng)
    contents = {path.name: path.read_bytes() for path in staging.iterdir()}
    waiting = sorted(staging.iterdir())
    rng.shuffle(waiting)

    rounds, landed, working = 14, 0, 0
    codes = []
    started = time.monotonic()
    for round_ in range(rounds):
        # files keep arriving while watchers come and go: scanners' dated folders, some 发文
        for path in waiting[round_ * 5:(round_ + 1) * 5]:
            folder = outbox if rng.random() < 0.2 else inbox / f"2026-11-{round_ + 10}"
            folder.mkdir(parents=True, exist_ok=True)
            path.rename(folder / path.name)
        watcher = WatchProcess(data, ARGS)
        if round_ % 3 == 0:
            time.sleep(rng.uniform(1.0, 3.0))  # start-up takes about a second: some kills land in it
        else:
            # A file takes milliseconds: a fixed delay would mostly find the watcher idle.
            _until_it_claims(data, watcher.pid, timeout=5.0)
            time.sleep(rng.uniform(0.0, 0.05))
        alive = watcher.process.poll() is None
        watcher.kill(group=round_ % 3 == 2)  # the watcher alone, or its whole process group
        codes.append(watcher.process.returncode)
        # A kill counts only if it found the watcher running and is what ended it: a watcher
        # that had already exited on its own (a crash at start-up, a lock) would not be tested.
        if alive and watcher.process.returncode == -signal.SIGKILL:
            landed += 1
            # ... and it caught this watcher at work: claims of its own (or adopted by it) still open
            working += any(row["state"] == "claimed" and _owner_pid(row["owner"]) == watcher.pid
                           for row in ledger_rows(data))
    assert landed == rounds, f"every kill must find a live watcher and end it by SIGKILL; exit codes {codes}"

    # a last watcher finishes whatever is left
    final = WatchProcess(data, ("--once", *ARGS))
    assert final.wait(180) in (0, 4), final.errors()
    elapsed = time.monotonic() - started

    assert len(expected) == 60 and not list(staging.iterdir())
    # nothing left behind
    assert files_under(inbox) == [] and files_under(outbox) == []
    assert list((data / "work").iterdir()) == [], list((data / "work").rglob("*"))
    assert all(row["state"] != "claimed" for row in ledger_rows(data))

    # every distinct good content registered exactly once, numbers gap-free per series
    docs = documents(data)
    by_sha: dict[str, list[str]] = defaultdict(list)
    for name, kind in expected.items():
        if kind == "good":
            by_sha[hashlib_of(contents[name])].append(name)
    assert sorted(d["sha256"] for d in docs) == sorted(by_sha), "registered contents differ from the good files"
    assert_gap_free(docs)

    # every file is in exactly one place: registered, in duplicates/, or in quarantine/ with a reason
    registered = {d["file_name"] for d in docs}
    duplicated = [p.name for p in files_under(data / "duplicates")]
    quarantined = [p.name for p in files_under(data / "quarantine") if not p.name.endswith(".reason.txt")]
    reasons = {p.name for p in files_under(data / "quarantine") if p.name.endswith(".reason.txt")}
    assert sorted(list(registered) + duplicated + quarantined) == sorted(expected)
    assert {name for name, kind in expected.items() if kind == "bad"} == set(quarantined)
    assert reasons == {name + ".reason.txt" for name in quarantined}
    for names in by_sha.values():  # one of each group registered, the others are duplicates
        assert len([n for n in names if n in registered]) == 1
    for path in files_under(data / "duplicates"):
        assert hashlib_of(path.read_bytes()) in by_sha

    # the audit log tells the same story, once each
    actions = audit_actions(data)
    assert sum(1 for a, _, _ in actions if a == "registered") == len(docs)
    assert sum(1 for a, _, _ in actions if a == "duplicate") == len(duplicated)
    assert sum(1 for a, _, _ in actions if a == "quarantined") == len(quarantined)
    wenshu(data, "audit", "verify")
    # Nine rounds wait for this watcher's own first claim before killing it, five kill at start-up.
    assert working >= 6, f"only {working} of {landed} kills caught the watcher with its own claims open"
    print(f"\n{landed} kills ({working} with the watcher's own claims in flight), {len(docs)} registered, "
          f"{len(duplicated)} duplicates, {len(quarantined)} quarantined in {elapsed:.0f} s")


def _owner_pid(owner: str) -> int | None:
    """The process id in a ledger owner, ``host:pid:token`` (see pipeline/watch.py)."""
    parts = owner.rsplit(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _until_it_claims(data, pid: int, timeout: float) -> None:  # noqa: ANN001
    """Until the watcher ``pid`` holds a claim: rows left claimed by the last, killed watcher
    do not count, or the kill would land in start-up again. One engine for the whole wait:
    a new one per look costs ~6 ms of CPU, taken from the watcher starting up next to it."""
    from registry.ledger import LedgerRow

    engine = create_engine(database_url(data))
    claimed = select(LedgerRow.owner).where(LedgerRow.state == "claimed")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if any(_owner_pid(owner) == pid for owner in connection.scalars(claimed)):
                    return
            time.sleep(0.01)
    finally:
        engine.dispose()


def hashlib_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

