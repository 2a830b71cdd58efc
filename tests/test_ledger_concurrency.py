"""Concurrent writers to the stock ledger: no entry lost, the position is the exact sum."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from pathlib import Path

import pytest

from beredt.ingest.bundle import read_bundle
from beredt.store import Store

WRITERS = 8
MOVEMENTS = 500
KEY = ("100002", "Apotek", "pharmacy")


def _movement(writer: int, i: int) -> dict[str, object]:
    # Distinct sizes per writer and entry, so a lost or doubled entry changes the sum.
    packs = (writer + 1) * 1000 + i if i % 2 else -((writer + 1) * 7 + i)
    return {
        "date": dt.date(2026, 11, 1),
        "product_id": KEY[0],
        "holder": KEY[1],
        "tier": KEY[2],
        "packs": packs,
        "kind": "movement",
        "source": f"writer {writer}",
    }


def _expected_sum() -> int:
    return sum(
        int(_movement(w, i)["packs"])  # type: ignore[call-overload]
        for w in range(WRITERS)
        for i in range(MOVEMENTS)
    )


def _write_all(url: str, writer: int) -> None:
    store = Store(url)
    for i in range(MOVEMENTS):
        store.add_stock_entry(_movement(writer, i), who=f"writer-{writer}")
    store.dispose()


def _position(store: Store) -> int:
    dataset = store.load_dataset(dt.date(2026, 11, 1))
    held = dataset.stock.set_index(["product_id", "holder", "tier"])["packs"]
    return int(held.loc[KEY])


def _prepare(url: str, small_bundle_path: Path) -> tuple[Store, int]:
    store = Store(url)
    store.init()
    store.import_bundle(read_bundle(small_bundle_path))
    return store, _position(store)


@pytest.mark.slow
def test_threads_against_sqlite_wal_lose_nothing(sqlite_url: str, small_bundle_path: Path) -> None:
    store, start = _prepare(sqlite_url, small_bundle_path)
    errors: list[BaseException] = []

    def run(writer: int) -> None:
        try:
            _write_all(sqlite_url, writer)
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _position(store) == start + _expected_sum()
    assert store.counts()["stock"] == 28 + WRITERS * MOVEMENTS


@pytest.mark.slow
@pytest.mark.postgres
def test_processes_against_postgresql_lose_nothing(
    postgres_url: str, small_bundle_path: Path
) -> None:
    store, start = _prepare(postgres_url, small_bundle_path)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_all, args=(postgres_url, w)) for w in range(WRITERS)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=300)
    assert [p.exitcode for p in processes] == [0] * WRITERS
    assert _position(store) == start + _expected_sum()
    assert store.counts()["stock"] == 28 + WRITERS * MOVEMENTS
