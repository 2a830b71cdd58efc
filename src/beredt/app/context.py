"""The store and the dataset a use case works on, the same for every interface.

The database is named once: ``--db`` on the command line or ``BEREDT_DATABASE_URL`` (see
:func:`beredt.store.database_url`); the server and every command open it through
:func:`open_store`. Without an as-of date every use case takes the state on
:func:`default_as_of`, so what was just recorded is in what is shown.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from beredt.errors import Conflict

if TYPE_CHECKING:
    from beredt.domain.bundle import Bundle
    from beredt.domain.dataset import Dataset
    from beredt.store import Store


class EmptyStore(Conflict):
    """The store holds no dataset yet (nothing has been imported)."""


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """The store at `url` (default: ``BEREDT_DATABASE_URL`` or ``./beredt.db``), upgraded.

    Raises :class:`~beredt.store.StoreUnavailable` with the reason on one line when the database
    cannot be opened.
    """
    from beredt.store import Store

    store = Store(url)
    if create:
        store.init()
    return store


def default_as_of(bundle: Bundle) -> dt.date:
    """The date use cases take the state on unless told: the bundle's as-of date, or the newest
    date in the ledgers when later (a stock entry's date, the day a notice became known: its
    announcement, else its start), so that what was just recorded is in what is shown."""
    dates: list[Any] = [bundle.meta.as_of]
    dates += [row["date"] for row in bundle.rows("stock")]
    dates += [row["announced_date"] or row["start_date"] for row in bundle.rows("shortages")]
    return max(d for d in dates if isinstance(d, dt.date))


def as_date(value: dt.datetime | dt.date | None) -> dt.date | None:
    """The date part of a datetime (a date stays as it is)."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def require_dataset(store: Store) -> Bundle:
    """The store's dataset as a bundle; :class:`EmptyStore` when nothing was imported."""
    if store.is_empty():
        raise EmptyStore(
            f"the store at {store.display_url} holds no dataset: "
            "run `beredt import bundle PATH` (or `beredt run`) first"
        )
    return store.export_bundle()


def dataset_on(store: Store, as_of: dt.datetime | dt.date | None = None) -> Dataset:
    """The analytic snapshot of the store on `as_of` (default: :func:`default_as_of`)."""
    from beredt.domain.dataset import build_dataset

    bundle = require_dataset(store)
    return build_dataset(bundle, as_date(as_of) or default_as_of(bundle))
