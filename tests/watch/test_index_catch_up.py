"""Records registered but never indexed (a crash before the batch commit) are indexed when the
watcher starts."""

from __future__ import annotations

import shutil

from tests.cli import run, run_json


def test_watcher_start_indexes_what_the_index_lacks(tmp_path):
    data = tmp_path / "data"
    source = tmp_path / "通知.txt"
    source.write_text("东湖大学保卫处\n关于开展消防安全检查的通知\n各学院：\n请做好实验室消防检查。\n", encoding="utf-8")
    run_json(data, "ingest", str(source))
    shutil.rmtree(data / "index")  # as if the crash came before the index commit
    assert run(data, "index", "check", check_code=16).stdout.startswith("缺失 1")
    run(data, "watch", "--once")
    run(data, "index", "check")
    assert run_json(data, "search", "消防")["total"] == 1
