"""SQLAlchemy tables, derived from the entity declarations (``beredt.domain.entities``).

Every bundle entity gets a table with the same columns and its natural key as primary key, except
the two that change over time: stock and shortage notices live in **append-only ledgers**
(``stock_ledger``, ``shortage_ledger``) with who/when/source, and their current state is derived
(database triggers refuse UPDATE and DELETE on them). A ``--replace`` import starts a new
*generation*: ledger rows of earlier generations stay for the audit trail but no longer count.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

import beredt.domain.entities  # noqa: F401  (registers the entity declarations)
from beredt.domain.schema import ENTITIES, Column, EntitySpec

#: Entities kept in append-only ledgers rather than plain tables.
LEDGER_STEMS = ("stock", "shortages")

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


def sql_type(column: Column) -> sa.types.TypeEngine[Any]:
    """The SQL type of an entity column: exact for whole numbers, IEEE double for numbers."""
    py = column.py_type
    if py is bool:
        return sa.Boolean()
    if py is int:
        return sa.BigInteger()
    if py is float:
        return sa.Double()
    if py is dt.date:
        return sa.Date()
    if py is tuple:
        return sa.Text()
    if isinstance(py, type) and issubclass(py, StrEnum):
        return sa.String(32)
    return sa.Text()


class UtcDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A moment in time, stored in UTC and returned as an aware UTC datetime on every backend.

    PostgreSQL keeps the offset itself (``timestamptz``); SQLite has no time zones and would drop
    it, returning naive datetimes: values go in as naive UTC and come back marked as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        """Aware datetimes in UTC (naive ones are taken as UTC); naive UTC for SQLite."""
        if value is None:
            return None
        utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        """An aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text, e.g. from a hand-written row
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _entity_columns(spec: EntitySpec, *, keyed: bool, with_fk: bool) -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = []
    for c in spec.columns:
        args: list[sa.ForeignKey] = []
        if with_fk and c.ref:
            stem, target = c.ref.split(".")
            args.append(sa.ForeignKey(f"{stem}.{target}"))
        columns.append(
            sa.Column(
                c.name,
                sql_type(c),
                *args,
                primary_key=keyed and c.name in spec.key,
                nullable=c.optional or (c.py_type is tuple),
                comment=c.doc[:250],
            )
        )
    return columns


ENTITY_TABLES: dict[str, sa.Table] = {}
for _spec in ENTITIES:
    if _spec.stem in LEDGER_STEMS:
        continue
    ENTITY_TABLES[_spec.stem] = sa.Table(
        _spec.stem,
        metadata,
        *_entity_columns(_spec, keyed=True, with_fk=True),
        comment=_spec.doc.splitlines()[0][:250],
    )


def _ledger_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
    ]


_stock_spec = next(s for s in ENTITIES if s.stem == "stock")
stock_ledger = sa.Table(
    "stock_ledger",
    metadata,
    sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    *_entity_columns(_stock_spec, keyed=False, with_fk=False),
    *_ledger_columns(),
    sa.Column(
        "idempotency_key",
        sa.Text(),
        nullable=True,
        comment="Key the writer gave the entry (stock add --idempotency-key): a retry is a no-op",
    ),
    sa.Index("ix_stock_ledger_generation_product", "generation", "product_id"),
    sa.Index("uq_stock_ledger_idempotency_key", "idempotency_key", unique=True),
    comment="Append-only stock ledger: counts and movements; positions are derived.",
)

_shortage_spec = next(s for s in ENTITIES if s.stem == "shortages")
shortage_ledger = sa.Table(
    "shortage_ledger",
    metadata,
    sa.Column("change_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    *_entity_columns(_shortage_spec, keyed=False, with_fk=False),
    sa.Column("change", sa.String(16), nullable=False),
    *_ledger_columns(),
    sa.Index("ix_shortage_ledger_generation_notice", "generation", "notice_id"),
    comment="Append-only shortage-notice ledger: each change is a row; the last one counts.",
)

dataset_meta = sa.Table(
    "dataset_meta",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("generation", sa.Integer(), nullable=False),
    sa.Column("document", sa.Text(), nullable=False, comment="bundle.toml as JSON"),
    sa.Column("imported_at", UtcDateTime(), nullable=False),
    sa.Column("imported_by", sa.Text(), nullable=False),
    sa.CheckConstraint("id = 1", name="single_row"),
    comment="The dataset's bundle.toml and its current generation (one row).",
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("who", sa.Text(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False, comment="JSON"),
    comment="Append-only record of every write: imports, merges, ledger entries, saved documents.",
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("kind", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("payload", sa.Text(), nullable=False, comment="JSON"),
    sa.Column("saved_at", UtcDateTime(), nullable=False),
    sa.Column("saved_by", sa.Text(), nullable=False),
    comment="Saved results (e.g. shortage response plans), by kind and key.",
)

#: Tables that only ever grow (triggers refuse UPDATE, DELETE and, on PostgreSQL, TRUNCATE).
APPEND_ONLY = ("stock_ledger", "shortage_ledger", "audit_log")

# --- the shared system: accounts, sessions, activations, background jobs (migration 0005) -----
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("account_id", _ID, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column(
        "role", sa.String(16), nullable=False, comment="admin, authority, analyst, holder, producer"
    ),
    sa.Column("company_id", sa.Text(), nullable=True, comment="A producer's or holder's company"),
    sa.Column("holder", sa.Text(), nullable=True, comment="The stock holder a holder reports as"),
    sa.Column("password_hash", sa.Text(), nullable=True, comment="argon2id; none: tokens only"),
    sa.Column("disabled", sa.Boolean(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.Text(), nullable=False),
    sa.Index("uq_accounts_name", "name", unique=True),
    comment="Who may use the server, in which role, for which company.",
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_id", _ID, primary_key=True),
    sa.Column("account_id", _ID, sa.ForeignKey("accounts.account_id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, comment="SHA-256 of the token"),
    sa.Column("prefix", sa.String(16), nullable=False, comment="First characters, to tell apart"),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.Index("uq_api_tokens_token_hash", "token_hash", unique=True),
    comment="API tokens (Authorization: Bearer), stored hashed; shown once when made.",
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True, comment="SHA-256 of the cookie"),
    sa.Column("account_id", _ID, sa.ForeignKey("accounts.account_id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    comment="Browser sessions (cookie), stored hashed.",
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("attempt_id", _ID, primary_key=True),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("remote", sa.Text(), nullable=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("succeeded", sa.Boolean(), nullable=False),
    sa.Index("ix_login_attempts_name_at", "name", "at"),
    comment="Password logins, for rate limiting.",
)

activations = sa.Table(
    "activations",
    metadata,
    sa.Column("activation_id", _ID, primary_key=True),
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
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.Text(), nullable=False),
    sa.Column("answered_at", UtcDateTime(), nullable=True),
    sa.Column("answered_by", sa.Text(), nullable=True),
    sa.Column("confirmed_start_date", sa.Date(), nullable=True),
    sa.Column("confirmed_ddd_per_day", sa.Double(), nullable=True, comment="DDD/day"),
    sa.Column("confirmed_total_ddd", sa.Double(), nullable=True, comment="DDD"),
    sa.Column("decline_reason", sa.Text(), nullable=True),
    sa.Index("ix_activations_company_id", "company_id"),
    sa.Index("ix_activations_notice_id", "notice_id"),
    comment="Activations of domestic production for a shortage, and the producers' answers.",
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("job_id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("parameters", sa.Text(), nullable=False, comment="JSON"),
    sa.Column(
        "status", sa.String(16), nullable=False, comment="queued, running, succeeded, failed"
    ),
    sa.Column("progress_done", sa.Integer(), nullable=False),
    sa.Column("progress_total", sa.Integer(), nullable=False),
    sa.Column("progress_text", sa.Text(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.Text(), nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=True),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("result", sa.Text(), nullable=True, comment="JSON, as the command's --json"),
    comment="Long analyses run in the background, with progress and stored results.",
)
