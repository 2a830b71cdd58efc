"""Shared by the routers: the cached dataset, pages of a list, redaction, row conversion."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel

from beredt.app.context import dataset_on, require_dataset
from beredt.domain.bundle import Bundle
from beredt.domain.dataset import Dataset
from beredt.store import Store

#: Largest page a list endpoint returns.
MAX_LIMIT = 1000

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page (1–1000).")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows skipped before the page.")]


class Page(BaseModel):
    """A page of a list: the rows, how many there are in all, and where the page starts."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class DataCache:
    """The store's dataset (bundle, and snapshot on the default date), reread after any write.

    Every write appends an audit event, so the newest event id tells whether the cached copy is
    current: one cheap query per request instead of reading every table.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._bundle: tuple[int, Bundle] | None = None
        self._dataset: tuple[int, Dataset] | None = None

    def bundle(self) -> Bundle:
        """The dataset as a bundle (ledgers folded)."""
        version = self.store.version()
        with self._lock:
            if self._bundle is None or self._bundle[0] != version:
                self._bundle = (version, require_dataset(self.store))
            return self._bundle[1]

    def dataset(self, as_of: dt.date | None = None) -> Dataset:
        """The analytic snapshot on `as_of` (cached for the default date)."""
        if as_of is not None:
            return dataset_on(self.store, as_of)
        version = self.store.version()
        with self._lock:
            if self._dataset is None or self._dataset[0] != version:
                self._dataset = (version, dataset_on(self.store))
            return self._dataset[1]


def cache(request: Request) -> DataCache:
    """The app's data cache."""
    return request.app.state.cache


def store_of(request: Request) -> Store:
    """The app's store."""
    return request.app.state.store


def plain(value: Any) -> Any:
    """A cell as JSON shows it: enums as their value, tuples as lists."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value


def rows(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Records as plain JSON-ready dicts."""
    return [{k: plain(v) for k, v in r.items()} for r in records]


def page(items: Sequence[dict[str, Any]], limit: int, offset: int) -> Page:
    """The page of `items` from `offset`."""
    return Page(
        items=list(items[offset : offset + limit]), total=len(items), limit=limit, offset=offset
    )


def redact(row: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """`row` with `fields` set to None and listed under ``redacted`` (an analyst's view)."""
    out = dict(row)
    hidden = [f for f in fields if f in out]
    for f in hidden:
        out[f] = None
    out["redacted"] = hidden
    return out


def prefix_match(value: Any, prefix: str | None) -> bool:
    """Whether `value` starts with `prefix` (no prefix: always)."""
    return prefix is None or str(value or "").upper().startswith(prefix.upper())
