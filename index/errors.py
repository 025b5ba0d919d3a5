"""Errors of the search index, in the project's hierarchy (exit code + Chinese fix-it message)."""

from __future__ import annotations

from core.errors import Exit, InvalidValue, WenshuError


class QueryError(InvalidValue):
    """The clerk's query cannot be understood (empty field value, unbalanced quote, bad date)."""


class IndexUnavailable(WenshuError):
    """The index is missing, from an older version of wenshu, or unreadable: rebuild it."""

    exit_code = Exit.INDEX_UNAVAILABLE

    def __init__(self, message: str, *, cause: str | None = None):
        super().__init__(message, fix="运行 wenshu reindex 从登记库重建索引。", cause=cause)


class IndexBusy(WenshuError):
    """Another process held the index write lock for longer than the timeout."""

    exit_code = Exit.INDEX_UNAVAILABLE

    def __init__(self, message: str, *, cause: str | None = None):
        super().__init__(message, fix="稍后重试；如果一直如此，检查是否有卡住的 wenshu 进程。", cause=cause)
