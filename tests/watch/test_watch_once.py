"""`wenshu watch --once`, `retry` and `status` on real folders, through the real command."""

from __future__ import annotations

import json
import os
from datetime import date

from tests.watch.helpers import (FAST, assert_gap_free, audit_actions, documents, files_under, ledger_rows,
                                 sha256, wenshu, write_docx, write_pdf, write_txt)

LONG_NAME = ("关于做好二〇二六年度“双一流”建设（第二轮）中期自评估、《学科发展报告》编制；及材料报送！？"
             "#%&'()+,;=@[]^`{}~ 工作的通知【特急】……——·" + "附件" * 6 + ".txt")


def _once(data, *extra, check=0):
    result = wenshu(data, "watch", "--once", "--json", *FAST, *extra, check=check)
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_once_registers_recognises_duplicates_and_quarantines(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    inbox, outbox = data / "inbox", data / "outbox"
    dated = inbox / "2026-11-28" / "扫描仪A"
    dated.mkdir(parents=True)
    assert len(LONG_NAME.encode()) <= 255
    write_txt(inbox / "通知.txt", 1)
    write_docx(dated / "会议纪要.docx", 2)
    write_pdf(inbox / "函 (1).pdf", 3)
    write_txt(inbox / LONG_NAME, 4)
    (inbox / "再次扫描.txt").write_bytes((inbox / "通知.txt").read_bytes())  # a duplicate
    (inbox / "坏文件.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    write_txt(outbox / "发文稿.txt", 5)
    ignored = ["~$会议纪要.docx", ".~lock.通知.docx#", "上传中.tmp", "大文件.pdf.part", "下载.crdownload",
               "Thumbs.db", ".DS_Store", ".隐藏.txt"]
    for name in ignored:
        (inbox / name).write_text("temporary", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    write_txt(outside / "secret.txt", 99)
    (inbox / "link.txt").symlink_to(outside / "secret.txt")
    (inbox / "linked-folder").symlink_to(outside)
    (inbox / "@eaDir").mkdir()
    write_txt(inbox / "@eaDir" / "thumb.txt", 98)

    outcomes = _once(data, check=21)  # 21: the links were left where they are (and one file quarantined)

    skipped = {o["source"]: o for o in outcomes if o["status"] == "skipped"}
    assert set(skipped) == {"inbox/link.txt", "inbox/linked-folder"}
    assert all(o["kind"] == "symlink" and "符号链接" in o["reason"] for o in skipped.values())
    final = [o for o in outcomes if o["status"] not in ("retry", "skipped")]
    by_name = {o["file_name"]: o for o in final}
    assert len(final) == 7 and len(by_name) == 7
    year = date.today().year
    registered = {o["file_name"] for o in final if o["status"] == "registered"}
    assert registered >= {"会议纪要.docx", "函 (1).pdf", LONG_NAME, "发文稿.txt"}
    assert by_name["发文稿.txt"]["reg_no"].startswith("化学院发〔")
    pair = [by_name["通知.txt"], by_name["再次扫描.txt"]]
    assert sorted(o["status"] for o in pair) == ["duplicate", "registered"]
    original = next(o for o in pair if o["status"] == "registered")
    assert next(o for o in pair if o["status"] == "duplicate")["duplicate_of"] == original["reg_no"]
    assert by_name["坏文件.pdf"]["status"] == "quarantined" and by_name["坏文件.pdf"]["reason"]
    assert by_name["会议纪要.docx"]["source"] == "inbox/2026-11-28/扫描仪A/会议纪要.docx"

    # names kept exactly; numbers gap-free; the symlinked file was never read
    docs = documents(data)
    assert {d["file_name"] for d in docs} == registered
    assert sha256(outside / "secret.txt") not in {d["sha256"] for d in docs}
    assert_gap_free(docs)
    assert {d["reg_no"] for d in docs} >= {f"收〔{year}〕1号"}

    # what is left where
    left = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file() or p.is_symlink())
    assert left == sorted(ignored + ["link.txt", "linked-folder", "@eaDir/thumb.txt"])
    assert (outside / "secret.txt").is_file()
    assert list((data / "work").iterdir()) == []
    [duplicate] = files_under(data / "duplicates")
    assert duplicate.name in {"通知.txt", "再次扫描.txt"}
    quarantined = files_under(data / "quarantine")
    assert sorted(p.name for p in quarantined) == ["坏文件.pdf", "坏文件.pdf.reason.txt"]

    # ledger and audit say the same
    rows = ledger_rows(data)
    assert sorted(r["state"] for r in rows) == ["done"] * 5 + ["duplicate", "quarantined"]
    assert {r["reg_no"] for r in rows if r["state"] == "duplicate"} == {original["reg_no"]}
    actions = [a for a, _, _ in audit_actions(data)]
    assert actions.count("registered") == 5 and actions.count("duplicate") == 1 and actions.count("quarantined") == 1
    wenshu(data, "audit", "verify")

    status = json.loads(wenshu(data, "status", "--json").stdout)
    [quarantined] = status.pop("quarantine")
    assert [item["path"] for item in status.pop("skipped")] == ["inbox/link.txt", "inbox/linked-folder"]
    assert status.pop("free_mb") > 0
    assert status == {"waiting": 0, "waiting_inbox": 0, "waiting_outbox": 0, "in_progress": 0,
                      "registered_today": 5, "duplicates_today": 1, "quarantined_today": 1,
                      "quarantined": 1, "duplicates": 1, "not_taken": 2, "disk_full": False}
    assert quarantined["file"].endswith("/坏文件.pdf") and "损坏" in quarantined["reason"]


def test_status_counts_waiting_files(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    write_txt(data / "inbox" / "a.txt", 1)
    (data / "inbox" / "sub").mkdir()
    write_txt(data / "inbox" / "sub" / "b.txt", 2)
    write_txt(data / "outbox" / "c.txt", 3)
    (data / "inbox" / "~$temp.docx").write_text("x")
    status = json.loads(wenshu(data, "status", "--json").stdout)
    assert (status["waiting"], status["waiting_inbox"], status["waiting_outbox"]) == (3, 2, 1)
    human = wenshu(data, "status").stdout
    assert "等待处理（收文）" in human


def test_retry_sends_a_quarantined_file_through_again_keeping_its_name(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    (data / "outbox" / "领导讲话稿.docx").write_bytes(b"PK\x03\x04 not really a docx")
    _once(data, check=4)
    [quarantined] = [p for p in files_under(data / "quarantine") if not p.name.endswith(".reason.txt")]
    assert quarantined.name == "领导讲话稿.docx"
    reason = quarantined.with_name(quarantined.name + ".reason.txt")
    assert reason.is_file()

    # still broken: quarantined again, with a (new) reason, same name, nothing registered
    result = wenshu(data, "retry", "--all", "--json", check=4)
    assert json.loads(result.stdout.splitlines()[-1])["status"] == "quarantined"
    again = [p for p in files_under(data / "quarantine") if not p.name.endswith(".reason.txt")]
    assert [p.name for p in again] == ["领导讲话稿.docx"] and reason.is_file()
    assert documents(data) == []

    # the cause is fixed (here: the clerk replaced the file with a good copy)
    write_docx(again[0], 7)
    result = wenshu(data, "retry", "领导讲话稿.docx", "--json")
    [outcome] = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert outcome["status"] == "registered" and outcome["file_name"] == "领导讲话稿.docx"
    assert outcome["reg_no"].startswith("化学院发〔")  # it came in through outbox/: 发文
    assert files_under(data / "quarantine") == []  # reason file removed with it
    [doc] = documents(data)
    assert doc["file_name"] == "领导讲话稿.docx" and doc["direction"] == "发文"
    assert list((data / "work").iterdir()) == []
    wenshu(data, "audit", "verify")

    assert "没有文件" in wenshu(data, "retry", "不存在.pdf", check=5).stderr
    assert wenshu(data, "retry", check=9).returncode == 9


def test_a_file_that_does_not_parse_is_retried_before_quarantine(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    (data / "inbox" / "截断.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    outcomes = _once(data, "--retries", "2", check=4)
    assert [o["status"] for o in outcomes] == ["retry", "retry", "quarantined"]
    assert [o["attempt"] for o in outcomes] == [1, 2, 3]
    [row] = ledger_rows(data)
    assert row["state"] == "quarantined" and row["attempts"] == 3


def test_names_that_are_not_utf8_are_taken_without_crashing(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init")
    raw = os.path.join(os.fsencode(data / "inbox"), "公文".encode("gbk") + b".txt")
    with open(raw, "wb") as handle:
        handle.write("东湖大学\n关于报送材料的通知\n".encode())
    [outcome] = _once(data)
    assert outcome["status"] == "registered"
    assert outcome["file_name"] == "\\xb9\\xab\\xce\\xc4.txt"  # the GBK bytes of 公文, readable and kept
