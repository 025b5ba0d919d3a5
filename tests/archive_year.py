"""A year an office can file (归档), for the archive tests: real files through the real pipeline
into a web test office (tests/web/conftest.py ``make_office``), then every blocker settled the way
a clerk would — each 办件 taken through 拟办, 批示 and 办结, each record's 初审 warnings checked.

Holds: a docx 通知 and a born-digital PDF 请示 (the web samples), our own 请示 (发文) and the
上级 批复 that answers it (filed together), the office's 党政联席会议纪要 (永久), a 秘密 报告, a
voided 通知 (excluded) and a 上级 通知 sent for information.
"""

from __future__ import annotations

from pathlib import Path

from core.vocab import ACTION_ITEM, FINISHED, OUTGOING
from pipeline.handling import act
from registry import archive_file, archive_plan
from registry.archive_plan import Item, Plan
from registry.corrections import void
from registry.handling import get_handling
from tests.pipeline.test_understood_registration import REPLY, REQUEST
from tests.web.conftest import SECRET_CLERK, Office, make_office

YEAR = 2026

MINUTES = """东湖大学化学化工学院党政联席会议纪要
2026年第12期
东湖大学化学化工学院党政办公室　　　　2026年6月18日
2026年6月16日，学院召开党政联席会议，研究学科建设经费使用和实验室安全工作。
会议议定：
一、同意学科建设专项经费使用方案。
二、由实验室安全办公室负责完成危险化学品清查。
出席：院长、党委书记、副院长
"""

FOR_INFORMATION = """东湖大学文件
东大校发〔2026〕3号
东湖大学关于公布2026年校历的通知
各学院、各部门：
现将2026年校历予以公布。
东湖大学
2026年1月8日
"""


def archive_year(office: Office) -> Plan:
    """Register the year's records into ``office`` (web samples included), settle every blocker
    as the office's clerk and leader, and return the plan, ready to file."""
    office.records.setdefault("request", office.register_text("请示.txt", REQUEST, direction=OUTGOING))
    office.records.setdefault("reply", office.register_text("批复.txt", REPLY))
    office.records.setdefault("minutes", office.register_text("党政联席会议纪要.txt", MINUTES))
    office.records.setdefault("calendar", office.register_text("校历.txt", FOR_INFORMATION))
    if "void" in office.records:
        _void_once(office, office.records["void"])
    settle(office)
    found = archive_plan.plan(office.engine, office.settings, YEAR)
    assert found.ready, found.blockers
    return found


def filed_office(root: Path, template_root: Path) -> Office:
    """A web test office with its samples and the year, filed by the clerk."""
    office = make_office(root, samples=True, template_root=template_root)
    archive_year(office)
    archive_file.file_year(office.engine, office.settings, YEAR, "clerk")
    return office


def filed_items(office: Office) -> dict[str, Item]:
    """The filed 件 by what they are (``office.records``' keys)."""
    by_reg_no = {i.reg_no: i for c in archive_plan.filed(office.engine, office.settings, YEAR) for i in c.items}
    return {what: by_reg_no[reg_no] for what, reg_no in office.records.items() if reg_no in by_reg_no}


def settle(office: Office) -> None:
    """Close every open 办件 of the year and check every record's warnings."""
    engine, settings = office.engine, office.settings
    for blocker in archive_plan.plan(engine, settings, YEAR).blockers:
        handling = get_handling(engine, blocker.reg_no)
        if handling is not None and handling.route == ACTION_ITEM and handling.state != FINISHED:
            _finish(office, blocker.reg_no)
        if any(reason.startswith("初审提示未核对") for reason in blocker.reasons):
            archive_file.review(engine, blocker.reg_no, SECRET_CLERK if _secret(office, blocker.reg_no) else "clerk",
                                "已核对原件")


def _finish(office: Office, reg_no: str) -> None:
    clerk = SECRET_CLERK if _secret(office, reg_no) else "clerk"
    engine, settings = office.engine, office.settings
    act(engine, settings, reg_no, "propose", clerk, text="请院长阅示", assignees=["leader"])
    act(engine, settings, reg_no, "instruct", "leader", text="请办公室办理", assignees=[clerk])
    act(engine, settings, reg_no, "finish", clerk, text="已办理")


def _secret(office: Office, reg_no: str) -> bool:
    return reg_no == office.records.get("secret")


def _void_once(office: Office, reg_no: str) -> None:
    plan = archive_plan.plan(office.engine, office.settings, YEAR)
    if not any(e.reg_no == reg_no for e in plan.excluded):
        void(office.engine, reg_no, "重复扫描", "clerk")
