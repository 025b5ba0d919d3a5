"""The test corpus (tests/index/corpus/*.txt) and one index of it shared by the read-only tests."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from core.settings import Settings, load_settings
from index import IndexDoc, index_documents
from index.pg_rows import search_row
from registry import search_rows
from registry.db import connect
from tests.conftest import pg_database

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
LABELS = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))
TODAY = date.fromisoformat(LABELS["today"])


def parse_fixture(path: Path) -> dict:
    """A corpus file: ``key: value`` lines (the registry's JSON field names), ``---``, the text."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    record: dict = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        record[key.strip()] = value.strip() or None
    record["registered_at"] = datetime.fromisoformat(record["registered_at"])
    record["date"] = date.fromisoformat(record["date"]) if record["date"] else None
    record["version"] = int(record["version"])
    record["text"] = body
    return record


def load_corpus() -> list[dict]:
    return [parse_fixture(path) for path in sorted(CORPUS.glob("*.txt"))]


@pytest.fixture(scope="session")
def corpus() -> list[dict]:
    return load_corpus()


BACKENDS = ["whoosh", "postgresql"]


@pytest.fixture(scope="session")
def whoosh_corpus(tmp_path_factory, corpus) -> Settings:
    """The corpus in a whoosh index only: for tests of whoosh's own structures."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("corpus") / "data", env={})
    index_documents(settings, corpus)
    return settings


def in_postgresql(settings: Settings) -> bool:
    return settings.database_url.startswith("postgresql")


@pytest.fixture(scope="session", params=BACKENDS)
def corpus_settings(request) -> Settings:
    """Settings whose search holds the whole corpus, in both backends: the whoosh index of the
    embedded default, and the search rows of a PostgreSQL registry (skipped without a server).
    Tests must not write to it."""
    return request.getfixturevalue("whoosh_corpus" if request.param == "whoosh" else "pg_corpus")


@pytest.fixture(scope="session")
def pg_corpus(request, tmp_path_factory, corpus) -> Settings:
    """The corpus in the search rows of a PostgreSQL registry."""
    url, drop = pg_database()
    request.addfinalizer(drop)
    settings = load_settings(data_dir=tmp_path_factory.mktemp("corpus") / "data", env={},
                             overrides={"database_url": url})
    write_search_rows(settings, corpus)
    return settings


def write_search_rows(settings: Settings, records: list[dict]) -> None:
    """The search rows of these records, as the registry writes them with each record."""
    engine = connect(settings.database_url, settings.audit_key_file)
    with engine.begin() as connection:
        search_rows.write(connection, [search_row(IndexDoc.from_record(record), settings.zone) for record in records])


def put_records(settings: Settings, records: list[dict]) -> None:
    """Make these records (new or changed) searchable in the settings' backend."""
    (write_search_rows if in_postgresql(settings) else index_documents)(settings, records)


def backend_settings(request, data_dir, backend: str) -> Settings:
    """Empty settings of one backend (a fresh PostgreSQL database, dropped after the test)."""
    if backend == "whoosh":
        return load_settings(data_dir=data_dir, env={})
    url, drop = pg_database()
    request.addfinalizer(drop)
    return load_settings(data_dir=data_dir, env={}, overrides={"database_url": url})
