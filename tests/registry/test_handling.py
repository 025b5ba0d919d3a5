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


# ----------------------------------------------------------------------------- the state machine

from datetime import date  # noqa: E402

from sqlalchemy import text  # noqa: E402

from core.errors import HandlingConflict, HandlingRefused, InvalidValue  # noqa: E402
from registry import users  # noqa: E402
from registry.handling_actions import act  # noqa: E402

PASSWORD = "mima-2026-handling"
# Who acts, by the part they play; each an account with these roles.
ACTORS = {"clerk": ("wen.shu", "clerk"), "leader": ("ling.dao", "leader"), "lead": ("cheng.ban", "handler"),
          "assist": ("xie.ban", "handler"), "other": ("pang.ren", "handler"), "auditor": ("shen.ji", "auditor"),
          "reader1": ("yue.yi", "handler"), "reader2": ("yue.er", "handler")}
STATES = ("待拟办", "待批示", "承办中", "已办结", "已退回", "待传阅", "传阅中", "已阅毕", "待回复")
# The table docs/handling.md prints, written out again here: from which states each action may
# be taken, by whom (per state where it differs), and the state it leads to.
FROM = {"propose": {"待拟办", "已退回"}, "instruct": {"待批示", "待传阅", "传阅中", "已阅毕"}, "progress": {"承办中"},
        "finish": {"承办中", "待回复"}, "return": {"待批示", "承办中"}, "transfer": {"承办中"},
        "urge": {"待批示", "承办中", "传阅中"}, "circulate": {"待传阅", "传阅中"}, "read": {"传阅中"},
        "deadline": set(STATES) - {"已办结", "已阅毕"}}
WHO = {"propose": {"clerk"}, "instruct": {"leader"}, "progress": {"lead", "assist"}, "finish": {"lead", "clerk"},
       "return": {"lead"}, "transfer": {"lead", "leader", "clerk"}, "urge": {"clerk"}, "circulate": {"clerk"},
       "read": {"reader1"}, "deadline": {"clerk", "leader"}}
WHO_IN = {("finish", "待回复"): {"clerk"}, ("return", "待批示"): {"leader"}}
TO = {"propose": "待批示", "instruct": "承办中", "finish": "已办结", "return": "已退回", "circulate": "传阅中"}
OPINION = {"propose": "拟办意见", "instruct": "领导批示", "progress": "承办意见", "finish": "办理结果",
           "return": "退回理由", "transfer": "转办说明", "urge": "催办", "read": "传阅意见"}
DEADLINE = date(2026, 12, 31)


def account(part: str) -> Account:
    name, role = ACTORS[part]
    return Account(name, None, (role,), None, False)


def name(part: str) -> str:
    return ACTORS[part][0]


def arguments(action: str) -> dict:
    """What a form sends for each action, valid whatever the state."""
    given = {"text": f"{action} 的意见"}
    if action == "instruct":
        given.update(assignees=[name("lead")], assist=[name("assist")], deadline=DEADLINE)
    elif action == "transfer":
        given.update(assignees=[name("other")])
    elif action == "circulate":
        given.update(readers=[name("reader1"), name("reader2"), name("other")], ordered=True)
    elif action == "deadline":
        given.update(deadline=date(2027, 1, 15))
    return given


class Office:
    def __init__(self, settings):
        self.settings = settings
        self.engine = open_registry(settings)
        self.n = 0
        for part, (user, role) in ACTORS.items():
            users.add_user(self.engine, user, roles=[role], password=PASSWORD, actor="系统")

    def act(self, reg_no: str, action: str, part: str, **given):
        return act(self.engine, reg_no, action, account(part), **{**arguments(action), **given})

    def record_in(self, state: str) -> str:
        """A new record whose handling is in ``state``."""
        self.n += 1
        if state == "待回复":
            return _register(self.engine, self.settings, self.n, direction="发文", doc_type="请示")
        if state in ("待传阅", "传阅中", "已阅毕"):
            reg_no = _register(self.engine, self.settings, self.n, route="阅件")
            if state != "待传阅":
                readers = [name("reader1"), name("reader2")] if state == "传阅中" else [name("reader1")]
                self.act(reg_no, "circulate", "clerk", readers=readers, ordered=True)
            if state == "已阅毕":
                self.act(reg_no, "read", "reader1")
            return reg_no
        reg_no = _register(self.engine, self.settings, self.n, route="办件")
        if state != "待拟办":
            self.act(reg_no, "propose", "clerk", assignees=[name("leader")])  # sent to this leader
        if state == "已退回":
            self.act(reg_no, "return", "leader")
        if state in ("承办中", "已办结"):
            self.act(reg_no, "instruct", "leader")
        if state == "已办结":
            self.act(reg_no, "finish", "lead")
        return reg_no

    def snapshot(self) -> tuple:
        with self.engine.connect() as connection:
            return tuple(tuple(connection.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all())
                         for table in ("chain_head", "audit_events", "handlings", "handling_opinions",
                                       "handling_readers", "handling_urges"))

    def events(self) -> list:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT actor, action, record, details FROM audit_events ORDER BY seq")).all()


@pytest.fixture
def office(db_settings):
    return Office(db_settings)


@pytest.mark.parametrize("state", STATES)
def test_every_action_by_every_role_from_this_state(office, state):
    import json

    shared = office.record_in(state)
    assert handling.get_handling(office.engine, shared).state == state
    wrong = []
    for action in HANDLING_ACTIONS:
        for part in ACTORS:
            allowed_by = WHO_IN.get((action, state), WHO[action])
            if state not in FROM[action]:
                expected = HandlingConflict
            elif part not in allowed_by:
                expected = HandlingRefused
            else:
                expected = None
            where = f"{action} by {part} in {state}"
            offered = action in handling.allowed_actions(handling.get_handling(office.engine, shared), account(part))
            if offered != (expected is None):
                wrong.append(f"{where}: allowed_actions says {offered}")
            if expected is not None:
                before = office.snapshot()
                try:
                    office.act(shared, action, part)
                    wrong.append(f"{where}: not refused")
                except (HandlingConflict, HandlingRefused) as error:
                    if type(error) is not expected:
                        wrong.append(f"{where}: {type(error).__name__}, expected {expected.__name__}")
                    if office.snapshot() != before:
                        wrong.append(f"{where}: refused but something changed")
                continue
            reg_no = office.record_in(state)
            before = handling.get_handling(office.engine, reg_no)
            events_before = len(office.events())
            after = office.act(reg_no, action, part)
            events = office.events()[events_before:]
            if len(events) != 1:
                wrong.append(f"{where}: {len(events)} audit events")
                continue
            actor, event_action, record, details = events[0]
            details = json.loads(details)
            if (actor, event_action, record) != (name(part), "handled", reg_no):
                wrong.append(f"{where}: event {(actor, event_action, record)}")
            expected_state = TO.get(action, state)
            if action == "finish":
                expected_state = "已办结"
            if (after.state, details["from"], details["to"], details["action"]) != \
                    (expected_state, state, expected_state, action):
                wrong.append(f"{where}: went to {after.state}, event {details}")
            if action in OPINION:
                newest = after.opinions[-1] if after.opinions else None
                if len(after.opinions) != len(before.opinions) + 1 or \
                        (newest.kind, newest.user) != (OPINION[action], name(part)):
                    wrong.append(f"{where}: opinions {after.opinions}")
            if after.to_json() == before.to_json():
                wrong.append(f"{where}: nothing changed")
    assert not wrong, "\n".join(wrong)


# ----------------------------------------------------------------------------- the details of each step

def test_a_routine_type_skips_the_instruction(office):
    reg_no = _register(office.engine, office.settings, 100, route="办件", doc_type="函")
    done = act(office.engine, reg_no, "propose", account("clerk"), text="请程办直接办理",
               assignees=[name("lead")], skip_instruction=("函",))
    assert (done.state, done.lead, done.holder) == ("承办中", (name("lead"),), name("lead"))
    with pytest.raises(InvalidValue):  # skipping the 批示, the 拟办 must name the 主办
        act(office.engine, office.record_in("待拟办"), "propose", account("clerk"), text="x",
            skip_instruction=("函", "通知", "其他", None))


def test_a_proposal_goes_to_a_leader_only(office):
    reg_no = office.record_in("待拟办")
    before = office.snapshot()
    with pytest.raises(InvalidValue, match="不是领导"):
        act(office.engine, reg_no, "propose", account("clerk"), text="x", assignees=[name("lead")])
    with pytest.raises(InvalidValue, match="不是登记过的用户"):
        act(office.engine, reg_no, "propose", account("clerk"), text="x", assignees=["nobody"])
    with pytest.raises(InvalidValue, match="不能为空"):
        act(office.engine, reg_no, "propose", account("clerk"), text="  ")
    with pytest.raises(InvalidValue, match="无效"):
        act(office.engine, reg_no, "approve", account("clerk"), text="x")
    assert office.snapshot() == before


def test_instruction_names_lead_assist_and_deadline_and_transfer_moves_the_lead(office):
    reg_no = office.record_in("承办中")
    shown = handling.get_handling(office.engine, reg_no)
    assert (shown.lead, shown.assist, shown.deadline, shown.holder) == (
        (name("lead"),), (name("assist"),), DEADLINE, name("lead"))
    moved = office.act(reg_no, "transfer", "leader")
    assert (moved.lead, moved.assist, moved.holder) == ((name("other"),), (name("assist"),), name("other"))
    assert moved.opinions[-1].kind == "转办说明"
    with pytest.raises(HandlingRefused):  # the former 主办 holds it no more
        office.act(reg_no, "finish", "lead")
    assert office.act(reg_no, "finish", "other").closed_by == name("other")


def test_a_leader_turns_a_reading_document_into_an_action_item(office):
    reg_no = office.record_in("传阅中")
    done = office.act(reg_no, "instruct", "leader")
    assert (done.route, done.state, done.lead) == ("办件", "承办中", (name("lead"),))
    assert [reader.user for reader in done.readers] == [name("reader1"), name("reader2")]


def test_circulating_again_keeps_who_has_read_and_may_reorder(office):
    reg_no = office.record_in("传阅中")
    office.act(reg_no, "read", "reader1", text="同意")
    again = office.act(reg_no, "circulate", "clerk", readers=[name("other"), name("reader2")], ordered=False)
    assert [(r.user, r.position, r.comment) for r in again.readers] == [
        (name("reader1"), 1, "同意"), (name("other"), 2, None), (name("reader2"), 3, None)]
    assert again.holder is None and again.unread == (name("other"), name("reader2"))
    office.act(reg_no, "read", "reader2")  # all at once: anyone unread may read
    done = office.act(reg_no, "read", "other")
    assert (done.state, done.closed_by) == ("已阅毕", name("other"))
    other = office.record_in("传阅中")
    office.act(other, "read", "reader1")
    with pytest.raises(InvalidValue, match="都已阅过"):
        office.act(other, "circulate", "clerk", readers=[name("reader1")])


def test_urging_records_whom_and_when(office):
    reg_no = office.record_in("承办中")
    urged = office.act(reg_no, "urge", "clerk", text="请本周办结")
    assert [(u.by, u.to, u.note) for u in urged.urges] == [(name("clerk"), name("lead"), "请本周办结")]
    assert urged.opinions[-1].text == f"催办 {name('lead')}：请本周办结"
    both = office.act(reg_no, "urge", "clerk", text="", assignees=[name("lead"), name("assist")])
    assert [u.to for u in both.urges][1:] == [name("lead"), name("assist")]


def test_a_voided_record_and_a_missing_item_are_conflicts(office):
    from registry.corrections import void

    reg_no = office.record_in("承办中")
    void(office.engine, reg_no, "重复登记", "系统")
    shown = handling.get_handling(office.engine, reg_no)
    assert shown.voided and handling.allowed_actions(shown, account("lead")) == ()
    with pytest.raises(HandlingConflict, match="作废"):
        office.act(reg_no, "finish", "lead")
    untouched = office.record_in("待拟办")
    void(office.engine, untouched, "误登", "系统")
    assert handling.get_handling(office.engine, untouched) is None
    with pytest.raises(HandlingConflict):
        office.act(office.record_in("待拟办"), "finish", "clerk", item=3)


def test_a_disabled_user_may_do_nothing(office):
    reg_no = office.record_in("待拟办")
    gone = Account(name("clerk"), None, ("clerk",), None, True)
    assert handling.allowed_actions(handling.get_handling(office.engine, reg_no), gone) == ()
    with pytest.raises(HandlingRefused):
        act(office.engine, reg_no, "propose", gone, text="x")


def test_opinions_and_urges_are_append_only(office):
    from sqlalchemy.exc import DBAPIError

    reg_no = office.record_in("承办中")
    office.act(reg_no, "urge", "clerk")
    for statement in ("UPDATE handling_opinions SET text = 'x'", "DELETE FROM handling_opinions",
                      "UPDATE handling_urges SET note = 'x'", "DELETE FROM handling_urges"):
        with pytest.raises(DBAPIError), office.engine.begin() as connection:
            connection.execute(text(statement))
    assert handling.get_handling(office.engine, reg_no).opinions[0].kind == "拟办意见"


def test_the_log_shows_state_lead_and_closing_day(office):
    from registry import queries
    from registry.exports import record_json

    finished = office.record_in("已办结")
    waiting = office.record_in("待拟办")
    rows = {row["reg_no"]: row for row in (record_json(d, office.settings) for d in
                                           queries.log(office.engine, office.settings, queries.LogFilter()))}
    assert (rows[finished]["handling_state"], rows[finished]["lead"]) == ("已办结", [name("lead")])
    assert rows[finished]["closed_on"] == office.settings.today().isoformat()
    assert (rows[waiting]["handling_state"], rows[waiting]["lead"], rows[waiting]["closed_on"]) == ("待拟办", [], None)
    shown = record_json(queries.get(office.engine, finished), office.settings)
    assert shown["handling_state"] == "已办结"
    page = queries.log_page(office.engine, office.settings, queries.LogFilter(), clearance=queries.UNRESTRICTED)
    assert {row.reg_no: row.handling_summary.state for row in page.rows}[finished] == "已办结"
