"""Who acts: a command that changes data runs as an enabled account named with --user (or
WENSHU_USER), is refused before it changes anything otherwise, and names that account in the
audit log; the first account of a new registry is added by 系统."""

from __future__ import annotations

from core.settings import load_settings
from core.vocab import SYSTEM_ACTOR
from tests.cli import SAMPLE_OFFICE_ENV, TEST_USER, run, run_json

NO_USER = 22
NOBODY = {"WENSHU_USER": ""}  # no acting user at all (the helper's default clerk left out)
PASSWORD = "mima-zhangli-2026"
TEXT = "东湖大学教务处\n关于做好2026年秋季学期期末考试工作的通知\n各学院：\n请于12月10日前报送考试安排。\n"


def _registered(tmp_path):
    """A data directory with one registered record (by the tests' clerk), a quarantined file, and
    its registration number."""
    data, source, empty = tmp_path / "data", tmp_path / "通知.txt", tmp_path / "空白.pdf"
    source.write_text(TEXT, encoding="utf-8")
    empty.write_bytes(b"")
    registered, _ = run_json(data, "ingest", str(source), str(empty), check_code=4)
    return data, registered["reg_no"]


def _events(data) -> list[dict]:
    return run_json(data, "audit", "log", env=NOBODY)


def test_every_command_that_changes_data_refuses_without_a_user_and_changes_nothing(tmp_path):
    data, reg_no = _registered(tmp_path)
    again = tmp_path / "另一份.txt"
    again.write_text(TEXT.replace("期末考试", "补考"), encoding="utf-8")
    before = _events(data)
    export = tmp_path / "登记簿.xlsx"
    commands = [("ingest", str(again)), ("correct", reg_no, "标题", "新标题", "--reason", "笔误"),
                ("void", reg_no, "重复"), ("retry", "--all"), ("discard", "空白.pdf", "--reason", "无法补救"),
                ("log", "--csv"), ("log", "--xlsx", str(export)), ("audit", "repair-triggers", "--reason", "演练"),
                ("user", "add", "li.ming", "--role", "clerk", "--password-stdin"),
                ("user", "passwd", TEST_USER, "--password-stdin"), ("user", "disable", TEST_USER, "--reason", "调离"),
                ("user", "token", TEST_USER)]
    for command in commands:
        result = run(data, *command, env=NOBODY, check_code=NO_USER, input_text=PASSWORD + "\n")
        assert "此命令会更改数据，请用 --user 用户名（或环境变量 WENSHU_USER）说明操作人" in result.stderr, command
        assert "How to fix" in result.stderr and result.stdout == "", command
    assert _events(data) == before
    assert not export.exists()
    assert [record["reg_no"] for record in run_json(data, "log", env=NOBODY)] == [reg_no]
    assert any((data / "quarantine").rglob("空白.pdf"))


def test_reading_needs_no_user(tmp_path):
    data, reg_no = _registered(tmp_path)
    for command in (("show", reg_no), ("log",), ("log", "--json"), ("status",), ("search", "期末考试"),
                    ("audit", "verify"), ("audit", "log"), ("audit", "checkpoint"), ("index", "check"),
                    ("user", "list"), ("init",)):
        run(data, *command, env=NOBODY)


def test_an_unknown_or_disabled_user_is_refused(tmp_path):
    data, reg_no = _registered(tmp_path)
    before = _events(data)
    result = run(data, "--user", "nobody", "void", reg_no, "重复", check_code=NO_USER)
    assert "没有用户「nobody」" in result.stderr and "wenshu user list" in result.stderr
    result = run(data, "void", reg_no, "重复", env={"WENSHU_USER": "wang.wu"}, check_code=NO_USER)
    assert "没有用户「wang.wu」" in result.stderr
    assert _events(data) == before

    run(data, "user", "add", "zhang.li", "--role", "文书", "--password-stdin", input_text=PASSWORD + "\n")
    run(data, "user", "disable", "zhang.li", "--reason", "调离")
    before = _events(data)
    result = run(data, "--user", "zhang.li", "void", reg_no, "重复", check_code=NO_USER)
    assert "用户「zhang.li」已停用" in result.stderr
    assert _events(data) == before
    assert run_json(data, "show", reg_no)["status"] == "已登记"


def test_the_first_account_is_added_without_a_user_by_the_system(tmp_path):
    data = tmp_path / "data"
    run(data, "init", env=NOBODY)
    result = run(data, "user", "add", "zhang.li", "--role", "admin", "--display-name", "张丽", "--password-stdin",
                 env=NOBODY, input_text=PASSWORD + "\n")
    assert "已添加用户 zhang.li" in result.stdout
    [added] = _events(data)
    assert (added["actor"], added["action"], added["details"]["user"]) == (SYSTEM_ACTOR, "user_added", "zhang.li")

    # from the second account on, someone adds it
    result = run(data, "user", "add", "li.ming", "--role", "clerk", "--password-stdin", env=NOBODY,
                 input_text=PASSWORD + "\n", check_code=NO_USER)
    assert "此命令会更改数据" in result.stderr
    run(data, "--user", "zhang.li", "user", "add", "li.ming", "--role", "clerk", "--password-stdin",
        input_text=PASSWORD + "\n")
    assert [(event["actor"], event["details"]["user"]) for event in _events(data)] == [
        (SYSTEM_ACTOR, "zhang.li"), ("zhang.li", "li.ming")]


def test_the_audit_log_names_the_user_given(tmp_path):
    data, source = tmp_path / "data", tmp_path / "通知.txt"
    source.write_text(TEXT, encoding="utf-8")
    run(data, "user", "add", "zhang.li", "--role", "clerk", "--password-stdin", input_text=PASSWORD + "\n")
    [registered] = run_json(data, "--user", "zhang.li", "ingest", str(source))
    run(data, "void", registered["reg_no"], "重复扫描", env={"WENSHU_USER": "zhang.li"})
    csv_export = run(data, "--user", "zhang.li", "log", "--csv", env={"WENSHU_USER": TEST_USER})  # the flag wins
    assert registered["reg_no"] in csv_export.stdout
    events = [event for event in _events(data) if event["action"] != "user_added"]
    assert {event["action"] for event in events} == {"registered", "routed", "classified", "indexed", "voided",
                                                     "exported"}
    assert {event["actor"] for event in events} == {"zhang.li"}
    [added] = [event for event in _events(data) if event["action"] == "user_added"
               and event["details"]["user"] == "zhang.li"]
    assert added["actor"] == TEST_USER


def test_wenshu_user_is_not_a_setting(tmp_path):
    """It names who acts, for the command line; the settings do not refuse it as unknown."""
    plain = load_settings(data_dir=tmp_path / "data", env=SAMPLE_OFFICE_ENV)
    assert load_settings(data_dir=tmp_path / "data", env={**SAMPLE_OFFICE_ENV, "WENSHU_USER": "zhang.li"}) == plain
