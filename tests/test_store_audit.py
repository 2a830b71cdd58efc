"""The audit log answers who changed what, when: every write, before and after, in UTC (issue 19)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from beredt.cli import get_app
from beredt.domain.bundle import Bundle, fingerprint
from beredt.ingest.bundle import read_bundle
from beredt.store import Store


@pytest.fixture
def store(store_url: str, small_bundle_path: Path) -> Iterator[Store]:
    s = Store(store_url)
    s.init()
    s.import_bundle(read_bundle(small_bundle_path), who="loader", origin=str(small_bundle_path))
    yield s
    s.dispose()


def test_bundle_import_records_its_folder_and_content_fingerprint(
    store: Store, small_bundle: Bundle, small_bundle_path: Path
) -> None:
    event = store.audit(1)[0]
    assert event["action"] == "import bundle"
    assert event["detail"]["folder"] == str(small_bundle_path)
    assert event["detail"]["fingerprint"] == fingerprint(small_bundle)
    assert len(event["detail"]["fingerprint"]) == 64


def test_stock_entry_writes_an_audit_event(store: Store) -> None:
    entry_id = store.add_stock_entry(
        {
            "date": dt.date(2026, 11, 2),
            "product_id": "100001",
            "holder": "Alfa Grossist",
            "tier": "wholesale",
            "packs": -10,
            "kind": "movement",
        },
        who="clerk",
        idempotency_key="note-77",
    )
    event = store.audit(1)[0]
    assert (event["who"], event["action"]) == ("clerk", "stock entry")
    assert event["detail"] == {
        "entry_id": entry_id,
        "generation": 1,
        "idempotency_key": "note-77",
        "date": "2026-11-02",
        "product_id": "100001",
        "holder": "Alfa Grossist",
        "tier": "wholesale",
        "packs": -10,
        "kind": "movement",
        "source": None,
    }


def test_merge_records_each_changed_field_before_and_after(store: Store) -> None:
    pack = dict(
        next(p for p in store.export_bundle().rows("products") if p["product_id"] == "100001")
    )
    old_price = pack["price_per_pack"]
    store.merge_rows(
        "products",
        [{**pack, "price_per_pack": old_price + 12.5}],
        who="price-clerk",
        source="price list",
    )
    store.merge_rows("products", [{**pack, "price_per_pack": old_price + 12.5}], who="again")
    # "Who changed the price of pack 100001 from A to B?"
    events = [
        e
        for e in store.audit(20, containing="100001")
        if e["action"] == "merge products" and e["detail"]["products"]["changed"]
    ]
    assert len(events) == 1
    changed = events[0]["detail"]["products"]["changed"]
    assert changed == [
        {
            "key": {"product_id": "100001"},
            "fields": {"price_per_pack": [old_price, old_price + 12.5]},
        }
    ]
    assert events[0]["who"] == "price-clerk"
    assert events[0]["detail"]["source"] == "price list"
    assert events[0]["detail"]["products"]["updated"] == 1


def test_merge_records_the_keys_it_inserted(store: Store) -> None:
    notice = {
        "notice_id": "AUD-1",
        "atc_code": "N02BE01",
        "status": "ongoing",
        "start_date": dt.date(2026, 11, 1),
    }
    store.add_shortage_notice(notice, who="clerk")
    store.add_shortage_notice({**notice, "status": "resolved", "end_date": dt.date(2026, 11, 20)})
    update, create = store.audit(2)
    assert create["detail"]["shortages"]["inserted_keys"] == [{"notice_id": "AUD-1"}]
    assert update["detail"]["shortages"]["changed"] == [
        {
            "key": {"notice_id": "AUD-1"},
            "fields": {"status": ["ongoing", "resolved"], "end_date": [None, "2026-11-20"]},
        }
    ]


def test_timestamps_come_back_in_utc_with_their_offset(store: Store) -> None:
    before = dt.datetime.now(dt.UTC)
    store.save_document("plan", "x", {"a": 1})
    after = dt.datetime.now(dt.UTC)
    event = store.audit(1)[0]
    assert event["at"].tzinfo is not None
    assert event["at"].utcoffset() == dt.timedelta(0)
    # Within the call (a second either side for clocks that round).
    assert before - dt.timedelta(seconds=1) <= event["at"] <= after + dt.timedelta(seconds=1)
    saved = store.list_documents("plan")[0]["saved_at"]
    assert saved.utcoffset() == dt.timedelta(0)


def test_audit_command_shows_utc_and_finds_events_by_text(store: Store) -> None:
    pack = dict(
        next(p for p in store.export_bundle().rows("products") if p["product_id"] == "100001")
    )
    store.merge_rows("products", [{**pack, "price_per_pack": 99.5}], who="pricer")
    result = CliRunner().invoke(
        get_app(),
        ["audit", "--search", "100001", "--json", "-"],
        env={"BEREDT_DATABASE_URL": store.url},
    )
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert [e["who"] for e in events] == ["pricer"]
    assert events[0]["at"].endswith("+00:00")


@pytest.mark.postgres
def test_postgresql_ledgers_refuse_truncate(postgres_url: str, small_bundle: Bundle) -> None:
    store = Store(postgres_url)
    store.init()
    store.import_bundle(small_bundle)
    for table in ("stock_ledger", "shortage_ledger", "audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {table} CASCADE"))
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM stock_ledger")).scalar_one() == 28
    store.dispose()


def test_idempotency_key_is_stored_with_the_entry_on_every_backend(store: Store) -> None:
    from beredt.ingest.errors import ImportRejected
    from beredt.store.tables import stock_ledger

    entry = {
        "date": dt.date(2026, 11, 2),
        "product_id": "100001",
        "holder": "Alfa Grossist",
        "tier": "wholesale",
        "packs": 25,
        "kind": "movement",
    }
    first = store.record_stock_entry(entry, idempotency_key="K-1")
    again = store.record_stock_entry(entry, idempotency_key="K-1")
    assert (again.entry_id, again.replayed, first.replayed) == (first.entry_id, True, False)
    with pytest.raises(ImportRejected, match="already used for entry"):
        store.record_stock_entry({**entry, "packs": 26}, idempotency_key="K-1")
    with store.engine.connect() as conn:
        keys = conn.execute(
            sa.select(stock_ledger.c.entry_id, stock_ledger.c.idempotency_key).where(
                stock_ledger.c.idempotency_key.is_not(None)
            )
        ).all()
    assert keys == [(first.entry_id, "K-1")]
    assert [e["action"] for e in store.audit(2)] == ["stock entry", "import bundle"]


@pytest.mark.parametrize(
    ("key", "reason"),
    [("x" * 201, "longer than 200 characters"), ("a\x00b", "control character"), (" ", "empty")],
)
def test_document_keys_that_no_backend_stores_alike_are_refused(
    store: Store, key: str, reason: str
) -> None:
    from beredt.store import StoreError

    with pytest.raises(StoreError, match=reason):
        store.save_document("plan", key, {"a": 1})
    assert store.list_documents("plan") == []
