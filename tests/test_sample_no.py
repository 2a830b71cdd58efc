"""The Norwegian sample bundle (data/sample-no): generated deterministically, valid, and grounded.

The generator is ``scripts/make_sample_no.py``; the committed bundle must be exactly what it
writes, and its figures must respect the rules SOURCES.md states.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from beredt.domain.bundle import Bundle
from beredt.domain.dataset import Dataset, build_dataset
from beredt.ingest.bundle import read_bundle

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "src" / "beredt" / "data" / "sample-no"
SCRIPT = REPO / "scripts" / "make_sample_no.py"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_no", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample_no"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """The generator script as a module."""
    return _load_generator()


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    """The committed sample bundle, read and validated."""
    return read_bundle(SAMPLE)


@pytest.fixture(scope="module")
def dataset(bundle: Bundle) -> Dataset:
    """The sample's analytic snapshot on its as-of date."""
    return build_dataset(bundle)


def test_regenerating_gives_byte_identical_files(generator: ModuleType, tmp_path: Path) -> None:
    written = generator.write_sample(tmp_path)
    names = sorted(p.name for p in written)
    committed = sorted(p.name for p in SAMPLE.iterdir() if p.is_file())
    assert names == committed
    for name in names:
        same = (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes()
        assert same, f"{name} differs: run scripts/make_sample_no.py and commit the bundle"


def test_bundle_is_valid_and_illustrative(bundle: Bundle) -> None:
    meta = bundle.meta
    assert (meta.country, meta.currency, str(meta.as_of)) == ("NO", "NOK", "2026-11-01")
    assert meta.illustrative is True
    assert meta.population == 5_500_000
    assert "illustrative" in meta.title


# --- substances and demand -------------------------------------------------------------------
def test_about_300_substances_with_the_required_groups(dataset: Dataset) -> None:
    subs = dataset.substances
    codes = set(subs["atc_code"])
    assert 280 <= len(subs) <= 360

    def count(prefix: str) -> int:
        return sum(c.startswith(prefix) for c in codes)

    assert count("A10A") >= 5  # insulins
    assert {"N02BE01", "M01AE01"} <= codes  # paracetamol, ibuprofen
    assert count("N02A") >= 4  # opioid analgesics
    assert {"J01CE02", "J01CA04", "J01CA08", "J01AA02", "J01XE01"} <= codes  # common antibiotics
    assert count("B05B") >= 3  # IV fluids and parenteral nutrition
    assert count("N01A") >= 4  # anaesthetics
    assert count("L01") >= 15  # cytostatics
    assert count("N03A") >= 8  # antiepileptics
    assert count("C") >= 30  # cardiovascular
    assert {"N06BA04", "N06BA12", "N06BA09"} <= codes  # ADHD medicines
    assert set(subs["criticality"]) == {"vital", "essential", "other"}
    vital = set(subs.loc[subs["criticality"] == "vital", "atc_code"])
    assert {"A10AB01", "A10AE04", "B05BB01", "N01AX10", "J01CE01"} <= vital
    assert subs["who_essential"].sum() >= 120


def test_assumed_ddds_say_why_and_who_ddds_give_the_route(dataset: Dataset) -> None:
    subs = dataset.substances
    assumed = subs[subs["ddd_source"] == "assumed"]
    who = subs[subs["ddd_source"] == "who"]
    assert len(assumed) >= 30
    assert all(isinstance(n, str) and len(n) > 30 for n in assumed["ddd_note"])
    assert all(n.startswith("route ") for n in who["ddd_note"])
    # WHO sets no DDDs for infusion solutions, anaesthetics, contrast media and L01.
    for prefix in ("B05B", "N01A", "V08", "L01"):
        assert set(subs.loc[subs["atc_code"].str.startswith(prefix), "ddd_source"]) == {"assumed"}
    known = subs.set_index("atc_code")
    # A few WHO DDDs as published in the ATC/DDD Index.
    for atc, ddd, unit in [
        ("N02BE01", 3, "g"),
        ("J01CE02", 2, "g"),
        ("J01CA04", 1.5, "g"),
        ("A10AB01", 40, "U"),
        ("C10AA05", 20, "mg"),
        ("N06BA04", 30, "mg"),
    ]:
        assert (known.loc[atc, "ddd"], known.loc[atc, "ddd_unit"]) == (ddd, unit)


def test_demand_is_for_5_5_million_with_winter_seasonality(
    generator: ModuleType, dataset: Dataset
) -> None:
    subs = dataset.substances.set_index("atc_code")
    table = {s.atc: s for s in generator.parse_table(generator.TABLE)}
    for atc in ("N02BE01", "C10AA05", "B05BB01"):
        expected = table[atc].ddd_per_1000_per_day * 5_500
        assert subs.loc[atc, "demand_ddd_per_day"] == pytest.approx(expected)
    assert bool(subs["has_demand"].all())
    for atc in ("J01CE02", "J01CA04", "R03AC02"):  # antibiotics and respiratory medicines
        assert subs.loc[atc, "seasonal_amplitude"] > 0
        assert subs.loc[atc, "seasonal_peak_day"] <= 60 or subs.loc[atc, "seasonal_peak_day"] >= 330
    assert subs.loc["C10AA05", "seasonal_amplitude"] == 0
    # National total in a plausible range (Norway: roughly 1,500-1,700 DDD/1000/day in all).
    total_per_1000 = subs["demand_ddd_per_day"].sum() / 5_500
    assert 800 <= total_per_1000 <= 1_600


# --- products and supply -------------------------------------------------------------------
def test_products_per_substance_and_market_shares(dataset: Dataset) -> None:
    products = dataset.products
    assert len(products) <= 1_200
    per_substance = products.groupby("atc_code")
    assert per_substance.size().between(1, 6).all()
    assert set(per_substance.size().index) == set(dataset.substances["atc_code"])
    shares = per_substance["market_share"].sum()
    assert shares.max() <= 1.0 + 1e-9
    assert shares.min() >= 0.85
    holders = set(products["ma_holder_id"])
    ma_holders = dataset.companies[dataset.companies["roles"].map(lambda r: "ma_holder" in r)]
    assert holders <= set(ma_holders["company_id"])


def test_api_sites_concentrated_in_india_and_china(dataset: Dataset) -> None:
    supply = dataset.supply.merge(dataset.sites, on="site_id")
    api = supply[supply["stage"] == "api"].merge(
        dataset.products[["product_id", "atc_code"]], on="product_id"
    )
    generic = set(dataset.products.groupby("atc_code").size().loc[lambda n: n >= 3].index)
    links = api[api["atc_code"].isin(generic)]
    share_in_cn = links["country"].isin(["IN", "CN"]).mean()
    assert share_in_cn >= 0.5
    beta_lactams = api[api["atc_code"].str.startswith(("J01C", "J01D"))]
    assert beta_lactams["country"].isin(["IN", "CN"]).mean() >= 0.6
    # Every product has a finished-dose site. Hazards are calibrated (test_calibrate): a site
    # that is the only one of its stage for several packs has a hazard of its own; a site that
    # alone makes one pack has none (its outages are that pack's).
    fdf = supply[supply["stage"] == "fdf"]
    assert set(fdf["product_id"]) == set(dataset.products["product_id"])
    assert (dataset.sites["outage_hazard_per_year"] >= 0).all()
    assert (dataset.products["outage_hazard_per_year"] > 0).all()
    hazard = dataset.countries.set_index("country")["export_restriction_hazard_per_year"]
    assert hazard["IN"] > hazard["DE"]
    assert hazard["CN"] > hazard["SE"]
    assert hazard["NO"] == 0


# --- stock ---------------------------------------------------------------------------------
def _cover_days(dataset: Dataset, tier: str) -> pd.Series:
    """Days of the product's own demand held in `tier` on the as-of date, per product."""
    stock = dataset.stock[dataset.stock["tier"] == tier].groupby("product_id")["ddd"].sum()
    products = dataset.products.set_index("product_id")
    demand = dataset.substances.set_index("atc_code")["demand_ddd_per_day"]
    product_demand = products["market_share"] * products["atc_code"].map(demand)
    return (stock / product_demand.reindex(stock.index)).dropna()


def test_wholesale_stock_is_two_months_for_listed_products(dataset: Dataset) -> None:
    cover = _cover_days(dataset, "wholesale")
    products = dataset.products.set_index("product_id")
    criticality = dataset.substances.set_index("atc_code")["criticality"]
    listed = products["atc_code"].map(criticality).isin(["vital", "essential"])
    listed_cover = cover[listed.reindex(cover.index)]
    other_cover = cover[~listed.reindex(cover.index)]
    assert len(listed_cover) >= 400
    # Two months of turnover (60-67 days), +/- the few movements and whole-pack rounding.
    assert listed_cover.median() == pytest.approx(63.5, abs=2.0)
    assert listed_cover.quantile(0.05) >= 57
    assert listed_cover.quantile(0.95) <= 70
    assert other_cover.between(8, 40).mean() > 0.95
    sources = dataset.bundle.tables["stock"]
    assert any("grossistforskriften § 5" in (r["source"] or "") for r in sources)


def test_preparedness_stock_covers_a_critical_subset_for_3_to_6_months(dataset: Dataset) -> None:
    by_tier = dataset.stock_ddd_by_tier()
    days = by_tier["preparedness"].to_numpy() / dataset.demand_ddd_per_day
    held = days > 0
    crit = dataset.substances["criticality"].to_numpy()
    assert set(crit[held]) == {"vital"}
    assert 0.5 <= held.sum() / (crit == "vital").sum() <= 0.95
    assert days[held].min() >= 88
    assert days[held].max() <= 185


def test_hospital_pharmacy_and_producer_stock(dataset: Dataset) -> None:
    hospital = _cover_days(dataset, "hospital")
    pharmacy = _cover_days(dataset, "pharmacy")
    producer = _cover_days(dataset, "producer")
    assert hospital.between(12, 44).mean() > 0.95
    assert pharmacy.between(6, 22).mean() > 0.95
    assert producer.between(18, 47).mean() > 0.95
    producer_ids = set(dataset.stock.loc[dataset.stock["tier"] == "producer", "product_id"])
    holders = dataset.products.set_index("product_id").loc[sorted(producer_ids), "ma_holder_id"]
    domestic = set(dataset.companies.loc[dataset.companies["domestic"], "company_id"])
    assert set(holders) <= domestic
    days = dataset.days_of_supply()
    assert np.isfinite(days).all()
    assert (days > 0).all()
    kinds = {r["kind"] for r in dataset.bundle.tables["stock"]}
    assert {str(k) for k in kinds} == {"count", "movement"}


# --- shortage history --------------------------------------------------------------------------
def test_shortage_rate_is_the_national_rate_scaled_to_the_sample(
    generator: ModuleType, dataset: Dataset
) -> None:
    notices = dataset.shortages
    n_products = len(dataset.products)
    # 1,500 notices a year over ~10,000 marketed packs (Legemiddelverket: 1,579 in 2022).
    expected = generator.NOTICES_PER_PACK_YEAR * n_products
    assert 1_400 / 10_000 <= generator.NOTICES_PER_PACK_YEAR <= 1_600 / 10_000
    years = pd.Series([d.year for d in notices["announced_date"]]).value_counts()
    for year in (2023, 2024, 2025):  # complete years of the >= 3-year history
        # Poisson count: allow 5 standard errors, plus the handful of scripted notices.
        assert abs(years[year] - expected) <= 5 * np.sqrt(expected) + 4, (year, years[year])
    assert min(notices["start_date"]) <= dt.date(2023, 1, 1)


def test_shortage_statuses_causes_and_a_handful_open(dataset: Dataset) -> None:
    notices = dataset.shortages
    assert set(notices["status"]) == {"announced", "ongoing", "resolved", "cancelled"}
    assert notices["cause"].nunique() >= 7
    assert notices["cause"].value_counts().index[0] == "manufacturing"
    open_now = dataset.open_shortages
    assert 5 <= len(open_now) <= 30
    resolved = notices[notices["status"] == "resolved"]
    assert all(e >= s for e, s in zip(resolved["end_date"], resolved["start_date"], strict=True))
    assert all(e <= dataset.as_of for e in resolved["end_date"])
    durations = np.array(
        [(e - s).days for e, s in zip(resolved["end_date"], resolved["start_date"], strict=True)]
    )
    assert 14 <= np.median(durations) <= 35


# --- domestic production -------------------------------------------------------------------
def test_twelve_domestic_producers_with_norways_profile(dataset: Dataset) -> None:
    companies = dataset.companies
    producers = companies[companies["roles"].map(lambda r: "producer" in r)]
    assert len(producers) == 12
    assert producers["domestic"].all()
    assert set(producers["company_id"]) == set(dataset.lines["company_id"])
    caps = dataset.capabilities.merge(dataset.lines, on="line_id")
    forms = {f for fs in dataset.lines["dosage_forms"] for f in fs}
    assert {"tablet", "infusion", "injection", "nasal spray", "oral solution"} <= forms
    by_company = caps.groupby("company_id")["atc_code"].apply(set)
    assert any("N02BE01" in s and "M01AE01" in s for s in by_company)  # analgesic tablets
    assert any({"B05BB01", "B05BA10"} <= s for s in by_company)  # IV fluids and PN
    assert any("V08AB02" in s for s in by_company)  # contrast media
    domestic_api = dataset.sites[
        (dataset.sites["country"] == "NO") & (dataset.sites["stage"] == "api")
    ]
    assert len(domestic_api) >= 2  # an API plant (and the contrast-media API plant)
    aseptic = caps[caps["name"].str.contains("Aseptic")]
    assert aseptic["atc_code"].str.startswith("L01").all()  # hospital-pharmacy production
    assert (~caps["qualified"]).any()
    assert caps["capacity_ddd_per_day"].gt(0).all()
    assert (dataset.lines["response_days"] > 0).all()


def test_offers_menu_and_agreements(dataset: Dataset) -> None:
    assert 20 <= len(dataset.valid_offers) <= 40
    active = dataset.active_agreements
    assert 3 <= len(active) <= 8
    assert len(dataset.agreements) > len(active)  # history: an expired agreement
    caps = dataset.capabilities.set_index(["line_id", "atc_code"])
    for row in dataset.valid_offers.itertuples():
        cap = caps.loc[(row.line_id, row.atc_code)]
        assert row.reserved_ddd_per_day <= cap["capacity_ddd_per_day"]
        assert row.annual_fee > 0


# --- industry and trade ------------------------------------------------------------------------
def test_industry_figures_follow_the_source_text(dataset: Dataset) -> None:
    industry = dataset.industry.set_index("year")
    row = industry.loc[2020]
    assert row["companies"] == 12
    assert 2_600 <= row["employees"] < 2_700  # "just under 2,700"
    assert row["exports_value"] == pytest.approx(15e9, rel=0.05)  # "about NOK 15 billion"
    assert "LMI" in row["source"]
    assert all(s == "illustrative" for y, s in industry["source"].items() if y != 2020)


def test_trade_series_consistent_with_the_source_texts(dataset: Dataset) -> None:
    trade = dataset.trade
    zz = trade[trade["partner_country"] == "ZZ"]
    exports = zz[(zz["flow"] == "export") & zz["hs_code"].str.startswith("30")]
    by_year = exports.groupby("period")["value"].sum()
    assert by_year["2020"] == pytest.approx(15e9, rel=0.05)
    # The ambition: double the health industry's export revenue by 2025. The illustrative
    # series grows, but falls short of the doubling.
    assert by_year["2020"] < by_year["2025"] < 2 * by_year["2020"]
    mainland = zz[zz["hs_code"] == "00"].set_index("flow")["value"]
    assert mainland["export"] / mainland["import"] == pytest.approx(0.58, abs=0.005)
    assert set(trade["period"]) >= {str(y) for y in range(2015, 2026)}
    assert all("illustrative" in s for s in trade["source"])
    destinations = trade[(trade["partner_country"] != "ZZ") & (trade["flow"] == "export")]
    for (period, code), parts in destinations.groupby(["period", "hs_code"]):
        total = zz[(zz["period"] == period) & (zz["hs_code"] == code) & (zz["flow"] == "export")]
        assert parts["value"].sum() < total["value"].iloc[0]


def test_sources_file_cites_and_labels(bundle: Bundle) -> None:
    text = (SAMPLE / "SOURCES.md").read_text(encoding="utf-8")
    for needle in (
        "ATC/DDD Index 2025",
        "Essential Medicines",
        "Legemiddelforbruket i Norge",
        "NORM",
        "grossistforskriften § 5",
        "1,579",
        "Pro Generika",
        "illustrative",
        "58 %",
    ):
        assert needle in text, needle
    names = " ".join(s.name + " " + (s.note or "") for s in bundle.meta.sources)
    assert "ILLUSTRATIVE" in names
