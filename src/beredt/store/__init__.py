"""The store: SQLAlchemy tables, Alembic migrations, ledgers and the dataset snapshot."""

from beredt.store.store import (
    DEFAULT_URL,
    MergeSummary,
    StockReceipt,
    StockReport,
    Store,
    StoreError,
    StoreUnavailable,
    database_url,
)

__all__ = [
    "DEFAULT_URL",
    "MergeSummary",
    "StockReceipt",
    "StockReport",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "database_url",
]
