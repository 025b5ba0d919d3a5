"""Typed extraction failures. Each has a kind (stable, for JSON and the ledger), a message a
clerk can act on (Chinese) and the technical cause for the log."""

from __future__ import annotations

from typing import Literal

from core.errors import Exit, WenshuError

Kind = Literal["unsupported", "encrypted", "corrupt", "empty", "too_large", "missing_engine"]


class ExtractionError(WenshuError):
    kind: Kind
    exit_code = Exit.UNSUPPORTED

    def __init__(self, message: str, *, cause: str | None = None, fix: str | None = None):
        super().__init__(message, fix=fix, cause=cause)

    def __reduce__(self):  # noqa: ANN204
        # Pickling an exception keeps only its positional args; cause and fix are keyword-only,
        # and the OCR pool and ingest's extraction process send these errors back whole.
        return type(self), (self.message,), {"cause": self.cause, "fix": self.fix}


class Unsupported(ExtractionError):
    kind = "unsupported"
    exit_code = Exit.UNSUPPORTED


class Encrypted(ExtractionError):
    kind = "encrypted"
    exit_code = Exit.ENCRYPTED


class Corrupt(ExtractionError):
    kind = "corrupt"
    exit_code = Exit.CORRUPT


class Empty(ExtractionError):
    kind = "empty"
    exit_code = Exit.EMPTY


class TooLarge(ExtractionError):
    kind = "too_large"
    exit_code = Exit.TOO_LARGE


class MissingEngine(ExtractionError):
    kind = "missing_engine"
    exit_code = Exit.MISSING_ENGINE
