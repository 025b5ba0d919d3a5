"""Issue 14, items 11, 12, 16 and 17 through the real `wenshu ingest`: links are never followed
and what is skipped is said; extraction runs under the workers' memory cap; any file name is
handled and shown readably; a full disk stops the batch with exit 20 and leaves nothing behind."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from core.errors import Exit
from tests.cli import SAMPLE_OFFICE_ENV, make_test_user, run, run_json
from tests.hostile import make_hostile as h
from tests.hostile.disks import fill, small_disk  # noqa: F401  (a fixture)
from tests.watch.helpers import documents


def _notice(path: Path, n: int) -> Path:
    path.write_bytes(h.notice(n))
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_ingest_never_follows_a_link_and_says_what_it_skipped(tmp_path):
    """A link to /etc/shadow in a folder given to `ingest` was registered, stored and found."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = _notice(outside / "secret.txt", 1)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    _notice(folder / "ok.txt", 2)
    (folder / "link.txt").symlink_to(secret)
    (folder / "sub" / "linked-folder").symlink_to(outside)
    os.mkfifo(folder / "pipe.txt")  # opening it would block for ever
    data = tmp_path / "data"

    outcomes = json.loads(run(data, "ingest", "--json", str(folder), check_code=Exit.SOME_SKIPPED).stdout)

    by_name = {Path(outcome["path"]).name: outcome for outcome in outcomes}
    assert by_name["ok.txt"]["status"] == "registered"
    assert {name: (o["status"], o["kind"]) for name, o in by_name.items() if name != "ok.txt"} == {
        "link.txt": ("skipped", "symlink"), "linked-folder": ("skipped", "symlink"),
        "pipe.txt": ("skipped", "not_a_file")}
    assert all("未处理" in o["reason"] for o in outcomes if o["status"] == "skipped")
    assert [row["file_name"] for row in documents(data)] == ["ok.txt"]
    assert _sha(secret) not in {row["sha256"] for row in documents(data)}

    # a link named on the command line is not followed either; the table says why
    result = run(data, "ingest", str(folder / "link.txt"), check_code=Exit.SOME_SKIPPED)
    assert "未处理" in result.stdout and "符号链接" in result.stdout
    assert len(documents(data)) == 1


def test_ingest_extracts_under_the_workers_memory_cap_and_carries_on(tmp_path):
    """`ingest` extracted in its own, uncapped process: a file that exhausts memory there takes
    the batch (or the machine) with it. Under the cap it is quarantined and the batch goes on."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-big.docx").write_bytes(h.big_docx(30))  # 30 MB of XML: about 400 MB to parse
    _notice(folder / "b-ok.txt", 3)
    data = tmp_path / "data"

    result = run(data, "ingest", "--json", str(folder), check_code=Exit.SOME_QUARANTINED,
                 env={"WENSHU_WATCH_WORKER_MEMORY_MB": "300"})

    assert "Traceback" not in result.stderr
    big, ok = json.loads(result.stdout)
    assert big["status"] == "quarantined" and big["kind"] == "too_large" and "内存上限" in big["reason"]
    assert ok["status"] == "registered"
    # with the default cap (4096 MB) the same file is read
    assert run_json(data, "ingest", str(folder / "a-big.docx"))[0]["status"] == "registered"


def test_any_file_name_is_handled_and_shown_readably(tmp_path):
    """A name that is not UTF-8 crashed `ingest` mid-batch: a traceback, the later files not
    processed, a file registered but not indexed, an orphan in store/."""
    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.fsencode(folder)
    names = {"公文".encode("gbk") + b".txt": "\\xb9\\xab\\xce\\xc4.txt",
             "换行\n名字.txt".encode(): "换行\\n名字.txt",
             b"--help.txt": "--help.txt",
             "z-后来的.txt".encode(): "z-后来的.txt"}
    for n, name in enumerate(names, 1):
        with open(os.path.join(raw, name), "wb") as handle:
            handle.write(h.notice(10 + n))
    data = tmp_path / "data"

    result = run(data, "ingest", "--json", str(folder))

    outcomes = json.loads(result.stdout)
    assert [o["status"] for o in outcomes] == ["registered"] * 4
    assert {Path(o["path"]).name for o in outcomes} == set(names.values())
    assert {row["file_name"] for row in documents(data)} == set(names.values())
    stored = [path for path in (data / "store").rglob("*") if path.is_file() and path.name != ".wenshu-store"]
    assert len(stored) == 4
    assert run_json(data, "search", "材料报送")["total"] == 4  # every one indexed
    shown = run(data, "show", outcomes[0]["reg_no"]).stdout
    assert any(name in shown for name in names.values())
    table = run(data, "ingest", str(folder)).stdout  # all duplicates now: the table shows the names
    assert "\\xb9\\xab\\xce\\xc4.txt" in table


def test_a_full_disk_stops_ingest_with_exit_20_and_leaves_nothing_half_written(tmp_path, small_disk):
    """Disk full: `ingest` printed a traceback and left temporary files in store/."""
    data = small_disk(3072)
    run(data, "init")
    folder = tmp_path / "in"
    folder.mkdir()
    _notice(folder / "a.txt", 21)
    lines = ["东湖大学教务处", "关于大文件的通知", "各学院："] + [f"第{n}条 请认真落实各项工作。" for n in range(40_000)]
    (folder / "b-big.txt").write_text("\n".join(lines), encoding="utf-8")  # about 1.3 MB
    _notice(folder / "c.txt", 22)
    fill(data, keep=500_000)
    full = {"WENSHU_LIMITS_MIN_FREE_MB": "0"}  # no margin: the store copy itself fails

    result = run(data, "ingest", "--json", str(folder), env=full, check_code=Exit.STORAGE_FULL)

    assert "Traceback" not in result.stderr and "磁盘空间不足" in result.stderr
    assert [(Path(o["path"]).name, o["status"]) for o in json.loads(result.stdout)] == [("a.txt", "registered")]
    assert [row["file_name"] for row in documents(data)] == ["a.txt"]
    store = [path for path in (data / "store").rglob("*") if path.is_file() and path.name != ".wenshu-store"]
    assert [path.name for path in store] == [f"{_sha(folder / 'a.txt')}.txt"]  # no temporary, no orphan
    assert not any((data / "quarantine").rglob("*.txt"))

    # with the usual margin nothing is even tried
    result = run(data, "ingest", "--json", str(folder), check_code=Exit.STORAGE_FULL)
    assert json.loads(result.stdout) == [] and "至少应保留 100 MB" in result.stderr


def test_a_database_write_on_a_full_disk_is_a_storage_error_too(tmp_path, small_disk):
    data = small_disk(3072)
    run(data, "init")
    make_test_user(data, SAMPLE_OFFICE_ENV)  # the clerk who ingests, while there is room to add her
    document = _notice(tmp_path / "c.txt", 23)
    # the original is in store/ already (left by an earlier attempt): only the registry writes
    stored = data / "store" / _sha(document)[:2] / f"{_sha(document)}.txt"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(document.read_bytes())
    fill(data, keep=48 * 1024)

    result = run(data, "ingest", str(document), env={"WENSHU_LIMITS_MIN_FREE_MB": "0"},
                 check_code=Exit.STORAGE_FULL)

    assert "Traceback" not in result.stderr and "磁盘空间不足" in result.stderr
    assert documents(data) == [] and stored.is_file()  # not ours to remove
