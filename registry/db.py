"""Connecting to the registry database and keeping its schema current.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``; a write transaction
starts with ``BEGIN IMMEDIATE`` so the write lock is held from the first statement and two
processes can never read the same counter value. Writers queue for that lock on an ``flock``
beside the database file first: SQLite's own busy handler polls with sleeps growing to 25 ms
and more, so with the watcher and two workers each writing several short transactions per
file, most of a file's time went into sleeping; a waiter on ``flock`` wakes when the holder
commits. PostgreSQL gets the same guarantee from a
row lock on ``chain_head`` taken as the first statement of every write (see ``writing.py``).
"""

from __future__ import annotations

import fcntl
import os
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError

from core import durable
from core.errors import DatabaseError
from core.settings import Settings
from registry import auditkey
from registry.auditkey import AuditKey

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 60_000
MIGRATION_LOCK_KEY = 2026112801


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class _WriteQueue:
    """The ``flock`` writers of one SQLite database take before ``BEGIN IMMEDIATE`` and
    release once their COMMIT or ROLLBACK has returned."""

    def __init__(self, path: Path):
        self.path = path
        self.held: dict[int, int] = {}  # id(DBAPI connection) -> lock file descriptor

    def acquire(self, dbapi_connection: object) -> None:
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, durable.PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self.held[id(dbapi_connection)] = fd

    def release(self, connection: object) -> None:
        # SQLAlchemy passes the pool's proxy to do_commit and do_rollback: key by what it wraps.
        fd = self.held.pop(id(getattr(connection, "dbapi_connection", connection)), None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock

    def wrap(self, end):  # noqa: ANN001, ANN201 (the dialect's do_commit or do_rollback)
        def ended(connection):  # noqa: ANN001, ANN202
            try:
                end(connection)
            finally:
                self.release(connection)
        return ended


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    database = engine.url.database
    in_memory = not database or database == ":memory:" or database.startswith("file:")
    queue = None if in_memory else _WriteQueue(Path(database + ".writelock"))  # in memory: one process
    if queue is not None:
        engine.dialect.do_commit = queue.wrap(engine.dialect.do_commit)
        engine.dialect.do_rollback = queue.wrap(engine.dialect.do_rollback)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # noqa: ANN001
        if not connection.get_execution_options().get("wenshu_write", False):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        if queue is not None:
            queue.acquire(dbapi_connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queue is not None:
                queue.release(dbapi_connection)
            raise


@lru_cache(maxsize=8)
def connect(database_url: str, key_file: Path) -> Engine:
    """One engine per database URL and process, with the schema migrated to the newest version
    and the audit key at ``key_file`` bound to it (made with a new registry's first use)."""
    name = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite:///") else ""
    if name and name != ":memory:" and not name.startswith("file:"):
        # The file holds 涉密 text: 0600 whatever the umask, and SQLite makes -wal and -shm with its mode.
        durable.private_file(durable.private_dir(Path(name).parent) / Path(name).name)
    try:
        engine = create_engine(database_url, pool_pre_ping=not database_url.startswith("sqlite"))
    except Exception as exc:  # bad URL, missing driver
        raise DatabaseError(f"cannot use database {database_url!r}: {exc}",
                            fix="Check database_url (WENSHU_DATABASE_URL), e.g. "
                                "postgresql+psycopg://user@host/db or sqlite:///path/wenshu.db") from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    migrate(engine)
    return engine.execution_options(wenshu_audit_key=_key_for(engine, Path(key_file)))


def open_registry(settings: Settings) -> Engine:
    """The registry of these settings: its database, with its audit key."""
    return connect(settings.database_url, settings.audit_key_file)


def audit_key(engine: Engine) -> AuditKey | None:
    """The audit key ``connect`` bound to this engine (None: the registry has none here)."""
    return engine.get_execution_options().get("wenshu_audit_key")


def _key_for(engine: Engine, key_file: Path) -> AuditKey | None:
    """The registry's key; a registry with no event yet gets its key now, and the database
    records from which event on the chain is keyed. A registry with events and no key file gets
    none here (``maintenance.enable_key`` makes one for a registry begun before keys)."""
    key = auditkey.load(key_file)
    head = text("SELECT last_seq, keyed_from FROM chain_head WHERE id = 1")
    with engine.connect() as connection:
        last_seq, keyed_from = connection.execute(head).one()
    if last_seq or keyed_from is not None:
        return key        # the common case: no write lock taken just to open the registry
    lock = " FOR UPDATE" if engine.dialect.name == "postgresql" else ""  # SQLite: BEGIN IMMEDIATE
    with writer(engine).begin() as connection:
        last_seq, keyed_from = connection.execute(text(head.text + lock)).one()
        if last_seq or keyed_from is not None:
            return key
        if key is None:
            try:
                key = auditkey.create(key_file, keyed_from=1)
            except FileExistsError:  # another process made it a moment ago
                key = auditkey.load(key_file)
        connection.execute(text("UPDATE chain_head SET keyed_from = :first WHERE id = 1"),
                           {"first": key.keyed_from})
    return key


def writer(engine: Engine) -> Engine:
    """The same engine, flagged so that SQLite transactions take the write lock up front."""
    return engine.execution_options(wenshu_write=True)


def migrate(engine: Engine) -> None:
    """Apply pending Alembic migrations; a no-op costing one query when the schema is current."""
    config = _alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        with engine.connect() as connection:
            if MigrationContext.configure(connection).get_current_revision() == head:
                return
        with writer(engine).begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several workers may start on a fresh database at once: one migrates, the
                # others wait here and then find the schema current. (SQLite: BEGIN IMMEDIATE.)
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            if MigrationContext.configure(connection).get_current_revision() == head:
                return
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise DatabaseError(f"cannot open or migrate the registry database: {exc.orig}",
                            fix="Check that the database server is running and database_url is right; "
                                "for SQLite, that the data directory is writable.") from exc
