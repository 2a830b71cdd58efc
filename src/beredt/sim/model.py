"""Compile a dataset, a scenario and preparedness policies into the kernel's arrays.

Also defines :class:`Policies`: K alternative preparedness policies (preparedness stock per
substance and surge agreements) evaluated against the same random draws in one run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.sim.durations import (
    Duration,
    Fixed,
    Geometric,
    Lognormal,
    ShortageHistory,
    norm_ppf,
)
from beredt.sim.kernel import (
    EV_RESTRICT,
    EV_SITE,
    EV_STOCK,
    EV_SURGE,
    EV_WITHDRAW,
    NOISE_LEVELS,
    KernelModel,
    canonical,
    quiet_below,
)
from beredt.sim.scenario import (
    Event,
    ModelParameters,
    Scenario,
    ensure_valid,
    matching_substances,
)

STAGE_BITS = {"api": 1, "fdf": 2, "pack": 4}
ALL_STAGES = 7
MODES = ("joint", "decomposed")
_AGREEMENT_COLUMNS = (
    "option",
    "substance_idx",
    "line_idx",
    "reserved_ddd_per_day",
    "response_days",
    "ramp_days",
    "api_on_hand_ddd",
    "api_source_country_idx",
    "line_capacity_ddd_per_day",
    "label",
)


@dataclass(frozen=True)
class Policies:
    """K preparedness policies (options) to evaluate on the same random draws.

    `preparedness_ddd` (K × S) replaces the dataset's preparedness-tier stock per substance.
    `agreements` has one row per surge agreement: option (0…K−1), substance_idx, line_idx (row
    of ``dataset.lines``, or −1 for a line of its own), reserved_ddd_per_day, response_days,
    ramp_days, api_on_hand_ddd, api_source_country_idx (row of ``dataset.countries``, −1 for API
    made in-house), line_capacity_ddd_per_day (the line's capacity for that substance, used to
    split a shared line) and label.
    """

    preparedness_ddd: np.ndarray
    agreements: pd.DataFrame
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        prep = np.asarray(self.preparedness_ddd, dtype=float)
        if prep.ndim != 2:
            raise ValueError("preparedness_ddd must be a (K, S) array")
        if not np.all(np.isfinite(prep)) or np.any(prep < 0):
            raise ValueError("preparedness_ddd must be finite and ≥ 0")
        object.__setattr__(self, "preparedness_ddd", prep)
        missing = set(_AGREEMENT_COLUMNS) - {"label"} - set(self.agreements.columns)
        if missing:
            raise ValueError(f"agreements lack columns: {', '.join(sorted(missing))}")
        agr = self.agreements
        if len(agr):
            if agr["option"].min() < 0 or agr["option"].max() >= prep.shape[0]:
                raise ValueError("agreement option out of range")
            if (agr["reserved_ddd_per_day"] <= 0).any():
                raise ValueError("reserved_ddd_per_day must be > 0")
            if (agr["response_days"] < 0).any() or (agr["ramp_days"] < 0).any():
                raise ValueError("response_days and ramp_days must be ≥ 0")
            if (agr["line_capacity_ddd_per_day"] <= 0).any():
                raise ValueError("line_capacity_ddd_per_day must be > 0")
        labels = tuple(self.labels) or tuple(f"option {k}" for k in range(prep.shape[0]))
        if len(labels) != prep.shape[0]:
            raise ValueError(f"{len(labels)} labels for {prep.shape[0]} options")
        object.__setattr__(self, "labels", labels)

    @property
    def n_options(self) -> int:
        """Number of options K."""
        return int(self.preparedness_ddd.shape[0])

    @classmethod
    def today(cls, dataset: Dataset) -> Policies:
        """Today's plan: the dataset's preparedness-tier stock and its active agreements."""
        prep = dataset.stock_ddd_by_tier()["preparedness"].to_numpy(dtype=float)[None, :]
        return cls(prep, agreements_from_dataset(dataset), ("today",))

    @classmethod
    def per_substance(
        cls,
        dataset: Dataset,
        preparedness_ddd: np.ndarray,
        reserved_ddd_per_day: np.ndarray | None = None,
        response_days: np.ndarray | None = None,
        ramp_days: np.ndarray | None = None,
        api_on_hand_ddd: np.ndarray | None = None,
        api_source_country_idx: np.ndarray | None = None,
        line_idx: np.ndarray | None = None,
        line_capacity_ddd_per_day: np.ndarray | None = None,
        labels: Sequence[str] = (),
    ) -> Policies:
        """Options as (K, S) arrays: at most one agreement per option and substance.

        `reserved_ddd_per_day` 0 means no agreement. Omitted arrays default to 0 days, no API
        limit (in-house API, −1), a line of its own (−1) and capacity = reserved.
        """
        prep = np.asarray(preparedness_ddd, dtype=float)
        if prep.ndim == 1:
            prep = prep[None, :]
        k_opts, n_subs = prep.shape
        if n_subs != dataset.n_substances:
            raise ValueError(f"arrays have {n_subs} substances, the dataset {dataset.n_substances}")

        def arr(x: np.ndarray | None, default: float, dtype: Any) -> np.ndarray:
            if x is None:
                return np.full((k_opts, n_subs), default, dtype=dtype)
            a = np.asarray(x, dtype=dtype)
            if a.ndim == 1:
                a = np.broadcast_to(a[None, :], (k_opts, n_subs))
            if a.shape != (k_opts, n_subs):
                raise ValueError(f"array of shape {a.shape}, expected {(k_opts, n_subs)}")
            return a

        reserved = arr(reserved_ddd_per_day, 0.0, float)
        resp = arr(response_days, 0, np.int64)
        ramp = arr(ramp_days, 0, np.int64)
        api = arr(api_on_hand_ddd, 0.0, float)
        country = arr(api_source_country_idx, -1, np.int64)
        line = arr(line_idx, -1, np.int64)
        cap = arr(line_capacity_ddd_per_day, 0.0, float)
        kk, ss = np.nonzero(reserved > 0)
        agreements = pd.DataFrame(
            {
                "option": kk,
                "substance_idx": ss,
                "line_idx": line[kk, ss],
                "reserved_ddd_per_day": reserved[kk, ss],
                "response_days": resp[kk, ss],
                "ramp_days": ramp[kk, ss],
                "api_on_hand_ddd": api[kk, ss],
                "api_source_country_idx": country[kk, ss],
                "line_capacity_ddd_per_day": np.where(
                    cap[kk, ss] > 0, cap[kk, ss], reserved[kk, ss]
                ),
                "label": [""] * len(kk),
            }
        )
        return cls(prep, agreements, tuple(labels))


def country_index(dataset: Dataset) -> dict[str, int]:
    """Country code → row index of ``dataset.countries`` (the index policies use)."""
    return {c: i for i, c in enumerate(dataset.countries["country"])}


def line_index(dataset: Dataset) -> dict[str, int]:
    """Line id → row index of ``dataset.lines`` (the index policies use)."""
    return {c: i for i, c in enumerate(dataset.lines["line_id"])}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame as plain dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def agreements_from_dataset(dataset: Dataset, option: int = 0) -> pd.DataFrame:
    """The dataset's active agreements as policy rows (line ramp, capability capacity and API).

    Without a capability row for (line, substance) the line's capacity is taken as the reserved
    capacity and the API as made in-house (never limited).
    """
    ramp_of = {str(r["line_id"]): int(r["ramp_days"]) for r in _records(dataset.lines)}
    caps = {(str(r["line_id"]), str(r["atc_code"])): r for r in _records(dataset.capabilities)}
    cidx = country_index(dataset)
    lidx = line_index(dataset)
    rows = []
    for r in _records(dataset.active_agreements):
        line_id = str(r["line_id"])
        reserved = float(r["reserved_ddd_per_day"])
        cap = caps.get((line_id, str(r["atc_code"])))
        api_country = cap.get("api_source_country") if cap is not None else None
        rows.append(
            {
                "option": option,
                "substance_idx": int(r["substance_idx"]),
                "line_idx": lidx.get(line_id, -1),
                "reserved_ddd_per_day": reserved,
                "response_days": int(r["response_days"]),
                "ramp_days": ramp_of.get(line_id, 0),
                "api_on_hand_ddd": float(cap["api_on_hand_ddd"]) if cap is not None else 0.0,
                "api_source_country_idx": (
                    cidx.get(api_country, -1) if isinstance(api_country, str) else -1
                ),
                "line_capacity_ddd_per_day": (
                    float(cap["capacity_ddd_per_day"]) if cap is not None else reserved
                ),
                "label": str(r["agreement_id"]),
            }
        )
    return pd.DataFrame(rows, columns=list(_AGREEMENT_COLUMNS))


@dataclass(frozen=True)
class CompiledModel:
    """The kernel arrays plus the labels needed to read the results."""

    kernel: KernelModel
    atc_codes: tuple[str, ...]
    names: tuple[str, ...]
    criticality: tuple[str, ...]
    option_labels: tuple[str, ...]
    event_labels: tuple[str, ...]
    horizon_days: int
    mode: str
    product_ids: tuple[str, ...] = field(default=())


def demand_rate_table(dataset: Dataset, horizon_days: int) -> np.ndarray:
    """Mean demand per substance and day (S × T, DDD/day) with the yearly cycle of the data.

    rate(day) = ddd_per_day × (1 + amplitude × cos(2π (day_of_year − peak_day) / 365)).
    """
    subs = dataset.substances
    start = dataset.as_of.timetuple().tm_yday
    doy = ((start - 1 + np.arange(horizon_days)) % 365) + 1
    base = subs["demand_ddd_per_day"].to_numpy(dtype=float)[:, None]
    amp = subs["seasonal_amplitude"].to_numpy(dtype=float)[:, None]
    peak = subs["seasonal_peak_day"].to_numpy(dtype=float)[:, None]
    rate = base * (1.0 + amp * np.cos(2.0 * np.pi * (doy[None, :] - peak) / 365.0))
    out: np.ndarray = np.maximum(rate, 0.0)
    return out


def noise_levels() -> np.ndarray:
    """The 256 standard-normal quantiles at (i + ½)/256 that daily demand noise is drawn from."""
    u = (np.arange(NOISE_LEVELS) + 0.5) / NOISE_LEVELS
    return np.array([norm_ppf(float(x)) for x in u])


def noise_parameters(cv: np.ndarray) -> np.ndarray:
    """(σ, μ) per substance of the daily demand multiplier exp(σ z + μ) (2 × S).

    z is one of the 256 equiprobable standard-normal levels of :func:`noise_levels` (drawn
    per substance and day), σ = √ln(1 + cv²) is the lognormal with coefficient of variation
    `cv`, and μ makes the mean over the levels exactly 1 (−σ²/2 up to the discretisation).
    """
    z = noise_levels()
    sigma = np.sqrt(np.log1p(np.asarray(cv, dtype=float) ** 2))
    mu = -np.log(np.exp(sigma[:, None] * z[None, :]).mean(axis=1))
    return np.ascontiguousarray(np.vstack([sigma, mu]))


def noise_multipliers(cv: np.ndarray) -> np.ndarray:
    """All 256 possible daily demand multipliers per substance (S × 256), for inspection."""
    par = noise_parameters(cv)
    out: np.ndarray = np.exp(par[0][:, None] * noise_levels()[None, :] + par[1][:, None])
    return out


def _family(
    kind: str, mean_days: float, sigma: float, data_sigma: float | None = None
) -> tuple[int, float, float, float]:
    """(code, a, b, mean) of a background duration family with the given mean.

    ``kind`` ``data`` takes the lognormal with the row's own σ where the data gives one (a
    calibrated bundle) and the geometric family otherwise.
    """
    mean_days = max(float(mean_days), 1.0)
    if kind == "data":
        if data_sigma is None:
            kind = "geometric"
        else:
            kind, sigma = "lognormal", data_sigma
    if kind == "fixed":
        d = Fixed(max(1, round(mean_days)))
        return d.encode()[0], d.encode()[1], 0.0, float(d.days)
    if kind == "lognormal":
        ln = Lognormal.from_mean(mean_days, sigma)
        return ln.encode()[0], ln.mu, ln.sigma, mean_days
    g = Geometric(mean_days)
    return g.encode()[0], g.p, 0.0, mean_days


def exemption_import_arrays(dataset: Dataset, params: ModelParameters) -> np.ndarray:
    """(2 × S) exemption import capacity (share of mean demand a day) and lead days per
    substance: the dataset's levers.csv, overridden by the scenario's [model] keys."""
    lever = dataset.exemption_import()
    share = lever["share"].to_numpy(dtype=float).copy()
    lead = lever["lead_days"].to_numpy(dtype=float).copy()
    if params.exemption_import_share is not None:
        share[:] = params.exemption_import_share
    if params.exemption_import_lead_days is not None:
        lead[:] = params.exemption_import_lead_days
    if not params.exemption_import:
        share[:] = 0.0
    return np.ascontiguousarray(np.vstack([share, lead]))


def starts_stationary(scenario: Scenario, dataset: Dataset) -> bool:
    """Whether the background processes start from their stationary state (see Background)."""
    if scenario.background.stationary_start is not None:
        return bool(scenario.background.stationary_start)
    observed = scenario.model.open_shortages and len(dataset.shortages) > 0
    return not observed


def _sigmas(frame: pd.DataFrame, column: str) -> list[float | None]:
    """The lognormal σ of each row's outage durations (None where the data gives none)."""
    if column not in frame.columns:
        return [None] * len(frame)
    return [None if v is None or pd.isna(v) else float(v) for v in frame[column]]


def _own_hazard(row: Mapping[str, Any], hazard: float) -> tuple[float, float, float | None]:
    """(hazard/yr, mean days, σ) of a pack's or substance's own outages from its row."""
    sigma = row.get("outage_duration_sigma")
    return (
        hazard,
        float(row.get("outage_mean_days", 30.0) or 30.0),
        None if sigma is None or pd.isna(sigma) else float(sigma),
    )


def _csr(lists: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    for i, xs in enumerate(lists):
        ptr[i + 1] = ptr[i] + len(xs)
    flat = np.array([x for xs in lists for x in xs], dtype=np.int64)
    return ptr, flat


@dataclass
class _EventTable:
    kind: list[int] = field(default_factory=list)
    prob: list[float] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    has_duration: list[int] = field(default_factory=list)
    code: list[int] = field(default_factory=list)
    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)
    ulo: list[float] = field(default_factory=list)
    tables: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    targets: list[list[int]] = field(default_factory=list)
    amounts: list[list[float]] = field(default_factory=list)
    subs: list[list[int]] = field(default_factory=list)
    mult: list[float] = field(default_factory=list)
    stage_mask: list[int] = field(default_factory=list)
    scoped: list[int] = field(default_factory=list)
    scope_rows: list[np.ndarray] = field(default_factory=list)
    sub_values: list[list[float]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(
        self,
        kind: int,
        label: str,
        probability: float,
        start: int,
        duration: Duration | None,
        n_subs: int,
        *,
        targets: Sequence[int] = (),
        amounts: Sequence[float] | None = None,
        subs: Sequence[int] = (),
        mult: float = 1.0,
        stage_mask: int = ALL_STAGES,
        scope: np.ndarray | None = None,
        sub_values: Sequence[float] | None = None,
        ulo: float = 0.0,
    ) -> None:
        self.kind.append(kind)
        self.labels.append(label)
        self.prob.append(float(probability))
        self.start.append(int(start))
        if duration is None:
            self.has_duration.append(0)
            self.code.append(0)
            self.a.append(0.0)
            self.b.append(0.0)
            self.tables.append((np.zeros(0), np.zeros(0), np.zeros(0)))
        else:
            code, a, b, values, cdf, rcdf = duration.encode()
            self.has_duration.append(1)
            self.code.append(code)
            self.a.append(a)
            self.b.append(b)
            self.tables.append((values, cdf, rcdf))
        self.ulo.append(float(min(max(ulo, 0.0), 1.0 - 1e-12)))
        self.targets.append([int(x) for x in targets])
        self.amounts.append(
            [float(x) for x in amounts] if amounts is not None else [0.0] * len(targets)
        )
        self.subs.append([int(x) for x in subs])
        self.mult.append(float(mult))
        self.stage_mask.append(int(stage_mask))
        self.scoped.append(0 if scope is None else 1)
        self.scope_rows.append(
            np.zeros(n_subs, dtype=np.uint8) if scope is None else scope.astype(np.uint8)
        )
        self.sub_values.append(
            [float(x) for x in sub_values] if sub_values is not None else [0.0] * len(subs)
        )


def _resolve(duration: Duration | ShortageHistory | None, dataset: Dataset) -> Duration | None:
    if isinstance(duration, ShortageHistory):
        return duration.resolve(dataset)
    return duration


def _compile_events(dataset: Dataset, scenario: Scenario, n_subs: int) -> _EventTable:
    table = _EventTable()
    site_idx = {s: i for i, s in enumerate(dataset.sites["site_id"])}
    prod_idx = {p: i for i, p in enumerate(dataset.products["product_id"])}
    cidx = country_index(dataset)
    by_company: dict[str, list[int]] = {}
    for i, c in enumerate(dataset.sites["company_id"]):
        by_company.setdefault(c, []).append(i)
    prod_sub = dataset.products["substance_idx"].to_numpy(dtype=np.int64)
    stock = dataset.stock
    prep_by_sub = (
        stock[stock["tier"] == "preparedness"].groupby("substance_idx")["ddd"].sum()
        if not stock.empty
        else pd.Series(dtype=float)
    )

    for ev in scenario.events:
        duration = _resolve(ev.duration, dataset)
        label = ev.label
        if ev.kind in ("site_outage", "company_outage"):
            sites = [site_idx[s] for s in ev.sites] + [
                i for c in ev.companies for i in by_company.get(c, [])
            ]
            table.add(EV_SITE, label, ev.probability, ev.start_day, duration, n_subs, targets=sites)
        elif ev.kind == "export_restriction":
            assert ev.country is not None
            mask = sum(STAGE_BITS[s] for s in set(ev.stages)) if ev.stages else ALL_STAGES
            scope = None
            if ev.atc:
                scope = np.zeros(n_subs, dtype=np.uint8)
                scope[matching_substances(dataset, ev.atc)] = 1
            table.add(
                EV_RESTRICT,
                label,
                ev.probability,
                ev.start_day,
                duration,
                n_subs,
                targets=[cidx[ev.country]],
                stage_mask=mask,
                scope=scope,
            )
        elif ev.kind == "product_withdrawal":
            prods = {prod_idx[p] for p in ev.products}
            if ev.atc:
                subs = set(matching_substances(dataset, ev.atc))
                prods |= {i for i, s in enumerate(prod_sub) if s in subs}
            table.add(
                EV_WITHDRAW,
                label,
                ev.probability,
                ev.start_day,
                duration,
                n_subs,
                targets=sorted(prods),
            )
        elif ev.kind == "demand_surge":
            table.add(
                EV_SURGE,
                label,
                ev.probability,
                ev.start_day,
                duration,
                n_subs,
                subs=matching_substances(dataset, ev.atc),
                mult=ev.multiplier,
            )
        elif ev.kind == "stock_loss":
            _add_stock_loss(table, ev, dataset, duration, n_subs, prod_idx, prep_by_sub)
    if scenario.model.open_shortages:
        _add_open_shortages(table, dataset, scenario, n_subs, prod_idx, prod_sub)
    return table


def _add_stock_loss(
    table: _EventTable,
    ev: Event,
    dataset: Dataset,
    duration: Duration | None,
    n_subs: int,
    prod_idx: Mapping[str, int],
    prep_by_sub: pd.Series,
) -> None:
    stock = dataset.stock
    held = stock[stock["holder"] == ev.holder]
    if ev.tiers:
        held = held[held["tier"].isin(ev.tiers)]
    if ev.atc:
        keep = set(matching_substances(dataset, ev.atc))
        held = held[held["substance_idx"].isin(keep)]
    commercial = held[held["tier"] != "preparedness"].groupby("product_id")["ddd"].sum()
    prep = held[held["tier"] == "preparedness"].groupby("substance_idx")["ddd"].sum()
    targets = [prod_idx[p] for p in commercial.index]
    amounts = [ev.share * float(v) for v in commercial.to_numpy()]
    subs = [int(s) for s, v in prep.items() if v > 0 and prep_by_sub.get(s, 0.0) > 0]  # type: ignore[call-overload]
    # the share of each substance's preparedness stock this holder keeps (policies may change
    # the amount; the holder's share of it is kept)
    shares = [ev.share * float(prep[s]) / float(prep_by_sub[s]) for s in subs]
    table.add(
        EV_STOCK,
        ev.label,
        ev.probability,
        ev.start_day,
        duration,
        n_subs,
        targets=targets,
        amounts=amounts,
        subs=subs,
        sub_values=shares,
    )


def _add_open_shortages(
    table: _EventTable,
    dataset: Dataset,
    scenario: Scenario,
    n_subs: int,
    prod_idx: Mapping[str, int],
    prod_sub: np.ndarray,
) -> None:
    sigma = scenario.model.open_shortage_sigma
    for r in dataset.open_shortages.itertuples(index=False):
        start: dt.date = r.start_date  # type: ignore[assignment]
        start_rel = (start - dataset.as_of).days
        prods = (
            [prod_idx[r.product_id]]
            if isinstance(r.product_id, str) and r.product_id in prod_idx
            else [i for i, s in enumerate(prod_sub) if s == r.substance_idx]
        )
        expected = r.expected_end_date
        duration: Duration
        if isinstance(expected, dt.date) and expected >= start:
            duration = Lognormal.from_median((expected - start).days + 1, sigma)
        else:
            duration = ShortageHistory(str(r.cause)).resolve(dataset)
        elapsed = max(0, -start_rel)
        ulo = float(np.asarray(duration.cdf(elapsed)))
        table.add(
            EV_WITHDRAW,
            f"open notice {r.notice_id}",
            1.0,
            start_rel,
            duration,
            n_subs,
            targets=prods,
            ulo=ulo,
        )


def _components(
    n_subs: int,
    alt_ptr: np.ndarray,
    alt_idx: np.ndarray,
    alternatives: bool,
    option: np.ndarray,
    agr_sub: np.ndarray,
    agr_line: np.ndarray,
    agr_load: np.ndarray,
    lines_shared: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Component of every substance, and per component whether it must always be simulated
    day-synchronously.

    Substances that can draw on each other's stock (alternatives) or share a line that their
    agreements could over-commit are simulated together; components are numbered by their
    smallest substance index. A component with an over-committed line is always synchronised;
    one coupled only by alternatives is first simulated member by member and synchronised
    only when a member would need an alternative.
    """
    parent = list(range(n_subs))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    if alternatives:
        for s in range(n_subs):
            for j in alt_idx[alt_ptr[s] : alt_ptr[s + 1]]:
                union(s, int(j))
    overloaded: list[int] = []
    if lines_shared and len(agr_sub):
        # a line whose reserved loads sum to more than 1 in some option couples its substances
        for k in np.unique(option):
            sel = option == k
            for line in np.unique(agr_line[sel]):
                on = sel & (agr_line == line)
                if agr_load[on].sum() > 1.0 + 1e-12:
                    subs = agr_sub[on]
                    for x in subs[1:]:
                        union(int(subs[0]), int(x))
                    overloaded.append(int(subs[0]))
    roots = [find(s) for s in range(n_subs)]
    rank = {r: i for i, r in enumerate(sorted(set(roots)))}
    comp = np.array([rank[r] for r in roots], dtype=np.int64)
    sync = np.zeros(len(rank), dtype=np.bool_)
    for s in overloaded:
        sync[comp[s]] = True
    return comp, sync


def compile_model(
    dataset: Dataset,
    scenario: Scenario,
    policies: Policies,
    horizon_days: int,
    mode: str = "joint",
    criticality_weights: Mapping[str, float] | None = None,
) -> CompiledModel:
    """Build the kernel arrays for `dataset` under `scenario` and `policies` over the horizon."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if horizon_days < 1:
        raise ValueError("horizon_days must be ≥ 1")
    ensure_valid(scenario, dataset)
    subs = dataset.substances
    n_subs = len(subs)
    if policies.preparedness_ddd.shape[1] != n_subs:
        raise ValueError("policies do not match the dataset's substances")
    bg = scenario.background
    params = scenario.model
    horizon = int(horizon_days)

    rate = demand_rate_table(dataset, horizon)
    cumrate = np.zeros((n_subs, horizon + 1))
    np.cumsum(rate, axis=1, out=cumrate[:, 1:])
    cv = subs["daily_cv"].to_numpy(dtype=float) if params.demand_noise else np.zeros(n_subs)
    noise = noise_parameters(cv)

    # products, grouped by substance; a substance without products gets one virtual product
    products = dataset.products.reset_index(drop=True)
    order = np.lexsort((np.arange(len(products)), products["substance_idx"].to_numpy()))
    stock = dataset.stock
    commercial = (
        stock[stock["tier"] != "preparedness"].groupby("product_id")["ddd"].sum()
        if not stock.empty
        else pd.Series(dtype=float)
    )
    site_row = {s: i for i, s in enumerate(dataset.sites["site_id"])}
    site_stage = dataset.sites["stage"].astype(str).tolist()
    links: dict[str, list[int]] = {}
    for link in _records(dataset.supply):
        links.setdefault(str(link["product_id"]), []).append(site_row[str(link["site_id"])])

    # A pack's own outages and a substance's common-cause outages (products.csv, substances.csv)
    # are simulated as virtual sites after the real ones: one per pack or substance with a
    # hazard, each a stage of its own in series with the real stages. Real sites keep their
    # indices, so their draws are unchanged.
    n_real_sites = len(dataset.sites)
    sub_rows = _records(subs)
    own_sites: list[tuple[float, float, float | None]] = []  # (hazard/yr, mean days, σ)
    virtual_of_sub: dict[int, int] = {}
    for s in range(n_subs):
        h = float(sub_rows[s].get("outage_hazard_per_year", 0.0) or 0.0)
        if h > 0 and bg.product_outages:
            virtual_of_sub[s] = n_real_sites + len(own_sites)
            own_sites.append(_own_hazard(sub_rows[s], h))

    prod_sub: list[int] = []
    share: list[float] = []
    spare: list[float] = []
    lead: list[int] = []
    stock0: list[float] = []
    groups: list[list[int]] = []
    prod_groups: list[int] = [0]
    prod_ids: list[str] = []
    kernel_of_product: dict[int, int] = {}
    sub_prod_ptr = np.zeros(n_subs + 1, dtype=np.int64)
    records = _records(products)
    by_sub: dict[int, list[int]] = {}
    for i in order:
        by_sub.setdefault(int(records[i]["substance_idx"]), []).append(int(i))
    for s in range(n_subs):
        rows = by_sub.get(s, [])
        if not rows:
            prod_sub.append(s)
            share.append(1.0)
            spare.append(0.0)
            lead.append(0)
            stock0.append(0.0)
            prod_ids.append("")
            prod_groups.append(prod_groups[-1])
        else:
            raw = np.array([float(records[i]["market_share"]) for i in rows])
            w = raw / raw.sum() if raw.sum() > 0 else np.full(len(rows), 1.0 / len(rows))
            for i, wi in zip(rows, w, strict=True):
                kernel_of_product[i] = len(prod_sub)
                pid = str(records[i]["product_id"])
                prod_ids.append(pid)
                prod_sub.append(s)
                share.append(float(wi))
                spare.append(float(records[i]["spare_capacity_share"]))
                lead.append(int(records[i]["spare_lead_time_days"]))
                stock0.append(float(commercial.get(pid, 0.0)))
                stages: dict[str, list[int]] = {}
                for site in links.get(pid, []):
                    stages.setdefault(site_stage[site], []).append(site)
                for st in ("api", "fdf", "pack"):
                    if st in stages:
                        groups.append(sorted(stages[st]))
                if s in virtual_of_sub:
                    groups.append([virtual_of_sub[s]])
                h = float(records[i].get("outage_hazard_per_year", 0.0) or 0.0)
                if h > 0 and bg.product_outages:
                    groups.append([n_real_sites + len(own_sites)])
                    own_sites.append(_own_hazard(records[i], h))
                prod_groups.append(len(groups))
        sub_prod_ptr[s + 1] = len(prod_sub)
    grp_site_ptr, grp_site = _csr(groups)
    made_at: list[list[int]] = [[] for _ in range(n_real_sites + len(own_sites))]
    for p in range(len(prod_sub)):
        for g in range(prod_groups[p], prod_groups[p + 1]):
            for site in groups[g]:
                if not made_at[site] or made_at[site][-1] != p:
                    made_at[site].append(p)
    site_prod_ptr, site_prod = _csr(made_at)

    # sites and countries with their background processes
    cidx = country_index(dataset)
    sites = dataset.sites
    countries = dataset.countries
    site_hazard = sites["outage_hazard_per_year"].to_numpy(dtype=float) * (
        bg.site_hazard_multiplier if bg.site_outages else 0.0
    )
    site_sigma = _sigmas(sites, "outage_duration_sigma")
    s_fam = [
        _family(bg.site_duration, m, bg.duration_sigma, sd)
        for m, sd in zip(sites["outage_mean_days"], site_sigma, strict=True)
    ]
    site_country = [cidx[c] for c in sites["country"]]
    site_bits = [STAGE_BITS[s] for s in site_stage]
    if own_sites:
        # virtual sites sit in a country of their own that never restricts exports
        site_hazard = np.concatenate(
            [site_hazard, [h * bg.product_hazard_multiplier for h, _, _ in own_sites]]
        )
        s_fam += [_family(bg.site_duration, m, bg.duration_sigma, sd) for _, m, sd in own_sites]
        site_country += [len(countries)] * len(own_sites)
        site_bits += [0] * len(own_sites)
    s_alpha = 1.0 - np.exp(-site_hazard / 365.0)
    country_hazard = countries["export_restriction_hazard_per_year"].to_numpy(dtype=float) * (
        bg.country_hazard_multiplier if bg.export_restrictions else 0.0
    )
    country_sigma = _sigmas(countries, "export_restriction_duration_sigma")
    c_fam = [
        _family(bg.country_duration, m, bg.duration_sigma, sd)
        for m, sd in zip(countries["export_restriction_mean_days"], country_sigma, strict=True)
    ]
    if own_sites:
        country_hazard = np.append(country_hazard, 0.0)
        c_fam.append(_family("geometric", 1.0, 1.0))
    c_alpha = 1.0 - np.exp(-country_hazard / 365.0)

    # forced events; product targets are re-indexed to the kernel's product order
    ev = _compile_events(dataset, scenario, n_subs)
    for e, kind in enumerate(ev.kind):
        if kind in (EV_WITHDRAW, EV_STOCK):
            ev.targets[e] = [kernel_of_product[p] for p in ev.targets[e]]
    n_ev = len(ev.kind)
    tab_ptr = np.zeros(n_ev + 1, dtype=np.int64)
    for e, (values, _, _) in enumerate(ev.tables):
        tab_ptr[e + 1] = tab_ptr[e] + len(values)

    def cat(j: int) -> np.ndarray:
        return np.concatenate([t[j] for t in ev.tables]) if ev.tables else np.zeros(0)

    ev_tgt_ptr, ev_tgt = _csr(ev.targets)
    ev_amount = np.array([x for xs in ev.amounts for x in xs], dtype=float)
    ev_sub_ptr, ev_sub = _csr(ev.subs)
    surge_lists: list[list[int]] = [[] for _ in range(n_subs)]
    loss_lists: list[list[int]] = [[] for _ in range(n_subs)]
    prod_sub_arr = np.array(prod_sub, dtype=np.int64)
    for e, kind in enumerate(ev.kind):
        if kind == EV_SURGE:
            for s in ev.subs[e]:
                surge_lists[s].append(e)
        elif kind == EV_STOCK:
            touched = {int(prod_sub_arr[p]) for p in ev.targets[e]} | set(ev.subs[e])
            for s in sorted(touched):
                loss_lists[s].append(e)
    sub_surge_ptr, sub_surge = _csr(surge_lists)
    sub_loss_ptr, sub_loss = _csr(loss_lists)

    # therapeutic alternatives: the other substances of the ATC level-4 group
    atc4 = subs["atc4"].tolist()
    groups4: dict[str, list[int]] = {}
    for i, g in enumerate(atc4):
        groups4.setdefault(g, []).append(i)
    alt_ptr, alt_idx = _csr([[j for j in groups4[atc4[s]] if j != s] for s in range(n_subs)])

    # options
    k_opts = policies.n_options
    agr = policies.agreements.sort_values(["option", "substance_idx"], kind="stable")
    agr = agr.reset_index(drop=True)
    n_real_lines = len(dataset.lines)
    line = agr["line_idx"].to_numpy(dtype=np.int64).copy() if len(agr) else np.zeros(0, np.int64)
    if len(line):
        if line.max() >= n_real_lines:
            raise ValueError("agreement line_idx out of range")
        virtual = line < 0
        line[virtual] = n_real_lines + np.arange(int(virtual.sum()))
    n_lines = n_real_lines + (int((agr["line_idx"] < 0).sum()) if len(agr) else 0)
    agr_ptr = np.zeros(k_opts + 1, dtype=np.int64)
    sub_agr_ptr = np.zeros((k_opts, n_subs + 1), dtype=np.int64)
    opt = agr["option"].to_numpy(dtype=np.int64) if len(agr) else np.zeros(0, np.int64)
    asub = agr["substance_idx"].to_numpy(dtype=np.int64) if len(agr) else np.zeros(0, np.int64)
    for k in range(k_opts):
        agr_ptr[k + 1] = agr_ptr[k] + int((opt == k).sum())
        base = agr_ptr[k]
        counts = np.bincount(asub[opt == k], minlength=n_subs)
        sub_agr_ptr[k, 0] = base
        sub_agr_ptr[k, 1:] = base + np.cumsum(counts)
    country_n = len(countries)
    api_c = (
        agr["api_source_country_idx"].to_numpy(dtype=np.int64)
        if len(agr)
        else np.zeros(0, np.int64)
    )
    if len(api_c) and api_c.max() >= country_n:
        raise ValueError("agreement api_source_country_idx out of range")

    def col(name: str, dtype: Any) -> np.ndarray:
        return agr[name].to_numpy(dtype=dtype) if len(agr) else np.zeros(0, dtype=dtype)

    weights = dataset.criticality_weights(criticality_weights)
    comp_of_sub, comp_sync = _components(
        n_subs,
        alt_ptr,
        alt_idx,
        mode == "joint" and params.alternative_max_share > 0,
        opt,
        asub,
        line,
        col("reserved_ddd_per_day", float)
        / np.maximum(col("line_capacity_ddd_per_day", float), 1e-300),
        mode == "joint",
    )
    comp_ptr, comp_sub = _csr(
        [list(np.nonzero(comp_of_sub == c)[0]) for c in range(int(comp_of_sub.max()) + 1)]
        if n_subs
        else []
    )
    kernel = canonical(
        KernelModel(
            horizon=horizon,
            n_options=k_opts,
            joint=mode == "joint",
            headroom=float(params.supply_headroom),
            alt_share=float(params.alternative_max_share),
            trigger_stock=params.surge_trigger == "stock",
            notice_delay=int(params.notice_delay_days),
            stock_trigger_days=float(params.stock_trigger_days),
            noise_on=bool(np.any(noise[0] > 0.0)),
            bg_sites=bool(np.any(s_alpha > 0.0)),
            bg_countries=bool(np.any(c_alpha > 0.0)),
            stationary=starts_stationary(scenario, dataset),
            sub_prod_ptr=sub_prod_ptr,
            rate=np.ascontiguousarray(rate),
            cumrate=cumrate,
            noise_z=noise_levels(),
            noise_par=noise,
            noise_mult=np.exp(noise[0][:, None] * noise_levels()[None, :] + noise[1][:, None]),
            mean_demand=subs["demand_ddd_per_day"].to_numpy(dtype=float),
            weight=weights.astype(float),
            vital=(subs["criticality"] == "vital").to_numpy(dtype=np.bool_),
            alt_ptr=alt_ptr,
            alt_idx=alt_idx,
            sub_surge_ptr=sub_surge_ptr,
            sub_surge=sub_surge,
            sub_loss_ptr=sub_loss_ptr,
            sub_loss=sub_loss,
            prod_sub=prod_sub_arr,
            share=np.array(share, dtype=float),
            spare=np.array(spare, dtype=float),
            lead=np.array(lead, dtype=np.int64),
            stock0=np.array(stock0, dtype=float),
            prod_grp_ptr=np.array(prod_groups, dtype=np.int64),
            grp_site_ptr=grp_site_ptr,
            grp_site=grp_site,
            site_prod_ptr=site_prod_ptr,
            site_prod=site_prod,
            site_country=np.array(site_country, dtype=np.int64),
            site_stage_bit=np.array(site_bits, dtype=np.int64),
            site_alpha=s_alpha.astype(float),
            site_code=np.array([f[0] for f in s_fam], dtype=np.int64),
            site_a=np.array([f[1] for f in s_fam], dtype=float),
            site_b=np.array([f[2] for f in s_fam], dtype=float),
            site_mean=np.array([f[3] for f in s_fam], dtype=float),
            site_quiet=quiet_below(s_alpha, horizon),
            country_alpha=c_alpha.astype(float),
            country_code=np.array([f[0] for f in c_fam], dtype=np.int64),
            country_a=np.array([f[1] for f in c_fam], dtype=float),
            country_b=np.array([f[2] for f in c_fam], dtype=float),
            country_mean=np.array([f[3] for f in c_fam], dtype=float),
            country_quiet=quiet_below(c_alpha, horizon),
            ev_kind=np.array(ev.kind, dtype=np.int64),
            ev_prob=np.array(ev.prob, dtype=float),
            ev_start=np.array(ev.start, dtype=np.int64),
            ev_has_duration=np.array(ev.has_duration, dtype=np.int64),
            ev_code=np.array(ev.code, dtype=np.int64),
            ev_a=np.array(ev.a, dtype=float),
            ev_b=np.array(ev.b, dtype=float),
            ev_ulo=np.array(ev.ulo, dtype=float),
            ev_tab_ptr=tab_ptr,
            tab_values=cat(0).astype(float),
            tab_cdf=cat(1).astype(float),
            tab_rcdf=cat(2).astype(float),
            ev_tgt_ptr=ev_tgt_ptr,
            ev_tgt=ev_tgt,
            ev_tgt_amount=ev_amount,
            ev_sub_ptr=ev_sub_ptr,
            ev_sub=ev_sub,
            ev_mult=np.array(ev.mult, dtype=float),
            ev_stage_mask=np.array(ev.stage_mask, dtype=np.int64),
            ev_scoped=np.array(ev.scoped, dtype=np.int64),
            ev_scope_sub=(
                np.vstack(ev.scope_rows).astype(np.uint8)
                if ev.scope_rows
                else np.zeros((0, n_subs), dtype=np.uint8)
            ),
            ev_sub_value=np.array([x for xs in ev.sub_values for x in xs], dtype=float),
            prep0=np.ascontiguousarray(policies.preparedness_ddd, dtype=float),
            agr_ptr=agr_ptr,
            sub_agr_ptr=sub_agr_ptr,
            agr_sub=asub,
            agr_line=line,
            agr_reserved=col("reserved_ddd_per_day", float),
            agr_response=col("response_days", np.int64),
            agr_ramp=col("ramp_days", np.int64),
            agr_api0=col("api_on_hand_ddd", float),
            agr_api_country=api_c,
            agr_cap=col("line_capacity_ddd_per_day", float),
            n_lines=int(max(n_lines, 1)),
            par=np.array(
                [
                    float(params.supply_headroom),
                    1.0 if np.any(noise[0] > 0.0) else 0.0,
                    1.0 if params.surge_trigger == "stock" else 0.0,
                    float(params.stock_trigger_days),
                    float(params.notice_delay_days),
                    float(params.alternative_max_share),
                    1.0 if mode == "joint" else 0.0,
                ]
            ),
            prod_par=np.ascontiguousarray(np.vstack([share, spare, stock0]), dtype=float),
            agr_f=np.ascontiguousarray(
                np.vstack(
                    [
                        col("reserved_ddd_per_day", float),
                        col("response_days", float),
                        col("ramp_days", float),
                        col("line_capacity_ddd_per_day", float),
                    ]
                )
            ),
            agr_i=np.ascontiguousarray(np.vstack([asub, line, api_c]), dtype=np.int64),
            comp_of_sub=comp_of_sub,
            comp_ptr=comp_ptr,
            comp_sub=comp_sub,
            comp_sync=comp_sync,
            sub_imp=exemption_import_arrays(dataset, params),
        )
    )
    return CompiledModel(
        kernel=kernel,
        atc_codes=tuple(subs["atc_code"]),
        names=tuple(subs["name"]),
        criticality=tuple(subs["criticality"].astype(str)),
        option_labels=policies.labels,
        event_labels=tuple(ev.labels),
        horizon_days=horizon,
        mode=mode,
        product_ids=tuple(prod_ids),
    )
