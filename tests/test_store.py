"""The store on SQLite and PostgreSQL: round trips, replace, ledgers, merges, documents."""

from __future__ import annotations

import datetime as dt
import filecmp
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from beredt.domain.bundle import Bundle
from beredt.domain.dataset import build_dataset
from beredt.domain.schema import ENTITIES
from beredt.ingest.bundle import read_bundle, write_bundle
from beredt.ingest.errors import ImportRejected
from beredt.store import Store, StoreError, database_url
from beredt.store.tables import metadata


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An initialised, empty store on the parametrised backend."""
    s = Store(store_url)
    s.init()
    yield s
    s.dispose()


def _files_equal(a: Path, b: Path) -> list[str]:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    return [n for n in names if not filecmp.cmp(a / n, b / n, shallow=False)]


def test_migration_head_matches_the_table_declarations(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert store.current_revision() == store.head_revision() == "0006"


def test_a_store_with_data_upgrades_from_its_first_schema(
    store: Store, small_bundle: Bundle
) -> None:
    # A store made by the first release, holding a dataset, opened by this one: every migration
    # runs over the data (on SQLite table copies that other rows reference, PRAGMA foreign_keys
    # notwithstanding) and nothing is lost.
    from alembic import command

    store.import_bundle(small_bundle)
    before = store.counts()
    with store._migrating() as conn:
        config = store._alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    assert store.current_revision() == "0001"
    first_tables = set(sa.inspect(store.engine).get_table_names())  # later tables were dropped
    store.dispose()
    reopened = Store(store.url)
    assert reopened.init() == reopened.head_revision()
    after = reopened.counts()
    ledgers = {"stock": "stock_ledger", "shortages": "shortage_ledger"}
    kept = {k for k in before if ledgers.get(k, k) in first_tables}
    assert {"substances", "products", "sites", "stock", "shortages"} <= kept
    assert {k: after[k] for k in kept} == {k: before[k] for k in kept}
    assert reopened.load_dataset().n_substances == build_dataset(small_bundle).n_substances
    reopened.dispose()


def test_every_table_round_trips_byte_identical(
    store: Store, small_bundle_path: Path, tmp_path: Path
) -> None:
    store.import_bundle(read_bundle(small_bundle_path))
    out = tmp_path / "export"
    write_bundle(store.export_bundle(), out)
    assert _files_equal(small_bundle_path, out) == []
    again = Store(store.url)
    again.init()
    assert again.export_bundle() == store.export_bundle()


def test_dataset_from_store_equals_dataset_from_files(store: Store, small_bundle: Bundle) -> None:
    store.import_bundle(small_bundle)
    from_store = store.load_dataset()
    from_files = build_dataset(small_bundle)
    assert from_store.fingerprint == from_files.fingerprint
    assert (from_store.days_of_supply() == from_files.days_of_supply()).all()
    assert store.counts() == {s.stem: len(small_bundle.rows(s.stem)) for s in ENTITIES} | {
        "stock": len(small_bundle.rows("stock"))
    }


def test_import_into_non_empty_store_refuses_without_replace(
    store: Store, small_bundle: Bundle
) -> None:
    store.import_bundle(small_bundle)
    before = store.export_bundle()
    with pytest.raises(StoreError, match="--replace"):
        store.import_bundle(small_bundle)
    assert store.export_bundle() == before


def test_replace_swaps_the_dataset_and_keeps_the_old_ledger(
    store: Store, small_bundle: Bundle
) -> None:
    store.import_bundle(small_bundle)
    store.add_stock_entry(
        {
            "date": dt.date(2026, 11, 2),
            "product_id": "100001",
            "holder": "Alfa Grossist",
            "tier": "wholesale",
            "packs": -10,
            "kind": "movement",
        }
    )
    smaller = Bundle(
        small_bundle.meta,
        {**small_bundle.tables, "stock": small_bundle.rows("stock")[:3], "trade": []},
    )
    assert store.import_bundle(smaller, replace=True) == 2
    exported = store.export_bundle()
    assert exported.rows("trade") == []
    assert len(exported.rows("stock")) == 3
    with store.engine.connect() as conn:
        ledger_rows = conn.execute(sa.text("SELECT count(*) FROM stock_ledger")).scalar_one()
    assert ledger_rows == len(small_bundle.rows("stock")) + 1 + 3
    actions = [e["action"] for e in store.audit()]
    assert actions[:3] == ["replace bundle", "stock entry", "import bundle"]


def test_ledgers_refuse_update_and_delete(store: Store, small_bundle: Bundle) -> None:
    store.import_bundle(small_bundle)
    for statement in (
        "UPDATE stock_ledger SET packs = 0",
        "DELETE FROM stock_ledger",
        "UPDATE shortage_ledger SET status = 'resolved'",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert store.export_bundle() == Store(store.url).export_bundle()


def test_stock_movements_change_positions_exactly(store: Store, small_bundle: Bundle) -> None:
    store.import_bundle(small_bundle)
    before = store.load_dataset(dt.date(2026, 11, 1))
    held = before.stock.set_index(["product_id", "holder", "tier"])["packs"]
    start = int(held.loc[("400001", "Alfa Grossist", "wholesale")])
    for packs in (-120, 35, -7):
        store.add_stock_entry(
            {
                "date": dt.date(2026, 11, 1),
                "product_id": "400001",
                "holder": "Alfa Grossist",
                "tier": "wholesale",
                "packs": packs,
                "kind": "movement",
                "source": "test",
            },
            who="tester",
        )
    after = store.load_dataset(dt.date(2026, 11, 1))
    held = after.stock.set_index(["product_id", "holder", "tier"])["packs"]
    assert int(held.loc[("400001", "Alfa Grossist", "wholesale")]) == start - 92
    # the export folds the three same-day movements into one row, and re-imports identically
    rows = [
        r
        for r in store.export_bundle().rows("stock")
        if r["product_id"] == "400001" and r["date"] == dt.date(2026, 11, 1)
    ]
    assert [r["packs"] for r in rows] == [-92]


def test_stock_entry_is_validated(
    store: Store, small_bundle: Bundle, dump_db: Callable[[str], str]
) -> None:
    store.import_bundle(small_bundle)
    before = dump_db(store.url)
    bad = {
        "date": dt.date(2026, 11, 2),
        "product_id": "999999",
        "holder": "X",
        "tier": "pharmacy",
        "packs": 5,
        "kind": "movement",
    }
    with pytest.raises(ImportRejected, match="unknown product '999999'"):
        store.add_stock_entry(bad)
    with pytest.raises(ImportRejected, match="a count cannot be negative"):
        store.add_stock_entry({**bad, "product_id": "100001", "kind": "count", "packs": -1})
    with pytest.raises(ImportRejected, match="not one of"):
        store.add_stock_entry({**bad, "product_id": "100001", "tier": "attic"})
    assert dump_db(store.url) == before


def test_shortage_notice_ledger_keeps_history_and_derives_state(
    store: Store, small_bundle: Bundle
) -> None:
    store.import_bundle(small_bundle)
    notice = {
        "notice_id": "MAN-2026-1",
        "atc_code": "N03AX09",
        "status": "announced",
        "start_date": dt.date(2026, 11, 10),
        "announced_date": dt.date(2026, 10, 30),
        "cause": "manufacturing",
        "source": "manual",
    }
    assert store.add_shortage_notice(notice) == "created"
    assert store.add_shortage_notice(notice) == "unchanged"
    assert store.add_shortage_notice({**notice, "status": "ongoing"}) == "updated"
    dataset = store.load_dataset(dt.date(2026, 11, 1))
    row = dataset.shortages.set_index("notice_id").loc["MAN-2026-1"]
    assert row["status"] == "ongoing"
    assert bool(row["is_open"])
    with store.engine.connect() as conn:
        changes = conn.execute(
            sa.text(
                "SELECT change FROM shortage_ledger WHERE notice_id = 'MAN-2026-1' ORDER BY change_id"
            )
        ).scalars()
        assert list(changes) == ["create", "update"]
    with pytest.raises(ImportRejected, match="400001 is a pack of J01CA04, not N03AX09"):
        store.add_shortage_notice({**notice, "product_id": "400001"})


def test_merge_rows_is_idempotent_and_all_or_nothing(
    store: Store, small_bundle: Bundle, dump_db: Callable[[str], str]
) -> None:
    store.import_bundle(small_bundle)
    new_substance = {
        "atc_code": "N02BE51",
        "name": "paracetamol, combinations excl. psycholeptics",
        "ddd": 3,
        "ddd_unit": "g",
        "criticality": "other",
    }
    first = store.merge_rows("substances", [new_substance], source="atc.csv")
    assert (first.inserted, first.updated, first.unchanged) == (1, 0, 0)
    again = store.merge_rows("substances", [new_substance], source="atc.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    changed = store.merge_rows("substances", [{**new_substance, "ddd": 4}], source="atc.csv")
    assert (changed.inserted, changed.updated) == (0, 1)
    before = dump_db(store.url)
    product = {
        "product_id": "900001",
        "atc_code": "N02BE51",
        "name": "Combo",
        "ma_holder_id": "no-such-company",
        "form": "tablet",
        "ddd_per_pack": 10,
        "price_per_pack": 30,
        "market_share": 0.5,
    }
    with pytest.raises(ImportRejected) as caught:
        store.merge_rows(
            "products",
            [product, {**product, "product_id": "900002", "ddd_per_pack": -1}],
            source="fest.xml",
        )
    report = caught.value.report()
    assert "fest.xml:2: ddd_per_pack: -1 must be greater than 0" in report
    assert dump_db(store.url) == before


def test_changed_movement_is_recorded_as_a_correction(store: Store, small_bundle: Bundle) -> None:
    store.import_bundle(small_bundle)
    movement = {
        "date": dt.date(2026, 10, 20),
        "product_id": "400001",
        "holder": "Alfa Grossist",
        "tier": "wholesale",
        "packs": -3500,
        "kind": "movement",
        "source": "wholesaler report",
    }
    summary = store.merge_rows("stock", [movement])
    assert (summary.inserted, summary.updated) == (0, 1)
    rows = [r for r in store.export_bundle().rows("stock") if r["date"] == dt.date(2026, 10, 20)]
    assert [r["packs"] for r in rows] == [-3500]


def test_documents_are_saved_listed_and_overwritten(store: Store) -> None:
    store.save_document("response_plan", "DMP-1", {"gap": [1, 2, 3]}, who="a")
    store.save_document("response_plan", "DMP-1", {"gap": [4]}, who="b")
    store.save_document("response_plan", "DMP-0", {"gap": []})
    assert store.get_document("response_plan", "DMP-1") == {"gap": [4]}
    assert store.get_document("response_plan", "nope") is None
    listed = store.list_documents("response_plan")
    assert [d["key"] for d in listed] == ["DMP-0", "DMP-1"]
    assert listed[1]["saved_by"] == "b"


def test_database_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEREDT_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///beredt.db"
    monkeypatch.setenv("BEREDT_DATABASE_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_merge_tables_writes_several_entities_in_one_transaction(
    store: Store, small_bundle: Bundle, dump_db: Callable[[str], str]
) -> None:
    store.import_bundle(small_bundle)
    substance = {"atc_code": "N02BE51", "name": "combo", "ddd": 3, "ddd_unit": "g"}
    product = {
        "product_id": "900001",
        "atc_code": "N02BE51",
        "name": "Combo",
        "ma_holder_id": "nordpharma",
        "form": "tablet",
        "ddd_per_pack": 10,
        "price_per_pack": 30,
        "market_share": 0.5,
    }
    before = dump_db(store.url)
    bad = {**product, "product_id": "900002", "ma_holder_id": "nobody"}
    with pytest.raises(ImportRejected) as caught:
        store.merge_tables({"substances": [substance], "products": [product, bad]}, source="x")
    assert caught.value.problems[0].line == 2  # the second incoming product
    assert "unknown companies.company_id 'nobody'" in caught.value.report()
    assert dump_db(store.url) == before  # the valid substance was not written either
    done = store.merge_tables({"products": [product], "substances": [substance]}, source="x")
    assert (done["substances"].inserted, done["products"].inserted) == (1, 1)
    assert store.load_dataset().substance_idx("N02BE51") >= 0
