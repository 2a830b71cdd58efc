"""Property-based monotonicity of the vulnerability score on random small bundles (issue 4).

The moves and their exact conditions (docs/risk.md, "Monotonicity"):
* removing a supplier (an MA holder, all its packs of the substance) whose countries all keep
  another site of the same stage never lowers the score; adding a supplier whose sites are in
  countries the substance already uses never raises it;
* moving a site into the country that already has the largest share, from a country with no
  higher export-restriction risk, never lowers it; moving a site out of that country, to one
  with no higher risk and without dethroning it, never raises it;
* lowering stock never lowers it, raising stock never raises it;
* removing an active domestic agreement never lowers it, adding one never raises it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from beredt.domain.bundle import Bundle, BundleMeta
from beredt.domain.dataset import Dataset, build_dataset
from beredt.risk import score
from beredt.risk.factors import country_losses, restriction_time_fraction

AS_OF = dt.date(2026, 11, 1)
COUNTRIES = ("CN", "IN", "DE", "NO", "US")
SUBSTANCES = (("N02BE01", "paracetamol"), ("N02BE05", "propacetamol"), ("J01CA04", "amoxicillin"))
TARGET = "N02BE01"
HOLDERS = ("h0", "h1", "h2", "h3")
TOL = 1e-9
# Fewer examples than the CI profile: each one builds and scores several datasets.
FEW = settings(max_examples=25)
FEWER = settings(max_examples=20)

Rows = list[dict[str, Any]]


@st.composite
def bundles(draw: st.DrawFn, dense: bool = False) -> Bundle:
    """A random bundle: 3 substances, up to 5 packs each, 2–7 sites in 5 countries.

    `dense`: every pack has 1–3 sites in three countries, half of the sites in China, so that
    one country often leads with several sites.
    """
    site_countries = ("CN", "CN", "CN", "IN", "DE") if dense else COUNTRIES
    countries = [
        {
            "country": c,
            "name": c,
            "export_restriction_hazard_per_year": draw(st.sampled_from([0.0, 0.02, 0.1, 0.3])),
            "export_restriction_mean_days": draw(st.sampled_from([30.0, 90.0, 120.0])),
        }
        for c in COUNTRIES
    ]
    companies = [
        {"company_id": h, "name": h.upper(), "country": "DE", "roles": ("ma_holder",)}
        for h in HOLDERS
    ] + [{"company_id": "prod", "name": "Prod AS", "country": "NO", "domestic": True}]
    substances = [
        {
            "atc_code": atc,
            "name": name,
            "ddd": 1.0,
            "ddd_unit": "g",
            "criticality": draw(st.sampled_from(["vital", "essential", "other"])),
        }
        for atc, name in SUBSTANCES
    ]
    n_sites = draw(st.integers(2, 7))
    sites = [
        {
            "site_id": f"s{k}",
            "company_id": "h0",
            "name": f"site {k}",
            "country": draw(st.sampled_from(site_countries)),
            "stage": draw(st.sampled_from(["api", "fdf"])),
        }
        for k in range(n_sites)
    ]
    products: Rows = []
    supply: Rows = []
    stock: Rows = []
    demand: Rows = []
    for atc, _ in SUBSTANCES:
        n = draw(st.integers(1 if atc == TARGET else 0, 5))
        weights = [draw(st.integers(1, 10)) for _ in range(n)]
        covered = draw(st.sampled_from([1.0, 1.0, 0.9, 0.6]))
        for k in range(n):
            pid = f"{atc}-{k}"
            products.append(
                {
                    "product_id": pid,
                    "atc_code": atc,
                    "name": pid,
                    "ma_holder_id": draw(st.sampled_from(HOLDERS)),
                    "form": "tablet",
                    "ddd_per_pack": 10.0,
                    "price_per_pack": 1.0,
                    "market_share": covered * weights[k] / sum(weights),
                }
            )
            links = st.lists(
                st.integers(0, n_sites - 1), min_size=int(dense), max_size=3, unique=True
            )
            for site in draw(links):
                supply.append({"product_id": pid, "site_id": f"s{site}"})
            stock.append(
                {
                    "date": AS_OF - dt.timedelta(days=10),
                    "product_id": pid,
                    "holder": "W",
                    "tier": draw(st.sampled_from(["wholesale", "preparedness", "pharmacy"])),
                    "packs": draw(st.integers(0, 20_000)),
                }
            )
        if draw(st.booleans()) or atc == TARGET:
            demand.append({"atc_code": atc, "ddd_per_day": draw(st.sampled_from([500.0, 3000.0]))})
    lines = [
        {
            "line_id": "L1",
            "company_id": "prod",
            "name": "L1",
            "dosage_forms": ("tablet",),
            "response_days": 30,
        }
    ]
    capabilities = [
        {
            "line_id": "L1",
            "atc_code": TARGET,
            "capacity_ddd_per_day": draw(st.sampled_from([500.0, 2000.0, 6000.0])),
            "qualified": draw(st.booleans()),
        }
    ]
    agreements = [
        {
            "agreement_id": f"AG-{k}",
            "line_id": "L1",
            "atc_code": TARGET,
            "reserved_ddd_per_day": draw(st.sampled_from([200.0, 1000.0, 4000.0])),
            "response_days": 30,
            "annual_fee": 1.0,
        }
        for k in range(draw(st.integers(0, 2)))
    ]
    shortages = [
        {
            "notice_id": f"N-{k}",
            "atc_code": TARGET,
            "status": "resolved",
            "start_date": AS_OF - dt.timedelta(days=draw(st.integers(30, 900))),
            "end_date": AS_OF - dt.timedelta(days=draw(st.integers(0, 29))),
        }
        for k in range(draw(st.integers(0, 2)))
    ]
    tables = {
        "countries": countries,
        "companies": companies,
        "substances": substances,
        "sites": sites,
        "products": products,
        "supply": supply,
        "demand": demand,
        "stock": stock,
        "lines": lines,
        "capabilities": capabilities,
        "agreements": agreements,
        "shortages": shortages,
    }
    return Bundle(BundleMeta(country="NO", currency="NOK", as_of=AS_OF), tables)


def target_score(ds: Dataset) -> float:
    return float(score(ds).row(TARGET)["score"])


def with_tables(bundle: Bundle, **tables: Rows) -> Dataset:
    return build_dataset(Bundle(bundle.meta, {**bundle.tables, **tables}))


def stage_countries(bundle: Bundle, product_ids: set[str]) -> dict[str, set[str]]:
    site = {s["site_id"]: s for s in bundle.tables["sites"]}
    out: dict[str, set[str]] = {"api": set(), "fdf": set()}
    for link in bundle.tables["supply"]:
        if link["product_id"] in product_ids:
            s = site[link["site_id"]]
            out[s["stage"]].add(s["country"])
    return out


def target_products(bundle: Bundle) -> Rows:
    return [p for p in bundle.tables["products"] if p["atc_code"] == TARGET]


def time_fraction(bundle: Bundle) -> dict[str, float]:
    return {
        c["country"]: float(
            restriction_time_fraction(
                c["export_restriction_hazard_per_year"], c["export_restriction_mean_days"]
            )
        )
        for c in bundle.tables["countries"]
    }


@FEW
@given(bundle=bundles())
def test_scores_bounded_and_contributions_sum(bundle: Bundle) -> None:
    t = score(build_dataset(bundle))
    assert ((t.substances["score"] >= 0) & (t.substances["score"] <= 100)).all()
    assert ((t.substances["completeness"] >= 0) & (t.substances["completeness"] <= 1)).all()
    sums = t.factors.groupby("atc_code")["contribution"].sum()
    assert np.allclose(sums[t.substances["atc_code"]].to_numpy(), t.substances["score"], atol=TOL)
    assert ((t.factors["exposure"] >= 0) & (t.factors["exposure"] <= 1)).all()


@FEW
@given(bundle=bundles(), data=st.data())
def test_removing_a_supplier_never_lowers_the_score(bundle: Bundle, data: st.DataObject) -> None:
    products = target_products(bundle)
    holders = sorted({p["ma_holder_id"] for p in products})
    eligible = []
    for h in holders:
        gone = {p["product_id"] for p in products if p["ma_holder_id"] == h}
        kept = {p["product_id"] for p in products} - gone
        before, after = stage_countries(bundle, gone), stage_countries(bundle, kept)
        if all(before[s] <= after[s] for s in before):
            eligible.append((h, gone))
    assume(eligible)
    _, gone = data.draw(st.sampled_from(eligible))
    t = bundle.tables
    removed = with_tables(
        bundle,
        products=[p for p in t["products"] if p["product_id"] not in gone],
        supply=[r for r in t["supply"] if r["product_id"] not in gone],
        stock=[r for r in t["stock"] if r["product_id"] not in gone],
    )
    assert target_score(removed) >= target_score(build_dataset(bundle)) - TOL


@FEW
@given(bundle=bundles(), data=st.data())
def test_adding_a_supplier_never_raises_the_score(bundle: Bundle, data: st.DataObject) -> None:
    products = target_products(bundle)
    used_sites = sorted(
        {r["site_id"] for r in bundle.tables["supply"]}
        & {
            r["site_id"]
            for r in bundle.tables["supply"]
            if r["product_id"] in {p["product_id"] for p in products}
        }
    )
    gap = max(0.0, 1.0 - sum(p["market_share"] for p in products))
    share = gap * data.draw(st.sampled_from([0.0, 0.5, 1.0]))
    new_sites = data.draw(st.lists(st.sampled_from(used_sites), unique=True)) if used_sites else []
    new = {
        "product_id": "new-1",
        "atc_code": TARGET,
        "name": "new pack",
        "ma_holder_id": "newco",
        "form": "tablet",
        "ddd_per_pack": 10.0,
        "price_per_pack": 1.0,
        "market_share": share,
    }
    t = bundle.tables
    added = with_tables(
        bundle,
        companies=[*t["companies"], {"company_id": "newco", "name": "New", "country": "US"}],
        products=[*t["products"], new],
        supply=[*t["supply"], *({"product_id": "new-1", "site_id": s} for s in new_sites)],
    )
    assert target_score(added) <= target_score(build_dataset(bundle)) + TOL


def _top_country(ds: Dataset, stage: str) -> str | None:
    losses = country_losses(ds, stage)
    top = losses[(losses["atc_code"] == TARGET) & losses["top"]]
    return None if top.empty else str(top["country"].iloc[0])


def _target_sites(bundle: Bundle, stage: str) -> list[dict[str, Any]]:
    ids = {p["product_id"] for p in target_products(bundle)}
    used = {r["site_id"] for r in bundle.tables["supply"] if r["product_id"] in ids}
    return [s for s in bundle.tables["sites"] if s["site_id"] in used and s["stage"] == stage]


def _move(ds: Dataset, site_id: str, country: str) -> Dataset:
    """`ds` with one site moved; only the sites frame changes, so no rebuild is needed."""
    sites = ds.sites.copy()
    sites.loc[sites["site_id"] == site_id, "country"] = country
    return _with_frames(ds, sites=sites)


@FEW
@given(bundle=bundles(), data=st.data())
def test_moving_a_site_into_the_largest_country_never_lowers_the_score(
    bundle: Bundle, data: st.DataObject
) -> None:
    ds = build_dataset(bundle)
    stages = [st_ for st_ in ("api", "fdf") if _target_sites(bundle, st_)]
    assume(stages)
    stage = data.draw(st.sampled_from(stages))
    top = _top_country(ds, stage)
    assert top is not None
    u = time_fraction(bundle)
    candidates = [
        s for s in _target_sites(bundle, stage) if s["country"] != top and u[s["country"]] <= u[top]
    ]
    assume(candidates)
    site = data.draw(st.sampled_from(candidates))
    moved = _move(ds, site["site_id"], str(top))
    assert target_score(moved) >= target_score(ds) - TOL


@FEWER
@given(bundle=bundles(dense=True), data=st.data())
def test_moving_a_site_out_of_the_largest_country_never_raises_the_score(
    bundle: Bundle, data: st.DataObject
) -> None:
    ds = build_dataset(bundle)
    stages = [st_ for st_ in ("api", "fdf") if _target_sites(bundle, st_)]
    assume(stages)
    stage = data.draw(st.sampled_from(stages))
    top = _top_country(ds, stage)
    assert top is not None
    u = time_fraction(bundle)
    # Every move out of the top country to a country with no higher restriction risk that
    # leaves the top country on top (most moves of a sole site hand the top to the receiver).
    moves = [
        moved
        for site in _target_sites(bundle, stage)
        if site["country"] == top
        for to in COUNTRIES
        if to != top and u[to] <= u[str(top)]
        for moved in [_move(ds, site["site_id"], to)]
        if _top_country(moved, stage) == top
    ]
    assume(moves)
    moved = data.draw(st.sampled_from(moves))
    assert target_score(moved) <= target_score(ds) + TOL


def _with_frames(ds: Dataset, **frames: pd.DataFrame) -> Dataset:
    """`ds` with some derived frames replaced (cheaper than rebuilding from the bundle)."""
    return dataclasses.replace(ds, **frames, _cache={})


@FEW
@given(bundle=bundles(), data=st.data())
def test_stock_lower_never_lowers_higher_never_raises(bundle: Bundle, data: st.DataObject) -> None:
    ds = build_dataset(bundle)
    target = ds.substance_idx(TARGET)
    rows = ds.stock.index[ds.stock["substance_idx"] == target].tolist()
    assume(rows)
    row = data.draw(st.sampled_from(rows))
    packs = int(ds.stock.loc[row, "packs"])
    lower = data.draw(st.integers(0, packs))
    higher = packs + data.draw(st.integers(0, 50_000))

    def with_packs(new: int) -> Dataset:
        stock = ds.stock.copy()
        stock.loc[row, "packs"] = new
        stock.loc[row, "ddd"] = 10.0 * new  # every generated pack holds 10 DDD
        return _with_frames(ds, stock=stock)

    base = target_score(ds)
    assert target_score(with_packs(lower)) >= base - TOL
    assert target_score(with_packs(higher)) <= base + TOL


@FEW
@given(bundle=bundles(), data=st.data())
def test_agreements_removed_never_lower_added_never_raise(
    bundle: Bundle, data: st.DataObject
) -> None:
    ds = build_dataset(bundle)
    agreements = ds.agreements
    base = target_score(ds)
    if len(agreements):
        gone = data.draw(st.sampled_from(agreements.index.tolist()))
        fewer = _with_frames(ds, agreements=agreements.drop(index=gone))
        assert target_score(fewer) >= base - TOL
    extra = {
        "agreement_id": "AG-new",
        "line_id": "L1",
        "atc_code": TARGET,
        "reserved_ddd_per_day": data.draw(st.sampled_from([100.0, 1000.0, 10_000.0])),
        "response_days": 14,
        "annual_fee": 1.0,
        "substance_idx": ds.substance_idx(TARGET),
        "active": True,
    }
    added = pd.concat([agreements, pd.DataFrame([extra])], ignore_index=True)
    more = _with_frames(ds, agreements=added)
    assert target_score(more) <= base + TOL


def test_removing_the_only_supplier_in_a_risky_country_may_lower_exposure(
    small_dataset: Dataset,
) -> None:
    """The documented exception: without a site in China, paracetamol's China exposure goes.

    Removing Nordpharma (its only China-API pack) removes the export-restriction term of China;
    the score still rises here because a supplier and 60 % of supply are lost.
    """
    t = small_dataset.bundle.tables
    gone = {"100001"}
    removed = small_dataset.replace(
        products=[p for p in t["products"] if p["product_id"] not in gone],
        supply=[r for r in t["supply"] if r["product_id"] not in gone],
        stock=[r for r in t["stock"] if r["product_id"] not in gone],
    )
    before = score(small_dataset).explain(TARGET).set_index("factor")
    after = score(removed).explain(TARGET).set_index("factor")
    assert "China" in before.loc["export_restriction", "detail"]
    assert "India" in after.loc["export_restriction", "detail"]
    assert after.loc["suppliers", "contribution"] > before.loc["suppliers", "contribution"]
    assert score(removed).row(TARGET)["score"] > score(small_dataset).row(TARGET)["score"]


@pytest.mark.parametrize("stage", ["api", "fdf"])
def test_top_country_tie_goes_to_higher_restriction_risk(
    small_dataset: Dataset, stage: str
) -> None:
    """Paracetamol 50/50 between China and India: China (higher risk) is reported."""
    products = [
        {**p, "market_share": 0.5} if p["atc_code"] == TARGET else p
        for p in small_dataset.bundle.tables["products"]
    ]
    links = [r for r in small_dataset.bundle.tables["supply"] if r["product_id"] != "100002"]
    links += [
        {"product_id": "100002", "site_id": "in-api-1"},
        {"product_id": "100002", "site_id": "in-fdf-1"},
    ]
    sites = [
        {**s, "country": "CN"} if s["site_id"] == "no-fdf-1" else s
        for s in small_dataset.bundle.tables["sites"]
    ]
    ds = small_dataset.replace(products=products, supply=links, sites=sites)
    assert _top_country(ds, stage) == "CN"
