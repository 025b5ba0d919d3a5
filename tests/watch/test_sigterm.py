"""SIGTERM drains: files in the workers finish, nothing new is taken, exit code 0."""

from __future__ import annotations

import time

from tests.watch.helpers import (WatchProcess, documents, files_under, ledger_rows, png_text_page, tree_pids,
                                 wait_until, wenshu, write_txt)


def test_sigterm_finishes_files_in_flight_takes_no_new_ones_and_exits_0(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    watcher = WatchProcess(data, ("--workers", "1", "--stable-seconds", "0.2"))
    write_txt(data / "inbox" / "预热.txt", 1)
    wait_until(lambda: documents(data), 30, message="the first file")
    (data / "inbox" / "扫描件一.png").write_bytes(png_text_page(11))
    (data / "inbox" / "扫描件二.png").write_bytes(png_text_page(12))
    wait_until(lambda: any(r["state"] == "claimed" for r in ledger_rows(data)), 30, message="a claim")
    in_flight = {r["file_name"] for r in ledger_rows(data) if r["state"] == "claimed"}
    sent = time.monotonic()
    code = watcher.terminate(timeout=60)
    write_txt(data / "inbox" / "之后才到.txt", 2)
    assert code == 0, watcher.errors()
    assert time.monotonic() - sent < 30
    assert tree_pids(watcher.pid, include_root=False) == []  # no worker left behind

    registered = {d["file_name"] for d in documents(data)}
    rows = {r["file_name"]: r["state"] for r in ledger_rows(data)}
    started = next(name for name in sorted(in_flight) if rows[name] == "done")  # the one in the worker finished
    assert started in registered
    assert (data / "inbox" / "之后才到.txt").exists()
    # a scan claimed but not started stays claimed (in work/, in the ledger) for the next start
    for name in {"扫描件一.png", "扫描件二.png"} - registered:
        assert rows.get(name) in (None, "claimed")

    result = wenshu(data, "watch", "--once", "--json", "--stable-seconds", "0.2", "--workers", "1")
    assert {d["file_name"] for d in documents(data)} == {"预热.txt", "扫描件一.png", "扫描件二.png", "之后才到.txt"}
    assert files_under(data / "inbox") == [] and list((data / "work").iterdir()) == []
    assert result.returncode == 0
    wenshu(data, "audit", "verify")
