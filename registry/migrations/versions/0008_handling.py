"""办理 (issue 16): a record's handling — its state, 主办 and 协办, 办理时限 — with the opinions
written on it (rows, never one overwritten text), the readers of a 阅件 and the 催办 sent.

A handling row is made lazily, the first time someone acts on a record (``registry/handling.py``
gives the implicit state of a record without one); ``item`` 0 is the record itself, 1..n the
督办 items confirmed from a 纪要. Opinions and 催办 are append-only, as the audit log is: the
database refuses UPDATE and DELETE on them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APPEND_ONLY = ("handling_opinions", "handling_urges")


def upgrade() -> None:
    op.create_table(
        "handlings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reg_no", sa.String(80), sa.ForeignKey("documents.reg_no"), nullable=False),
        sa.Column("item", sa.Integer, nullable=False, server_default="0"),  # 0: the record; 1..n: 督办 items
        sa.Column("route", sa.String(4), nullable=False),                   # 办件 | 阅件 | 督办
        sa.Column("state", sa.String(8), nullable=False),                   # core.vocab.HANDLING_STATES
        sa.Column("lead", sa.JSON, nullable=False),                         # 主办: user names
        sa.Column("assist", sa.JSON, nullable=False),                       # 协办: user names
        sa.Column("lead_department", sa.Text),
        sa.Column("assist_departments", sa.Text),
        sa.Column("holder", sa.String(80)),                                 # who has it now
        sa.Column("deadline", sa.Date),                                     # 办理时限
        sa.Column("ordered", sa.Boolean, nullable=False, server_default=sa.false()),  # 传阅 in order
        sa.Column("subject", sa.Text),                                      # a 督办 item's decision
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.String(80)),
        sa.UniqueConstraint("reg_no", "item", name="uq_handlings_reg_no_item"),
    )
    op.create_index("ix_handlings_state", "handlings", ["state"])
    op.create_table(
        "handling_opinions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handling_id", sa.Integer, sa.ForeignKey("handlings.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),                    # core.vocab.OPINION_KINDS
        sa.Column("user", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.UniqueConstraint("handling_id", "seq", name="uq_handling_opinions_seq"),
    )
    op.create_table(
        "handling_readers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handling_id", sa.Integer, sa.ForeignKey("handlings.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("user", sa.String(80), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.Column("comment", sa.Text),
        sa.UniqueConstraint("handling_id", "user", name="uq_handling_readers_user"),
    )
    op.create_table(
        "handling_urges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handling_id", sa.Integer, sa.ForeignKey("handlings.id"), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("to", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_handling_opinions_handling_id", "handling_opinions", ["handling_id"])
    op.create_index("ix_handling_readers_handling_id", "handling_readers", ["handling_id"])
    op.create_index("ix_handling_urges_handling_id", "handling_urges", ["handling_id"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # as registry/guard.py makes it (0005 did already; made here too, to stand alone)
        op.execute("""
            CREATE OR REPLACE FUNCTION wenshu_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% on % refused: wenshu keeps this table append-only', TG_OP, TG_TABLE_NAME;
            END;
            $$""")
    for table in APPEND_ONLY:
        if postgresql:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION wenshu_refuse_change()")
        else:
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END")


def downgrade() -> None:
    raise NotImplementedError("the registry is never downgraded")
