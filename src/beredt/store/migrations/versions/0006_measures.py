"""The report's four measures and the investment case: clinical trials, public procurement,
line investments and what they make; the industry's share of employees with higher education

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trials",
        sa.Column("registry", sa.String(length=32), nullable=False, comment="Registry the record comes from"),
        sa.Column("trial_id", sa.Text(), nullable=False, comment="The registry's trial number (NCT number; EU CT number)"),
        sa.Column("title", sa.Text(), nullable=True, comment="Title of the trial"),
        sa.Column("phase", sa.String(length=32), nullable=False, comment="Phase (early phase 1 counts as phase 1)"),
        sa.Column("sponsor", sa.Text(), nullable=True, comment="Lead sponsor"),
        sa.Column("sponsor_type", sa.String(length=32), nullable=False, comment="Industry, academic (hospital, university, research network), government, mixed or other"),
        sa.Column("start_date", sa.Date(), nullable=True, comment="First day of the trial (ClinicalTrials.gov: the start date; CTIS: the date of the overall authorisation decision); the trial counts in this year"),
        sa.Column("sites_in_country", sa.BigInteger(), nullable=False, comment="Trial sites in the home country"),
        sa.Column("status", sa.Text(), nullable=True, comment="Overall status as the registry gives it"),
        sa.Column("enrollment", sa.BigInteger(), nullable=True, comment="Participants planned or enrolled (all countries)"),
        sa.Column("eu_ct_number", sa.Text(), nullable=True, comment="EU CT or EudraCT number of the same trial, where a ClinicalTrials.gov record gives one: a trial in both registries is counted once"),
        sa.Column("source", sa.Text(), nullable=True, comment="Where the record comes from (file, date of the export)"),
        sa.PrimaryKeyConstraint("registry", "trial_id", name=op.f("pk_trials")),
        comment="A clinical trial with at least one site in the home country, from a public registry.",
    )
    op.create_table(
        "procurement",
        sa.Column("award_id", sa.Text(), nullable=False, comment="Identifier"),
        sa.Column("year", sa.BigInteger(), nullable=False, comment="Year the contract's value is for"),
        sa.Column("atc_code", sa.Text(), nullable=False, comment="ATC code of the substance or group tendered (any level)"),
        sa.Column("value", sa.Double(), nullable=False, comment="Contract value for the year"),
        sa.Column("company_id", sa.Text(), nullable=True, comment="Supplier that won the contract"),
        sa.Column("supplier", sa.Text(), nullable=True, comment="Supplier's name as the tender result gives it (where it is not in companies.csv)"),
        sa.Column("domestic_production", sa.Boolean(), nullable=True, comment="Whether the awarded product is made in the home country; empty: the supplier's `domestic` flag in companies.csv (false without a supplier there)"),
        sa.Column("buyer", sa.Text(), nullable=True, comment="Contracting authority"),
        sa.Column("tender", sa.Text(), nullable=True, comment="Tender or framework agreement"),
        sa.Column("source", sa.Text(), nullable=True, comment="Where the figure comes from"),
        sa.ForeignKeyConstraint(["company_id"], ["companies.company_id"], name=op.f("fk_procurement_company_id")),
        sa.PrimaryKeyConstraint("award_id", name=op.f("pk_procurement")),
        comment="A public contract for medicines (a hospital or national tender) and who won it.",
    )
    op.create_table(
        "investments",
        sa.Column("investment_id", sa.Text(), nullable=False, comment="Identifier"),
        sa.Column("company_id", sa.Text(), nullable=False, comment="Producer that would invest"),
        sa.Column("name", sa.Text(), nullable=False, comment="What is built"),
        sa.Column("capex", sa.Double(), nullable=False, comment="Investment cost, paid at the decision"),
        sa.Column("build_days", sa.BigInteger(), nullable=False, comment="Days from the decision until the line produces"),
        sa.Column("life_years", sa.BigInteger(), nullable=False, comment="Years the line operates"),
        sa.Column("fixed_cost_per_year", sa.Double(), nullable=False, comment="Fixed cost of running the line (staff, maintenance, quality) a year"),
        sa.Column("line_id", sa.Text(), nullable=True, comment="Line the investment extends (empty: a new line)"),
        sa.Column("offer_id", sa.Text(), nullable=True, comment="Capacity-reservation offer made with the investment: its fee, reserved capacity and response time are the agreement of the case"),
        sa.Column("ramp_days", sa.BigInteger(), nullable=False, comment="Days from first surge output to the reserved capacity"),
        sa.Column("salvage_value", sa.Double(), nullable=False, comment="Value of the line at the end of its life"),
        sa.Column("source", sa.Text(), nullable=True, comment="Where the figures come from"),
        sa.ForeignKeyConstraint(["company_id"], ["companies.company_id"], name=op.f("fk_investments_company_id")),
        sa.ForeignKeyConstraint(["line_id"], ["lines.line_id"], name=op.f("fk_investments_line_id")),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.offer_id"], name=op.f("fk_investments_offer_id")),
        sa.PrimaryKeyConstraint("investment_id", name=op.f("pk_investments")),
        comment="A domestic producer's new or extended production line, as an investment case.",
    )
    op.create_table(
        "investment_substances",
        sa.Column("investment_id", sa.Text(), nullable=False, comment="Investment"),
        sa.Column("atc_code", sa.Text(), nullable=False, comment="Substance"),
        sa.Column("capacity_ddd_per_day", sa.Double(), nullable=False, comment="Output when the line makes only this substance"),
        sa.Column("unit_cost_per_ddd", sa.Double(), nullable=False, comment="Variable production cost (API, materials, energy)"),
        sa.Column("domestic_ddd_per_day", sa.Double(), nullable=False, comment="Expected domestic sales in normal times"),
        sa.Column("export_ddd_per_day", sa.Double(), nullable=False, comment="Expected export sales"),
        sa.Column("price_per_ddd", sa.Double(), nullable=True, comment="Producer's domestic price; empty: the substance's pharmacy purchase price per DDD weighted by market share (products.csv), an upper bound"),
        sa.Column("export_price_per_ddd", sa.Double(), nullable=True, comment="Export price; empty: the domestic price"),
        sa.Column("surge_price_per_ddd", sa.Double(), nullable=True, comment="Price of surge output delivered under the agreement; empty: the domestic price"),
        sa.ForeignKeyConstraint(["atc_code"], ["substances.atc_code"], name=op.f("fk_investment_substances_atc_code")),
        sa.ForeignKeyConstraint(["investment_id"], ["investments.investment_id"], name=op.f("fk_investment_substances_investment_id")),
        sa.PrimaryKeyConstraint("investment_id", "atc_code", name=op.f("pk_investment_substances")),
        comment="What an investment's line would make: capacity, cost, prices and expected sales.",
    )
    # A plain ADD COLUMN (nullable, no batch copy): existing rows get no figure.
    op.add_column(
        "industry",
        sa.Column(
            "higher_education_share",
            sa.Double(),
            nullable=True,
            comment="Share of the employees with higher education (university or university college)",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("industry") as batch:
        batch.drop_column("higher_education_share")
    op.drop_table("investment_substances")
    op.drop_table("investments")
    op.drop_table("procurement")
    op.drop_table("trials")
