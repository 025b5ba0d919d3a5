"""The watchers' heartbeat: beat (an upsert), alive within a window, stopped; on SQLite and
PostgreSQL; not audited."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from registry import audit, heartbeat
from registry.audit import utc_now
from registry.db import open_registry
from registry.models import Heartbeat


def _age(engine, process: str, seconds: float) -> None:
    """Pretend ``process`` last beat ``seconds`` ago."""
    with engine.begin() as connection:
        connection.execute(update(Heartbeat).where(Heartbeat.process == process)
                           .values(beat_at=utc_now() - timedelta(seconds=seconds)))


def test_a_watcher_that_beats_is_alive_until_it_stops(db_settings):
    engine = open_registry(db_settings)
    assert heartbeat.alive(engine, 60) == []
    heartbeat.beat(engine, "host-a:101", "watcher", starting=True)
    heartbeat.beat(engine, "host-b:202", "watcher", starting=True)
    [first, second] = heartbeat.alive(engine, 60)
    assert (first.process, first.kind, second.process) == ("host-a:101", "watcher", "host-b:202")
    assert first.started_at <= first.beat_at <= utc_now() and first.beat_at.tzinfo is not None

    heartbeat.stopped(engine, "host-a:101")
    assert [beat.process for beat in heartbeat.alive(engine, 60)] == ["host-b:202"]
    assert heartbeat.alive(engine, 60, kind="indexer") == []
    with Session(engine) as session:
        assert list(audit.events(session)) == []  # a heartbeat is not data


def test_a_watcher_that_stopped_beating_is_not_alive(db_settings):
    engine = open_registry(db_settings)
    heartbeat.beat(engine, "host-a:101", "watcher", starting=True)
    _age(engine, "host-a:101", 120)
    assert heartbeat.alive(engine, 60) == []
    assert [beat.process for beat in heartbeat.alive(engine, 600)] == ["host-a:101"]
    heartbeat.beat(engine, "host-a:101", "watcher")
    assert [beat.process for beat in heartbeat.alive(engine, 60)] == ["host-a:101"]


def test_beats_update_one_row_and_a_new_start_begins_again(db_settings):
    engine = open_registry(db_settings)
    heartbeat.beat(engine, "host-a:101", "watcher", starting=True)
    [started] = heartbeat.alive(engine, 60)
    _age(engine, "host-a:101", 30)
    heartbeat.beat(engine, "host-a:101", "watcher")
    [beating] = heartbeat.alive(engine, 60)
    assert beating.started_at == started.started_at and beating.beat_at >= started.beat_at
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM heartbeats")).scalar_one() == 1

    heartbeat.stopped(engine, "host-a:101")
    heartbeat.beat(engine, "host-a:101", "watcher")  # the same host:pid again, after a clean stop
    [again] = heartbeat.alive(engine, 60)
    assert again.started_at > started.started_at
    heartbeat.beat(engine, "host-a:101", "watcher", starting=True)
    assert heartbeat.alive(engine, 60)[0].started_at >= again.started_at


def test_a_beat_does_not_wait_for_a_registration_on_postgresql(tmp_path, pg_url):
    """A writer holding the audit chain's lock (the row lock on chain_head) does not hold up a
    beat: it is its own short transaction, on another row of another table. (On SQLite one
    writer at a time is the database's own rule; a beat there waits a moment like any write.)"""
    from core.settings import load_settings
    from registry.writing import write_transaction
    from tests.cli import SAMPLE_OFFICE_ENV

    settings = load_settings(data_dir=tmp_path / "data", env=SAMPLE_OFFICE_ENV, overrides={"database_url": pg_url})
    engine = open_registry(settings)
    with write_transaction(engine, "someone"):
        beating = threading.Thread(target=heartbeat.beat, args=(engine, "host-a:101", "watcher"))
        beating.start()
        beating.join(10)
        assert not beating.is_alive(), "the beat waited for the writer's lock"
        assert [beat.process for beat in heartbeat.alive(engine, 60)] == ["host-a:101"]


def test_this_process_is_host_and_pid():
    import os
    import socket

    assert heartbeat.this_process() == f"{socket.gethostname()}:{os.getpid()}"
