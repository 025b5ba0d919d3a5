"""Intake ledger: one row per file the watcher claimed out of the inbox or outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # claimed (in work/, being processed or waiting for a retry) -> done | duplicate |
        # quarantined; released: the claim ended without the file (it vanished from work/).
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("series", sa.String(40)),
        sa.Column("file_name", sa.Text, nullable=False),  # exactly as the clerk named it
        sa.Column("source_path", sa.Text, nullable=False),  # where it was found (data-dir relative)
        sa.Column("work_path", sa.Text, nullable=False, unique=True),  # its place in work/
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True)),  # back-off before the next attempt
        sa.Column("reg_no", sa.String(80)),  # registered as, or the registration it duplicates
        sa.Column("kind", sa.String(20)),  # error kind of the last failure
        sa.Column("reason", sa.Text),
        sa.Column("owner", sa.String(120), nullable=False),  # the watcher holding the claim
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_intake_ledger_state", "intake_ledger", ["state"])
    op.create_index("ix_intake_ledger_sha256", "intake_ledger", ["sha256"])
    op.create_index("ix_intake_ledger_finished_at", "intake_ledger", ["finished_at"])


def downgrade() -> None:
    op.drop_table("intake_ledger")
