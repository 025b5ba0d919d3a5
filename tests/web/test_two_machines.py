"""Two machines, for real (the issue's acceptance test): two data directories on this machine,
each with its own inbox, sharing one PostgreSQL database, one store of originals (``store_dir``)
and one audit key file; a `wenshu serve` (watcher and web server) on each, on two ports. Files
are dropped into both inboxes at once: the same bytes into both, the same 公文 in two formats
into one each, and files of their own. Then:

* every distinct file is registered exactly once; the other copy is a duplicate, in the
  duplicates/ folder of the machine that dropped it; no inbox, work/ or quarantine/ keeps a file;
* the numbers are gap-free (收〔year〕1号 … n号);
* the register (``/api/log``) is identical from either web server;
* a search sees each record as soon as it is in the register (the registration has committed),
  from either web server, whichever machine registered it; afterwards both give the same hits;
* each original downloads from either web server (the shared store);
* ``wenshu audit verify --deep`` passes from either data directory.

What the second machine needs besides ``database_url`` and ``store_dir``: the same audit key
file (here ``[audit] key_file`` through ``WENSHU_AUDIT_KEY_FILE``). Without it the registry's
chain is keyed and its key is missing there, so that machine refuses to write; the test checks
that too. ``rescan_interval`` is 1 s so that each watcher's rescan (which takes over the claims of
dead watchers) runs many times while the other machine has files in hand.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from core.errors import Exit
from tests.cli import SAMPLE_OFFICE_ENV, run
from tests.web.test_serve import Served, free_port, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CLERK, PASSWORD = "wenshu.clerk", "liang-tai-ji-2026"

# sample -> a phrase of it that a search finds
WORDS = {
    "notice_gbk.txt": "寒假期间",
    "minutes_multipage.pdf": "招生计划",
    "staff_meeting.ofd": "教职工大会",
    "letter_really_docx.doc": "专业实习",
    "issuer_two_chars_off.docx": "实验技能邀请赛",
    "notice_table_header.docx": "期末考试",
    "notice_cff_noto.pdf": "期末考试",
    "notice_utf16.txt": "第四季度",
    "request_truetype_wqy.pdf": "仪器设备购置",
    "scan_date_letter_o.png": "中期考核",
}
BOTH = ("notice_gbk.txt", "minutes_multipage.pdf", "staff_meeting.ofd")      # the same bytes into both inboxes
# the one-page scan keeps A's worker busy (OCR) for a few seconds while B rescans: B must leave
# A's claims alone
ONLY = {"A": ("letter_really_docx.doc", "issuer_two_chars_off.docx", "notice_table_header.docx",
              "scan_date_letter_o.png"),
        "B": ("notice_utf16.txt", "request_truetype_wqy.pdf", "notice_cff_noto.pdf")}
# 东大教发〔2026〕31号 as a Word file (into A) and as a PDF (into B): one 公文, registered once
SAME_DOCUMENT = ("notice_table_header.docx", "notice_cff_noto.pdf")


class Machine:
    """One data directory and the `wenshu serve` running over it, its output read as it comes."""

    def __init__(self, name: str, data: Path, env: dict[str, str]):
        self.name, self.data, self.env, self.port = name, data, env, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.served: Served | None = None

    def start(self) -> None:
        self.served = Served(self.data, self.port, more_env=self.env)

    @property
    def process(self) -> subprocess.Popen:
        return self.served.process

    @property
    def output(self) -> str:
        return self.served.output if self.served else ""

    def wait_started(self, timeout: float = 60) -> None:
        self.served.wait_for("wenshu 已启动", timeout)

    def stop(self) -> int | None:
        return None if self.served is None else self.served.stop()

    def files(self, folder: str) -> list[Path]:
        root = self.data / folder
        return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_two_machines_share_one_registry_one_store_and_one_search(pg_url: str, tmp_path: Path):
    store, key = tmp_path / "share" / "store", tmp_path / "share" / "keys" / "audit.key"
    shared = {**SAMPLE_OFFICE_ENV, "WENSHU_DATABASE_URL": pg_url, "WENSHU_STORE_DIR": str(store),
              "WENSHU_AUDIT_KEY_FILE": str(key), "WENSHU_WATCH_STABLE_SECONDS": "0.5",
              "WENSHU_WATCH_RESCAN_INTERVAL": "1"}
    machines = {name: Machine(name, tmp_path / f"machine-{name.lower()}", shared) for name in ("A", "B")}
    a, b = machines["A"], machines["B"]

    # the clerk, once: the accounts are in the shared database (the first account needs no --user)
    run(a.data, "user", "add", CLERK, "--role", "clerk", "--display-name", "李文书", "--password-stdin",
        env={**shared, "WENSHU_USER": ""}, input_text=PASSWORD)
    # a second machine with everything but the key file refuses to write (the chain is keyed)
    keyless = {**shared, "WENSHU_AUDIT_KEY_FILE": str(tmp_path / "machine-b-own.key")}
    refused = run(b.data, "--user", CLERK, "ingest", str(SAMPLES / "notice_gbk.txt"), env=keyless, check_code=None)
    assert refused.returncode == Exit.TAMPERED and "密钥" in refused.stderr, refused.stderr
    assert not (tmp_path / "machine-b-own.key").exists()

    clients: dict[str, httpx.Client] = {}
    try:
        for machine in machines.values():
            machine.start()
        for machine in machines.values():
            machine.wait_started()
        assert "初始密码" not in a.output + b.output  # the clerk was there first: no admin made
        clients.update({name: sign_in(machine.base, CLERK, PASSWORD) for name, machine in machines.items()})

        # drop the files into both inboxes at about the same time: one writer thread per machine
        dropped: dict[str, tuple[str, str]] = {}  # file name -> (machine, sample)
        for name in machines:
            for sample in BOTH + ONLY[name]:
                dropped[f"{name}-{sample}"] = (name, sample)

        def drop(name: str) -> None:
            for sample in BOTH + ONLY[name]:
                temporary = machines[name].data / f".{sample}.part"  # whole before it is in the inbox
                shutil.copy(SAMPLES / sample, temporary)
                os.replace(temporary, machines[name].data / "inbox" / f"{name}-{sample}")

        writers = [threading.Thread(target=drop, args=(name,)) for name in machines]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()

        # while the watchers work: each record, the moment it shows in a register (its
        # registration has committed), is found by a search on either web server, whichever
        # machine registered it
        expected = len(dropped) - len(BOTH) - 1  # the same bytes once, the same 公文 once
        seen: dict[str, dict] = {}
        deadline = time.monotonic() + 60
        turn = 0
        while True:
            name = "AB"[turn % 2]
            turn += 1
            for row in clients[name].get("/api/log").json():
                if row["reg_no"] in seen:
                    continue
                seen[row["reg_no"]] = row
                word = WORDS[dropped[row["file_name"]][1]]
                for asked in (name, "B" if name == "A" else "A"):
                    hits = clients[asked].get("/api/search", params={"q": word}).json()["hits"]
                    assert row["reg_no"] in {hit["reg_no"] for hit in hits}, (asked, row["file_name"], word, hits)
            drained = all(not machine.files("inbox") and not machine.files("work") for machine in machines.values())
            if drained and len(seen) >= expected:
                break
            for machine in machines.values():
                assert machine.process.poll() is None, f"{machine.name} exited:\n{machine.output}"
            assert time.monotonic() < deadline, (
                f"not drained: registered {sorted(r['file_name'] for r in seen.values())}\n"
                f"A:\n{a.output}\nB:\n{b.output}")
            time.sleep(0.2)

        # every distinct file registered exactly once; the other copy is a duplicate, kept aside
        # by the machine it was dropped on
        register = {name: clients[name].get("/api/log").json() for name in machines}
        assert register["A"] == register["B"]
        rows = register["A"]
        registered = [dropped[row["file_name"]][1] for row in rows]
        assert len(rows) == expected, [row["file_name"] for row in rows]
        assert sorted(registered) == sorted(set(registered))
        assert set(registered) | set(SAME_DOCUMENT) == set(WORDS)
        assert len(set(registered) & set(SAME_DOCUMENT)) == 1
        duplicates = {path.name for machine in machines.values() for path in machine.files("duplicates")}
        assert duplicates == set(dropped) - {row["file_name"] for row in rows}
        assert {row["file_name"] for row in rows} | duplicates == set(dropped)
        for machine in machines.values():
            assert machine.files("quarantine") == [], machine.output
            assert all(path.name.startswith(machine.name + "-") for path in machine.files("duplicates"))
        # both machines registered some of them (the test is not one machine doing all the work)
        assert {dropped[row["file_name"]][0] for row in rows} == {"A", "B"}, [row["file_name"] for row in rows]

        # numbers gap-free: 收〔year〕1号 … n号, in registration order
        numbers = [re.fullmatch(r"收〔(\d{4})〕(\d+)号", row["reg_no"]) for row in rows]
        assert all(numbers), [row["reg_no"] for row in rows]
        assert len({number.group(1) for number in numbers}) == 1
        assert sorted(int(number.group(2)) for number in numbers) == list(range(1, len(rows) + 1))

        # search: the same answer from either web server, the other machine's records included
        for word in sorted(set(WORDS.values())):
            answers = {name: clients[name].get("/api/search", params={"q": word}).json() for name in machines}
            assert answers["A"] == answers["B"], word
            found = {hit["reg_no"] for hit in answers["A"]["hits"]}
            wanted = {row["reg_no"] for row in rows if WORDS[dropped[row["file_name"]][1]] == word}
            assert wanted and wanted <= found, (word, wanted, found)

        # each original from either web server: the bytes of the sample, from the shared store
        for row in rows:
            content = (SAMPLES / dropped[row["file_name"]][1]).read_bytes()
            assert row["sha256"] == hashlib.sha256(content).hexdigest()
            for name, client in clients.items():
                response = client.get(f"/api/documents/{row['reg_no']}/original", params={"download": "true"})
                assert response.status_code == 200 and response.content == content, (name, row["reg_no"])
        # the store: each registered original once (the 公文 that arrived twice may leave its
        # second copy too: a file is stored before it is understood), and nothing else
        in_store = {path.name for path in store.rglob("*") if path.is_file() and not path.name.startswith(".")}
        named = {f"{hashlib.sha256((SAMPLES / sample).read_bytes()).hexdigest()}{Path(sample).suffix.lower()}"
                 for sample in WORDS}
        assert {f"{row['sha256']}{Path(row['file_name']).suffix.lower()}" for row in rows} <= in_store <= named
        assert (store / ".wenshu-store").is_file()  # the shared store's marker (pipeline.datadir)
        for machine in machines.values():
            assert not (machine.data / "store").exists()
    finally:
        for client in clients.values():
            client.close()
        codes = {name: machine.stop() for name, machine in machines.items()}
    assert codes == {"A": 0, "B": 0}, f"A:\n{a.output}\nB:\n{b.output}"

    # every claim of either watcher ended as what happened to its file: none given up by the
    # other machine as "vanished" (its claim folder is in the other data directory)
    assert "已放弃" not in a.output + b.output, f"A:\n{a.output}\nB:\n{b.output}"
    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            states = dict(connection.execute(text("SELECT state, count(*) FROM intake_ledger GROUP BY state")).all())
    finally:
        engine.dispose()
    assert states == {"done": expected, "duplicate": len(dropped) - expected}, states

    # the audit chain, the register and the counters check out from either data directory
    for machine in machines.values():
        verified = run(machine.data, "audit", "verify", "--deep", env=shared)
        assert f"{expected} 份原件" in verified.stdout, verified.stdout


def test_a_watcher_leaves_the_claims_in_another_data_directory_alone(tmp_path: Path):
    """The ledger is shared, work/ is not: a claim whose folder is not in our work/ was made in
    another machine's data directory, and is not taken over and released as vanished (which the
    two-machine test above caught: A's rescan gave up B's files while B was registering them).
    One made here whose folder was removed by hand still is. SQLite shared by two data
    directories stands in for the shared PostgreSQL."""
    from core.settings import load_settings
    from pipeline.claims import Claimer, owner_name
    from pipeline.database import open_registry
    from registry import ledger

    env = {**SAMPLE_OFFICE_ENV, "WENSHU_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
           "WENSHU_AUDIT_KEY_FILE": str(tmp_path / "audit.key")}
    a, b = (load_settings(data_dir=tmp_path / name, env=env) for name in ("a", "b"))
    for settings in (a, b):
        for folder in settings.folders:
            folder.mkdir(parents=True, exist_ok=True)
    engine = open_registry(a)
    (a.inbox_dir / "通知.txt").write_text("东湖大学\n关于测试的通知\n", encoding="utf-8")
    claim = Claimer(a, engine, owner_name(a, "host:1:aaaaaa")).claim(a.inbox_dir / "通知.txt", "收文")
    assert claim.entry.owner.startswith("host:1:aaaaaa@")

    assert Claimer(b, engine, owner_name(b, "host:2:bbbbbb")).resume(set()) == []
    assert list(b.work_dir.iterdir()) == []
    assert ledger.get(engine, claim.entry.id).owner == claim.entry.owner

    # A's watcher dies: the next one over A's data directory takes its claim over, as ever
    claim.release()
    [taken] = Claimer(a, engine, owner_name(a, "host:3:cccccc")).resume(set())
    assert taken.entry.id == claim.entry.id and taken.entry.owner.startswith("host:3:cccccc@")
    # and a claim of A's whose folder was removed by hand is A's to settle (released as vanished)
    taken.release()
    shutil.rmtree(a.data_dir / Path(taken.entry.work_path).parent)
    assert Claimer(b, engine, owner_name(b, "host:4:dddddd")).resume(set()) == []
    [again] = Claimer(a, engine, owner_name(a, "host:5:eeeeee")).resume(set())
    assert again.entry.id == claim.entry.id
    again.release()
    engine.dispose()
