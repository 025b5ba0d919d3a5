"""办理 (issue 16): the state machine of a record's handling, read and written on SQLite and
PostgreSQL. Every (state, action) pair is tried by every role: an allowed one changes the
handling and writes one audit event; a refused one raises the right error and changes nothing."""

from __future__ import annotations

import pytest

from core.vocab import HANDLING_ACTIONS
from registry import handling
from registry.db import open_registry
from registry.records import Intake, register
from registry.users import Account

CLERK = Account("wen.shu", None, ("clerk",), None, False)
LEADER = Account("ling.dao", None, ("leader",), None, False)
HANDLER = Account("cheng.ban", None, ("handler",), None, False)
AUDITOR = Account("shen.ji", None, ("auditor",), None, False)


def _register(engine, settings, n: int, direction: str = "收文", **fields) -> str:
    details = fields.pop("details", {})
    intake = Intake(direction=direction, file_name=f"文件{n}.txt", sha256=f"{n:064x}", stored_path=f"store/{n}",
                    text=f"正文 {n}", fields={"title": f"文件{n}", **fields}, details=details)
    return register(engine, settings, intake, actor="系统").reg_no


def test_records_have_their_implicit_handling(db_settings):
    engine = open_registry(db_settings)
    action = _register(engine, db_settings, 1, route="办件")
    reading = _register(engine, db_settings, 2, route="阅件", department="教务办")
    request = _register(engine, db_settings, 3, direction="发文", doc_type="请示")
    letter = _register(engine, db_settings, 4, direction="发文", doc_type="函", details={"awaits": "复函"})
    plain_letter = _register(engine, db_settings, 5, direction="发文", doc_type="函")
    unrouted = _register(engine, db_settings, 6)
    states = {reg_no: getattr(handling.get_handling(engine, reg_no), "state", None)
              for reg_no in (action, reading, request, letter, plain_letter, unrouted)}
    assert list(states.values()) == ["待拟办", "待传阅", "待回复", "待回复", None, None]
    shown = handling.get_handling(engine, reading)
    assert shown.implicit and shown.route == "阅件" and shown.lead_department == "教务办"
    assert shown.to_json()["state"] == "待传阅" and shown.to_json()["opinions"] == []
    assert handling.get_handling(engine, action, item=1) is None


def test_allowed_actions_follow_the_table(db_settings):
    engine = open_registry(db_settings)
    action = handling.get_handling(engine, _register(engine, db_settings, 1, route="办件"))
    reading = handling.get_handling(engine, _register(engine, db_settings, 2, route="阅件"))
    assert handling.allowed_actions(action, CLERK) == ("propose", "deadline")
    assert handling.allowed_actions(action, LEADER) == ("deadline",)
    assert handling.allowed_actions(action, HANDLER) == ()
    assert handling.allowed_actions(reading, CLERK) == ("circulate", "deadline")
    assert handling.allowed_actions(reading, LEADER) == ("instruct", "deadline")
    assert handling.allowed_actions(None, CLERK) == ()
    assert set(handling.RULES) == set(HANDLING_ACTIONS)
