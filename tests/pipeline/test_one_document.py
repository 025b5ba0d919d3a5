"""One 公文, one registration; our own documents; 发文 numbers (issue 13 §1–§3), through the real
command on real files."""

from __future__ import annotations

from pathlib import Path

from tests.cli import run, run_json

NOTICE = """东湖大学教务处文件
东大教发〔2026〕31号
关于做好2026年秋季学期期末考试工作的通知
各学院：
现将期末考试有关事项通知如下，请各学院于12月20日前报送考场安排。
东湖大学教务处
2026年11月20日
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _events(data: Path, reg_no: str, action: str) -> list[dict]:
    return [e for e in run_json(data, "audit", "log", "--record", reg_no) if e["action"] == action]


def test_the_same_document_again_is_a_same_document_duplicate(tmp_path):
    data = tmp_path / "data"
    [first] = run_json(data, "ingest", str(_write(tmp_path, "通知.txt", NOTICE)))
    # another file of the same 公文: a second reading with a different line break and spacing
    again = NOTICE.replace("各学院：\n", "各学院： \n").replace("2026年11月20日", "2026年11月20日\n（此件公开发布）")
    [second] = run_json(data, "ingest", str(_write(tmp_path, "扫描件.txt", again)), check_code=0)
    assert first["status"] == "registered" and first["duplicate_kind"] is None
    assert (second["status"], second["duplicate_of"], second["duplicate_kind"]) == \
        ("duplicate", first["reg_no"], "same_document")
    [event] = _events(data, first["reg_no"], "duplicate")
    assert event["details"]["kind"] == "same_document" and event["details"]["file_name"] == "扫描件.txt"
    [third] = run_json(data, "ingest", str(tmp_path / "通知.txt"))
    assert (third["status"], third["duplicate_kind"]) == ("duplicate", "same_file")
    assert len(run_json(data, "log")) == 1
    run(data, "audit", "verify")


def test_a_document_without_a_number_is_never_merged_on_its_title(tmp_path):
    data = tmp_path / "data"
    unnumbered = NOTICE.replace("东大教发〔2026〕31号\n", "")
    results = [run_json(data, "ingest", str(_write(tmp_path, name, text)))[0]
               for name, text in (("一.txt", unnumbered), ("二.txt", unnumbered + "\n附：考场安排表\n"))]
    assert [r["status"] for r in results] == ["registered", "registered"]


def test_the_same_number_with_a_clearly_different_title_is_registered_with_a_warning(tmp_path):
    data = tmp_path / "data"
    [first] = run_json(data, "ingest", str(_write(tmp_path, "通知.txt", NOTICE)))
    other = NOTICE.replace("关于做好2026年秋季学期期末考试工作的通知", "关于开展2027届毕业生实习检查的通知")
    [second] = run_json(data, "ingest", str(_write(tmp_path, "另一份.txt", other)))
    assert second["status"] == "registered"
    warnings = run_json(data, "show", second["reg_no"])["warnings"]
    assert any(first["reg_no"] in w and "标题明显不同" in w for w in warnings)


def test_a_forwarding_notice_is_not_the_document_it_forwards(tmp_path):
    data = tmp_path / "data"
    [original] = run_json(data, "ingest", str(_write(tmp_path, "原件.txt", NOTICE)))
    forwarding = NOTICE.replace("关于做好2026年秋季学期期末考试工作的通知",
                                "转发东湖大学教务处关于做好2026年秋季学期期末考试工作的通知")
    [forwarded] = run_json(data, "ingest", str(_write(tmp_path, "转发.txt", forwarding)))
    assert forwarded["status"] == "registered" and forwarded["reg_no"] != original["reg_no"]


def test_the_clerk_registers_a_same_document_duplicate_anew_with_a_reason(tmp_path):
    data = tmp_path / "data"
    inbox = data / "inbox"
    run(data, "init")
    [first] = run_json(data, "ingest", str(_write(tmp_path, "通知.txt", NOTICE)))
    _write(inbox, "误印文号.txt", NOTICE.replace("请各学院", "请各学院及时"))
    run(data, "watch", "--once", "--stable-seconds", "0")
    [moved] = list((data / "duplicates").rglob("误印文号.txt"))
    refused = run(data, "retry", "误印文号.txt", "--as-new", check_code=9)
    assert "理由" in refused.stderr
    [outcome] = [run_json(data, "retry", "误印文号.txt", "--as-new", "--reason", "文号误印，两份不同文件")]
    assert outcome["status"] == "registered" and outcome["reg_no"] != first["reg_no"]
    assert not moved.exists()
    [event] = _events(data, outcome["reg_no"], "registered")
    assert event["details"]["as_new"] == "文号误印，两份不同文件"
    assert event["details"]["origin"]["duplicates"].startswith("duplicates/")
    same_file = _write(data / "duplicates" / "2026-01-01", "同一文件.txt", NOTICE)
    assert "同一文件" in run(data, "retry", str(same_file), "--as-new", "--reason", "试", check_code=9).stderr
    run(data, "audit", "verify")


OUR_REQUEST = """东湖大学化学化工学院
化学院发〔2026〕15号
东湖大学化学化工学院关于增设分析测试中心岗位的请示
学校人事处：
为满足学科建设需要，拟增设实验技术岗位2个。
妥否，请批示。
东湖大学化学化工学院
2026年11月2日
"""

OUR_LETTER = """东湖大学化学化工学院
化学院函〔2026〕7号
东湖大学化学化工学院关于商请联合举办学术年会的函
东湖大学材料学院：
我院拟于2027年春季举办学术年会，商请贵院联合主办。请于12月20日前函复。
东湖大学化学化工学院
2026年11月25日
"""


def test_our_own_document_in_the_inbox_is_the_registered_outgoing_one(tmp_path):
    data = tmp_path / "data"
    [sent] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "请示.txt", OUR_REQUEST)))
    assert sent["reg_no"] == "化学院发〔2026〕15号"
    # the copy that came back to us through the school: another file of the same 公文
    [again] = run_json(data, "ingest", str(_write(tmp_path, "收到的请示.txt", OUR_REQUEST + "（学校转来）\n")))
    assert (again["status"], again["duplicate_of"], again["duplicate_kind"]) == \
        ("duplicate", "化学院发〔2026〕15号", "same_document")


def test_our_own_document_in_the_inbox_that_was_never_sent_is_registered_with_a_warning(tmp_path):
    data = tmp_path / "data"
    [received] = run_json(data, "ingest", str(_write(tmp_path, "请示.txt", OUR_REQUEST)))
    assert received["status"] == "registered" and received["reg_no"].startswith("收〔")
    assert "本单位发出的文件出现在收文中" in run_json(data, "show", received["reg_no"])["warnings"]


def test_what_we_send_waits_for_a_reply_instead_of_being_routed(tmp_path):
    data = tmp_path / "data"
    [request] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "请示.txt", OUR_REQUEST)))
    [letter] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "函.txt", OUR_LETTER)))
    shown_request, shown_letter = (run_json(data, "show", r["reg_no"]) for r in (request, letter))
    assert request["route"] is None and shown_request["route"] is None and shown_request["why_route"] == []
    assert shown_request["awaits"] == "批复"
    assert (shown_letter["awaits"], shown_letter["deadline"]) == ("复函", "2026-12-20")
    assert not [e for e in run_json(data, "audit", "log", "--record", request["reg_no"]) if e["action"] == "routed"]


def test_a_finished_outgoing_document_is_registered_under_its_printed_number(tmp_path):
    data = tmp_path / "data"
    [letter] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "函.txt", OUR_LETTER)))
    assert (letter["reg_no"], letter["number_allocated"]) == ("化学院函〔2026〕7号", False)
    # the next allocated number follows the printed one; 1..6 were skipped
    draft = OUR_LETTER.replace("化学院函〔2026〕7号\n", "").replace("联合举办学术年会", "共建实验室")
    [allocated] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "稿.txt", draft)))
    assert (allocated["reg_no"], allocated["number_allocated"]) == ("化学院函〔2026〕8号", True)
    assert run_json(data, "log", "--gaps") == [{"series": "函", "year": 2026, "missing": [1, 2, 3, 4, 5, 6]}]
    assert "1、2、3、4、5、6" in run(data, "log", "--gaps").stdout


def test_a_printed_number_already_used_is_quarantined(tmp_path):
    data = tmp_path / "data"
    run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "请示.txt", OUR_REQUEST)))
    other = OUR_REQUEST.replace("增设分析测试中心岗位", "购置大型仪器设备").replace("拟增设实验技术岗位2个", "拟购置质谱仪一台")
    [taken] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "另一份.txt", other)), check_code=4)
    assert (taken["status"], taken["kind"]) == ("quarantined", "number_taken")
    assert "发文字号重复" in taken["reason"] and "化学院发〔2026〕15号" in taken["reason"]
    [reason] = list((data / "quarantine").rglob("*.reason.txt"))
    assert "发文字号重复" in reason.read_text(encoding="utf-8")
