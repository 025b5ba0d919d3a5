"""Worker processes that die or hang: the file is retried or quarantined, never the watcher."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from tests.watch.helpers import (WatchProcess, documents, files_under, ledger_rows, png_text_page, tree_pids,
                                 wait_until, wenshu, write_txt)


def _workers_of(pid: int) -> list[int]:
    """The pool's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in tree_pids(pid, include_root=False):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            found.append(child)
    return found


def test_a_worker_killed_on_a_file_is_replaced_and_the_file_retried(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    watcher = WatchProcess(data, ("--workers", "1", "--stable-seconds", "0.2", "--retries", "1",
                                  "--retry-backoff", "0.5"))
    try:
        write_txt(data / "inbox" / "先.txt", 1)  # once it is registered, the worker is up and idle
        wait_until(lambda: documents(data), 30, message="the first file")
        (data / "inbox" / "扫描件.png").write_bytes(png_text_page(5))
        wait_until(lambda: any(r["state"] == "claimed" for r in ledger_rows(data)), 30, message="the claim")
        [worker] = _workers_of(watcher.pid)
        os.kill(worker, signal.SIGKILL)
        wait_until(lambda: len(documents(data)) == 2, 60, message="the registration after the retry")
        write_txt(data / "inbox" / "之后.txt", 2)
        wait_until(lambda: len(documents(data)) == 3, 30, message="the next file")
        assert watcher.process.poll() is None  # the watcher never died
    finally:
        code = watcher.terminate()
    assert code == 0, watcher.errors()
    statuses = [(o["file_name"], o["status"], o["attempt"]) for o in watcher.outcomes()]
    assert ("扫描件.png", "retry", 1) in statuses and ("扫描件.png", "registered", 2) in statuses
    retry = next(o for o in watcher.outcomes() if o["status"] == "retry")
    assert "SIGKILL" in retry["reason"]
    assert list((data / "work").iterdir()) == []
    wenshu(data, "audit", "verify")


def test_a_worker_stuck_on_a_file_is_killed_and_the_file_quarantined(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    (data / "inbox" / "慢.png").write_bytes(png_text_page(6))
    write_txt(data / "inbox" / "快.txt", 7)
    result = wenshu(data, "watch", "--once", "--json", "--workers", "1", "--stable-seconds", "0.2",
                    "--retries", "0", "--file-timeout", "0.5", check=4)
    outcomes = {o["file_name"]: o for o in map(json.loads, result.stdout.splitlines())}
    assert outcomes["快.txt"]["status"] == "registered"
    assert outcomes["慢.png"]["status"] == "quarantined" and outcomes["慢.png"]["kind"] == "too_large"
    reason = next(p for p in files_under(data / "quarantine") if p.name == "慢.png.reason.txt")
    assert "超时" in reason.read_text(encoding="utf-8")
    assert [r["state"] for r in ledger_rows(data)].count("quarantined") == 1
    assert list((data / "work").iterdir()) == []
    wenshu(data, "audit", "verify")


def test_workers_that_cannot_start_stop_the_watcher_with_a_message(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    write_txt(data / "inbox" / "a.txt", 1)
    result = wenshu(data, "watch", "--once", "--worker-memory-mb", "40", "--stable-seconds", "0", check=18)
    assert "处理进程无法启动" in result.stderr
    assert (data / "inbox" / "a.txt").exists() or ledger_rows(data)[0]["state"] == "claimed"
