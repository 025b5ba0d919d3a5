"""Quarantine a scanner operator can work with (issue 13 §6), through the real commands."""

from __future__ import annotations

import json
import re
import shutil

from tests.cli import run, run_json
from tests.conftest import SAMPLES
from tests.watch.helpers import ledger_rows

NOTICE = "东湖大学教务处\n东大教发〔2026〕40号\n关于做好寒假安全工作的通知\n各学院：\n请做好寒假安全工作。\n东湖大学教务处\n2026年12月1日\n"


def _watch_once(data, *extra):
    result = run(data, "watch", "--once", "--json", "--stable-seconds", "0", *extra, check_code=None)
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def _drop(data, *samples):
    (data / "inbox").mkdir(parents=True, exist_ok=True)
    for name in samples:
        shutil.copy(SAMPLES / name, data / "inbox" / name)


def test_status_lists_every_quarantined_file_with_its_reason_in_chinese(tmp_path):
    data = tmp_path / "data"
    run(data, "init")
    _drop(data, "encrypted_user_password.pdf", "empty.pdf")
    _watch_once(data)
    status = run_json(data, "status")
    assert status["quarantined"] == 2
    by_file = {item["file"].rsplit("/", 1)[-1]: item["reason"] for item in status["quarantine"]}
    assert set(by_file) == {"encrypted_user_password.pdf", "empty.pdf"}
    assert "加密" in by_file["encrypted_user_password.pdf"]
    shown = run(data, "status").stdout
    assert "encrypted_user_password.pdf" in shown and "加密" in shown
    for reason_file in (data / "quarantine").rglob("*.reason.txt"):
        lines = reason_file.read_text(encoding="utf-8").splitlines()
        clerk_lines = [line for line in lines if line and not line.startswith(("技术信息", "SHA-256", "文件："))]
        assert [line.split("：")[0] for line in clerk_lines] == ["原因", "处理办法"]
        # no English sentence (names such as PDF, or a command to type, are fine)
        assert not re.search(r"[A-Za-z]+ [a-z]+ [a-z]+", "".join(line.split("：", 1)[1] for line in clerk_lines)), lines


def test_an_empty_or_encrypted_file_is_quarantined_at_once_not_retried(tmp_path):
    data = tmp_path / "data"
    run(data, "init")
    _drop(data, "encrypted_user_password.pdf", "empty.pdf", "corrupt_truncated.pdf")
    outcomes = _watch_once(data, "--retries", "1", "--retry-backoff", "0.2")
    by_name = {}
    for outcome in outcomes:
        by_name.setdefault(outcome["file_name"], []).append(outcome["status"])
    assert by_name["empty.pdf"] == ["quarantined"] and by_name["encrypted_user_password.pdf"] == ["quarantined"]
    assert by_name["corrupt_truncated.pdf"] == ["retry", "quarantined"]  # may still be being written
    attempts = {row["file_name"]: row["attempts"] for row in ledger_rows(data)}
    assert attempts == {"empty.pdf": 1, "encrypted_user_password.pdf": 1, "corrupt_truncated.pdf": 2}


def test_discard_removes_an_unfixable_file_with_its_reason_audited(tmp_path):
    data = tmp_path / "data"
    run(data, "init")
    _drop(data, "corrupt_truncated.pdf")
    _watch_once(data, "--retries", "0")
    assert "理由" in run(data, "discard", "corrupt_truncated.pdf", check_code=9).stderr
    run(data, "discard", "corrupt_truncated.pdf", "--reason", "来文单位已另行寄送纸质件")
    assert list((data / "quarantine").rglob("*")) == [p for p in (data / "quarantine").rglob("*") if p.is_dir()]
    [event] = [e for e in run_json(data, "audit", "log") if e["action"] == "discarded"]
    assert event["details"]["reason"] == "来文单位已另行寄送纸质件"
    assert event["details"]["quarantined_to"].endswith("/corrupt_truncated.pdf")
    run(data, "discard", "corrupt_truncated.pdf", "--reason", "再删一次", check_code=5)
    run(data, "audit", "verify")


def test_a_retried_file_records_where_it_came_from(tmp_path):
    data = tmp_path / "data"
    run(data, "init")
    (data / "inbox").mkdir(parents=True, exist_ok=True)
    (data / "inbox" / "通知.txt").write_bytes(b"")  # the scanner wrote nothing the first time
    _watch_once(data)
    [quarantined] = [p for p in (data / "quarantine").rglob("通知.txt")]
    earlier = ledger_rows(data)[0]["sha256"]
    quarantined.write_text(NOTICE, encoding="utf-8")  # the operator puts the good file in its place
    [outcome] = [json.loads(line) for line in run(data, "retry", "--all", "--json").stdout.splitlines()]
    assert outcome["status"] == "registered"
    [event] = [e for e in run_json(data, "audit", "log", "--record", outcome["reg_no"]) if e["action"] == "registered"]
    origin = event["details"]["origin"]
    assert origin["quarantine"] == quarantined.relative_to(data).as_posix() and origin["sha256"] == earlier
    assert event["details"]["sha256"] != earlier
