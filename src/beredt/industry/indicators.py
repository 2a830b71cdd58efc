"""Health-industry indicators: trade by commodity group, growth against a target, exports by
destination, self-sufficiency in essential medicines, and the industry's own figures.

Sources of the questions (``docs/industry.md``): LMI, *Legemiddelproduksjon i Norge* (2020): 12
producing companies, just under 2,700 employees, about NOK 15 billion exported, and the ambition
to double the health industry's export revenue by 2025; LO et al., *Stort potensial for eksport
av norsk helseindustri* (2021): mainland goods exports are only 58 % of goods imports, and a
strong health industry strengthens preparedness.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from beredt.domain.atc import AtcCode
from beredt.domain.dataset import Dataset
from beredt.domain.enums import Criticality, SiteStage
from beredt.industry.groups import TOTAL, UNASSIGNED, CommodityGroups, group_table, load_groups
from beredt.industry.ssb import ALL_COUNTRIES
from beredt.results import Provenance, provenance

#: WHO ATC anatomical main groups (level 1), for readable self-sufficiency tables.
ATC_MAIN_GROUPS: Mapping[str, str] = {
    "A": "Alimentary tract and metabolism",
    "B": "Blood and blood forming organs",
    "C": "Cardiovascular system",
    "D": "Dermatologicals",
    "G": "Genito-urinary system and sex hormones",
    "H": "Systemic hormonal preparations, excl. sex hormones and insulins",
    "J": "Antiinfectives for systemic use",
    "L": "Antineoplastic and immunomodulating agents",
    "M": "Musculo-skeletal system",
    "N": "Nervous system",
    "P": "Antiparasitic products, insecticides and repellents",
    "R": "Respiratory system",
    "S": "Sensory organs",
    "V": "Various",
}
#: Which substances count as essential medicines for the self-sufficiency ratio.
SCOPES: Mapping[str, str] = {
    "critical": "criticality vital or essential",
    "vital": "criticality vital",
    "who_essential": "on the WHO Model List of Essential Medicines",
    "all": "every substance with demand",
}
#: Defaults from the source text: double export revenue from 2020 to 2025.
DEFAULT_BASE_YEAR = 2020
DEFAULT_TARGET_YEAR = 2025
DEFAULT_FACTOR = 2.0


# --- trade ------------------------------------------------------------------------------------
def annual_trade(trade: pd.DataFrame) -> pd.DataFrame:
    """Trade per (year, hs_code, flow) in currency, summed over partners without double counting.

    Per period an all-country (``ZZ``) figure is used where the data has one, else the sum of the
    country figures; per year an annual figure is used where there is one, else the sum of the
    months (``months`` tells how many; 12 for an annual figure).
    """
    cols = ["year", "hs_code", "flow", "value", "months"]
    if trade.empty:
        return pd.DataFrame(columns=cols)
    t = _with_year(trade)
    t["zz"] = t["partner_country"] == ALL_COUNTRIES
    t["zz_value"] = t["value"].where(t["zz"], 0.0)
    t["country_value"] = t["value"].where(~t["zz"], 0.0)
    per_period = t.groupby(["period", "year", "is_month", "hs_code", "flow"], as_index=False).agg(
        has_zz=("zz", "any"), zz_value=("zz_value", "sum"), country_value=("country_value", "sum")
    )
    per_period["value"] = per_period["zz_value"].where(
        per_period["has_zz"], per_period["country_value"]
    )
    return _to_years(per_period)


def inconsistent_totals(trade: pd.DataFrame) -> pd.DataFrame:
    """(period, hs_code, flow) whose all-country figure is below the sum of its country figures.

    Such totals come from mixing sources (e.g. an illustrative total and a country breakdown);
    :func:`annual_trade` uses the all-country figure, so the user should know.
    """
    cols = ["period", "hs_code", "flow", "all_countries", "sum_of_countries"]
    if trade.empty:
        return pd.DataFrame(columns=cols)
    t = _with_year(trade)
    zz = t["partner_country"] == ALL_COUNTRIES
    keys = ["period", "hs_code", "flow"]
    totals = t[zz].groupby(keys)["value"].sum().rename("all_countries")
    parts = t[~zz].groupby(keys)["value"].sum().rename("sum_of_countries")
    both = pd.concat([totals, parts], axis=1, join="inner").reset_index()
    bad = both["sum_of_countries"] > both["all_countries"] * (1 + 1e-9) + 1e-6
    return both[bad].reset_index(drop=True)[cols]


def _with_year(trade: pd.DataFrame) -> pd.DataFrame:
    t = trade[["period", "hs_code", "flow", "partner_country", "value"]].copy()
    t["period"] = t["period"].astype(str)
    t["flow"] = t["flow"].astype(str)
    t["hs_code"] = t["hs_code"].astype(str)
    t["year"] = t["period"].str.slice(0, 4).astype(int)
    t["is_month"] = t["period"].str.len() == 7
    t["value"] = t["value"].astype(float)
    return t


def _to_years(per_period: pd.DataFrame, extra_keys: Sequence[str] = ()) -> pd.DataFrame:
    keys = ["year", "hs_code", "flow", *extra_keys]
    p = per_period.copy()
    p["annual_value"] = p["value"].where(~p["is_month"], 0.0)
    p["monthly_value"] = p["value"].where(p["is_month"], 0.0)
    p["annual"] = ~p["is_month"]
    p["month_period"] = p["period"].where(p["is_month"])
    years = p.groupby(keys, as_index=False).agg(
        has_annual=("annual", "any"),
        annual_value=("annual_value", "sum"),
        monthly_value=("monthly_value", "sum"),
        months=("month_period", "nunique"),
    )
    years["value"] = years["annual_value"].where(years["has_annual"], years["monthly_value"])
    years["months"] = np.where(years["has_annual"], 12, years["months"]).astype(int)
    return years[[*keys, "value", "months"]].sort_values(keys, ignore_index=True)


def trade_by_group(trade: pd.DataFrame, groups: CommodityGroups) -> pd.DataFrame:
    """Exports, imports and balance (currency) per commodity group and year, plus a total row.

    Columns: group, year, exports, imports, balance (exports − imports), export_import_ratio
    (exports / imports, the measure behind the source text's "58 %"), months (12 = complete).
    """
    cols = [
        "group",
        "year",
        "exports",
        "imports",
        "balance",
        "export_import_ratio",
        "months",
    ]
    yearly = annual_trade(trade)
    if yearly.empty:
        return pd.DataFrame(columns=cols)
    assignment = groups.assign_many(yearly["hs_code"])
    yearly["group"] = yearly["hs_code"].map(lambda c: assignment[c] or UNASSIGNED)
    in_groups = yearly[yearly["group"] != UNASSIGNED]
    parts = [in_groups, in_groups.assign(group=TOTAL)]
    stacked = pd.concat(parts, ignore_index=True)
    table = _flows_wide(stacked, ["group", "year"])
    order = {g: i for i, g in enumerate([*groups.ids, TOTAL])}
    table["_order"] = table["group"].map(order)
    table = table.sort_values(["_order", "year"], ignore_index=True).drop(columns="_order")
    return table[cols]


def _flows_wide(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Exports and imports side by side per `keys`, with balance, ratio and complete months."""
    if frame.empty:
        return pd.DataFrame(
            columns=[*keys, "exports", "imports", "balance", "export_import_ratio", "months"]
        )
    value = frame.pivot_table(
        index=keys, columns="flow", values="value", aggfunc="sum", fill_value=0.0
    )
    months = frame.groupby(keys)["months"].min()
    out = pd.DataFrame(index=value.index)
    for flow, column in (("export", "exports"), ("import", "imports")):
        out[column] = value[flow] if flow in value.columns else 0.0
    out["balance"] = out["exports"] - out["imports"]
    out["export_import_ratio"] = np.where(
        out["imports"] > 0, out["exports"] / out["imports"].where(out["imports"] > 0, 1.0), np.nan
    )
    out["months"] = months.reindex(out.index).astype(int)
    return out.reset_index()


def unassigned_codes(trade: pd.DataFrame, groups: CommodityGroups) -> pd.DataFrame:
    """Codes in the trade data that belong to no group (or are excluded), with their totals."""
    cols = ["hs_code", "excluded", "years", "exports", "imports"]
    yearly = annual_trade(trade)
    if yearly.empty:
        return pd.DataFrame(columns=cols)
    assignment = groups.assign_many(yearly["hs_code"])
    out = yearly[yearly["hs_code"].map(lambda c: assignment[c] is None)]
    if out.empty:
        return pd.DataFrame(columns=cols)
    wide = out.pivot_table(
        index="hs_code", columns="flow", values="value", aggfunc="sum", fill_value=0.0
    )
    span = out.groupby("hs_code")["year"].agg(lambda y: f"{y.min()}–{y.max()}")
    res = pd.DataFrame(
        {
            "hs_code": wide.index,
            "excluded": [groups.is_excluded(c) for c in wide.index],
            "years": span.reindex(wide.index).to_numpy(),
            "exports": wide["export"].to_numpy() if "export" in wide else 0.0,
            "imports": wide["import"].to_numpy() if "import" in wide else 0.0,
        }
    )
    return res.sort_values("hs_code", ignore_index=True)[cols]


def exports_by_destination(
    trade: pd.DataFrame, groups: CommodityGroups, group: str = TOTAL
) -> pd.DataFrame:
    """Exports of `group` (default: all groups) per year and destination country, with shares.

    Only figures broken down by country count (all-country ``ZZ`` figures have no destination);
    ``share`` is of the year's country-resolved exports of the group.
    """
    cols = ["year", "partner_country", "exports", "share", "months"]
    if trade.empty:
        return pd.DataFrame(columns=cols)
    t = _with_year(trade)
    t = t[(t["flow"] == "export") & (t["partner_country"] != ALL_COUNTRIES)]
    if t.empty:
        return pd.DataFrame(columns=cols)
    assignment = groups.assign_many(t["hs_code"])
    t = t.assign(group=t["hs_code"].map(lambda c: assignment[c]))
    t = t[t["group"].notna()] if group == TOTAL else t[t["group"] == group]
    if t.empty:
        return pd.DataFrame(columns=cols)
    per_period = t.groupby(
        ["period", "year", "is_month", "hs_code", "flow", "partner_country"], as_index=False
    )[["value"]].sum()
    yearly = _to_years(per_period, ["partner_country"])
    dest = yearly.groupby(["year", "partner_country"], as_index=False).agg(
        exports=("value", "sum"), months=("months", "min")
    )
    dest["share"] = dest["exports"] / dest.groupby("year")["exports"].transform("sum")
    dest = dest.sort_values(["year", "exports", "partner_country"], ascending=[True, False, True])
    return dest.reset_index(drop=True)[cols]


# --- growth against a target -------------------------------------------------------------------
@dataclass(frozen=True)
class TargetProgress:
    """Growth of a series against "multiply by `factor` from `base_year` to `target_year`".

    Compound annual growth rate (CAGR): from value V₀ to V₁ over n years, (V₁/V₀)^(1/n) − 1.
    Required: r = factor^(1/(T − B)) − 1; achieved: g = (V_L / V_B)^(1/(L − B)) − 1 at the latest
    year L with data; the target path is V_B·(1 + r)^(y − B); the gap at L is V_L minus the path
    (negative = behind), in currency.
    """

    series: str
    base_year: int
    target_year: int
    factor: float
    required_cagr: float
    base_value: float | None = None
    target_value: float | None = None
    latest_year: int | None = None
    latest_value: float | None = None
    achieved_cagr: float | None = None
    path_value_at_latest: float | None = None
    gap_at_latest: float | None = None
    required_cagr_from_latest: float | None = None
    projected_value_at_target: float | None = None
    projected_gap_at_target: float | None = None
    on_track: bool | None = None
    path: pd.DataFrame = field(default_factory=pd.DataFrame)
    note: str = ""


def required_cagr(factor: float, years: float) -> float:
    """Annual growth rate that multiplies a value by `factor` in `years`: factor^(1/years) − 1."""
    if factor <= 0:
        raise ValueError(f"factor must be positive, is {factor}")
    if years <= 0:
        raise ValueError(f"the target must lie after the base year ({years} years given)")
    return float(factor ** (1.0 / years) - 1.0)


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth rate from `start_value` to `end_value` over `years`."""
    if start_value <= 0:
        raise ValueError("the start value must be positive for a growth rate")
    if years <= 0:
        raise ValueError("a growth rate needs at least one year")
    if end_value < 0:
        raise ValueError("the end value must not be negative")
    return float((end_value / start_value) ** (1.0 / years) - 1.0)


def growth_against_target(
    series: Mapping[int, float],
    base_year: int = DEFAULT_BASE_YEAR,
    target_year: int = DEFAULT_TARGET_YEAR,
    factor: float = DEFAULT_FACTOR,
    name: str = "exports",
) -> TargetProgress:
    """Required vs achieved CAGR and the gap to the target path for a yearly `series`.

    The latest year is the last year after the base year and not after the target year with a
    value; years after the target year are shown on the path but not judged.
    """
    r = required_cagr(factor, target_year - base_year)
    clean = {int(y): float(v) for y, v in series.items() if v is not None and not _isnan(v)}
    years = sorted(set(clean) | set(range(base_year, target_year + 1)))
    base = clean.get(base_year)
    path_rows = [
        {
            "year": y,
            "target_path": base * (1 + r) ** (y - base_year)
            if base is not None and y >= base_year
            else None,
            "actual": clean.get(y),
        }
        for y in years
    ]
    path = pd.DataFrame(path_rows, columns=["year", "target_path", "actual"])
    common: dict[str, Any] = {
        "series": name,
        "base_year": base_year,
        "target_year": target_year,
        "factor": factor,
        "required_cagr": r,
        "path": path,
    }
    if base is None or base <= 0:
        have = ", ".join(str(y) for y in sorted(clean)) or "none"
        return TargetProgress(
            **common,
            note=f"no positive {name} figure for the base year {base_year} (years with data: {have})",
        )
    target = base * factor
    later = [y for y in clean if base_year < y <= target_year]
    if not later:
        return TargetProgress(
            **common,
            base_value=base,
            target_value=target,
            note=f"no {name} figure after the base year {base_year} yet",
        )
    latest = max(later)
    v_latest = clean[latest]
    g = cagr(base, v_latest, latest - base_year)
    on_path = base * (1 + r) ** (latest - base_year)
    remaining = target_year - latest
    if remaining > 0:
        needed = cagr(v_latest, target, remaining) if v_latest > 0 else math.inf
        projected = v_latest * (1 + g) ** remaining
    else:
        needed, projected = None, v_latest
    return TargetProgress(
        **common,
        base_value=base,
        target_value=target,
        latest_year=latest,
        latest_value=v_latest,
        achieved_cagr=g,
        path_value_at_latest=on_path,
        gap_at_latest=v_latest - on_path,
        required_cagr_from_latest=needed,
        projected_value_at_target=projected,
        projected_gap_at_target=projected - target,
        on_track=bool(g >= r - 1e-12),
    )


def _isnan(v: Any) -> bool:
    try:
        return bool(np.isnan(v))
    except TypeError:
        return False


# --- self-sufficiency ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SelfSufficiency:
    """Domestic capacity against national demand for essential medicines, by substance and group.

    Per substance s with demand d_s (DDD/day): qualified capacity Q_s = Σ capacity of qualified
    capabilities on domestic companies' lines (each line making only s); agreed capacity A_s =
    Σ reserved capacity of active agreements. Ratios are demand-weighted and capped per substance
    so that surplus on one substance cannot hide a gap on another: Σ min(Q_s, d_s) / Σ d_s.
    The *joint* qualified ratio solves a linear programme in which substances of a group share
    their lines (Σ_s x_ls / cap_ls ≤ 1 per line, Σ_l x_ls ≤ d_s): the coverage reachable if the
    whole group were short at once.
    """

    scope: str
    atc_level: int
    by_substance: pd.DataFrame
    by_group: pd.DataFrame
    total: dict[str, Any]
    vital_without_domestic_option: pd.DataFrame


def self_sufficiency(
    dataset: Dataset, scope: str = "critical", atc_level: int = 1
) -> SelfSufficiency:
    """Self-sufficiency ratios for the substances in `scope`, by ATC group at `atc_level` (1–4)."""
    if scope not in SCOPES:
        raise ValueError(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    if atc_level not in (1, 2, 3, 4):
        raise ValueError(f"atc_level must be 1–4, is {atc_level}")
    subs = dataset.substances
    demand = dataset.demand_ddd_per_day
    crit = subs["criticality"].astype(str).to_numpy()
    who = subs["who_essential"].fillna(False).astype(bool).to_numpy()
    in_scope = {
        "critical": np.isin(crit, [Criticality.VITAL.value, Criticality.ESSENTIAL.value]),
        "vital": crit == Criticality.VITAL.value,
        "who_essential": who,
        "all": np.ones(len(subs), dtype=bool),
    }[scope]

    caps = _domestic_capabilities(dataset)
    qualified = caps[caps["qualified"]]
    q_by_s = qualified.groupby("substance_idx")["capacity_ddd_per_day"].sum()
    unq_by_s = caps[~caps["qualified"]].groupby("substance_idx")["capacity_ddd_per_day"].sum()
    api_by_s = qualified.groupby("substance_idx")["api_on_hand_ddd"].sum()
    api_from = (
        qualified.dropna(subset=["api_source_country"])
        .groupby("substance_idx")["api_source_country"]
        .agg(lambda c: ";".join(sorted(set(map(str, c)))))
    )
    agreements = dataset.active_agreements
    a_by_s = agreements.groupby("substance_idx")["reserved_ddd_per_day"].sum()
    offers = dataset.valid_offers
    o_by_s = offers.groupby("substance_idx")["reserved_ddd_per_day"].sum()
    fdf_share = _domestic_fdf_share(dataset)

    n = len(subs)
    idx = np.arange(n)

    def per_sub(series: pd.Series) -> np.ndarray:
        return series.reindex(idx, fill_value=0.0).to_numpy(dtype=float)

    q = per_sub(q_by_s)
    a = per_sub(a_by_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_ratio = np.where(demand > 0, np.minimum(q, demand) / demand, np.nan)
        a_ratio = np.where(demand > 0, np.minimum(a, demand) / demand, np.nan)
        api_days = np.where(demand > 0, per_sub(api_by_s) / demand, np.nan)
    groups = [AtcCode.parse(c).at_level(atc_level).code for c in subs["atc_code"]]
    has_option = (q > 0) | (a > 0) | (per_sub(o_by_s) > 0)
    by_sub = pd.DataFrame(
        {
            "atc_code": subs["atc_code"].to_numpy(),
            "name": subs["name"].to_numpy(),
            "atc_group": groups,
            "criticality": crit,
            "who_essential": who,
            "demand_ddd_per_day": demand,
            "qualified_capacity_ddd_per_day": q,
            "agreed_capacity_ddd_per_day": a,
            "offered_capacity_ddd_per_day": per_sub(o_by_s),
            "unqualified_capacity_ddd_per_day": per_sub(unq_by_s),
            "qualified_ratio": q_ratio,
            "agreed_ratio": a_ratio,
            "api_on_hand_days": api_days,
            "api_source_countries": api_from.reindex(idx, fill_value="").to_numpy(),
            "domestic_fdf_share": fdf_share,
            "domestic_option": has_option,
        }
    )
    by_sub = by_sub[in_scope].reset_index(drop=True)

    rows = []
    with_demand = by_sub[by_sub["demand_ddd_per_day"] > 0]
    for group_code, part in with_demand.groupby("atc_group", sort=True):
        rows.append(_group_row(str(group_code), part, qualified, atc_level))
    by_group = pd.DataFrame(
        rows,
        columns=[
            "atc_group",
            "atc_group_name",
            "substances",
            "demand_ddd_per_day",
            "qualified_covered_ddd_per_day",
            "qualified_ratio",
            "qualified_joint_ratio",
            "agreed_covered_ddd_per_day",
            "agreed_ratio",
            "substances_without_domestic_option",
        ],
    )
    total = _group_row(TOTAL, with_demand, qualified, atc_level) if len(with_demand) else {}

    vital = by_sub[(by_sub["criticality"] == Criticality.VITAL.value) & ~by_sub["domestic_option"]]
    vital_list = vital[
        [
            "atc_code",
            "name",
            "atc_group",
            "demand_ddd_per_day",
            "who_essential",
            "unqualified_capacity_ddd_per_day",
            "domestic_fdf_share",
        ]
    ].reset_index(drop=True)
    return SelfSufficiency(scope, atc_level, by_sub, by_group, total, vital_list)


def _group_row(
    group_code: str, part: pd.DataFrame, qualified: pd.DataFrame, atc_level: int
) -> dict[str, Any]:
    d = part["demand_ddd_per_day"].to_numpy(dtype=float)
    q = part["qualified_capacity_ddd_per_day"].to_numpy(dtype=float)
    a = part["agreed_capacity_ddd_per_day"].to_numpy(dtype=float)
    total_demand = float(d.sum())
    q_cov = float(np.minimum(q, d).sum())
    a_cov = float(np.minimum(a, d).sum())
    joint = _joint_coverage(part, qualified)
    name = ATC_MAIN_GROUPS.get(group_code, "") if atc_level == 1 else ""
    if group_code == TOTAL:
        name = "All substances in scope"
    return {
        "atc_group": group_code,
        "atc_group_name": name,
        "substances": len(part),
        "demand_ddd_per_day": total_demand,
        "qualified_covered_ddd_per_day": q_cov,
        "qualified_ratio": q_cov / total_demand if total_demand > 0 else math.nan,
        "qualified_joint_ratio": joint / total_demand if total_demand > 0 else math.nan,
        "agreed_covered_ddd_per_day": a_cov,
        "agreed_ratio": a_cov / total_demand if total_demand > 0 else math.nan,
        "substances_without_domestic_option": int((~part["domestic_option"]).sum()),
    }


def _joint_coverage(part: pd.DataFrame, qualified: pd.DataFrame) -> float:
    """Max Σ covered DDD/day when the substances of `part` share their qualified lines (an LP)."""
    demand = dict(zip(part["atc_code"], part["demand_ddd_per_day"].astype(float), strict=True))
    caps = qualified[qualified["atc_code"].isin(demand)]
    caps = caps[caps["capacity_ddd_per_day"] > 0]
    if caps.empty:
        return 0.0
    lines = sorted(caps["line_id"].unique())
    substances = sorted(caps["atc_code"].unique())
    n_var = len(caps)
    a_ub = np.zeros((len(lines) + len(substances), n_var))
    b_ub = np.zeros(len(lines) + len(substances))
    line_row = {line: i for i, line in enumerate(lines)}
    sub_row = {s: len(lines) + i for i, s in enumerate(substances)}
    for j, (line, atc, cap) in enumerate(
        caps[["line_id", "atc_code", "capacity_ddd_per_day"]].itertuples(index=False, name=None)
    ):
        a_ub[line_row[line], j] = 1.0 / float(cap)
        a_ub[sub_row[atc], j] = 1.0
    b_ub[: len(lines)] = 1.0
    for s, row in sub_row.items():
        b_ub[row] = demand[s]
    res = linprog(-np.ones(n_var), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if res.status != 0:  # pragma: no cover - a bounded feasible LP; kept as a guard
        raise RuntimeError(f"joint-coverage LP failed: {res.message}")
    return float(-res.fun)


def _domestic_capabilities(dataset: Dataset) -> pd.DataFrame:
    """Capabilities of lines that belong to domestic companies, with the line's company."""
    caps = dataset.capabilities
    cols = [
        "line_id",
        "atc_code",
        "substance_idx",
        "capacity_ddd_per_day",
        "api_on_hand_ddd",
        "api_source_country",
        "qualified",
    ]
    if caps.empty:
        return pd.DataFrame(columns=cols).astype({"qualified": bool})
    company_of_line = dataset.lines.set_index("line_id")["company_id"]
    domestic = dataset.companies.set_index("company_id")["domestic"].astype(bool)
    is_domestic = caps["line_id"].map(company_of_line).map(domestic).fillna(False).astype(bool)
    out = caps[is_domestic][cols].copy()
    out["qualified"] = out["qualified"].astype(bool)
    out["api_on_hand_ddd"] = out["api_on_hand_ddd"].fillna(0.0).astype(float)
    return out


def _domestic_fdf_share(dataset: Dataset) -> np.ndarray:
    """Per substance: market share of products with a finished-dose site in the home country."""
    share = np.zeros(dataset.n_substances)
    if dataset.products.empty or dataset.supply.empty:
        return share
    sites = dataset.sites.set_index("site_id")
    supply = dataset.supply.assign(
        country=dataset.supply["site_id"].map(sites["country"]),
        stage=dataset.supply["site_id"].map(sites["stage"]).astype(str),
    )
    home_fdf = supply[
        (supply["stage"] == SiteStage.FDF.value) & (supply["country"] == dataset.country)
    ]
    made_home = set(home_fdf["product_id"])
    products = dataset.products
    mask = products["product_id"].isin(made_home).to_numpy()
    np.add.at(
        share,
        products["substance_idx"].to_numpy()[mask],
        products["market_share"].to_numpy(dtype=float)[mask],
    )
    return np.minimum(share, 1.0)


# --- the industry's own figures ----------------------------------------------------------------
def industry_figures(dataset: Dataset, by_group: pd.DataFrame | None = None) -> pd.DataFrame:
    """The industry table (companies, employees, export revenue by year) with derived figures.

    Adds export revenue per employee and, where trade figures exist, the year's exports of the
    pharmaceutical group and of all groups from the trade statistics, for comparison.
    """
    ind = dataset.industry.copy()
    cols = [
        "year",
        "companies",
        "employees",
        "exports_value",
        "exports_per_employee",
        "trade_exports_pharmaceuticals",
        "trade_exports_all_groups",
        "source",
    ]
    if ind.empty:
        return pd.DataFrame(columns=cols)
    ind["year"] = ind["year"].astype(int)
    exports = pd.to_numeric(ind["exports_value"], errors="coerce")
    employees = pd.to_numeric(ind["employees"], errors="coerce")
    ind["exports_per_employee"] = np.where(
        employees > 0, exports / employees.where(employees > 0), np.nan
    )
    ind["trade_exports_pharmaceuticals"] = np.nan
    ind["trade_exports_all_groups"] = np.nan
    if by_group is not None and not by_group.empty:
        for col, group in (
            ("trade_exports_pharmaceuticals", "pharmaceuticals"),
            ("trade_exports_all_groups", TOTAL),
        ):
            series = by_group[by_group["group"] == group].set_index("year")["exports"]
            ind[col] = ind["year"].map(series)
    return ind.sort_values("year", ignore_index=True)[cols]


# --- everything together -----------------------------------------------------------------------
@dataclass(frozen=True)
class IndustryIndicators:
    """All industry indicators of one dataset, with the parameters and provenance."""

    provenance: Provenance
    currency: str
    groups: list[dict[str, Any]]
    trade_by_group: pd.DataFrame
    unassigned: pd.DataFrame
    targets: list[TargetProgress]
    exports_by_destination: pd.DataFrame
    self_sufficiency: SelfSufficiency
    industry: pd.DataFrame
    trade_sources: list[str]
    notes: list[str]

    def target(self, series: str) -> TargetProgress:
        """The target evaluation of `series` (``trade:total``, ``trade:<group>``, ``industry``)."""
        for t in self.targets:
            if t.series == series:
                return t
        raise KeyError(f"no target series {series!r}")


def industry_indicators(
    dataset: Dataset,
    *,
    groups: CommodityGroups | None = None,
    base_year: int = DEFAULT_BASE_YEAR,
    target_year: int = DEFAULT_TARGET_YEAR,
    factor: float = DEFAULT_FACTOR,
    scope: str = "critical",
    atc_level: int = 1,
) -> IndustryIndicators:
    """Compute every industry indicator of `dataset` (see the module and ``docs/industry.md``)."""
    groups = groups or load_groups()
    required_cagr(factor, target_year - base_year)  # validate before any work
    trade = dataset.trade
    by_group = trade_by_group(trade, groups)
    targets: list[TargetProgress] = []
    for gid in (TOTAL, *groups.ids):
        rows = by_group[(by_group["group"] == gid) & (by_group["months"] == 12)]
        series = dict(zip(rows["year"].astype(int), rows["exports"].astype(float), strict=True))
        if gid == TOTAL or series:
            targets.append(
                growth_against_target(series, base_year, target_year, factor, f"trade:{gid}")
            )
    ind_rows = dataset.industry.dropna(subset=["exports_value"])
    ind_series = dict(
        zip(ind_rows["year"].astype(int), ind_rows["exports_value"].astype(float), strict=True)
    )
    if ind_series:
        targets.append(
            growth_against_target(ind_series, base_year, target_year, factor, "industry")
        )
    notes: list[str] = []
    sources = sorted({str(s) for s in trade["source"].dropna()}) if not trade.empty else []
    if trade.empty:
        notes.append("the dataset has no trade figures: import them with `beredt import ssb FILE`")
    if dataset.bundle.meta.illustrative or any("illustrative" in s.lower() for s in sources):
        notes.append(
            "trade or industry figures in this dataset are labelled illustrative: "
            "they are not official statistics"
        )
    clash = inconsistent_totals(trade)
    if len(clash):
        first = clash.iloc[0]
        notes.append(
            f"{len(clash)} all-country (ZZ) trade figures are smaller than the sum of their "
            f"country figures (e.g. {first['hs_code']} {first['flow']} {first['period']}): "
            "the all-country figures are used; check that they come from the same source"
        )
    partial = by_group[(by_group["group"] == TOTAL) & (by_group["months"] < 12)]
    for year, months in zip(partial["year"], partial["months"], strict=True):
        notes.append(f"{year} has monthly figures for {months} months only: left out of growth")
    params = {
        "base_year": base_year,
        "target_year": target_year,
        "factor": factor,
        "scope": scope,
        "atc_level": atc_level,
        "groups_source": groups.source,
    }
    return IndustryIndicators(
        provenance=provenance(dataset, params),
        currency=dataset.currency,
        groups=group_table(groups),
        trade_by_group=by_group,
        unassigned=unassigned_codes(trade, groups),
        targets=targets,
        exports_by_destination=exports_by_destination(trade, groups),
        self_sufficiency=self_sufficiency(dataset, scope, atc_level),
        industry=industry_figures(dataset, by_group),
        trade_sources=sources,
        notes=notes,
    )


def report_tables(result: IndustryIndicators) -> dict[str, pd.DataFrame]:
    """The indicators as named tables (sheet name → frame), for spreadsheets and reports."""
    targets = pd.DataFrame(
        [
            {
                "series": t.series,
                "base_year": t.base_year,
                "base_value": t.base_value,
                "target_year": t.target_year,
                "factor": t.factor,
                "target_value": t.target_value,
                "required_cagr": t.required_cagr,
                "latest_year": t.latest_year,
                "latest_value": t.latest_value,
                "achieved_cagr": t.achieved_cagr,
                "path_value_at_latest": t.path_value_at_latest,
                "gap_at_latest": t.gap_at_latest,
                "required_cagr_from_latest": t.required_cagr_from_latest,
                "projected_value_at_target": t.projected_value_at_target,
                "projected_gap_at_target": t.projected_gap_at_target,
                "on_track": t.on_track,
                "note": t.note,
            }
            for t in result.targets
        ]
    )
    ss = result.self_sufficiency
    total = pd.DataFrame([ss.total]) if ss.total else pd.DataFrame()
    return {
        "trade_by_group": result.trade_by_group,
        "targets": targets,
        "exports_by_destination": result.exports_by_destination,
        "self_sufficiency_groups": pd.concat([ss.by_group, total], ignore_index=True),
        "self_sufficiency_substances": ss.by_substance,
        "vital_no_domestic_option": ss.vital_without_domestic_option,
        "industry": result.industry,
        "unassigned_codes": result.unassigned,
        "commodity_groups": pd.DataFrame(result.groups),
    }
