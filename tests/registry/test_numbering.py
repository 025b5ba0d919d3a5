"""Registration numbers are unique and gap-free, also with several processes at once."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue
from registry import audit
from registry.db import audit_key, open_registry
from registry.models import Document
from registry.corrections import void
from registry.records import Intake, register
from registry.verify import verify

WORKER = Path(__file__).with_name("register_many.py")


def _intake(n: int, **extra) -> Intake:
    return Intake(direction=extra.pop("direction", "收文"), file_name=f"{n}.txt",
                  sha256=f"{n:064x}", stored_path=f"store/{n}", **extra)


@pytest.mark.slow
def test_four_processes_register_2000_documents_gap_free(db_settings):
    url = db_settings.database_url
    open_registry(db_settings)  # migrate and make the key once before the race, as `wenshu init` does
    workers = [subprocess.Popen([sys.executable, str(WORKER), str(db_settings.data_dir), url, str(w), "500"])
               for w in range(4)]
    assert [worker.wait(timeout=600) for worker in workers] == [0, 0, 0, 0]

    engine = open_registry(db_settings)
    with Session(engine) as session:
        seqs = session.scalars(select(Document.seq).order_by(Document.seq)).all()
        reg_nos = session.scalars(select(Document.reg_no)).all()
        assert seqs == list(range(1, 2001))
        assert len(set(reg_nos)) == 2000
        assert verify(session, audit_key(engine)) == []


def test_numbers_follow_the_series_format_and_year(settings):
    engine = open_registry(settings)
    spring = datetime(2026, 3, 5, 1, 0, tzinfo=timezone.utc)
    assert register(engine, settings, _intake(1), "t", now=spring).reg_no == "收〔2026〕1号"
    assert register(engine, settings, _intake(2), "t", now=spring).reg_no == "收〔2026〕2号"
    # 2026-12-31 17:00 UTC is already 2027 in Beijing: a new year starts again at 1.
    new_year = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)
    assert register(engine, settings, _intake(3), "t", now=new_year).reg_no == "收〔2027〕1号"
    letter = register(engine, settings, _intake(4, direction="发文", series="函"), "t", now=spring)
    assert letter.reg_no == "化学院函〔2026〕1号"
    outgoing = register(engine, settings, _intake(5, direction="发文"), "t", now=spring)
    assert outgoing.reg_no == "化学院发〔2026〕1号"


def test_a_series_of_the_other_direction_is_refused(settings):
    engine = open_registry(settings)
    with pytest.raises(InvalidValue):
        register(engine, settings, _intake(1, series="函"), "t")


def test_duplicate_is_recognised_not_numbered(settings):
    engine = open_registry(settings)
    first = register(engine, settings, _intake(7), "t")
    again = register(engine, settings, _intake(7), "t")
    assert again.duplicate_of == first.reg_no
    nxt = register(engine, settings, _intake(8), "t")
    assert nxt.reg_no.endswith("〕2号")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 2
        actions = [e.action for e in audit.events(session, first.reg_no)]
    assert actions == ["registered", "duplicate"]


def test_voided_record_keeps_its_number(settings):
    engine = open_registry(settings)
    first = register(engine, settings, _intake(1), "t")
    void(engine, first.reg_no, "扫描重复", "clerk")
    second = register(engine, settings, _intake(2), "t")
    with Session(engine) as session:
        voided = session.scalar(select(Document).where(Document.reg_no == first.reg_no))
        assert (voided.status, voided.void_reason) == ("已作废", "扫描重复")
        assert second.reg_no != first.reg_no and second.reg_no.endswith("〕2号")
        assert verify(session, audit_key(engine)) == []
    with pytest.raises(InvalidValue):
        void(engine, second.reg_no, "  ", "clerk")
