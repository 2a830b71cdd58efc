"""Supply levers (levers.csv): exemption import by ATC scope

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "levers",
        sa.Column(
            "scope",
            sa.Text(),
            nullable=False,
            comment="ATC code or prefix of the substances the row is for, `*` for every substance",
        ),
        sa.Column(
            "exemption_import_share",
            sa.Double(),
            nullable=False,
            comment="Share of the substance's mean demand a day that exemption import can supply",
        ),
        sa.Column(
            "exemption_import_lead_days",
            sa.BigInteger(),
            nullable=False,
            comment="Days from the first day of a supply gap until exempted imports arrive",
        ),
        sa.Column(
            "exemption_import_price_premium",
            sa.Double(),
            nullable=False,
            comment="Extra price of imported packs over the domestic price per DDD, as a share",
        ),
        sa.Column("source", sa.Text(), nullable=True, comment="Where the figures come from"),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_levers")),
        comment=(
            "A supply lever beyond the marketed packs for the substances of a scope: exemption "
            "import."
        ),
    )


def downgrade() -> None:
    op.drop_table("levers")
