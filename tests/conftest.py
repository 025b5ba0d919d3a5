"""Shared fixtures: a throw-away data directory, and a fresh PostgreSQL database per test when
WENSHU_TEST_PG_URL points at a server (tests needing it skip cleanly otherwise)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.settings import Settings, load_settings
from tests.cli import SAMPLE_OFFICE_ENV

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", env=SAMPLE_OFFICE_ENV)


def pg_database() -> tuple[str, "callable"]:
    """A new, empty PostgreSQL database and the function that drops it; skips without a server."""
    base = os.environ.get("WENSHU_TEST_PG_URL")
    if not base:
        pytest.skip("WENSHU_TEST_PG_URL is not set")
    name = f"wenshu_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        from index import pg_search
        from registry.db import connect
        connect.cache_clear()
        pg_search.forget(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


@pytest.fixture
def pg_url() -> str:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    url, drop = pg_database()
    yield url
    drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on SQLite and, where available, on PostgreSQL."""
    overrides = {}
    if request.param == "postgresql":
        overrides["database_url"] = request.getfixturevalue("pg_url")
    return load_settings(data_dir=tmp_path / "data", env=SAMPLE_OFFICE_ENV, overrides=overrides)
