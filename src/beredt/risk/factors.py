"""Raw values of the vulnerability factors, per substance, from a :class:`Dataset`.

Each factor gives, per substance (by substance index): its raw value (NaN where unknown), the
fraction of it that rests on known data (0–1) and a short description in words. Normalisation
and weighting happen in :mod:`beredt.risk.score`.

Market shares are read as shares of national demand (products.csv: "share of the substance's
demand supplied by this product"; the bundle validator keeps their sum ≤ 1). Demand that no
listed pack supplies (1 − Σ shares, the *gap*) counts as uncovered in every share-based factor,
so taking a supplier away can never make a substance look safer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.domain.enums import ShortageStatus, SiteStage
from beredt.risk.weights import RiskWeights

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class FactorValues:
    """One factor for every substance: raw value (NaN = unknown), known fraction, description.

    `text` is the short description used as a driver; `note`, where given, adds detail for the
    full breakdown (e.g. demand that no listed pack supplies).
    """

    raw: np.ndarray
    known: np.ndarray
    text: list[str]
    note: list[str] | None = None

    def detail(self, i: int) -> str:
        """The full description of substance `i`: text plus note."""
        return self.text[i] + (self.note[i] if self.note else "")


def pct(share: float) -> str:
    """A share as a whole percentage with a thin space, e.g. ``92 %``."""
    return f"{100 * share:.0f} %"


def gap_note(gap: float) -> str:
    """Words for the demand no listed pack supplies (counted as uncovered), when it matters."""
    return f"; {pct(gap)} of demand without a listed pack" if gap >= 0.005 else ""


def _gap_notes(market: _Market) -> list[str]:
    return [
        gap_note(float(g)) if n > 0 else ""
        for g, n in zip(market.gap, market.n_products, strict=True)
    ]


def restriction_time_fraction(
    hazard_per_year: np.ndarray | float, mean_days: np.ndarray | float
) -> np.ndarray:
    """Long-run fraction of time a country restricts exports: h·d / (365 + h·d).

    An alternating renewal process with mean time between restrictions 365/h days and mean
    restriction d days is "off" E[off] / (E[on] + E[off]) of the time (Ross, *Introduction to
    Probability Models*, ch. 7, alternating renewal processes).
    """
    hd = np.asarray(hazard_per_year, dtype=float) * np.asarray(mean_days, dtype=float)
    return np.asarray(hd / (DAYS_PER_YEAR + hd), dtype=float)


@dataclass(frozen=True)
class _Market:
    """Products of each substance with their effective shares of demand."""

    products: pd.DataFrame  # product_id, substance_idx, ma_holder_id, share (effective)
    n_products: np.ndarray
    shares_known: np.ndarray  # bool: some listed share > 0
    gap: np.ndarray  # demand no listed pack supplies


def _market(ds: Dataset) -> _Market:
    S = ds.n_substances
    p = ds.products[["product_id", "substance_idx", "ma_holder_id", "market_share"]].copy()
    idx = p["substance_idx"].to_numpy(dtype=np.int64)
    n = np.bincount(idx, minlength=S).astype(float)
    total = np.bincount(idx, weights=p["market_share"].to_numpy(dtype=float), minlength=S)
    known = total > 0
    # Shares sum to ≤ 1 by validation; the cap only guards hand-built data. All-zero shares
    # mean "unknown": split equally, and the share-based factors lose half their confidence.
    scale = np.where(known, np.maximum(total, 1.0), 0.0)
    equal = np.where(n > 0, 1.0 / np.maximum(n, 1.0), 0.0)
    share = np.where(
        known[idx],
        p["market_share"].to_numpy(dtype=float) / np.where(scale[idx] > 0, scale[idx], 1.0),
        equal[idx],
    )
    p["share"] = share
    covered = np.bincount(idx, weights=share, minlength=S)
    gap = np.where(n > 0, np.clip(1.0 - covered, 0.0, 1.0), 1.0)
    return _Market(p.drop(columns="market_share"), n.astype(np.int64), known, gap)


def criticality(ds: Dataset, weights: RiskWeights) -> FactorValues:
    """Criticality class mapped to its exposure level (EU Union list: serious disease, no easy
    replacement)."""
    levels = weights["criticality"].levels
    classes = ds.substances["criticality"].astype(str).tolist()
    raw = np.array([levels[c] for c in classes], dtype=float)
    text = [f"{c} medicine" for c in classes]
    return FactorValues(raw, np.ones(len(classes)), text)


def suppliers(ds: Dataset, market: _Market) -> FactorValues:
    """Distinct marketing-authorisation holders of the substance's packs (0 = no pack listed)."""
    S = ds.n_substances
    p = market.products
    counts = p.groupby("substance_idx")["ma_holder_id"].nunique()
    raw = counts.reindex(range(S), fill_value=0).to_numpy(dtype=float)
    names = dict(zip(ds.companies["company_id"], ds.companies["name"], strict=True))
    holders = p.groupby("substance_idx")["ma_holder_id"].first()
    text = []
    for i in range(S):
        n = int(raw[i])
        if n == 0:
            text.append("no pack on the market")
        elif n == 1:
            holder = holders.get(i)
            text.append(f"one supplier ({names.get(holder, holder)})")
        else:
            text.append(f"{n} suppliers")
    return FactorValues(raw, np.ones(S), text)


def market_concentration(ds: Dataset, market: _Market) -> FactorValues:
    """Herfindahl-Hirschman index of suppliers' shares of demand, the gap counted as one block.

    HHI = 10,000 × (Σ_h s_h² + gap²) (U.S. DOJ/FTC Merger Guidelines 2023, §2.1). Counting the
    gap as one block keeps the index from falling when a supplier leaves (the classic index
    renormalises the rest and can fall); with complete shares it is the classic index.
    """
    S = ds.n_substances
    by_holder = market.products.groupby(["substance_idx", "ma_holder_id"])["share"].sum()
    sq = (by_holder**2).groupby(level=0).sum().reindex(range(S), fill_value=0.0)
    raw = 10_000.0 * (sq.to_numpy(dtype=float) + market.gap**2)
    known = np.where(market.shares_known, 1.0 - market.gap, 0.0)
    names = dict(zip(ds.companies["company_id"], ds.companies["name"], strict=True))
    top = (
        by_holder.rename("share")
        .reset_index()
        .sort_values(["substance_idx", "share", "ma_holder_id"], ascending=[True, False, True])
        .groupby("substance_idx")
        .head(1)
    )
    top_of = {
        int(r["substance_idx"]): (str(r["ma_holder_id"]), float(r["share"]))
        for r in top.to_dict("records")
    }
    text = []
    for i in range(S):
        if market.n_products[i] == 0:
            text.append("no pack on the market")
            continue
        holder, share = top_of[i]
        words = f"HHI {raw[i]:,.0f}; largest supplier {names.get(holder, holder)} {pct(share)}"
        text.append(words if market.shares_known[i] else words + " (shares unknown, assumed equal)")
    return FactorValues(raw, known, text, _gap_notes(market))


@dataclass(frozen=True)
class CountryLoss:
    """Share of a substance's demand left uncovered if one country stopped one stage."""

    country: str
    loss: float  # dependent + the demand no listed pack supplies
    dependent: float  # share of demand from packs whose sites of the stage are all here
    hazard_per_year: float
    mean_days: float
    time_fraction: float  # long-run fraction of time the country restricts exports

    @property
    def exposure(self) -> float:
        """Expected share of a year's demand cut by the country's export restrictions."""
        return self.loss * self.time_fraction


@dataclass(frozen=True)
class StageExposure:
    """Per substance, for one manufacturing stage: each present country's loss, top first."""

    stage: SiteStage
    losses: list[list[CountryLoss]]
    concentration: np.ndarray  # max(gap, max_c loss_c); NaN where no site is known
    known: np.ndarray


def stage_exposure(ds: Dataset, market: _Market, stage: SiteStage) -> StageExposure:
    """Share of demand uncovered if one country stops making `stage`, for each present country.

    A pack survives a country's stop when it has a site of the stage elsewhere (sites of one
    stage are in parallel, DESIGN.md §2), so loss_c = gap + Σ share of the packs whose sites of
    the stage are all in c. Countries are ordered by loss, ties by restriction risk, then code.
    """
    S = ds.n_substances
    sites = ds.sites[ds.sites["stage"] == stage.value]
    # Plain lists: iterating pandas string arrays element by element is slow.
    site_country = dict(zip(sites["site_id"].tolist(), sites["country"].tolist(), strict=True))
    p = market.products
    pids = p["product_id"].tolist()
    substance_of = dict(zip(pids, p["substance_idx"].astype(int).tolist(), strict=True))
    share_of = dict(zip(pids, p["share"].astype(float).tolist(), strict=True))
    countries_of: dict[str, set[str]] = {}
    links = zip(ds.supply["product_id"].tolist(), ds.supply["site_id"].tolist(), strict=True)
    for pid, sid in links:
        country = site_country.get(sid)
        if country is not None and pid in substance_of:
            countries_of.setdefault(pid, set()).add(country)
    present: list[set[str]] = [set() for _ in range(S)]
    dependent: list[dict[str, float]] = [{} for _ in range(S)]
    covered = np.zeros(S)
    for pid, countries in countries_of.items():
        i = substance_of[pid]
        present[i] |= countries
        covered[i] += share_of[pid]
        if len(countries) == 1:
            (only,) = countries
            dependent[i][only] = dependent[i].get(only, 0.0) + share_of[pid]
    table = ds.countries.set_index("country")
    hazard = table["export_restriction_hazard_per_year"].astype(float).to_dict()
    days = table["export_restriction_mean_days"].astype(float).to_dict()
    risk: dict[str, tuple[float, float, float]] = {}
    for c in set().union(*present) if present else set():
        h, d = float(hazard.get(c, 0.0)), float(days.get(c, 90.0))
        risk[c] = (h, d, float(restriction_time_fraction(h, d)))
    losses: list[list[CountryLoss]] = []
    conc = np.full(S, np.nan)
    gaps = market.gap.tolist()
    for i in range(S):
        gap = gaps[i]
        rows = []
        for c in present[i]:
            h, d, u = risk[c]
            dep = dependent[i].get(c, 0.0)
            rows.append(CountryLoss(c, min(1.0, gap + dep), dep, h, d, u))
        rows.sort(key=lambda r: (-r.loss, -r.time_fraction, r.country))
        losses.append(rows)
        if rows:
            conc[i] = max(gap, rows[0].loss)
    total = 1.0 - market.gap
    frac = np.where(total > 0, np.clip(covered / np.where(total > 0, total, 1.0), 0.0, 1.0), 0.0)
    has_any = np.array([bool(c) for c in present], dtype=bool)
    frac = np.where(has_any & (frac == 0), 1.0, frac)  # sites known only for zero-share packs
    # Confidence: the listed packs' share of demand, of which the part with known sites.
    known = frac * np.where(market.shares_known, 1.0 - market.gap, 0.5)
    none = market.n_products == 0
    conc = np.where(none, 1.0, conc)
    known = np.where(none, 0.0, np.where(has_any, known, 0.0))
    return StageExposure(stage, losses, conc, known)


def country_losses(ds: Dataset, stage: SiteStage | str) -> pd.DataFrame:
    """Per substance and present country: demand share lost if the country stopped `stage`.

    Columns: atc_code, substance_idx, country, loss, hazard_per_year, mean_days,
    time_fraction, exposure, top (the country the concentration factor reports).
    """
    exp = stage_exposure(ds, _market(ds), SiteStage(stage))
    atc = ds.substances["atc_code"].tolist()
    rows = [
        {
            "atc_code": atc[i],
            "substance_idx": i,
            "country": r.country,
            "loss": r.loss,
            "hazard_per_year": r.hazard_per_year,
            "mean_days": r.mean_days,
            "time_fraction": r.time_fraction,
            "exposure": r.exposure,
            "top": k == 0,
        }
        for i, rows_i in enumerate(exp.losses)
        for k, r in enumerate(rows_i)
    ]
    columns = ["atc_code", "substance_idx", "country", "loss", "hazard_per_year", "mean_days"]
    return pd.DataFrame(rows, columns=[*columns, "time_fraction", "exposure", "top"])


def _stage_words(stage: SiteStage) -> str:
    return "API" if stage is SiteStage.API else "finished doses"


def concentration(ds: Dataset, market: _Market, exposure: StageExposure) -> FactorValues:
    """Largest-country share for one stage: demand uncovered if the top country stopped."""
    names = dict(zip(ds.countries["country"], ds.countries["name"], strict=True))
    what = _stage_words(exposure.stage)
    text = []
    for i in range(ds.n_substances):
        if market.n_products[i] == 0:
            text.append("no pack on the market")
        elif not exposure.losses[i]:
            text.append(f"no {what} site known")
        else:
            top = exposure.losses[i][0]
            place = names.get(top.country, top.country)
            if top.dependent > 0:
                words = f"{pct(top.dependent)} of demand depends on {what} from {place}"
            else:
                words = f"every pack has {what} sites in two or more countries"
            text.append(words)
    return FactorValues(exposure.concentration, exposure.known, text, _gap_notes(market))


def export_restriction(
    ds: Dataset, market: _Market, stages: dict[SiteStage, StageExposure]
) -> FactorValues:
    """Largest expected share of a year's demand cut by one country's export restrictions.

    max over countries c and stages of loss_c × h_c d_c / (365 + h_c d_c): the share of demand
    a restriction by c would cut times the long-run fraction of time c restricts (see
    :func:`restriction_time_fraction`).
    """
    S = ds.n_substances
    raw = np.full(S, np.nan)
    text = ["no manufacturing site known"] * S
    names = dict(zip(ds.countries["country"], ds.countries["name"], strict=True))
    order = list(stages)
    for i in range(S):
        if market.n_products[i] == 0:
            text[i] = "no pack on the market"
            continue
        candidates = [(r, stage) for stage in order for r in stages[stage].losses[i]]
        if not candidates:
            continue
        best, stage = min(
            candidates,
            key=lambda rs: (-rs[0].exposure, -rs[0].loss, order.index(rs[1]), rs[0].country),
        )
        raw[i] = best.exposure
        what = _stage_words(stage)
        place = names.get(best.country, best.country)
        if best.hazard_per_year <= 0:
            text[i] = f"no export-restriction hazard where it is made ({place}, {what})"
        else:
            text[i] = (
                f"export restrictions in {place} ({best.hazard_per_year:g}/yr, "
                f"{best.mean_days:.0f} d) would cut {pct(best.dependent)} of demand ({what})"
            )
    known = np.mean([exp.known for exp in stages.values()], axis=0)
    known = np.where(np.isnan(raw), 0.0, known)
    return FactorValues(raw, known, text, _gap_notes(market))


def stock_cover(ds: Dataset) -> FactorValues:
    """Days of supply across all tiers: stock on hand (DDD) / mean demand (DDD/day)."""
    S = ds.n_substances
    held = np.maximum(ds.stock_ddd_by_tier().sum(axis=1).to_numpy(dtype=float), 0.0)
    demand = ds.demand_ddd_per_day
    has_demand = ds.substances["has_demand"].to_numpy(dtype=bool)
    ledger = len(ds.bundle.rows("stock")) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(demand > 0, held / np.where(demand > 0, demand, 1.0), np.inf)
    known = has_demand & ledger
    raw = np.where(known, days, np.nan)
    text = []
    for i in range(S):
        if not ledger:
            text.append("no stock figures in the dataset")
        elif not has_demand[i]:
            text.append("demand unknown")
        elif demand[i] <= 0:
            text.append("no consumption")
        elif held[i] <= 0:
            text.append("no stock on hand")
        else:
            text.append(f"{days[i]:.0f} days of stock")
    return FactorValues(raw, known.astype(float), text)


def domestic_coverage(ds: Dataset, weights: RiskWeights) -> FactorValues:
    """(Reserved capacity under active agreements + credit × qualified unreserved capacity) /
    demand, summed over domestic lines."""
    S = ds.n_substances
    credit = weights.qualified_capacity_credit
    caps = ds.capabilities
    qualified = caps[caps["qualified"].astype(bool)]
    cap = qualified.groupby(["line_id", "substance_idx"])["capacity_ddd_per_day"].sum()
    agreements = ds.active_agreements
    reserved = agreements.groupby(["line_id", "substance_idx"])["reserved_ddd_per_day"].sum()
    both = pd.concat([cap.rename("capacity"), reserved.rename("reserved")], axis=1).fillna(0.0)
    both["effective"] = both["reserved"] + credit * np.maximum(
        0.0, both["capacity"] - both["reserved"]
    )
    per = both.groupby(level="substance_idx")[["effective", "reserved", "capacity"]].sum()
    per = per.reindex(range(S), fill_value=0.0)
    effective = per["effective"].to_numpy(dtype=float)
    demand = ds.demand_ddd_per_day
    has_demand = ds.substances["has_demand"].to_numpy(dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(demand > 0, effective / np.where(demand > 0, demand, 1.0), np.inf)
    raw = np.where(has_demand, coverage, np.nan)
    text = []
    reserved_all = per["reserved"].to_numpy(dtype=float)
    capacity_all = per["capacity"].to_numpy(dtype=float)
    for i in range(S):
        r = float(reserved_all[i])
        c = float(capacity_all[i])
        if r <= 0 and c <= 0:
            text.append("no domestic surge capacity or agreement")
        elif not has_demand[i] or demand[i] <= 0:
            text.append("domestic capacity; demand unknown")
        elif r > 0:
            words = f"agreements reserve {pct(r / demand[i])} of demand"
            if c > r:
                words += f"; qualified capacity {pct(c / demand[i])}"
            text.append(words)
        else:
            text.append(f"qualified domestic capacity {pct(c / demand[i])} of demand, no agreement")
    return FactorValues(raw, has_demand.astype(float), text)


def shortage_history(ds: Dataset, weights: RiskWeights) -> tuple[FactorValues, FactorValues]:
    """Notices and shortage days in the window before the as-of date (cancelled ones excluded).

    A notice lasts from its start to its end date; an open one to the as-of date; a resolved one
    without an end date to its expected end (or one day). Days count each calendar day once
    however many notices overlap it; announced notices that start later count, with 0 days.
    """
    S = ds.n_substances
    as_of = ds.as_of
    window_days = round(weights.shortage_window_years * 365.25)
    start_window = as_of - dt.timedelta(days=window_days - 1)
    notices = ds.shortages[ds.shortages["status"] != ShortageStatus.CANCELLED.value]
    count = np.zeros(S)
    open_count = np.zeros(S)
    days: list[set[int]] = [set() for _ in range(S)]
    for row in notices.to_dict("records"):
        i = int(row["substance_idx"])
        start: dt.date = row["start_date"]
        is_open = bool(row["is_open"])
        end: dt.date
        if isinstance(row["end_date"], dt.date):
            end = row["end_date"]
        elif is_open:
            end = as_of
        elif isinstance(row["expected_end_date"], dt.date):
            end = row["expected_end_date"]
        else:
            end = start
        end = min(end, as_of)
        if start > as_of:
            count[i] += 1
            open_count[i] += is_open
            continue
        if end < start_window:
            continue
        count[i] += 1
        open_count[i] += is_open
        lo = max(start, start_window).toordinal()
        days[i].update(range(lo, end.toordinal() + 1))
    n_days = np.array([len(d) for d in days], dtype=float)
    years = f"{weights.shortage_window_years:g} years"
    count_text = []
    for i in range(S):
        n, k = int(count[i]), int(open_count[i])
        if n == 0:
            count_text.append(f"no shortage notice in {years}")
        else:
            plural = "s" if n != 1 else ""
            extra = f", {k} open" if k else ""
            count_text.append(f"{n} shortage notice{plural} in {years}{extra}")
    day_text = [
        f"{int(d)} shortage days in {years}" if d else f"no shortage days in {years}"
        for d in n_days
    ]
    ones = np.ones(S)
    return FactorValues(count, ones, count_text), FactorValues(n_days, ones.copy(), day_text)


def other_products(ds: Dataset, market: _Market) -> FactorValues:
    """Other packs of the same substance (packs − 1; 0 when there is none)."""
    raw = np.maximum(market.n_products - 1, 0).astype(float)
    text = []
    for n in market.n_products:
        if n == 0:
            text.append("no pack on the market")
        elif n == 1:
            text.append("only one pack")
        else:
            text.append(f"{n - 1} other pack{'s' if n > 2 else ''}")
    return FactorValues(raw, np.ones(ds.n_substances), text)


def therapeutic_alternatives(ds: Dataset, market: _Market) -> FactorValues:
    """Other substances of the same ATC level-4 group with at least one pack listed."""
    atc4 = ds.substances["atc4"].astype(str).to_numpy()
    marketed = market.n_products > 0
    per_group = pd.Series(marketed.astype(int)).groupby(atc4).sum()
    raw = per_group.reindex(atc4).to_numpy(dtype=float) - marketed.astype(float)
    text = []
    for group, n in zip(atc4, raw, strict=True):
        if n == 0:
            text.append(f"no alternative in ATC group {group}")
        else:
            text.append(f"{int(n)} alternative{'s' if n != 1 else ''} in ATC group {group}")
    return FactorValues(raw, np.ones(ds.n_substances), text)


def compute_factors(ds: Dataset, weights: RiskWeights) -> dict[str, FactorValues]:
    """Every factor's raw values for every substance, keyed by factor (FACTORS order)."""
    market = _market(ds)
    stages = {stage: stage_exposure(ds, market, stage) for stage in (SiteStage.API, SiteStage.FDF)}
    count, days = shortage_history(ds, weights)
    makers: dict[str, Callable[[], FactorValues]] = {
        "criticality": lambda: criticality(ds, weights),
        "suppliers": lambda: suppliers(ds, market),
        "market_concentration": lambda: market_concentration(ds, market),
        "api_concentration": lambda: concentration(ds, market, stages[SiteStage.API]),
        "fdf_concentration": lambda: concentration(ds, market, stages[SiteStage.FDF]),
        "export_restriction": lambda: export_restriction(ds, market, stages),
        "stock_cover": lambda: stock_cover(ds),
        "domestic_coverage": lambda: domestic_coverage(ds, weights),
        "shortage_count": lambda: count,
        "shortage_days": lambda: days,
        "other_products": lambda: other_products(ds, market),
        "therapeutic_alternatives": lambda: therapeutic_alternatives(ds, market),
    }
    return {f.key: makers[f.key]() for f in weights.factors}
