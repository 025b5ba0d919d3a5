"""Audit chain keyed from an event on; documents may not be deleted.

``chain_head.keyed_from``: the first event sealed with the audit key (HMAC-SHA256); NULL while
the registry has no key (a registry begun before keys, until ``wenshu init`` makes one). The
key file says the same, so neither can be changed alone. Triggers refuse DELETE on documents:
a record is voided, never removed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from registry.guard import install_triggers

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chain_head") as table:
        table.add_column(sa.Column("keyed_from", sa.BigInteger))
    install_triggers(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the registry is never downgraded: the audit chain must not lose rows")
