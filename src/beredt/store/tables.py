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
