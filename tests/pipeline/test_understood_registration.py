"""Registration records what understanding found: route and why, 档号, links, corrections."""

from __future__ import annotations

from pathlib import Path

from tests.cli import TEST_USER, run, run_json

LABELLED = Path(__file__).resolve().parents[1] / "understand" / "labelled"

REQUEST = """东湖大学化学化工学院
化学院〔2026〕5号
东湖大学化学化工学院关于增设分析测试中心岗位的请示
学校人事处：
为满足学科建设需要，拟增设分析测试中心实验技术岗位2个。
妥否，请批示。
东湖大学化学化工学院
2026年11月2日
"""

REPLY = """东湖大学人事处
东大人函〔2026〕12号
关于同意化学化工学院增设分析测试中心岗位的批复
化学化工学院：
你院《关于增设分析测试中心岗位的请示》（化学院〔2026〕5号）收悉。经研究，同意增设实验技术岗位2个。
请于12月10日前报送岗位说明书。
此复。
东湖大学人事处
2026年11月20日
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_incoming_notice_is_understood_routed_and_classified(tmp_path):
    data = tmp_path / "data"
    [result] = run_json(data, "ingest", str(LABELLED / "012.txt"))
    assert (result["doc_type"], result["route"]) == ("通知", "办件")
    record = run_json(data, "show", result["reg_no"])
    assert record["doc_number"] == "东大外〔2026〕6号" and record["deadline"] == "2026-12-11"
    assert record["why_route"] and isinstance(record["checks"], list)
    assert record["archive_code"] is None  # the 件号 is given when the year is filed (docs/archive.md)
    events = run_json(data, "audit", "log", "--record", result["reg_no"])
    assert [e["action"] for e in events] == ["registered", "routed", "classified", "indexed"]
    classified = events[2]["details"]
    assert (classified["year"], classified["retention"]) == (2026, record["retention"])
    assert classified["unit_code"] and "规定" in classified["rule"]  # the rule names its source


def test_reply_is_linked_to_our_request(tmp_path):
    data = tmp_path / "data"
    [ours] = run_json(data, "ingest", "--direction", "发文", str(_write(tmp_path, "请示.txt", REQUEST)))
    [reply] = run_json(data, "ingest", str(_write(tmp_path, "批复.txt", REPLY)))
    assert run_json(data, "show", reply["reg_no"])["references"] == ["化学院〔2026〕5号"]
    linked = [e for e in run_json(data, "audit", "log", "--record", ours["reg_no"]) if e["action"] == "linked"]
    assert linked and linked[0]["details"]["answered_by"] == reply["reg_no"]
    run(data, "audit", "verify")


def test_correction_keeps_the_old_value_and_reclassifies_without_burning_a_number(tmp_path):
    data = tmp_path / "data"
    [result] = run_json(data, "ingest", str(LABELLED / "012.txt"))
    before = run_json(data, "show", result["reg_no"])
    typed = result["reg_no"].replace("〔", "[").replace("〕", "]")  # as a clerk types it
    run(data, "correct", typed, "标题", "关于做好因公出国计划申报的通知", "--reason", "标题识别有误")
    run(data, "correct", result["reg_no"], "保管期限", "永久", "--reason", "党政联席会议决定永久保存")
    after = run_json(data, "show", result["reg_no"])
    assert after["title"] == "关于做好因公出国计划申报的通知"
    assert after["retention"] == "永久" and after["archive_code"] is None
    run(data, "correct", result["reg_no"], "retention", "定期30年", "--reason", "按归档范围改正")
    assert run_json(data, "show", result["reg_no"])["retention"] == "30年"
    events = run_json(data, "audit", "log", "--record", typed)
    corrected = [e["details"] for e in events if e["action"] == "corrected"]
    assert (corrected[0]["field"], corrected[0]["old"], corrected[0]["reason"]) == ("title", before["title"], "标题识别有误")
    classified = [e["details"] for e in events if e["action"] == "classified"]
    assert [c["retention"] for c in classified] == [before["retention"], "永久", "30年"]
    assert classified[1]["previous"]["retention"] == before["retention"]
    assert classified[2]["rule"] == f"{TEST_USER} 更正：按归档范围改正"  # a clerk's 保管期限 is its own rule
    no_reason = run(data, "correct", result["reg_no"], "标题", "另一个标题", check_code=9)
    assert "理由" in no_reason.stderr
    bad = run(data, "correct", result["reg_no"], "route", "急件", "--reason", "试", check_code=9)
    assert "阅件" in bad.stderr
    unknown = run(data, "correct", result["reg_no"], "颜色", "红", "--reason", "试", check_code=9)
    assert "标题" in unknown.stderr
    run(data, "correct", result["reg_no"], "department", "不存在的部门", "--reason", "试", check_code=9)
    run(data, "audit", "verify")


def test_every_command_finds_a_registration_number_typed_with_any_brackets(tmp_path):
    data = tmp_path / "data"
    [result] = run_json(data, "ingest", str(LABELLED / "012.txt"))
    year = result["reg_no"][2:6]
    for typed in (f"收[{year}]1号", f"收({year})1号", f"收（{year}）1号", f"收【{year}】1号", f"收 〔{year}〕 1 号"):
        assert run_json(data, "show", typed)["reg_no"] == result["reg_no"]
        assert run_json(data, "audit", "log", "--record", typed)[0]["record"] == result["reg_no"]
    run(data, "void", f"收({year})1号", "重复扫描")
    assert run_json(data, "show", result["reg_no"])["status"] == "已作废"
    run(data, "show", f"收[{year}]99号", check_code=5)


def test_unknown_log_filter_values_are_an_error_naming_the_allowed_ones(tmp_path):
    data = tmp_path / "data"
    run_json(data, "ingest", str(LABELLED / "012.txt"))
    for flag, value, allowed in (("--route", "待办", "阅件、办件"), ("--direction", "收件", "收文、发文"),
                                 ("--type", "公函", "通知")):
        assert allowed in run(data, "log", flag, value, check_code=9).stderr
    assert len(run_json(data, "log", "--route", "办件")) == 1


def test_secret_document_text_never_leaves_the_registry(tmp_path):
    data = tmp_path / "data"
    secret = "机密★5年\n东湖大学保密委员会\n关于做好涉密载体清查工作的通知\n各学院：\n请认真清查。\n东湖大学保密委员会\n2026年11月3日\n"
    [result] = run_json(data, "ingest", str(_write(tmp_path, "密.txt", secret)))
    record = run_json(data, "show", result["reg_no"])
    assert record["secrecy"] == "机密" and record["text"] is None
    assert any("机要" in warning for warning in record["warnings"])
