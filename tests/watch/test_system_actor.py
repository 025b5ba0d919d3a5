"""The watcher acts as 系统 (never a Unix account, never --user) and says it is alive: a
heartbeat when it starts, every few seconds from its loop, and stopped when it exits."""

from __future__ import annotations

import math

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from core.vocab import SYSTEM_ACTOR
from registry import heartbeat
from pipeline.database import open_registry
from registry.models import AuditEvent, Document, Heartbeat
from tests.watch.helpers import FAST, WatchProcess, database_url, documents, wait_until, wenshu, write_txt

NOBODY = {"WENSHU_USER": ""}


def _engine(data):
    return create_engine(database_url(data))


def test_the_watcher_registers_as_the_system_without_a_user(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init", env=NOBODY)
    write_txt(data / "inbox" / "通知.txt", 1)
    write_txt(data / "outbox" / "发文稿.txt", 2)
    (data / "inbox" / "坏文件.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    # a WENSHU_USER that names no account is neither needed nor used
    wenshu(data, "watch", "--once", "--json", *FAST, env={"WENSHU_USER": "nobody"}, check=4)
    engine = _engine(data)
    try:
        with Session(engine) as session:
            actors = {(event.action, event.actor) for event in session.scalars(select(AuditEvent))}
            registered_by = set(session.scalars(select(Document.actor)))
            [beat] = session.scalars(select(Heartbeat)).all()
        assert {"registered", "quarantined", "indexed"} <= {action for action, _ in actors}
        assert {actor for _, actor in actors} == {SYSTEM_ACTOR} and registered_by == {SYSTEM_ACTOR}
        # --once beat when it started and said it stopped when it was done
        assert beat.kind == "watcher" and beat.stopped_at is not None
        assert heartbeat.alive(engine, 600) == []
    finally:
        engine.dispose()


def test_a_running_watcher_is_alive_until_it_stops(tmp_path):
    data = tmp_path / "data"
    wenshu(data, "init", env=NOBODY)
    engine = _engine(data)
    watcher = WatchProcess(data, ("--workers", "1", *FAST), env=NOBODY)
    try:
        wait_until(lambda: watcher.process.poll() is not None or heartbeat.alive(engine, 60), 60,
                   message="the watcher's first heartbeat")
        [beat] = heartbeat.alive(engine, 60)
        assert beat.kind == "watcher" and beat.process.endswith(f":{watcher.pid}")
        write_txt(data / "inbox" / "通知.txt", 1)
        wait_until(lambda: documents(data), 60, message="the registration")
    finally:
        assert watcher.terminate() == 0, watcher.errors()
    try:
        assert heartbeat.alive(engine, 600) == []
        with Session(engine) as session:
            assert session.scalar(select(Heartbeat.stopped_at).where(Heartbeat.process == beat.process)) is not None
            assert set(session.scalars(select(AuditEvent.actor))) == {SYSTEM_ACTOR}
    finally:
        engine.dispose()


def test_the_loop_beats_again_when_the_interval_has_passed(settings):
    from pipeline.watch import Watcher, _Clock, watch_options

    engine = open_registry(settings)
    watcher = Watcher(settings, engine, SYSTEM_ACTOR, watch_options(settings), workers=1, heartbeat="watcher")
    try:
        clock = _Clock(next_rescan=math.inf)
        watcher._beat_if_due(clock)
        [first] = heartbeat.alive(engine, 60)
        assert first.process == heartbeat.this_process()
        watcher._beat_if_due(clock)  # not due again for EVERY_SECONDS
        assert heartbeat.alive(engine, 60)[0].beat_at == first.beat_at
        assert clock.next_beat > 0
        clock.next_beat = 0.0  # the interval has passed
        watcher._beat_if_due(clock)
        [second] = heartbeat.alive(engine, 60)
        assert second.beat_at > first.beat_at and second.started_at == first.started_at
    finally:
        watcher.indexer.close()


def test_retry_runs_no_heartbeat(settings):
    """`wenshu retry` sends files through a watcher of its own, acting as the clerk: it is not
    a watcher of the inbox and says nothing about being alive."""
    from pipeline.watch import Watcher, _Clock, watch_options

    engine = open_registry(settings)
    watcher = Watcher(settings, engine, "ceshi", watch_options(settings), workers=1)
    try:
        watcher._beat_if_due(_Clock(next_rescan=math.inf))
        assert heartbeat.alive(engine, 60) == []
    finally:
        watcher.indexer.close()
