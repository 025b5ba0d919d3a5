"""Search rows on PostgreSQL (migration 0010): written in the transaction that registers or
changes a record, so search sees a record the moment it commits, on every machine.

The registry does not analyse text: the pipeline binds a ``RowBuilder`` to the engine
(``bind``), which turns a ``Document`` into its row (``index.pg_rows.search_row``). Every write
transaction on a bound engine writes the rows of the records it changed (those its audit events
carry a digest for) before it commits. An engine without a builder (SQLite, or a tool that
opened the registry itself) writes no rows; ``wenshu index check`` finds what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from registry.db import writer
from registry.models import ChainHead, Document

RowBuilder = Callable[[Document], Mapping[str, Any]]
OPTION = "wenshu_search_rows"

COLUMNS = ("reg_no", "version", "registered_at", "date", "date_value", "title", "doc_number", "doc_number_key",
           "doc_number_norm", "doc_number_seq", "reg_no_key", "reg_no_norm", "issuer", "issuer_norm", "department",
           "department_norm", "doc_type", "direction", "route", "urgency", "secrecy", "status", "secret", "deadline",
           "archive_code", "archive_norm", "body", "tokens")
_UPSERT = text(
    f"INSERT INTO search_rows ({', '.join(COLUMNS)}) VALUES "
    f"({', '.join(f'CAST(:{c} AS tsvector)' if c == 'tokens' else f':{c}' for c in COLUMNS)}) "
    f"ON CONFLICT (reg_no) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in COLUMNS if c != 'reg_no')}")
_NEXT_GENERATION = text("UPDATE search_generation SET generation = generation + 1 WHERE id = 1")


def supported(engine: Engine | Connection) -> bool:
    """Search lives in the database on PostgreSQL; on SQLite the whoosh index is the search."""
    return engine.dialect.name == "postgresql"


def bind(engine: Engine, builder: RowBuilder) -> Engine:
    """The same engine, writing search rows with ``builder`` (PostgreSQL only: elsewhere unchanged)."""
    return engine.execution_options(**{OPTION: builder}) if supported(engine) else engine


def builder_of(engine: Engine) -> RowBuilder | None:
    return engine.get_execution_options().get(OPTION)


def write(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or replace these rows and move the generation on; returns how many."""
    rows = list(rows)
    if rows:
        connection.execute(_UPSERT, rows)
        connection.execute(_NEXT_GENERATION)
    return len(rows)


def write_documents(connection: Connection, builder: RowBuilder, documents: Iterable[Document]) -> int:
    return write(connection, (builder(document) for document in documents))


def delete(connection: Connection, reg_nos: Iterable[str]) -> int:
    """Rows whose record is gone from the registry (a restored backup, a database edited by hand)."""
    wanted = list(reg_nos)
    if not wanted:
        return 0
    count = connection.execute(text("DELETE FROM search_rows WHERE reg_no = ANY(:wanted)"), {"wanted": wanted}).rowcount
    connection.execute(_NEXT_GENERATION)
    return count


def versions(engine: Engine) -> dict[str, str]:
    """reg_no -> the version its row was built from."""
    with engine.connect() as connection:
        return {reg_no: version for reg_no, version in connection.execute(text("SELECT reg_no, version FROM search_rows"))}


def rebuild(engine: Engine, reg_nos: Iterable[str] | None = None, *, batch: int = 500,
            progress: Callable[[int], None] | None = None) -> int:
    """Write the rows of these records (every record when None) with the engine's builder,
    ``batch`` to a transaction, and drop the rows of records the registry does not hold. Each
    batch takes the registry's write lock, so a record changed meanwhile is either read after
    its change or rewritten by it: no row goes back to an older version."""
    builder = builder_of(engine)
    if builder is None:
        raise ValueError("this engine has no search row builder (open the registry with pipeline.database)")
    wanted = None if reg_nos is None else sorted(set(reg_nos))
    last_id, start, done = 0, 0, 0
    while wanted is None or start < len(wanted):
        with Session(writer(engine)) as session, session.begin():
            session.execute(select(ChainHead.id).where(ChainHead.id == 1).with_for_update())
            if wanted is None:
                query = select(Document).where(Document.id > last_id).order_by(Document.id).limit(batch)
            else:
                query = select(Document).where(Document.reg_no.in_(wanted[start:start + batch]))
                start += batch
            documents = session.scalars(query).all()
            if wanted is None and not documents:
                break
            write_documents(session.connection(), builder, documents)
            if documents:
                last_id = documents[-1].id
        done += len(documents)
        if progress:
            progress(done)
    with writer(engine).begin() as connection:
        connection.execute(select(ChainHead.id).where(ChainHead.id == 1).with_for_update())
        gone = connection.execute(text("SELECT s.reg_no FROM search_rows s LEFT JOIN documents d "
                                       "ON d.reg_no = s.reg_no WHERE d.id IS NULL")).scalars().all()
        delete(connection, gone)
    return done
