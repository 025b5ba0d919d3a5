"""The one exception hierarchy of wenshu, and the one table of its exit codes.

Every error carries the process exit code it maps to and a fix-it message for the person at
the keyboard. The CLI turns them into output in exactly one place (``pipeline.cli.main``).
Exit codes are part of the CLI contract: ``EXIT_CODES`` is the table, each code has one
meaning, and ``tests/test_docs.py`` checks that docs/cli.md lists exactly these.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    BUG = 1
    USAGE = 2
    SETTINGS = 3
    SOME_QUARANTINED = 4
    NOT_FOUND = 5
    AUDIT_CHAIN_BROKEN = 6
    DATABASE = 7
    INVALID_VALUE = 9
    UNSUPPORTED = 10
    ENCRYPTED = 11
    CORRUPT = 12
    EMPTY = 13
    TOO_LARGE = 14
    MISSING_ENGINE = 15
    INDEX_DRIFT = 16
    INDEX_UNAVAILABLE = 17
    WORKERS_FAILED = 18
    TAMPERED = 19
    STORAGE_FULL = 20
    SOME_SKIPPED = 21
    NO_USER = 22
    HANDLING_CONFLICT = 23
    HANDLING_REFUSED = 24
    ARCHIVE_BLOCKED = 25
    ARCHIVED_RECORD = 26
    ARCHIVE_INVALID = 27
    STORE_UNAVAILABLE = 28
    INTERRUPTED = 130


EXIT_CODES: dict[Exit, str] = {
    Exit.OK: "success (for `ingest`: every file registered or recognised as a duplicate)",
    Exit.BUG: "unexpected internal error (a bug: please report it with the output)",
    Exit.USAGE: "wrong command-line usage",
    Exit.SETTINGS: "invalid settings (file, environment or flags)",
    Exit.SOME_QUARANTINED: "at least one file was quarantined (`ingest`, `watch --once`, `retry`); the others were processed",
    Exit.NOT_FOUND: "not found (registration number, quarantined file)",
    Exit.AUDIT_CHAIN_BROKEN: "`audit verify`: the audit chain is broken; the first broken event is named",
    Exit.DATABASE: "database unreachable or cannot be migrated",
    Exit.INVALID_VALUE: "an invalid value on the command line, or a malformed search query",
    Exit.UNSUPPORTED: "`extract`: unsupported format",
    Exit.ENCRYPTED: "`extract`: encrypted",
    Exit.CORRUPT: "`extract`: corrupt",
    Exit.EMPTY: "`extract`: empty",
    Exit.TOO_LARGE: "`extract`: too large",
    Exit.MISSING_ENGINE: "`extract`: OCR engine missing",
    Exit.INDEX_DRIFT: "`index check`: the index has drifted from the registry (`--fix` repairs)",
    Exit.INDEX_UNAVAILABLE: "the search index is missing, unreadable or busy (`wenshu reindex` rebuilds it)",
    Exit.WORKERS_FAILED: "the watcher's worker processes could not start",
    Exit.TAMPERED: "the registry refuses to write: a protective trigger is gone, the chain head disagrees with "
                   "the log, a record differs from its last audit event, or the audit key is missing",
    Exit.STORAGE_FULL: "the disk holding the data directory or the database is full (or read-only): nothing "
                       "half-written is left; free space and run the command again",
    Exit.SOME_SKIPPED: "at least one file could not be taken and was left where it is (`ingest`, `watch --once`): "
                       "a symbolic link, an unreadable file, a path too long; each is listed with its reason "
                       "(and by `status`)",
    Exit.NO_USER: "a command that changes data was not given `--user` (or `WENSHU_USER`) naming an enabled "
                  "account; nothing was changed",
    Exit.HANDLING_CONFLICT: "`handle`: the action is not allowed in the record's present 办理 state (HTTP 409); "
                            "nothing was changed",
    Exit.HANDLING_REFUSED: "`handle`: the acting user may not take this action on this record (HTTP 403); "
                           "nothing was changed",
    Exit.ARCHIVE_BLOCKED: "`archive file`: records of the year block filing (办件 not 办结, 初审 warnings not "
                          "checked); each is listed; nothing was filed",
    Exit.ARCHIVED_RECORD: "the record is filed (归档): plain correction and voiding are refused; use "
                          "`archive correct` (档案更正) with a reason (HTTP 409)",
    Exit.ARCHIVE_INVALID: "`archive verify`: the package fails a 四性 check (DA/T 70-2018); each failure names "
                          "the 档号",
    Exit.STORE_UNAVAILABLE: "the store of originals (`store_dir`) looks unmounted: it has no `.wenshu-store` "
                            "marker and not the oldest original the registry names there; nothing was written",
    Exit.INTERRUPTED: "`watch` stopped by a second Ctrl-C; unfinished files resume at the next start",
}


class WenshuError(Exception):
    """Base of all expected failures."""

    exit_code: int = Exit.BUG

    def __init__(self, message: str, *, fix: str | None = None, cause: str | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.cause = cause

    def __str__(self) -> str:
        return self.message


class ConfigError(WenshuError):
    """Settings file, environment or flags are invalid."""

    exit_code = Exit.SETTINGS


class NotFound(WenshuError):
    """A registration number or file that was asked for does not exist."""

    exit_code = Exit.NOT_FOUND


class AuditChainBroken(WenshuError):
    """``wenshu audit verify`` found an altered, missing or foreign event."""

    exit_code = Exit.AUDIT_CHAIN_BROKEN


class Tampered(WenshuError):
    """The registry was changed behind wenshu's back (or its audit key is gone): writing on
    would extend or launder a log that no longer proves anything, so nothing is written."""

    exit_code = Exit.TAMPERED


class StorageFull(WenshuError):
    """No space left (or a read-only file system) where the data directory or the database
    lives: the operation was undone, and the command stops rather than fail file after file."""

    exit_code = Exit.STORAGE_FULL


class DatabaseError(WenshuError):
    """The registry database cannot be reached or migrated."""

    exit_code = Exit.DATABASE


class NoUser(WenshuError):
    """A command that changes data was run without an acting user, or as a name that is not an
    enabled account: every change is audited with who made it, so nothing is changed."""

    exit_code = Exit.NO_USER


class InvalidValue(WenshuError):
    """A value given on the command line cannot be used (bad date, unknown field...)."""

    exit_code = Exit.INVALID_VALUE



class HandlingConflict(WenshuError):
    """A 办理 action that the record's present state does not allow (拟办 on a record already
    办结, say): nothing is changed. The web answers 409."""

    exit_code = Exit.HANDLING_CONFLICT


class HandlingRefused(WenshuError):
    """A 办理 action this user may not take (a 承办人 writing a 批示, a reader who does not hold
    the 阅件): nothing is changed. The web answers 403."""

    exit_code = Exit.HANDLING_REFUSED


class ArchiveBlocked(WenshuError):
    """``archive file`` found records that must be settled first: nothing is filed."""

    exit_code = Exit.ARCHIVE_BLOCKED


class ArchivedRecord(WenshuError):
    """A filed record: its 件号 and category are final; fields change only by 档案更正."""

    exit_code = Exit.ARCHIVED_RECORD


class ArchiveInvalid(WenshuError):
    """An archive package that fails verification (真实性, 完整性, 可用性 or 安全性)."""

    exit_code = Exit.ARCHIVE_INVALID


class StoreUnavailable(WenshuError):
    """The store of originals is not where ``store_dir`` says: a network share not mounted (its
    mount point an empty local folder) would take originals no other machine sees, so nothing
    is written (``pipeline.datadir.check_store``)."""

    exit_code = Exit.STORE_UNAVAILABLE
