"""Outage hazards of products and substances; lognormal duration σ (beredt calibrate)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SIGMA_DOC = (
    "σ of a lognormal outage duration (of ln days); empty: the scenario's family "
    "(geometric by default)"
)


def _hazard_columns(table: str, hazard_doc: str, mean_doc: str) -> None:
    # Existing rows get the declared defaults (no hazard, 30 days) so the simulation is unchanged.
    with op.batch_alter_table(table) as batch:
        batch.add_column(
            sa.Column(
                "outage_hazard_per_year",
                sa.Double(),
                nullable=False,
                server_default="0",
                comment=hazard_doc,
            )
        )
        batch.add_column(
            sa.Column(
                "outage_mean_days",
                sa.Double(),
                nullable=False,
                server_default="30",
                comment=mean_doc,
            )
        )
        batch.add_column(
            sa.Column("outage_duration_sigma", sa.Double(), nullable=True, comment=SIGMA_DOC)
        )
    with op.batch_alter_table(table) as batch:
        batch.alter_column("outage_hazard_per_year", server_default=None)
        batch.alter_column("outage_mean_days", server_default=None)


def upgrade() -> None:
    _hazard_columns(
        "products",
        "Expected outages a year of this pack alone (quality, commercial, logistics), beside "
        "those of its sites and countries (e.g. from `beredt calibrate`)",
        "Mean duration of the pack's own outages",
    )
    _hazard_columns(
        "substances",
        "Expected outages a year of a cause that stops every pack of the substance at once "
        "(e.g. from `beredt calibrate`: substance-level notices no shared site explains)",
        "Mean duration of such an outage",
    )
    with op.batch_alter_table("sites") as batch:
        batch.add_column(
            sa.Column("outage_duration_sigma", sa.Double(), nullable=True, comment=SIGMA_DOC)
        )
    with op.batch_alter_table("countries") as batch:
        batch.add_column(
            sa.Column(
                "export_restriction_duration_sigma",
                sa.Double(),
                nullable=True,
                comment="σ of a lognormal restriction duration (of ln days, e.g. from "
                "`beredt calibrate`); empty: the scenario's family (geometric by default)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("countries") as batch:
        batch.drop_column("export_restriction_duration_sigma")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("outage_duration_sigma")
    for table in ("substances", "products"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("outage_duration_sigma")
            batch.drop_column("outage_mean_days")
            batch.drop_column("outage_hazard_per_year")
