"""Typed extraction failures. Each has a kind (stable, for JSON and the ledger), a message a
clerk can act on (Chinese) and the technical cause for the log."""

from __future__ import annotations

from typing import Literal

from pipeline.errors import WenshuError

Kind = Literal["unsupported", "encrypted", "corrupt", "empty", "too_large", "missing_engine"]


class ExtractionError(WenshuError):
    kind: Kind
    exit_code = 10

    def __init__(self, message: str, *, cause: str | None = None, fix: str | None = None):
        super().__init__(message, fix=fix, cause=cause)


class Unsupported(ExtractionError):
    kind = "unsupported"
    exit_code = 10


class Encrypted(ExtractionError):
    kind = "encrypted"
    exit_code = 11


class Corrupt(ExtractionError):
    kind = "corrupt"
    exit_code = 12


class Empty(ExtractionError):
    kind = "empty"
    exit_code = 13


class TooLarge(ExtractionError):
    kind = "too_large"
    exit_code = 14


class MissingEngine(ExtractionError):
    kind = "missing_engine"
    exit_code = 15
