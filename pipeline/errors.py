"""The one exception hierarchy of wenshu.

Every error carries the process exit code it maps to and a fix-it message for the person at
the keyboard. The CLI turns them into output in exactly one place (``pipeline.cli.main``).
Exit codes are part of the CLI contract and documented in the README.
"""

from __future__ import annotations


class WenshuError(Exception):
    """Base of all expected failures."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str | None = None, cause: str | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.cause = cause

    def __str__(self) -> str:
        return self.message


class ConfigError(WenshuError):
    """Settings file, environment or flags are invalid."""

    exit_code = 3


class NotFound(WenshuError):
    """A registration number or file that was asked for does not exist."""

    exit_code = 5


class AuditChainBroken(WenshuError):
    """``wenshu audit verify`` found an altered, missing or foreign event."""

    exit_code = 6


class DatabaseError(WenshuError):
    """The registry database cannot be reached or migrated."""

    exit_code = 7


class MissingDependency(WenshuError):
    """A program or data package wenshu needs is not installed."""

    exit_code = 8


class InvalidValue(WenshuError):
    """A value given on the command line cannot be used (bad date, unknown field...)."""

    exit_code = 9


# Exit code of `wenshu ingest` when at least one file was quarantined (the others were still
# registered). Not an exception: the command finished its work.
EXIT_SOME_QUARANTINED = 4
