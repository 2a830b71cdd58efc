"""Hardening: stock entries' idempotency keys; ledgers refuse TRUNCATE on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = ("stock_ledger", "shortage_ledger", "audit_log")
KEY_DOC = "Key the writer gave the entry (stock add --idempotency-key): a retry is a no-op"


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy): SQLite would drop the append-only triggers on a copy.
    op.add_column(
        "stock_ledger", sa.Column("idempotency_key", sa.Text(), nullable=True, comment=KEY_DOC)
    )
    op.create_index(
        "uq_stock_ledger_idempotency_key", "stock_ledger", ["idempotency_key"], unique=True
    )
    if op.get_bind().dialect.name == "postgresql":
        # Row triggers never fire on TRUNCATE; a statement trigger does. (SQLite has no TRUNCATE:
        # its DELETE without WHERE runs the row triggers once a table has any.)
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION beredt_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_index("uq_stock_ledger_idempotency_key", table_name="stock_ledger")
    with op.batch_alter_table("stock_ledger") as batch:
        batch.drop_column("idempotency_key")
    if dialect == "sqlite":  # the batch copy dropped the table's append-only triggers
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS stock_ledger_no_{action.lower()} BEFORE {action} "
                f"ON stock_ledger BEGIN SELECT RAISE(ABORT, "
                f"'stock_ledger is append-only: {action} refused'); END"
            )
