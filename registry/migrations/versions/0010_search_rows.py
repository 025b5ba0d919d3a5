"""Search inside PostgreSQL (issue 18): a search row per record, written in the transaction that
registers or changes the record.

PostgreSQL only: on SQLite the whoosh index stays the search (nothing is created). The row holds
the record's filter fields as the index keys them, its normalised body for snippets (none when
涉密) and ``tokens``, a tsvector of wenshu's own analysis (``index/tsvector.py``). Ranking needs
the positions in the index, so ``tokens`` is indexed with RUM, the registration moment attached
so that the newest matches come straight from the index (docs/search.md, "Search in PostgreSQL"); where the RUM extension cannot be had, with GIN (search works, ranks slower).

``search_generation`` moves on with every transaction that writes rows: a reader caches what it
learnt from the rows (the issuers it knows) until it moves.

The rows start empty: ``wenshu reindex`` fills them for records registered before this revision
(``wenshu index check`` reports them missing until then).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLE = """
CREATE TABLE search_rows (
    reg_no text PRIMARY KEY,
    version text NOT NULL,
    registered_at timestamp NOT NULL,          -- the office's wall clock, as clerks filter by it
    date date NOT NULL,                        -- 成文日期, else the day registered: what date: filters
    date_value date,                           -- 成文日期 as registered (NULL: none)
    title text,
    doc_number text, doc_number_key text, doc_number_norm text, doc_number_seq integer,
    reg_no_key text NOT NULL, reg_no_norm text NOT NULL,
    issuer text, issuer_norm text,
    department text, department_norm text,
    doc_type text, direction text, route text, urgency text, secrecy text, status text,
    secret boolean NOT NULL,
    deadline date,
    archive_code text, archive_norm text,
    body text,                                 -- normalised, for snippets; NULL when 涉密
    tokens tsvector NOT NULL
)"""
BTREES = (
    "CREATE INDEX search_rows_doc_number ON search_rows (doc_number_key)",
    "CREATE INDEX search_rows_reg_no_key ON search_rows (reg_no_key)",
    "CREATE INDEX search_rows_newest ON search_rows (date DESC, registered_at DESC)",
    "CREATE INDEX search_rows_doc_type ON search_rows (doc_type, date DESC)",
    "CREATE INDEX search_rows_issuer ON search_rows (issuer, date DESC)",
)
RUM = ("CREATE INDEX search_rows_tokens ON search_rows USING rum (tokens rum_tsvector_addon_ops, registered_at) "
       "WITH (attach = 'registered_at', to = 'tokens')")
GIN = "CREATE INDEX search_rows_tokens ON search_rows USING gin (tokens)"


def _rum_available(bind) -> bool:
    if bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")).first() is None:
        return False
    try:
        with bind.begin_nested():  # a role that may not create extensions: GIN, not a failed upgrade
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS rum"))
        return True
    except sa.exc.DBAPIError:
        return False


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    rum = _rum_available(bind)
    op.execute(TABLE)
    for statement in BTREES:
        op.execute(statement)
    op.execute(RUM if rum else GIN)
    op.execute("CREATE TABLE search_generation (id integer PRIMARY KEY CHECK (id = 1), generation bigint NOT NULL)")
    op.execute("INSERT INTO search_generation VALUES (1, 0)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_generation")
    op.execute("DROP TABLE search_rows")
