"""A file written slowly (a scanner over SMB, a clerk's copy) is not touched until complete."""

from __future__ import annotations

import time

from tests.watch.helpers import WatchProcess, documents, ledger_rows, notice_text, sha256, wait_until, wenshu


def test_a_file_written_in_chunks_over_ten_seconds_is_taken_only_when_complete(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    watcher = WatchProcess(data, ("--workers", "1", "--stable-seconds", "2"))
    target = data / "inbox" / "慢慢写入的扫描件.txt"
    text = "".join(notice_text(n) for n in range(40)).encode("utf-8")
    chunks = [text[i * len(text) // 10:(i + 1) * len(text) // 10] for i in range(10)]
    try:
        for chunk in chunks:  # like a network copy: reopen, append, close, pause
            with target.open("ab") as handle:
                handle.write(chunk)
            time.sleep(1.0)
            assert target.exists(), "the watcher took a file that was still being written"
            assert ledger_rows(data) == []
        assert target.read_bytes() == text
        wait_until(lambda: documents(data), 30, message="the registration")
    finally:
        assert watcher.terminate() == 0, watcher.errors()
    [doc] = documents(data)
    assert doc["file_name"] == "慢慢写入的扫描件.txt"
    [outcome] = watcher.outcomes()
    assert outcome["status"] == "registered" and outcome["attempt"] == 1
    store = next((data / "store").rglob(f"{doc['sha256']}*"))
    assert sha256(store) == doc["sha256"] and store.read_bytes() == text
