"""Search inside PostgreSQL (issue 18): the search row is written in the transaction that registers
or changes a record, so search sees it as the registration commits; `index check` and `reindex`
work on the rows; a row that cannot be written takes the registration back with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.settings import load_settings
from pipeline.database import open_registry
from registry import audit, search_rows
from registry.models import AuditEvent, Counter, Document
from tests.cli import SAMPLE_OFFICE_ENV, run, run_json

NOTICE = """东湖大学教务处
东大教发〔2026〕31号
关于做好期末考试巡考工作的通知
各学院：
请各学院安排好期末考试巡考，巡考记录于考试结束后三日内报送教务处。
东湖大学教务处
2026年11月20日
"""
REQUEST = """东湖大学化学化工学院
关于购置核磁共振波谱仪的请示
学校：
我院拟购置一台核磁共振波谱仪，经费从学科建设经费列支，妥否，请批示。
东湖大学化学化工学院
2026年11月21日
"""


@pytest.fixture
def office(pg_url: str, tmp_path: Path):
    env = {**SAMPLE_OFFICE_ENV, "WENSHU_DATABASE_URL": pg_url}
    data = tmp_path / "data"
    settings = load_settings(data_dir=data, env=env)
    return data, env, settings


def _ingest(office, tmp_path: Path, name: str, content: str) -> str:
    data, env, _ = office
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    [registered] = run_json(data, "ingest", str(source), env=env)
    return registered["reg_no"]


def _rows(settings) -> dict[str, str]:
    return search_rows.versions(open_registry(settings))


def _digests(settings) -> dict[str, str]:
    with Session(open_registry(settings)) as session:
        return {d.reg_no: audit.record_digest(d) for d in session.scalars(select(Document))}


def test_a_registered_record_is_searchable_as_it_commits(office, tmp_path):
    data, env, settings = office
    run(data, "init", env=env)
    reg_no = _ingest(office, tmp_path, "通知.txt", NOTICE)
    # No indexing step ran and no whoosh index exists: the row came with the registration.
    assert _rows(settings) == _digests(settings)
    assert (data / "inbox").is_dir() and not any(settings.index_dir.rglob("*.toc"))
    with Session(open_registry(settings)) as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert "indexed" not in actions
    result = run_json(data, "search", "巡考", env=env)
    assert [hit["reg_no"] for hit in result["hits"]] == [reg_no]
    assert "<mark>巡考</mark>" in result["hits"][0]["snippet"]
    assert run_json(data, "search", "教务处的通知", env=env)["understood_as"]["issuer"] == "东湖大学教务处"
    assert [h["reg_no"] for h in run_json(data, "search", "东大教发[2026]31号", env=env)["hits"]] == [reg_no]


def test_corrections_and_voiding_reach_search_in_their_own_transaction(office, tmp_path):
    data, env, settings = office
    notice = _ingest(office, tmp_path, "通知.txt", NOTICE)
    request = _ingest(office, tmp_path, "请示.txt", REQUEST)
    run(data, "correct", notice, "标题", "关于做好期末考试监考工作的通知", "--reason", "标题按原件更正", env=env)
    assert [h["reg_no"] for h in run_json(data, "search", "标题:监考", env=env)["hits"]] == [notice]
    assert run_json(data, "search", "标题:巡考", env=env)["total"] == 0
    run(data, "void", request, "重复登记", env=env)
    assert [h["reg_no"] for h in run_json(data, "search", "状态:已作废", env=env)["hits"]] == [request]
    assert _rows(settings) == _digests(settings)
    assert run_json(data, "index", "check", "--json", env=env)["clean"] is True


def test_index_check_and_reindex_work_on_the_rows(office, tmp_path):
    data, env, settings = office
    notice = _ingest(office, tmp_path, "通知.txt", NOTICE)
    request = _ingest(office, tmp_path, "请示.txt", REQUEST)
    engine = open_registry(settings)
    with engine.begin() as connection:  # as after an upgrade, or a tool writing without the builder
        connection.execute(text("DELETE FROM search_rows WHERE reg_no = :r"), {"r": notice})
        connection.execute(text("UPDATE search_rows SET version = 'old' WHERE reg_no = :r"), {"r": request})
        connection.execute(text("INSERT INTO search_rows SELECT 'gone' AS reg_no, version, registered_at, date, "
                                "date_value, title, doc_number, doc_number_key, doc_number_norm, doc_number_seq, "
                                "'gone', 'gone', issuer, issuer_norm, department, department_norm, doc_type, "
                                "direction, route, urgency, secrecy, status, secret, deadline, archive_code, "
                                "archive_norm, body, tokens FROM search_rows WHERE reg_no = :r"), {"r": request})
    drift = run_json(data, "index", "check", "--json", env=env, check_code=16)
    assert (drift["missing"], drift["stale"], drift["orphans"]) == ([notice], [request], ["gone"])
    assert run_json(data, "search", "巡考", env=env)["total"] == 0
    fixed = run_json(data, "index", "check", "--fix", "--json", env=env)
    assert fixed["repaired"] == 3
    assert _rows(settings) == _digests(settings)
    assert run_json(data, "search", "巡考", env=env)["total"] == 1
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM search_rows"))
    out = run(data, "reindex", env=env).stdout
    assert "PostgreSQL" in out and "2 条" in out
    assert _rows(settings) == _digests(settings)


def test_a_row_that_cannot_be_written_takes_the_registration_back(office, tmp_path):
    """The row is part of the registration: if it fails, no number is used and nothing is kept."""
    from registry.records import Intake, register

    _, _, settings = office
    engine = open_registry(settings)
    intake = Intake(direction="收文", file_name="1.txt", sha256="1" * 64, stored_path="store/11/1", text="正文")

    def broken(document):
        raise RuntimeError("row builder failed")

    with pytest.raises(RuntimeError, match="row builder failed"):
        register(search_rows.bind(engine, broken), settings, intake, "ceshi")
    with Session(engine) as session:
        assert session.scalar(select(Document.id)) is None
        assert session.scalar(select(Counter.last_seq)) is None
        assert session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "registered")) is None
    registered = register(engine, settings, intake, "ceshi")
    assert registered.reg_no.endswith("1号")  # the first number, not skipped
    assert _rows(settings) == _digests(settings)
