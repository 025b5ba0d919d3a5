"""Intake ledger: where a retried file came from, recorded with its registration.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_ledger") as table:
        # JSON: a retried file's quarantine entry and earlier SHA-256, recorded with its registration
        table.add_column(sa.Column("origin", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("intake_ledger") as table:
        table.drop_column("origin")
