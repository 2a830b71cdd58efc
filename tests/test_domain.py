"""Domain: ATC codes, column parsing/formatting, stock positions, the Dataset snapshot."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from beredt.domain.atc import AtcCode, AtcError, atc4_group, matches_prefix
from beredt.domain.dataset import Dataset, build_dataset, stock_positions
from beredt.domain.entities import Product, StockEntry
from beredt.domain.schema import ENTITIES, spec_of


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("N", 1, None),
        ("N02", 2, "N"),
        ("N02B", 3, "N02"),
        ("N02BE", 4, "N02B"),
        ("N02BE01", 5, "N02BE"),
    ],
)
def test_atc_levels_and_parents(code: str, level: int, parent: str | None) -> None:
    atc = AtcCode.parse(code)
    assert atc.level == level
    assert (str(atc.parent) if atc.parent else None) == parent


@pytest.mark.parametrize("bad", ["", "N2", "N02B1", "N02BE1", "N02BE011", "X02BE01", "N02BEA1"])
def test_atc_rejects_malformed_codes(bad: str) -> None:
    with pytest.raises(AtcError):
        AtcCode.parse(bad)


def test_atc_accepts_lower_case_as_the_same_code() -> None:
    assert AtcCode.parse(" n02be01 ") == AtcCode.parse("N02BE01")


def test_atc_hierarchy_relations() -> None:
    para, ibu, combo = (AtcCode.parse(c) for c in ("N02BE01", "M01AE01", "N02BE51"))
    assert para.same_group(combo)
    assert not para.same_group(ibu)
    assert AtcCode.parse("N02").is_ancestor_of(para)
    assert AtcCode.parse("N02BE").is_parent_of(para)
    assert not AtcCode.parse("N02B").is_parent_of(para)
    assert para.at_level(3) == AtcCode.parse("N02B")
    assert atc4_group("J01CA04") == "J01CA"
    assert matches_prefix("J01CA04", ["J01C", "N02"])
    assert not matches_prefix("J01CA04", ["J01D"])


_NUMBER_COLUMNS = [
    (spec, column)
    for spec in ENTITIES
    for column in spec.columns
    if column.py_type in (int, float) and not column.ref
]


@given(data=st.data())
def test_numbers_round_trip_exactly_through_csv_text(data: st.DataObject) -> None:
    _spec, column = data.draw(st.sampled_from(_NUMBER_COLUMNS))
    low = column.ge if column.ge is not None else (column.gt if column.gt is not None else -1e12)
    high = column.le if column.le is not None else 1e12
    if column.py_type is int:
        value = data.draw(st.integers(int(low) + (1 if column.gt is not None else 0), int(high)))
    else:
        value = data.draw(st.floats(low, high, exclude_min=column.gt is not None, allow_nan=False))
    assert column.parse(column.format(value)) == value


def test_column_constraints_explain_the_reason() -> None:
    share = spec_of(Product).column("market_share")
    with pytest.raises(ValueError, match=r"1\.5 is above the maximum 1"):
        share.parse("1.5")
    with pytest.raises(ValueError, match="'abc' is not a number"):
        share.parse("abc")
    with pytest.raises(ValueError, match="required value is missing"):
        share.parse("")
    packs = spec_of(StockEntry).column("packs")
    with pytest.raises(ValueError, match="not a whole number"):
        packs.parse("2.5")
    assert packs.parse("1e3") == 1000


def _entries(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"date": dt.date.fromisoformat(d), "product_id": p, "holder": "H", "tier": "wholesale",
             "packs": n, "kind": k}
            for d, p, n, k in rows
        ]
    )  # fmt: skip


def test_stock_position_is_last_count_plus_later_movements() -> None:
    entries = _entries(
        [
            ("2026-01-01", "a", 100, "count"),
            ("2026-01-05", "a", -30, "movement"),
            ("2026-01-10", "a", 50, "count"),  # a recount replaces what came before
            ("2026-01-10", "a", -5, "movement"),  # same day as the count: after it
            ("2026-01-12", "a", 7, "movement"),
            ("2026-01-20", "a", -1, "movement"),  # after the as-of date
            ("2026-01-03", "b", 9, "movement"),  # movements without a count start from 0
        ]
    )
    positions = stock_positions(entries, dt.date(2026, 1, 15)).set_index("product_id")["packs"]
    assert positions.to_dict() == {"a": 52, "b": 9}
    early = stock_positions(entries, dt.date(2026, 1, 6)).set_index("product_id")["packs"]
    assert early.to_dict() == {"a": 70, "b": 9}


def test_dataset_days_of_supply_by_hand(small_dataset: Dataset) -> None:
    ds = small_dataset
    i = ds.substance_idx("N02BE01")
    # paracetamol on 2026-11-01: 100001 wholesale 300,000 − 75,000 = 225,000 packs, preparedness
    # 225,000; 100002 wholesale 150,000, pharmacy 60,000 → 660,000 packs × 16 DDD
    stock = ds.stock_ddd_by_tier().iloc[i]
    assert stock["wholesale"] == (225_000 + 150_000) * 16
    assert stock["preparedness"] == 225_000 * 16
    assert stock["pharmacy"] == 60_000 * 16
    demand = ds.demand_ddd_per_day[i]
    assert ds.days_of_supply()[i] == pytest.approx(660_000 * 16 / demand)
    assert ds.days_of_supply(["preparedness"])[i] == pytest.approx(225_000 * 16 / demand)


def test_dataset_views_follow_the_as_of_date(small_dataset: Dataset) -> None:
    ds = small_dataset
    assert set(ds.open_shortages["notice_id"]) == {"DMP-2026-0001", "DMP-2026-0002"}
    assert set(ds.active_agreements["agreement_id"]) == {"AG-1", "AG-2"}
    later = ds.replace(as_of=dt.date(2028, 6, 1))
    assert later.active_agreements.empty  # both end 2027-12-31
    earlier = build_dataset(ds.bundle, dt.date(2024, 1, 1))
    assert earlier.shortages.empty or (earlier.shortages["announced_date"].notna().all())
    weights = ds.criticality_weights()
    assert weights[ds.substance_idx("A10AB01")] == 10
    assert weights[ds.substance_idx("N02BE01")] == 3
    assert ds.criticality_weights({"essential": 5})[ds.substance_idx("N02BE01")] == 5


def test_replace_changes_the_fingerprint(small_dataset: Dataset) -> None:
    rows = [dict(r) for r in small_dataset.bundle.rows("demand")]
    rows[0]["ddd_per_day"] += 1
    changed = small_dataset.replace(demand=rows)
    assert changed.fingerprint != small_dataset.fingerprint
    assert build_dataset(small_dataset.bundle).fingerprint == small_dataset.fingerprint
