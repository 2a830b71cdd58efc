"""Vulnerability score on the small bundle: hand-computed values, sums, completeness, JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from beredt.domain.dataset import Dataset
from beredt.domain.enums import SiteStage
from beredt.results import dumps
from beredt.risk import FACTOR_KEYS, RiskTable, default_weights, score
from beredt.risk.factors import country_losses, restriction_time_fraction


@pytest.fixture(scope="module")
def table(small_dataset: Dataset) -> RiskTable:
    return score(small_dataset)


def contributions(table: RiskTable, atc: str) -> dict[str, float]:
    f = table.factors[table.factors["atc_code"] == atc]
    return dict(zip(f["factor"], f["contribution"], strict=True))


# Restriction time fractions h·d / (365 + h·d) of the small bundle's countries.
U_CN = 0.15 * 90 / (365 + 0.15 * 90)
U_IN = 0.1 * 120 / (365 + 0.1 * 120)


def test_default_weights_sum_to_100_so_weights_are_points() -> None:
    w = default_weights()
    assert w.total_weight == pytest.approx(100.0)
    assert w.points("stock_cover") == pytest.approx(14.0)


def test_amoxicillin_by_hand(table: RiskTable) -> None:
    """J01CA04: one pack (Medindia), API China, FDF India, 80 days of stock, one open notice."""
    expected = {
        "criticality": 15 * 1.0,  # vital
        "suppliers": 12 * 0.8,  # one MA holder: anchor (1, 0.8)
        "market_concentration": 6 * 1.0,  # one supplier, share 1 → HHI 10,000
        "api_concentration": 10 * 1.0,  # cn-api-1 only: 100 % depends on China
        "fdf_concentration": 5 * 1.0,  # in-fdf-1 only
        # max(1.0 × u_CN (API), 1.0 × u_IN (FDF)) = u_CN = 0.035667; anchors (0,0)-(0.05,1)
        "export_restriction": 8 * (U_CN / 0.05),
        # (9,000 − 3,000 wholesale + 18,000 preparedness) packs × 10 DDD / 3,000 DDD/day = 80 d;
        # between (30, 0.6) and (90, 0.25): 0.6 − 50/60 × 0.35
        "stock_cover": 14 * (0.6 - 50 / 60 * 0.35),
        # no agreement; qualified 5,000 DDD/day × credit 0.5 / 3,000 = 0.8333 → 1 − 0.8333
        "domestic_coverage": 10 * (1 - 2500 / 3000),
        "shortage_count": 5 * (1 / 3),  # DMP-2026-0001 (ongoing)
        "shortage_days": 5 * (13 / 180),  # 2026-10-20 … 2026-11-01 inclusive
        "other_products": 3 * 1.0,  # only one pack
        "therapeutic_alternatives": 7 * 0.5,  # pivmecillinam in J01CA
    }
    got = contributions(table, "J01CA04")
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key
    assert table.row("J01CA04")["score"] == pytest.approx(sum(expected.values()), abs=1e-9)
    assert table.row("J01CA04")["score"] == pytest.approx(65.817848, abs=1e-6)


def test_paracetamol_by_hand(table: RiskTable) -> None:
    """N02BE01: two suppliers 60/40, API China/India, FDF Norway/Germany, agreement AG-1."""
    expected = {
        "criticality": 15 * 0.5,  # essential
        "suppliers": 12 * 0.5,  # two holders
        # HHI 0.6² + 0.4² = 5,200 points; between (5,000, 0.6) and (10,000, 1)
        "market_concentration": 6 * (0.6 + 200 / 5000 * 0.4),
        # China alone makes API for 60 %: between (0.5, 0.4) and (1, 1): 0.4 + 0.1/0.5 × 0.6
        "api_concentration": 10 * 0.52,
        "fdf_concentration": 5 * 0.52,  # Norway 60 %
        "export_restriction": 8 * (0.6 * U_CN / 0.05),  # beats India 0.4 × u_IN
        # wholesale 300,000 − 75,000 (the −50,000 of 15 Nov is after as-of) + preparedness
        # 225,000 + 150,000 + pharmacy 60,000 = 660,000 packs × 16 DDD / 120,000 = 88 days
        "stock_cover": 14 * (0.6 - 58 / 60 * 0.35),
        # AG-1 60,000 + 0.5 × (200,000 − 60,000) = 130,000 ≥ 120,000 demand → fully covered
        "domestic_coverage": 0.0,
        "shortage_count": 0.0,
        "shortage_days": 0.0,
        "other_products": 3 * 0.6,  # one other pack
        "therapeutic_alternatives": 7 * 1.0,  # alone in N02BE
    }
    got = contributions(table, "N02BE01")
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key
    assert table.row("N02BE01")["score"] == pytest.approx(sum(expected.values()), abs=1e-9)


def test_shortage_history_counts_announced_and_resolved(table: RiskTable) -> None:
    f = table.factors.set_index(["atc_code", "factor"])
    # Morphine: recall announced 2026-10-28 for 2026-11-10: counted, no days yet.
    assert f.loc[("N02AA01", "shortage_count"), "raw"] == 1
    assert f.loc[("N02AA01", "shortage_days"), "raw"] == 0
    # Penicillin V: resolved 2025-01-10 … 2025-03-01 = 22 + 28 + 1 days.
    assert f.loc[("J01CE02", "shortage_days"), "raw"] == 51
    # Glargine: 2024-05-01 … 2024-05-20.
    assert f.loc[("A10AE04", "shortage_days"), "raw"] == 20


def test_shortage_window_excludes_old_notices(small_dataset: Dataset) -> None:
    later = small_dataset.replace(as_of=small_dataset.as_of.replace(year=2027, month=6))
    f = score(later).factors.set_index(["atc_code", "factor"])
    # 3 years before 2027-06-01 is 2024-06-02: the May 2024 glargine notice drops out.
    assert f.loc[("A10AE04", "shortage_count"), "raw"] == 0
    assert f.loc[("J01CE02", "shortage_count"), "raw"] == 1


def test_contributions_sum_to_score_and_scores_in_range(table: RiskTable) -> None:
    sums = table.factors.groupby("atc_code")["contribution"].sum()
    for row in table.substances.itertuples():
        assert sums[row.atc_code] == pytest.approx(row.score, abs=1e-9)
        assert 0.0 <= row.score <= 100.0
    assert list(table.substances["rank"]) == list(range(1, 12))
    assert table.substances["score"].is_monotonic_decreasing


def test_every_row_has_every_factor(table: RiskTable) -> None:
    counts = table.factors.groupby("atc_code")["factor"].apply(list)
    for factors in counts:
        assert tuple(factors) == FACTOR_KEYS


def test_missing_api_sites_lower_completeness_not_crash(table: RiskTable) -> None:
    """Saline (B05BB01) has no API site: API concentration imputed, export half known."""
    row = table.row("B05BB01")
    assert row["completeness"] == pytest.approx((100 - 10 - 8 * 0.5) / 100)
    api = table.explain("B05BB01").set_index("factor").loc["api_concentration"]
    assert bool(api["imputed"])
    assert api["exposure"] == pytest.approx(0.5)
    assert math.isnan(api["raw"])


def test_missing_demand_imputes_stock_and_coverage(small_dataset: Dataset) -> None:
    demand = [r for r in small_dataset.bundle.tables["demand"] if r["atc_code"] != "C07AB02"]
    t = score(small_dataset.replace(demand=demand))
    row = t.row("C07AB02")
    assert row["completeness"] == pytest.approx(1 - (14 + 10) / 100)
    f = t.explain("C07AB02").set_index("factor")
    assert f.loc["stock_cover", "exposure"] == pytest.approx(0.5)
    assert f.loc["domestic_coverage", "exposure"] == pytest.approx(0.5)
    assert "unknown" in " ".join(row[["driver_1", "driver_2", "driver_3"]])
    # The rest of the table is untouched.
    base = score(small_dataset)
    assert t.row("N02BE01")["score"] == pytest.approx(base.row("N02BE01")["score"])


def test_no_stock_ledger_makes_stock_unknown(small_dataset: Dataset) -> None:
    t = score(small_dataset.replace(stock=[]))
    f = t.factors[t.factors["factor"] == "stock_cover"]
    assert f["imputed"].all()
    assert (t.substances["completeness"] <= 1 - 0.14 + 1e-12).all()


def test_substance_without_packs_is_fully_exposed_on_market_factors(
    small_dataset: Dataset,
) -> None:
    products = [r for r in small_dataset.bundle.tables["products"] if r["atc_code"] != "N03AX09"]
    kept = {r["product_id"] for r in products}
    t = score(
        small_dataset.replace(
            products=products,
            supply=[r for r in small_dataset.bundle.tables["supply"] if r["product_id"] in kept],
            stock=[r for r in small_dataset.bundle.tables["stock"] if r["product_id"] in kept],
        )
    )
    f = t.explain("N03AX09").set_index("factor")
    for key in ("suppliers", "market_concentration", "api_concentration", "other_products"):
        assert f.loc[key, "exposure"] == pytest.approx(1.0), key
    assert f.loc["stock_cover", "raw"] == 0
    assert bool(f.loc["export_restriction", "imputed"])
    assert "no pack on the market" in f.loc["suppliers", "detail"]
    # Nothing listed may be a gap in the data: the share-based factors count as unknown.
    assert t.row("N03AX09")["completeness"] == pytest.approx(1 - (6 + 10 + 5 + 8) / 100)


def test_other_substances_do_not_move_a_score(small_dataset: Dataset, table: RiskTable) -> None:
    """Fixed anchors: changing paracetamol's data leaves every other score unchanged."""
    stock = [
        {**r, "packs": r["packs"] // 10} if r["product_id"] == "100001" else r
        for r in small_dataset.bundle.tables["stock"]
    ]
    demand = [
        {**r, "ddd_per_day": 10 * r["ddd_per_day"]} if r["atc_code"] == "N02BE01" else r
        for r in small_dataset.bundle.tables["demand"]
    ]
    changed = score(small_dataset.replace(stock=stock, demand=demand))
    assert changed.row("N02BE01")["score"] > table.row("N02BE01")["score"]
    for atc in table.substances["atc_code"]:
        if atc != "N02BE01":
            assert changed.row(atc)["score"] == pytest.approx(table.row(atc)["score"], abs=1e-12)


def test_drivers_are_the_three_largest_contributions(table: RiskTable) -> None:
    row = table.row("J01CA04")
    assert row["driver_1"] == "vital medicine"
    assert row["driver_2"] == "100 % of demand depends on API from China"
    assert row["driver_3"] == "one supplier (Medindia Ltd)"
    paracetamol = table.row("N02BE01")
    assert paracetamol["driver_2"] == "no alternative in ATC group N02BE"


def test_country_losses_and_time_fraction(small_dataset: Dataset) -> None:
    losses = country_losses(small_dataset, SiteStage.API)
    para = losses[losses["atc_code"] == "N02BE01"].set_index("country")
    assert para.loc["CN", "loss"] == pytest.approx(0.6)
    assert para.loc["IN", "loss"] == pytest.approx(0.4)
    assert bool(para.loc["CN", "top"])
    assert not bool(para.loc["IN", "top"])
    assert float(restriction_time_fraction(0.1, 120)) == pytest.approx(U_IN)
    assert float(restriction_time_fraction(0.0, 90)) == 0.0


def test_gap_in_market_shares_counts_as_uncovered(small_dataset: Dataset) -> None:
    """Only 70 % of metoprolol's demand listed: 30 % gap adds to HHI and to every country loss."""
    products = [
        {**r, "market_share": 0.2} if r["product_id"] == "700002" else r
        for r in small_dataset.bundle.tables["products"]
    ]
    t = score(small_dataset.replace(products=products))
    f = t.explain("C07AB02").set_index("factor")
    assert f.loc["market_concentration", "raw"] == pytest.approx(10_000 * (0.25 + 0.04 + 0.09))
    # Germany makes API for 50 % (700001); with the 30 % gap a German stop leaves 80 % uncovered.
    assert f.loc["api_concentration", "raw"] == pytest.approx(0.8)
    assert f.loc["api_concentration", "detail"] == (
        "50 % of demand depends on API from Germany; 30 % of demand without a listed pack"
    )
    # The share-based factors (6 + 10 + 5 + 8 points) rest on the listed 70 % only.
    assert t.row("C07AB02")["completeness"] == pytest.approx(1 - 0.3 * (6 + 10 + 5 + 8) / 100)


def test_select_explain_records_and_json(table: RiskTable) -> None:
    j01 = table.select("J01")
    assert set(j01.substances["atc_code"]) == {"J01CA04", "J01CA08", "J01CE02"}
    assert set(j01.factors["atc_code"]) == set(j01.substances["atc_code"])
    assert len(table.select(top=3)) == 3
    assert len(table.select(["A10", "N02"], top=10)) == 4
    with pytest.raises(KeyError):
        table.row("X99XX99")
    explained = table.explain("N02BE01")
    assert explained["contribution"].is_monotonic_decreasing
    data = json.loads(dumps(table.to_json_dict()))
    assert data["provenance"]["fingerprint"] == table.provenance.fingerprint
    assert data["weights"]["factors"]["stock_cover"]["points"] == pytest.approx(14.0)
    first = data["substances"][0]
    assert first["atc_code"] == table.substances["atc_code"].iloc[0]
    assert sum(f["contribution"] for f in first["factors"].values()) == pytest.approx(
        first["score"]
    )
    wide = table.to_frame()
    assert {"stock_cover_raw", "stock_cover_exposure", "stock_cover_points"} <= set(wide.columns)
    assert np.allclose(
        wide[[f"{k}_points" for k in FACTOR_KEYS]].sum(axis=1), wide["score"], atol=1e-9
    )


def test_weights_argument_forms(small_dataset: Dataset, table: RiskTable) -> None:
    only_crit = score(small_dataset, dict.fromkeys(FACTOR_KEYS, 0.0) | {"criticality": 1.0})
    vital = only_crit.substances[only_crit.substances["criticality"] == "vital"]
    assert (vital["score"] == 100.0).all()
    assert only_crit.row("N02BE01")["score"] == pytest.approx(50.0)
    assert only_crit.provenance.parameters["weights"]["factors"]["criticality"]["weight"] == 1.0
    same = score(small_dataset, default_weights())
    assert np.allclose(same.substances["score"], table.substances["score"])
