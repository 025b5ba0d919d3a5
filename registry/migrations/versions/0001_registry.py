"""Registry: documents, per-series counters, the audit chain and its head.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("series", sa.String(40), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    chain_head = op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(chain_head, [{"id": 1, "last_seq": 0, "last_hash": GENESIS_HASH}])
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reg_no", sa.String(80), nullable=False, unique=True),
        sa.Column("series", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("stored_path", sa.Text, nullable=False),
        sa.Column("format", sa.String(20)),
        sa.Column("pages", sa.Integer),
        sa.Column("text_method", sa.String(40)),
        sa.Column("text", sa.Text),
        sa.Column("doc_type", sa.String(10)),
        sa.Column("doc_number", sa.String(80)),
        sa.Column("issuer", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("date", sa.Date),
        sa.Column("secrecy", sa.String(4)),
        sa.Column("urgency", sa.String(4)),
        sa.Column("route", sa.String(4)),
        sa.Column("deadline", sa.Date),
        sa.Column("department", sa.String(40)),
        sa.Column("archive_code", sa.String(80), unique=True),
        sa.Column("retention", sa.String(8)),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("void_reason", sa.Text),
        sa.Column("warnings", sa.JSON, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.UniqueConstraint("series", "year", "seq", name="uq_documents_series_year_seq"),
    )
    op.create_index("ix_documents_registered_at", "documents", ["registered_at"])
    op.create_index("ix_documents_doc_number", "documents", ["doc_number"])
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("record", sa.String(80)),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_record", "audit_events", ["record"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION wenshu_audit_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
            END;
            $$""")
        op.execute("""CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
                      FOR EACH ROW EXECUTE FUNCTION wenshu_audit_append_only()""")
        op.execute("""CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                      FOR EACH STATEMENT EXECUTE FUNCTION wenshu_audit_append_only()""")
    else:
        op.execute("""CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END""")
        op.execute("""CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END""")


def downgrade() -> None:
    raise NotImplementedError("the registry is never downgraded: the audit chain must not lose rows")
