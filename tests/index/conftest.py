"""The test corpus (tests/index/corpus/*.txt) and one index of it shared by the read-only tests."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from core.settings import Settings, load_settings
from index import index_documents

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


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory, corpus) -> Settings:
    """Settings whose index holds the whole corpus. Tests must not write to it."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("corpus") / "data", env={})
    index_documents(settings, corpus)
    return settings
