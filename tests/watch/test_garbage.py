"""Two hundred broken files through one watcher: it never dies, its memory stays bounded, and
each file is quarantined with a reason (a bit-flipped file that still parses may register)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.watch.helpers import (WatchProcess, documents, files_under, garbage_files, ledger_rows, tree_rss_mb,
                                 wenshu)

TREE_BUDGET_MB = 2500  # the watcher and its two workers, whatever the input
WATCHER_BUDGET_MB = 300  # the watcher process itself holds no file contents


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_two_hundred_bad_files_are_quarantined_with_reasons_and_memory_stays_bounded(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    files = garbage_files(data / "inbox", 204)
    names = {path.name for path in files}

    watcher = WatchProcess(data, ("--once", "--workers", "2", "--stable-seconds", "0.2", "--retries", "1",
                                  "--retry-backoff", "0.2", "--worker-memory-mb", "2048"))
    samples: list[tuple[float, float]] = []

    def sample() -> None:
        while watcher.process.poll() is None:
            samples.append(tree_rss_mb(watcher.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = watcher.wait(360)
    sampler.join()
    assert code == 4, f"the watcher died (exit {code}):\n{watcher.errors()[-3000:]}"

    final = [o for o in watcher.outcomes() if o["status"] != "retry"]
    assert sorted(o["file_name"] for o in final) == sorted(names)  # each file exactly once
    registered = {o["file_name"] for o in final if o["status"] == "registered"}
    assert all("flipped" in name for name in registered), registered  # only a flip may still parse
    quarantined = [o for o in final if o["status"] == "quarantined"]
    assert all(o["reason"] and o["kind"] for o in quarantined)
    kinds = {o["kind"] for o in quarantined}
    assert {"too_large", "corrupt"} <= kinds
    bombs = [o for o in quarantined if "zip-bomb" in o["file_name"] or "huge.png" in o["file_name"]]
    assert bombs and all(o["kind"] == "too_large" for o in bombs)

    in_quarantine = [p for p in files_under(data / "quarantine") if not p.name.endswith(".reason.txt")]
    assert len(in_quarantine) == len(quarantined)
    for path in in_quarantine:
        assert path.with_name(path.name + ".reason.txt").is_file()
    assert files_under(data / "inbox") == [] and list((data / "work").iterdir()) == []
    assert {d["file_name"] for d in documents(data)} == registered
    assert all(r["state"] in ("done", "quarantined", "duplicate") for r in ledger_rows(data))
    wenshu(data, "audit", "verify")

    peak_tree = max(total for total, _ in samples)
    peak_watcher = max(root for _, root in samples)
    print(f"\n{len(final)} files: {len(registered)} registered, {len(quarantined)} quarantined "
          f"({sorted(kinds)}); peak RSS: tree {peak_tree:.0f} MB, watcher {peak_watcher:.0f} MB; "
          f"{len(samples)} samples")
    assert peak_tree < TREE_BUDGET_MB
    assert peak_watcher < WATCHER_BUDGET_MB
