"""Fixtures for the extractor tests: the committed samples with their expected text, and one
extraction per sample per session (OCR is the slow part, so each scan is recognised once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings, load_settings
from extractors import Extracted, extract

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def sample(name: str) -> Path:
    return SAMPLES / name


def expected(name: str) -> str:
    return (SAMPLES / f"{name}.expected.txt").read_text(encoding="utf-8").rstrip("\n")


def with_ocr(settings: Settings, **changes) -> Settings:
    return settings.model_copy(update={"ocr": settings.ocr.model_copy(update=changes)})


def with_limits(settings: Settings, **changes) -> Settings:
    return settings.model_copy(update={"limits": settings.limits.model_copy(update=changes)})


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory) -> Settings:
    return load_settings(data_dir=tmp_path_factory.mktemp("data"), env={})


@pytest.fixture(scope="session")
def extracted(base_settings):
    """extracted(name) -> Extracted, computed once per session with the default settings."""
    cache: dict[str, Extracted] = {}

    def get(name: str) -> Extracted:
        if name not in cache:
            cache[name] = extract(sample(name), base_settings)
        return cache[name]

    return get
