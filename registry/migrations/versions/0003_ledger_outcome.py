"""Intake ledger: what recovery needs to finish a claim after a crash, recorded in the same
transaction as the outcome (the technical cause of a quarantine, and where the file goes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_ledger") as table:
        table.add_column(sa.Column("cause", sa.Text))  # technical cause of the last failure
        # quarantined: where the file goes (data-dir relative), named in the audit event
        table.add_column(sa.Column("placed_to", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("intake_ledger") as table:
        table.drop_column("placed_to")
        table.drop_column("cause")
