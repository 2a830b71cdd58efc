"""Concurrent writers on SQLite and PostgreSQL: each write unit sees every write before it.

A write reads the store's state, validates against it and writes. Under PostgreSQL's READ
COMMITTED two such units used to interleave: both read, both validated, both wrote (three
``create`` rows for one notice, market shares above 1, an entry written into a generation a
``--replace`` had just superseded, a UniqueViolation traceback). These tests force that
interleaving with a barrier in front of each writer's first write statement; serialised writers
reach it one at a time, so the barrier only times out and the outcome is the serial one. No test
here measures time: a slow machine only makes them slower.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from beredt.domain.bundle import Bundle
from beredt.ingest.errors import ImportRejected
from beredt.ingest.fest import read_fest
from beredt.ingest.sources import write_import
from beredt.store import Store
from beredt.store.tables import shortage_ledger, stock_ledger

FIXTURES = Path(__file__).parent / "data" / "fixtures"
#: Seconds a writer waits at the barrier for the others. Serialised writers never meet there,
#: so this is how long each of those tests idles; it is no assertion about speed.
MEET_TIMEOUT = 2.0
_WRITE = ("INSERT", "UPDATE", "DELETE")


def _meet_before_first_write(store: Store, meet: Callable[[], None]) -> None:
    """Call `meet` once, just before the store's first write statement (any thread)."""
    done = threading.Event()

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not done.is_set() and statement.lstrip().upper().startswith(_WRITE):
            done.set()
            meet()


def _barrier_meet(barrier: threading.Barrier) -> Callable[[], None]:
    def meet() -> None:
        # Broken when the others are queued behind this writer's lock: go on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=MEET_TIMEOUT)

    return meet


def _run_all(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run `jobs` in threads at once; their results or exceptions, in order."""
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # compared by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def stores(store_url: str, small_bundle: Bundle) -> Iterator[Callable[[int], list[Store]]]:
    """`n` stores (own engines, like separate processes) on one database holding the bundle."""
    first = Store(store_url)
    first.init()
    first.import_bundle(small_bundle)
    opened = [first]

    def make(n: int) -> list[Store]:
        more = [Store(store_url) for _ in range(n)]
        opened.extend(more)
        return more

    yield make
    for store in opened:
        store.dispose()


def test_three_concurrent_creates_of_one_notice_create_it_once(stores) -> None:
    writers = stores(3)
    barrier = threading.Barrier(3)
    for store in writers:
        _meet_before_first_write(store, _barrier_meet(barrier))
    notice = {
        "notice_id": "RACE-1",
        "atc_code": "N02BE01",
        "status": "ongoing",
        "start_date": dt.date(2026, 11, 1),
        "source": "manual",
    }
    outcomes = _run_all([lambda s=s: s.add_shortage_notice(notice, who="race") for s in writers])
    assert sorted(outcomes) == ["created", "unchanged", "unchanged"]
    with writers[0].engine.connect() as conn:
        changes = conn.execute(
            sa.select(shortage_ledger.c.change).where(shortage_ledger.c.notice_id == "RACE-1")
        ).scalars()
        assert list(changes) == ["create"]


def test_concurrent_merges_cannot_push_market_shares_above_one(stores) -> None:
    a, b = stores(2)
    # Free a fifth of paracetamol's market (every substance's shares sum to 1 in the bundle).
    products = [p for p in a.export_bundle().rows("products") if p["atc_code"] == "N02BE01"]
    base = max(products, key=lambda p: p["market_share"])
    a.merge_rows("products", [{**base, "market_share": base["market_share"] - 0.2}])
    atc, room = "N02BE01", 0.2
    # Each new pack fits alone; both together would exceed the market.
    packs = [
        {**copy.deepcopy(base), "product_id": f"race-{i}", "market_share": 0.75 * room}
        for i in range(2)
    ]
    barrier = threading.Barrier(2)
    for store in (a, b):
        _meet_before_first_write(store, _barrier_meet(barrier))
    outcomes = _run_all(
        [lambda s=s, p=p: s.merge_rows("products", [p]) for s, p in zip((a, b), packs, strict=True)]
    )
    rejected = [o for o in outcomes if isinstance(o, ImportRejected)]
    assert len(rejected) == 1, outcomes
    assert f"shares of {atc} sum to" in str(rejected[0])
    total = sum(
        p["market_share"] for p in a.export_bundle().rows("products") if p["atc_code"] == atc
    )
    assert total <= 1 + 1e-9


def test_two_concurrent_imports_of_one_fest_file_write_it_once(stores) -> None:
    a, b = stores(2)
    existing = a.export_bundle()
    result = read_fest(FIXTURES / "fest_sample.xml", existing)
    assert result.rows.get("products"), "the fixture adds products"
    barrier = threading.Barrier(2)
    for store in (a, b):
        _meet_before_first_write(store, _barrier_meet(barrier))
    outcomes = _run_all([lambda s=s: write_import(s, result, who="race") for s in (a, b)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    created = [sum(c.inserted for c in o.values()) for o in outcomes]
    assert sorted(created)[0] == 0 < sorted(created)[1]  # one wrote, the other found it done
    again = write_import(a, read_fest(FIXTURES / "fest_sample.xml", a.export_bundle()))
    assert sum(c.inserted + c.updated for c in again.values()) == 0


def test_a_stock_entry_never_lands_in_a_generation_replace_has_superseded(
    stores, small_bundle: Bundle
) -> None:
    adder, replacer = stores(2)
    entry_waiting = threading.Event()
    replaced = threading.Event()

    def meet() -> None:
        # The entry has read the generation; let the replace commit before it writes.
        entry_waiting.set()
        replaced.wait(timeout=MEET_TIMEOUT)

    _meet_before_first_write(adder, meet)

    def add() -> int:
        return adder.add_stock_entry(
            {
                "date": dt.date(2026, 11, 1),
                "product_id": "100002",
                "holder": "Apotek",
                "tier": "pharmacy",
                "packs": 7,
                "kind": "movement",
            },
            who="adder",
        )

    def replace() -> int:
        entry_waiting.wait(timeout=MEET_TIMEOUT)
        generation = replacer.import_bundle(small_bundle, replace=True, who="replacer")
        replaced.set()
        return generation

    entry_id, generation = _run_all([add, replace])
    assert generation == 2
    with adder.engine.connect() as conn:
        rows = conn.execute(
            sa.select(stock_ledger.c.entry_id, stock_ledger.c.generation).order_by(
                stock_ledger.c.entry_id
            )
        ).all()
    # Serialised: generations never go back in the order entries were written. The entry is
    # either in generation 1, written before the replace, or in generation 2 after it.
    generations = [g for _, g in rows]
    assert generations == sorted(generations)
    mine = dict(rows)[entry_id]
    assert mine in (1, 2)
    if mine == 1:
        assert entry_id < min(i for i, g in rows if g == 2)


def test_concurrent_stock_entries_and_replaces_keep_generations_in_order(
    stores, small_bundle: Bundle
) -> None:
    """Unforced: many entries racing two replaces; every acknowledged entry is in order."""
    writers = stores(4)
    replacer = stores(1)[0]

    def adds(store: Store, w: int) -> list[int]:
        ids = []
        for i in range(15):
            ids.append(
                store.add_stock_entry(
                    {
                        "date": dt.date(2026, 11, 1),
                        "product_id": "100002",
                        "holder": f"Apotek {w}",
                        "tier": "pharmacy",
                        "packs": i + 1,
                        "kind": "movement",
                    }
                )
            )
        return ids

    def replaces() -> list[int]:
        return [replacer.import_bundle(small_bundle, replace=True) for _ in range(2)]

    outcomes = _run_all([*(lambda s=s, w=w: adds(s, w) for w, s in enumerate(writers)), replaces])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with replacer.engine.connect() as conn:
        generations = list(
            conn.execute(
                sa.select(stock_ledger.c.generation).order_by(stock_ledger.c.entry_id)
            ).scalars()
        )
    assert generations == sorted(generations)
    assert generations[-1] == 3
