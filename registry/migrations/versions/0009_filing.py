"""归档 (issue 17): the 件号 is given when a year is filed, not at registration.

``item_no`` and ``filed_at`` stay NULL until ``wenshu archive file``; the 档号 (``archive_code``)
is final from then on. Rows registered before this revision carry a provisional 档号 from their
registration; filing withdraws it, with an audit event, before numbering the year.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("item_no", sa.Integer))
        batch.add_column(sa.Column("filed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("filed_at")
        batch.drop_column("item_no")
