"""Issue 14's acceptance: the hostile-file set (tests/hostile/make_hostile.py) through the real
`wenshu ingest`, under an address-space cap and a time limit. Every file gets a typed outcome
(registered, quarantined with a Chinese reason and kind, or skipped with a Chinese reason),
nothing crashes (no traceback, an exit code of the documented table), nothing hangs."""

from __future__ import annotations

import hashlib
import json
import os
import resource
from pathlib import Path

from core.errors import Exit
from pipeline.files import readable_name
from tests.cli import run, run_json
from tests.hostile.make_hostile import HOSTILE, write_all
from tests.watch.helpers import documents

ADDRESS_SPACE_MB = 2048  # the bombs inflate to 2 GB: past this cap if anything inflated them


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_MB << 20, ADDRESS_SPACE_MB << 20))


def _has_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_hostile_file_gets_a_typed_outcome_under_an_address_space_cap(tmp_path):
    folder = tmp_path / "hostile"
    write_all(folder)
    data = tmp_path / "data"
    run(data, "init")

    result = run(data, "ingest", "--json", str(folder), check_code=None, timeout=180, preexec_fn=_capped)

    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == Exit.SOME_SKIPPED, (result.returncode, result.stderr[-2000:])
    outcomes = {Path(outcome["path"]).name: outcome for outcome in json.loads(result.stdout)}
    expected = {readable_name(os.fsdecode(item.name)): item for item in HOSTILE}
    assert set(outcomes) == set(expected), set(outcomes) ^ set(expected)
    for name, item in expected.items():
        outcome = outcomes[name]
        assert outcome["status"] == item.status, (name, outcome)
        if item.kind:
            assert outcome["kind"] == item.kind, (name, outcome)
        if item.status != "registered":
            assert _has_chinese(outcome["reason"]), (name, outcome)

    # what was registered is what the files said, under readable names; nothing was followed
    registered = {row["file_name"] for row in documents(data)}
    assert registered == {name for name, item in expected.items() if item.status == "registered"}
    shadow = hashlib.sha256(Path("/etc/shadow").read_bytes()).hexdigest() if os.access("/etc/shadow", os.R_OK) else None
    assert shadow not in {row["sha256"] for row in documents(data)}
    assert not Path("/tmp/wenshu-zip-slip.txt").exists() and not Path("/tmp/wenshu-zip-slip-abs.txt").exists()

    # store/ holds exactly the registered originals, no temporary file; quarantine/ each refused
    # file beside its reason file
    stored = [path for path in (data / "store").rglob("*") if path.is_file() and path.name != ".wenshu-store"]
    assert len(stored) == len(registered) and not any(path.name.startswith(".") for path in stored)
    quarantined = [path for path in (data / "quarantine").rglob("*") if path.is_file()]
    assert len(quarantined) == 2 * sum(1 for item in HOSTILE if item.status == "quarantined")
    assert list((data / "work").iterdir()) == []

    # the index took every registration: a word of the odd-named notices is found
    hits = run_json(data, "search", "材料报送")
    assert hits["total"] >= 5


def test_the_watcher_gives_every_hostile_file_a_typed_outcome_too(tmp_path):
    """The same set dropped into the inbox: `watch --once` under the same cap terminates, each
    file ends registered, quarantined (its reason file beside it) or listed as not taken."""
    data = tmp_path / "data"
    run(data, "init")
    write_all(data / "inbox")

    result = run(data, "watch", "--once", "--json", "--stable-seconds", "0.3", "--retries", "1",
                 "--retry-backoff", "0.2", check_code=None, timeout=180, preexec_fn=_capped)

    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == Exit.SOME_SKIPPED, (result.returncode, result.stderr[-2000:])
    final = {line["file_name"]: line for line in map(json.loads, result.stdout.splitlines())
             if line["status"] != "retry"}
    expected = {readable_name(os.fsdecode(item.name)): item for item in HOSTILE}
    assert set(final) == set(expected), set(final) ^ set(expected)
    for name, item in expected.items():
        assert final[name]["status"] == item.status, (name, final[name])
        if item.kind:
            assert final[name]["kind"] == item.kind, (name, final[name])
    quarantined = [path for path in (data / "quarantine").rglob("*") if path.is_file()]
    assert len(quarantined) == 2 * sum(1 for item in HOSTILE if item.status == "quarantined")
    assert list((data / "work").iterdir()) == []
    left = {readable_name(os.fsdecode(name)) for name in os.listdir(os.fsencode(data / "inbox"))}
    assert left == {name for name, item in expected.items() if item.status == "skipped"}
