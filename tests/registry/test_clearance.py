"""涉密 clearance in reading the register (the web's 登记簿, record pages and 工作台): a record above
the user's clearance is in no list, page, total or count, and asking for it is "not found";
auditors see it masked. The SQL filter says exactly what ``core.vocab.visible_to`` says. SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from sqlalchemy import Text, bindparam, case, cast, inspect, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.vocab import CLEARANCES, NOT_SECRET, visible_to
from registry import dashboard, queries
from registry.db import open_registry
from registry.corrections import void
from registry.exports import record_json
from registry.models import Document
from registry.queries import MASKED_TITLE, UNRESTRICTED, LogFilter
from registry.records import Intake, register

# 密级 as the column may hold them, with who may see each (hard-coded: the test of visible_to itself).
SECRECIES = [None, "无", "NONE", "秘密", "机密", " 机密", "绝密", "内部", "ＮＯＮＥ"]
SEES = {
    None: {None, "无", "NONE"},
    "秘密": {None, "无", "NONE", "秘密"},
    "机密": {None, "无", "NONE", "秘密", "机密", " 机密"},
    "绝密": set(SECRECIES),
    "内部": {None, "无", "NONE"},  # not a clearance: sees what no clearance sees
}
CLEARANCE_CASES = list(SEES)
DAY = date(2026, 3, 2)
TODAY = date(2026, 3, 10)
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _register(engine, settings, n: int, secrecy: str | None, **fields) -> str:
    intake = Intake(direction=fields.pop("direction", "收文"), file_name=f"文件{n}.txt", sha256=f"{n:064x}",
                    stored_path=f"store/{n}", text=f"第{n}号文件的正文，机要内容{n}",
                    fields={"title": f"关于第{n}项工作的通知", "issuer": f"第{n}机关", "doc_number": f"机发〔2026〕{n}号",
                            "secrecy": secrecy, **fields},
                    details={"why_route": [f"正文第{n}段"]})
    moment = datetime(2026, 3, 2, 1, n, tzinfo=timezone.utc)  # 09:0n in the office's zone, on DAY
    return register(engine, settings, intake, actor="clerk", now=moment).reg_no


@pytest.fixture
def register_book(db_settings):
    """One 收文 per 密级 of SECRECIES, in that order (registered on DAY): (engine, {reg_no: 密级})."""
    engine = open_registry(db_settings)
    numbers = {_register(engine, db_settings, n, secrecy): secrecy for n, secrecy in enumerate(SECRECIES, start=1)}
    return engine, db_settings, numbers


def _seen(numbers: dict[str, str | None], clearance) -> list[str]:
    """The reg_nos (in registration order) whose 密级 this clearance sees, from the table."""
    return [reg_no for reg_no, secrecy in numbers.items() if secrecy in SEES[clearance]]


def test_the_table_is_visible_to():
    for clearance, seen in SEES.items():
        assert {s for s in SECRECIES if visible_to(s, clearance)} == seen, clearance


@pytest.mark.parametrize("clearance", CLEARANCE_CASES)
def test_log_count_and_pages_leave_out_what_the_clearance_does_not_reach(register_book, clearance):
    engine, settings, numbers = register_book
    expected = _seen(numbers, clearance)
    everything = LogFilter()
    assert [d.reg_no for d in queries.log(engine, settings, everything, clearance=clearance)] == expected
    assert queries.count_log(engine, settings, everything, clearance=clearance) == len(expected)
    oldest = queries.log_page(engine, settings, everything, clearance=clearance, newest_first=False, limit=100)
    assert ([d.reg_no for d in oldest.rows], oldest.total) == (expected, len(expected))
    paged = []
    for offset in range(0, len(SECRECIES), 2):
        page = queries.log_page(engine, settings, everything, clearance=clearance, offset=offset, limit=2)
        assert page.total == len(expected)
        paged.extend(d.reg_no for d in page.rows)
    assert paged == expected[::-1]  # newest first
    # the other filters still apply
    assert queries.count_log(engine, settings, LogFilter(direction="发文"), clearance=clearance) == 0
    assert queries.count_log(engine, settings, LogFilter(date_from=DAY, date_to=DAY), clearance=clearance) == \
        len(expected)


def test_without_a_clearance_argument_nothing_is_left_out(register_book):
    engine, settings, numbers = register_book
    assert [d.reg_no for d in queries.log(engine, settings, LogFilter())] == list(numbers)
    assert queries.count_log(engine, settings, LogFilter()) == len(numbers)
    page = queries.log_page(engine, settings, LogFilter(), clearance=UNRESTRICTED, mask=True, limit=100)
    assert page.total == len(numbers) and not any(queries.is_masked(d) for d in page.rows)
    assert all(d.title != MASKED_TITLE for d in page.rows)


@pytest.mark.parametrize("clearance", [None, "秘密", "机密"])
def test_auditors_see_every_number_with_what_they_may_not_read_masked(register_book, clearance):
    engine, settings, numbers = register_book
    seen = set(_seen(numbers, clearance))
    streamed = list(queries.log(engine, settings, LogFilter(), clearance=clearance, mask=True))
    page = queries.log_page(engine, settings, LogFilter(), clearance=clearance, mask=True, newest_first=False,
                            limit=100)
    assert queries.count_log(engine, settings, LogFilter(), clearance=clearance, mask=True) == len(numbers)
    assert page.total == len(numbers)
    for rows in (streamed, list(page.rows)):
        assert [d.reg_no for d in rows] == list(numbers)  # every number, in order: no gap to explain
        for row in rows:
            if row.reg_no in seen:
                assert not queries.is_masked(row) and row.title.startswith("关于")
                continue
            assert queries.is_masked(row) and row.title == MASKED_TITLE and row.file_name == MASKED_TITLE
            real = queries.get(engine, row.reg_no)
            assert (row.direction, row.status, row.series, row.year, row.seq, row.registered_at, row.actor) == \
                (real.direction, real.status, real.series, real.year, real.seq, real.registered_at, real.actor)
            n = row.seq
            shown = " ".join(str(getattr(row, column.key)) for column in Document.__table__.columns)
            shown += json.dumps(record_json(row, settings, with_text=True), ensure_ascii=False)
            for secret in (f"第{n}机关", f"机发〔2026〕{n}号", f"文件{n}", f"正文第{n}段", f"机要内容{n}", f"{n:064x}",
                           f"第{n}项工作"):
                assert secret not in shown, (secret, shown)
            assert not visible_to(row.secrecy, clearance)  # a masked copy is still 涉密 to this user
            assert row.id is None
    # the rows themselves were not touched
    with Session(engine) as session:
        titles = session.scalars(select(Document.title).order_by(Document.id)).all()
    assert MASKED_TITLE not in titles and all(title.startswith("关于") for title in titles)


def test_a_masked_copy_cannot_be_flushed_over_the_record(register_book):
    engine, settings, numbers = register_book
    [row] = [d for d in queries.log_page(engine, settings, LogFilter(), clearance=None, mask=True, limit=100).rows
             if d.reg_no == list(numbers)[3]]
    assert queries.is_masked(row)
    assert inspect(row).transient  # in no session, no identity: nothing to write back


@pytest.mark.parametrize("clearance", CLEARANCE_CASES)
def test_a_record_above_the_clearance_is_not_found_like_a_missing_one(register_book, clearance):
    engine, _, numbers = register_book
    for reg_no, secrecy in numbers.items():
        if secrecy in SEES[clearance]:
            assert queries.get_visible(engine, reg_no, clearance).reg_no == reg_no
            continue
        with pytest.raises(NotFound) as hidden:
            queries.get_visible(engine, reg_no, clearance)
        missing_number = reg_no + "0"
        with pytest.raises(NotFound) as missing:
            queries.get_visible(engine, missing_number, clearance)
        assert hidden.value.message == missing.value.message.replace(missing_number, reg_no)
        assert (hidden.value.fix, hidden.value.exit_code) == (missing.value.fix, missing.value.exit_code)
    assert queries.get_visible(engine, list(numbers)[6], UNRESTRICTED).secrecy == "绝密"


def test_dashboard_counts_and_due_items_respect_the_clearance(db_settings):
    engine = open_registry(db_settings)
    due = {}
    for n, (secrecy, deadline) in enumerate([(None, TODAY), ("秘密", TODAY + timedelta(days=2)),
                                             ("绝密", TODAY + timedelta(days=1)), ("内部", TODAY - timedelta(days=3)),
                                             (None, TODAY - timedelta(days=1)), (None, TODAY + timedelta(days=9))],
                                            start=1):
        reg_no = _register(engine, db_settings, n, secrecy, route="办件", deadline=deadline, urgency="加急")
        due[reg_no] = (secrecy, deadline)
    _register(engine, db_settings, 20, None, route="阅件", deadline=TODAY)          # not a 办件
    _register(engine, db_settings, 21, "机密", direction="发文", doc_number=None)   # a 发文, 机密
    voided = _register(engine, db_settings, 22, None, route="办件", deadline=TODAY)
    void(engine, voided, reason="重复登记", actor="clerk")

    for clearance in CLEARANCE_CASES + [UNRESTRICTED]:
        sees = set(SECRECIES) if clearance is UNRESTRICTED else SEES[clearance]
        counts = dashboard.day_counts(engine, db_settings, DAY, clearance)
        # 收文: five not 涉密 (the voided one counts: its number was taken that day), 秘密, 绝密, 内部
        assert counts == {"收文": 5 + sum(s in sees for s in ("秘密", "绝密", "内部")),
                          "发文": int("机密" in sees)}, clearance
        items = dashboard.due_items(engine, db_settings, TODAY, 2, clearance)
        visible = [r for r, (s, _) in due.items() if s in sees]
        assert [i.reg_no for i in items.due] == sorted(
            (r for r in visible if TODAY <= due[r][1] <= TODAY + timedelta(days=2)), key=lambda r: due[r][1])
        assert [i.reg_no for i in items.overdue] == sorted(
            (r for r in visible if due[r][1] < TODAY), key=lambda r: due[r][1])
        for item in (*items.due, *items.overdue):
            assert item.urgency == "加急" and item.title.startswith("关于") and item.issuer.endswith("机关")
    assert dashboard.day_counts(engine, db_settings, DAY + timedelta(days=1), None) == {"收文": 0, "发文": 0}
    assert dashboard.due_items(engine, db_settings, TODAY, 0, None).due[0].deadline == TODAY


# --- the SQL filter is visible_to ------------------------------------------------------------

_WORDS = [*NOT_SECRET, *CLEARANCES, "内部", "涉密", "秘", "绝密★", "机 密", "ＮＯＮＥ", "－", "⽆", "K"]


def _any_case(word: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(word, flips + [False] * len(word)))


_SPACES = st.text(alphabet=WHITESPACE + "\u200b", max_size=2)
VALUES = st.one_of(
    st.none(),
    st.builds(lambda before, word, flips, after: before + _any_case(word, flips) + after,
              _SPACES, st.sampled_from(_WORDS), st.lists(st.booleans(), max_size=4), _SPACES),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=5),
)


@pytest.mark.parametrize("clearance", [None, "秘密", "机密", "内部"])
def test_the_sql_filter_agrees_with_visible_to(db_settings, clearance):
    engine = open_registry(db_settings)
    value = cast(bindparam("value"), Text)
    clause = queries.visible_clause(value, clearance)
    query = select(case((clause, 1), else_=0))

    with engine.connect() as connection:
        @hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(VALUES)
        def agrees(secrecy):
            assert bool(connection.scalar(query, {"value": secrecy})) == visible_to(secrecy, clearance), repr(secrecy)

        agrees()
        for secrecy in [*SECRECIES, "", "  ", "\u3000无\u3000", "None", "NULL", "—", " 绝密 ", "\t秘密\n"]:
            assert bool(connection.scalar(query, {"value": secrecy})) == visible_to(secrecy, clearance), repr(secrecy)


def test_sql_trims_what_python_strips():
    assert queries.WHITESPACE == WHITESPACE


def test_the_top_clearance_and_no_restriction_need_no_filter():
    assert queries.visible_clause(Document.secrecy, "绝密") is None
    assert queries.visible_clause(Document.secrecy, UNRESTRICTED) is None
    assert queries.visible_clause(Document.secrecy, None) is not None
