"""The shared system: accounts, API tokens, sessions, login attempts, activations, jobs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False, comment="admin, authority, analyst, holder, producer"),
        sa.Column("company_id", sa.Text(), nullable=True, comment="A producer's or holder's company"),
        sa.Column("holder", sa.Text(), nullable=True, comment="The stock holder a holder reports as"),
        sa.Column("password_hash", sa.Text(), nullable=True, comment="argon2id; none: tokens only"),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
        comment="Who may use the server, in which role, for which company.",
    )
    op.create_index("uq_accounts_name", "accounts", ["name"], unique=True)
    op.create_table(
        "api_tokens",
        sa.Column("token_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, comment="SHA-256 of the token"),
        sa.Column("prefix", sa.String(16), nullable=False, comment="First characters, to tell apart"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name=op.f("fk_api_tokens_account_id_accounts")),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_api_tokens")),
        comment="API tokens (Authorization: Bearer), stored hashed; shown once when made.",
    )
    op.create_index("uq_api_tokens_token_hash", "api_tokens", ["token_hash"], unique=True)
    op.create_table(
        "sessions",
        sa.Column("session_hash", sa.String(64), nullable=False, comment="SHA-256 of the cookie"),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name=op.f("fk_sessions_account_id_accounts")),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_sessions")),
        comment="Browser sessions (cookie), stored hashed.",
    )
    op.create_table(
        "login_attempts",
        sa.Column("attempt_id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("remote", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_login_attempts")),
        comment="Password logins, for rate limiting.",
    )
    op.create_index("ix_login_attempts_name_at", "login_attempts", ["name", "at"])
    op.create_table(
        "activations",
        sa.Column("activation_id", ID, nullable=False),
        sa.Column("notice_id", sa.Text(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, comment="agreement or offer_request"),
        sa.Column("agreement_id", sa.Text(), nullable=True),
        sa.Column("offer_id", sa.Text(), nullable=True),
        sa.Column("line_id", sa.Text(), nullable=False),
        sa.Column("company_id", sa.Text(), nullable=False),
        sa.Column("atc_code", sa.Text(), nullable=False),
        sa.Column("requested_ddd_per_day", sa.Double(), nullable=True, comment="DDD/day"),
        sa.Column("response_days", sa.Integer(), nullable=False, comment="days"),
        sa.Column("activated_on", sa.Date(), nullable=False),
        sa.Column("confirm_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="requested, confirmed, declined"),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Text(), nullable=True),
        sa.Column("confirmed_start_date", sa.Date(), nullable=True),
        sa.Column("confirmed_ddd_per_day", sa.Double(), nullable=True, comment="DDD/day"),
        sa.Column("confirmed_total_ddd", sa.Double(), nullable=True, comment="DDD"),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("activation_id", name=op.f("pk_activations")),
        comment="Activations of domestic production for a shortage, and the producers' answers.",
    )
    op.create_index("ix_activations_company_id", "activations", ["company_id"])
    op.create_index("ix_activations_notice_id", "activations", ["notice_id"])
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False, comment="JSON"),
        sa.Column("status", sa.String(16), nullable=False, comment="queued, running, succeeded, failed"),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("progress_text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True, comment="JSON, as the command's --json"),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_jobs")),
        comment="Long analyses run in the background, with progress and stored results.",
    )


def downgrade() -> None:
    for index, table in (
        ("ix_activations_notice_id", "activations"),
        ("ix_activations_company_id", "activations"),
        ("ix_login_attempts_name_at", "login_attempts"),
        ("uq_api_tokens_token_hash", "api_tokens"),
        ("uq_accounts_name", "accounts"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("jobs", "activations", "login_attempts", "sessions", "api_tokens", "accounts"):
        op.drop_table(table)
