"""归档 in the registry (docs/archive.md): classification burns nothing, filing numbers each
category 1..n gap-free in the stated order in one audited transaction, blockers stop it, and a
filed record changes only by 档案更正 — on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ArchiveBlocked, ArchivedRecord, InvalidValue
from core.vocab import SYSTEM_ACTOR
from pipeline.auditing import verify_registry
from pipeline.handling import act
from registry import archive_file, archive_plan, users
from registry.audit import Action, events, matches_chain
from registry.corrections import correct, void
from registry.db import open_registry
from registry.models import AuditEvent, Counter, Document
from registry.records import Intake, register
from registry.writing import write_transaction

YEAR = 2026
REGISTERED = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
PASSWORD = "mima-2026-guidang"


def _intake(name: str, *, direction: str = "收文", details: dict[str, Any] | None = None, warnings=(),
            **fields: Any) -> Intake:
    fields.setdefault("route", "阅件" if direction == "收文" else None)
    fields.setdefault("retention", "10年")
    fields.setdefault("department", "综合行政")
    sha = hashlib.sha256(name.encode()).hexdigest()
    return Intake(direction=direction, file_name=f"{name}.txt", sha256=sha, stored_path=f"store/{sha}",
                  format="txt", pages=1, text=name, warnings=tuple(warnings), fields=fields,
                  details={"department_code": "BGS", "retention_rule": "测试规则", **(details or {})},
                  as_new="测试" if "附件" in name else None)


@pytest.fixture
def registry(db_settings):
    engine = open_registry(db_settings)
    yield engine, db_settings
    engine.dispose()


def _add(engine, settings, name: str, **kwargs: Any) -> str:
    return register(engine, settings, _intake(name, **kwargs), "clerk", now=REGISTERED).reg_no


def _numbers(engine, settings) -> dict[str, tuple[int, str]]:
    with Session(engine) as session:
        return {d.reg_no: (d.item_no, d.archive_code) for d in session.scalars(select(Document))}


def test_classification_changes_burn_nothing_and_filing_is_gap_free(registry):
    engine, settings = registry
    first = _add(engine, settings, "一", title="关于甲的通知", date=date(2026, 3, 1))
    second = _add(engine, settings, "二", title="关于乙的通知", date=date(2026, 2, 1))
    third = _add(engine, settings, "三", title="关于丙的通知", date=date(2026, 4, 1))
    for value in ("永久", "30年", "10年"):  # back and forth: nothing is taken from any counter
        correct(engine, settings, first, "保管期限", value, "clerk", reason="核对归档范围")
    correct(engine, settings, third, "成文日期", "2026-01-15", "clerk", reason="日期识别有误")
    with Session(engine) as session:
        assert not session.scalars(select(Counter).where(Counter.series.like("档:%"))).all()
    assert all(code is None for _, code in _numbers(engine, settings).values())

    done = archive_file.file_year(engine, settings, YEAR, "clerk")
    category = f"{settings.office.fonds_code}-WS·2026-D10-BGS"
    assert done.filed == ((third, f"{category}-0001"), (second, f"{category}-0002"), (first, f"{category}-0003"))
    assert _numbers(engine, settings)[first] == (3, f"{category}-0003")
    with Session(engine) as session:
        archived = [e for e in session.scalars(select(AuditEvent).where(AuditEvent.action == Action.ARCHIVED))]
    assert [e.record for e in archived] == [third, second, first, None]
    assert verify_registry(engine, settings).problems == []


def test_a_request_is_followed_by_its_reply_at_the_longer_period_and_a_main_text_by_its_attachment(registry):
    engine, settings = registry
    request = _add(engine, settings, "请示", direction="发文", doc_type="请示", doc_number="化学院发〔2026〕5号",
                   issuer="东湖大学化学化工学院", title="关于增设岗位的请示", date=date(2026, 3, 1), retention="30年")
    between = _add(engine, settings, "通知", title="关于丁的通知", date=date(2026, 4, 1), retention="永久")
    reply = _add(engine, settings, "批复", doc_type="批复", doc_number="东大人函〔2026〕12号", issuer="东湖大学人事处",
                 title="关于同意增设岗位的批复", date=date(2026, 5, 1), retention="永久",
                 details={"references": ["化学院发〔2026〕5号"]})
    attachment = _add(engine, settings, "附件", doc_number="东大校发〔2026〕3号", issuer="东湖大学",
                      title="附件：名单", date=None, retention="永久")
    main = _add(engine, settings, "正本", doc_number="东大校发〔2026〕3号", issuer="东湖大学",
                title="关于公布名单的通知", date=date(2026, 6, 1), retention="永久")

    plan = archive_plan.plan(engine, settings, YEAR)
    assert [b.reg_no for b in plan.blockers] == [main]  # registered with the 附件's number: a warning
    archive_file.review(engine, main, "clerk", "附件与正本同号，已核对")
    plan = archive_plan.plan(engine, settings, YEAR)
    [permanent] = plan.categories
    assert [i.reg_no for i in permanent.items] == [request, reply, between, main, attachment]
    assert [i.item_no for i in permanent.items] == [1, 2, 3, 4, 5]
    paired = permanent.items[1]
    assert paired.together_with == request and "化学院发〔2026〕5号" in paired.note
    assert permanent.items[0].retention == "永久" and "同期保管" in permanent.items[0].rule

    archive_file.file_year(engine, settings, YEAR, "clerk")
    [filed_category] = archive_plan.filed(engine, settings, YEAR)
    assert filed_category.items[1].note == paired.note  # the 目录's 备注 stays after filing
    with Session(engine) as session:
        filed = session.scalar(select(Document).where(Document.reg_no == request))
        assert (filed.retention, filed.item_no) == ("永久", 1)
        [event] = [e for e in events(session, request) if e.action == Action.ARCHIVED]
    assert '"retention_from":"30年"' in event.details


def test_blockers_stop_filing_and_nothing_is_filed_until_settled(registry):
    engine, settings = registry
    users.add_user(engine, "clerk", roles=["clerk"], password=PASSWORD, actor=SYSTEM_ACTOR)
    users.add_user(engine, "leader", roles=["leader"], password=PASSWORD, actor=SYSTEM_ACTOR)
    task = _add(engine, settings, "办件", title="关于报送材料的通知", route="办件", date=date(2026, 5, 1))
    warned = _add(engine, settings, "提示", title="关于戊的通知", date=date(2026, 5, 2), warnings=["未找到成文日期"])
    voided = _add(engine, settings, "作废", title="关于己的通知", date=date(2026, 5, 3))
    void(engine, voided, "重复扫描", "clerk")

    plan = archive_plan.plan(engine, settings, YEAR)
    assert {b.reg_no: b.reasons for b in plan.blockers} == {
        task: ("办件尚未办结（待拟办）",), warned: ("初审提示未核对：未找到成文日期",)}
    assert [(e.reg_no, e.reason) for e in plan.excluded] == [(voided, "已作废：重复扫描")]
    with pytest.raises(ArchiveBlocked) as refused:
        archive_file.file_year(engine, settings, YEAR, "clerk")
    assert task in refused.value.message and warned in refused.value.message
    assert all(item_no is None for item_no, _ in _numbers(engine, settings).values())

    act(engine, settings, task, "propose", "clerk", text="请院长阅示", assignees=["leader"])
    act(engine, settings, task, "instruct", "leader", text="请办公室办理", assignees=["clerk"])
    act(engine, settings, task, "finish", "clerk", text="已报送")
    with pytest.raises(InvalidValue):
        archive_file.review(engine, warned, "clerk", " ")
    assert archive_file.review(engine, warned, "clerk", "已核对原件，确未标注日期") == ["未找到成文日期"]
    done = archive_file.file_year(engine, settings, YEAR, "clerk")
    assert [reg_no for reg_no, _ in done.filed] == [task, warned] and done.excluded == 1
    assert _numbers(engine, settings)[voided] == (None, None)
    assert verify_registry(engine, settings).problems == []


def test_a_filed_record_refuses_correction_and_takes_an_audited_archive_correction(registry):
    engine, settings = registry
    reg_no = _add(engine, settings, "通知", title="关于庚的通知", date=date(2026, 7, 1))
    archive_file.file_year(engine, settings, YEAR, "clerk")
    code = _numbers(engine, settings)[reg_no][1]
    with pytest.raises(ArchivedRecord):
        correct(engine, settings, reg_no, "标题", "关于庚的通知（修订）", "clerk", reason="题名有误")
    with pytest.raises(ArchivedRecord):
        void(engine, reg_no, "重复", "clerk")
    with pytest.raises(InvalidValue, match="保管期限"):
        archive_file.correct_filed(engine, settings, reg_no, "保管期限", "永久", "clerk", reason="鉴定")
    with pytest.raises(InvalidValue, match="年度"):
        archive_file.correct_filed(engine, settings, reg_no, "成文日期", "2025-12-30", "clerk", reason="日期")
    with pytest.raises(InvalidValue, match="理由"):
        archive_file.correct_filed(engine, settings, reg_no, "标题", "新", "clerk", reason="")

    corrected = archive_file.correct_filed(engine, settings, reg_no, "标题", "关于庚事项的通知", "archivist",
                                           reason="题名与原件不符")
    assert (corrected.title, corrected.archive_code, corrected.item_no) == ("关于庚事项的通知", code, 1)
    with Session(engine) as session:
        [event] = [e for e in events(session, reg_no) if e.action == Action.ARCHIVE_CORRECTED]
    assert event.actor == "archivist" and "题名与原件不符" in event.details and code in event.details
    assert verify_registry(engine, settings).problems == []


def test_a_late_record_goes_on_after_the_last_number_and_the_filed_are_never_renumbered(registry):
    engine, settings = registry
    early = _add(engine, settings, "早", title="关于辛的通知", date=date(2026, 9, 1))
    archive_file.file_year(engine, settings, YEAR, "clerk")
    before = _numbers(engine, settings)[early]
    late = _add(engine, settings, "晚", title="关于壬的通知", date=date(2026, 1, 5))  # older, registered later
    plan = archive_plan.plan(engine, settings, YEAR)
    assert [(i.reg_no, i.item_no, i.filed) for i in plan.categories[0].items] == [(early, 1, True), (late, 2, False)]
    archive_file.file_year(engine, settings, YEAR, "clerk")
    assert _numbers(engine, settings)[early] == before
    assert _numbers(engine, settings)[late][0] == 2
    with pytest.raises(InvalidValue, match="没有待归档"):
        archive_file.file_year(engine, settings, YEAR, "clerk")


def test_provisional_codes_from_an_older_wenshu_are_withdrawn_before_numbering(registry):
    engine, settings = registry
    category = f"{settings.office.fonds_code}-WS·2026-D10-BGS"
    first = _add(engine, settings, "甲", title="关于癸的通知", date=date(2026, 2, 1))
    second = _add(engine, settings, "乙", title="关于子的通知", date=date(2026, 1, 1))
    # As an older wenshu filed them at registration: 件号 in registration order, with an event.
    for reg_no, item in ((first, 1), (second, 2)):
        with write_transaction(engine, "clerk") as txn:
            document = txn.session.scalar(select(Document).where(Document.reg_no == reg_no))
            document.archive_code = f"{category}-{item:04d}"
            txn.record(Action.FILED, reg_no, {"archive_code": document.archive_code}, document=document)
    done = archive_file.file_year(engine, settings, YEAR, "clerk")
    assert dict(done.filed) == {second: f"{category}-0001", first: f"{category}-0002"}
    with Session(engine) as session:
        withdrawn = [e for e in events(session, first) if e.action == Action.CLASSIFIED and "withdrawn" in e.details]
    assert withdrawn
    assert verify_registry(engine, settings).problems == []


def test_audit_verify_names_a_gap_in_a_filed_category(registry):
    engine, settings = registry
    first = _add(engine, settings, "甲", title="关于甲的通知", date=date(2026, 2, 1))
    _add(engine, settings, "乙", title="关于乙的通知", date=date(2026, 3, 1))
    _add(engine, settings, "丙", title="关于丙的通知", date=date(2026, 4, 1))
    archive_file.file_year(engine, settings, YEAR, "clerk")
    category = f"{settings.office.fonds_code}-WS·2026-D10-BGS"
    with engine.begin() as connection:  # a filed record renumbered behind wenshu's back
        connection.execute(Document.__table__.update().where(Document.reg_no == first)
                           .values(item_no=9, archive_code=f"{category}-0009"))
    problems = [p.problem for p in verify_registry(engine, settings).problems]
    assert f"类别 {category} 的件号缺 1、4、5、6、7、8：记录被删除或改动" in problems, problems


def test_a_registration_moment_given_in_local_time_still_matches_its_audit_event(registry):
    engine, settings = registry
    local = datetime(2026, 3, 2, 9, 30, tzinfo=settings.zone)
    reg_no = register(engine, settings, _intake("本地时间", title="关于丑的通知"), "clerk", now=local).reg_no
    with Session(engine) as session:
        document = session.scalar(select(Document).where(Document.reg_no == reg_no))
        assert matches_chain(session, document)
    archive_file.file_year(engine, settings, YEAR, "clerk")  # refuses a record that does not match
