"""The investment case for domestic production: the producer's NPV and IRR over the simulator's
futures, with and without a capacity agreement, the break-even fee, and the state's side.

A producer considers a new or extended line (:class:`LineSpec`: capital expenditure, fixed and
variable cost, capacity, build time, the substances it can make, expected domestic and export
sales, and the agreement offered with it). Its cash flows over the line's life
(:mod:`beredt.plan.cashflow`, Brealey–Myers–Allen) come from

* **domestic sales in normal times** and **export sales**, each scaled per simulated future by
  a lognormal *market* multiplier (mean 1, coefficient of variation ``sales_cv``): the market
  the line wins is uncertain (an assumption stated in :class:`InvestParameters`);
* **surge sales** when shortages activate its agreement: the extra surge output the agreement
  brings, from the disruption simulator (:mod:`beredt.sim`) on common random numbers — the
  year is simulated with today's preparedness, once without and once with the new reservation
  on a line of its own (decomposed, as the optimiser's option losses: substances do not
  substitute for each other), and the difference in surge DDD is what the line sells; the same
  difference in the substance's criticality-weighted unmet DDD, valued at
  ``value_per_patient_day``, is the loss the state avoids;
* the agreement's **annual fee**, for ``years`` of operation (default: the whole life).

Futures: the simulator draws a pool of independent years under the background hazards and
under each stress scenario of the library (``probability_per_year``, as the optimiser weighs
them); a future of the line draws each of its years from the background with probability
1 − Σ p or from stress scenario j with probability p_j, then a year of that pool. Every
investment sees the same futures, so their cases compare on common random numbers.

The **break-even fee** is the least annual fee at which the producer's P(NPV > 0) over the
futures reaches ``level``: the *risk relief* the export report asks for, in currency a year.
The state sees the other side on the same futures: the fee it pays against the loss it avoids,
both discounted at the public rate.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.plan.cashflow import (
    FinanceParameters,
    after_tax_cash_flows,
    depreciation_schedule,
    discount_factors,
    irr,
    npv,
    operating_fractions,
)
from beredt.plan.costs import substance_economics
from beredt.plan.parameters import CostParameters
from beredt.results import Provenance, provenance
from beredt.sim import (
    Policies,
    Scenario,
    agreements_from_dataset,
    compile_model,
    scenario_chunks,
)
from beredt.sim.model import country_index

Progress = Callable[[int, int], None]
#: Cases of every investment, in display order.
CASES: tuple[str, ...] = ("market", "agreement_no_fee", "agreement")
#: Target cells (options × scenarios × substances) per chunk of the chunk kernel.
CHUNK_CELLS = 4_000_000
BLOCK = 64


class SpecError(ValueError):
    """A line specification that cannot be read, with the reason."""


# --- the line ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineProduct:
    """A substance the line makes: capacity, unit cost, expected sales and prices (per DDD)."""

    atc_code: str
    capacity_ddd_per_day: float
    price_per_ddd: float
    unit_cost_per_ddd: float = 0.0
    domestic_ddd_per_day: float = 0.0
    export_ddd_per_day: float = 0.0
    export_price_per_ddd: float | None = None
    surge_price_per_ddd: float | None = None

    @property
    def export_price(self) -> float:
        """Export price per DDD (the domestic price where none is given)."""
        return (
            self.price_per_ddd if self.export_price_per_ddd is None else self.export_price_per_ddd
        )

    @property
    def surge_price(self) -> float:
        """Price per DDD of surge output (the domestic price where none is given)."""
        return self.price_per_ddd if self.surge_price_per_ddd is None else self.surge_price_per_ddd


@dataclass(frozen=True)
class AgreementTerms:
    """The capacity agreement of a case: substance, reservation, response time, annual fee.

    ``years``: years of operation the agreement (and its fee) runs; None for the whole life.
    """

    atc_code: str
    reserved_ddd_per_day: float
    response_days: int
    annual_fee: float
    years: int | None = None
    offer_id: str | None = None


@dataclass(frozen=True)
class LineSpec:
    """A new or extended production line as an investment (money in the bundle's currency)."""

    investment_id: str
    name: str
    capex: float
    build_days: int
    life_years: int
    products: tuple[LineProduct, ...]
    fixed_cost_per_year: float = 0.0
    ramp_days: int = 0
    salvage_value: float = 0.0
    agreement: AgreementTerms | None = None
    company_id: str | None = None
    line_id: str | None = None
    source: str = ""
    api_on_hand_ddd: float = 0.0
    api_source_country: str | None = None

    def __post_init__(self) -> None:
        if not self.products:
            raise SpecError(f"{self.investment_id}: the line makes no substance")
        if self.capex < 0 or self.fixed_cost_per_year < 0 or self.salvage_value < 0:
            raise SpecError(f"{self.investment_id}: capex, fixed cost and salvage must be ≥ 0")
        if self.build_days < 0 or self.ramp_days < 0:
            raise SpecError(f"{self.investment_id}: build_days and ramp_days must be ≥ 0")
        if not 0 < self.life_years <= 60:
            raise SpecError(f"{self.investment_id}: life_years must be 1–60")
        for p in self.products:
            if p.capacity_ddd_per_day <= 0:
                raise SpecError(f"{self.investment_id}: {p.atc_code}: capacity must be > 0")
            values = (
                p.price_per_ddd,
                p.unit_cost_per_ddd,
                p.domestic_ddd_per_day,
                p.export_ddd_per_day,
                p.export_price,
                p.surge_price,
            )
            if any(not math.isfinite(v) or v < 0 for v in values):
                raise SpecError(
                    f"{self.investment_id}: {p.atc_code}: prices, costs and sales must be ≥ 0"
                )
        load = self.normal_load
        if load > 1 + 1e-9:
            raise SpecError(
                f"{self.investment_id}: normal sales load the line to {load:.3g} (> 1): "
                "Σ (domestic + export) / capacity must be at most 1"
            )
        agr = self.agreement
        if agr is not None:
            made = {p.atc_code: p for p in self.products}
            if agr.atc_code not in made:
                raise SpecError(
                    f"{self.investment_id}: the agreement is for {agr.atc_code}, which the line "
                    f"does not make ({', '.join(made)})"
                )
            if not 0 < agr.reserved_ddd_per_day <= made[agr.atc_code].capacity_ddd_per_day:
                raise SpecError(
                    f"{self.investment_id}: reserved capacity must be > 0 and at most the line's "
                    f"capacity for {agr.atc_code}"
                )
            if agr.annual_fee < 0 or agr.response_days < 0:
                raise SpecError(f"{self.investment_id}: fee and response days must be ≥ 0")
            if agr.years is not None and agr.years <= 0:
                raise SpecError(f"{self.investment_id}: agreement years must be > 0")

    @property
    def normal_load(self) -> float:
        """Share of the line's time normal sales take: Σ (domestic + export) / capacity."""
        return sum(
            (p.domestic_ddd_per_day + p.export_ddd_per_day) / p.capacity_ddd_per_day
            for p in self.products
        )


@dataclass(frozen=True)
class InvestParameters:
    """How the investment cases are valued (every assumption stated and configurable).

    * ``finance``: discounting, tax and depreciation (:class:`FinanceParameters`).
    * ``level`` = 0.9: the P(NPV > 0) the break-even fee is for (a producer that wants nine
      chances in ten of earning its cost of capital).
    * ``paths`` = 2000: simulated futures of each line's life; ``pool_years`` = 1000 simulated
      years under the background hazards, each stress scenario ``library_share`` of them (at
      least 64).
    * ``sales_cv`` = 0.3: market risk, the coefficient of variation of a lognormal multiplier
      (mean 1) on normal domestic sales and, independently, on exports, drawn once per future
      and held for the line's life (assumption: the tender or the customer the line wins).
    * ``value_per_patient_day`` = 500: the state's value of a criticality-weighted patient-day
      without treatment, as the optimiser's (:class:`beredt.plan.PlanParameters`).
    * ``agreement_years``: years the agreement runs when a spec does not say (None: the life).
    """

    finance: FinanceParameters = field(default_factory=FinanceParameters)
    level: float = 0.9
    paths: int = 2000
    pool_years: int = 1000
    library_share: float = 0.25
    sales_cv: float = 0.3
    value_per_patient_day: float = 500.0
    criticality_weights: Mapping[str, float] | None = None
    agreement_years: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ValueError(f"level must be in (0, 1), is {self.level}")
        if self.paths < 2 or self.pool_years < 2:
            raise ValueError("paths and pool_years must be ≥ 2")
        if not 0 < self.library_share <= 1:
            raise ValueError("library_share must be in (0, 1]")
        if not 0 <= self.sales_cv <= 5:
            raise ValueError("sales_cv must be in [0, 5]")
        if self.value_per_patient_day < 0:
            raise ValueError("value_per_patient_day must be ≥ 0")


# --- specs from the dataset, a TOML file or an inline SPEC ---------------------------------------
def default_prices(dataset: Dataset) -> dict[str, float]:
    """Pharmacy purchase price per DDD of every substance, weighted by market share."""
    econ = substance_economics(dataset, CostParameters())
    return dict(zip(econ["atc_code"], econ["value_per_ddd"].astype(float), strict=True))


def specs_from_dataset(dataset: Dataset) -> list[LineSpec]:
    """Every investment of ``investments.csv`` with its substances and its offer as the agreement."""
    if dataset.investments.empty:
        return []
    prices = default_prices(dataset)
    subs = dataset.investment_substances
    offers = dataset.offers.set_index("offer_id") if len(dataset.offers) else None
    caps = {
        (str(r["line_id"]), str(r["atc_code"])): r for r in dataset.capabilities.to_dict("records")
    }
    specs = []
    for inv in dataset.investments.to_dict("records"):
        rows = subs[subs["investment_id"] == inv["investment_id"]].to_dict("records")
        products = tuple(_product(r, prices) for r in rows)
        agreement = None
        offer_id = inv.get("offer_id")
        if isinstance(offer_id, str) and offers is not None and offer_id in offers.index:
            o = offers.loc[offer_id].to_dict()
            agreement = AgreementTerms(
                atc_code=str(o["atc_code"]),
                reserved_ddd_per_day=float(o["reserved_ddd_per_day"]),
                response_days=int(o["response_days"]),
                annual_fee=float(o["annual_fee"]),
                offer_id=offer_id,
            )
        line_id = inv.get("line_id") if isinstance(inv.get("line_id"), str) else None
        cap = caps.get((line_id or "", agreement.atc_code if agreement else ""))
        api_country = cap.get("api_source_country") if cap else None
        specs.append(
            LineSpec(
                investment_id=str(inv["investment_id"]),
                name=str(inv["name"]),
                capex=float(inv["capex"]),
                build_days=int(inv["build_days"]),
                life_years=int(inv["life_years"]),
                products=products,
                fixed_cost_per_year=float(inv["fixed_cost_per_year"]),
                ramp_days=int(inv["ramp_days"]),
                salvage_value=float(inv["salvage_value"]),
                agreement=agreement,
                company_id=str(inv["company_id"]),
                line_id=line_id,
                source=str(inv.get("source") or "investments.csv"),
                api_on_hand_ddd=float(cap["api_on_hand_ddd"]) if cap else 0.0,
                api_source_country=api_country if isinstance(api_country, str) else None,
            )
        )
    return specs


def _optional(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _product(row: Mapping[str, Any], prices: Mapping[str, float]) -> LineProduct:
    price = _optional(row.get("price_per_ddd"))
    return LineProduct(
        atc_code=str(row["atc_code"]),
        capacity_ddd_per_day=float(row["capacity_ddd_per_day"]),
        price_per_ddd=price if price is not None else float(prices.get(str(row["atc_code"]), 0.0)),
        unit_cost_per_ddd=float(row.get("unit_cost_per_ddd") or 0.0),
        domestic_ddd_per_day=float(row.get("domestic_ddd_per_day") or 0.0),
        export_ddd_per_day=float(row.get("export_ddd_per_day") or 0.0),
        export_price_per_ddd=_optional(row.get("export_price_per_ddd")),
        surge_price_per_ddd=_optional(row.get("surge_price_per_ddd")),
    )


_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9}
#: Inline SPEC keys → (field, kind); amounts take k/M/G suffixes.
INLINE_KEYS: Mapping[str, tuple[str, str]] = {
    "id": ("investment_id", "text"),
    "name": ("name", "text"),
    "line": ("line_id", "text"),
    "company": ("company_id", "text"),
    "capex": ("capex", "amount"),
    "fixed": ("fixed_cost_per_year", "amount"),
    "build_days": ("build_days", "int"),
    "life_years": ("life_years", "int"),
    "ramp_days": ("ramp_days", "int"),
    "salvage": ("salvage_value", "amount"),
    "atc": ("atc_code", "text"),
    "capacity": ("capacity_ddd_per_day", "amount"),
    "unit_cost": ("unit_cost_per_ddd", "amount"),
    "domestic": ("domestic_ddd_per_day", "amount"),
    "export": ("export_ddd_per_day", "amount"),
    "price": ("price_per_ddd", "amount"),
    "export_price": ("export_price_per_ddd", "amount"),
    "surge_price": ("surge_price_per_ddd", "amount"),
    "fee": ("annual_fee", "amount"),
    "reserved": ("reserved_ddd_per_day", "amount"),
    "response_days": ("response_days", "int"),
    "agreement_years": ("years", "int"),
}


def parse_amount(text: str) -> float:
    """An amount ``150000000``, ``150e6``, ``150M`` or ``1.5G`` (k, M, G/B suffixes), ≥ 0."""
    match = re.fullmatch(r"\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMgGbB]?)\s*", text)
    if not match:
        raise SpecError(f"{text!r} is not an amount (e.g. 150e6 or 150M)")
    value = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    if value < 0 or not math.isfinite(value):
        raise SpecError(f"{text!r}: an amount must be ≥ 0")
    return value


def parse_line_spec(text: str, dataset: Dataset, specs: Sequence[LineSpec] = ()) -> LineSpec:
    """A line from ``--line SPEC``: an investment or offer id of the dataset, a TOML file, or
    inline ``key=value`` pairs separated by commas (keys: :data:`INLINE_KEYS`).

    Inline, one substance: ``capex=80M,fixed=6M,build_days=540,life_years=15,atc=B05BB01,
    capacity=8000,unit_cost=12,domestic=2000,export=3000,price=30,fee=2.4M,reserved=4000,
    response_days=7``; the price defaults to the substance's pharmacy purchase price per DDD.
    """
    text = text.strip()
    known = list(specs) or specs_from_dataset(dataset)
    for spec in known:
        if text in (spec.investment_id, spec.agreement.offer_id if spec.agreement else None):
            return spec
    path = Path(text)
    if text.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise SpecError(f"{text}: no such file")
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(f"{path.name}: {exc}") from None
        return spec_from_mapping(doc, dataset, source=path.name)
    if "=" not in text:
        ids = ", ".join(s.investment_id for s in known) or "none"
        raise SpecError(
            f"{text!r} is no investment or offer id of the dataset (investments: {ids}), no TOML "
            "file and no key=value list"
        )
    values: dict[str, Any] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, raw = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in INLINE_KEYS:
            raise SpecError(
                f"{part.strip()!r}: expected key=value with a key among {', '.join(INLINE_KEYS)}"
            )
        name, kind = INLINE_KEYS[key]
        raw = raw.strip()
        if kind == "amount":
            values[name] = parse_amount(raw)
        elif kind == "int":
            if not re.fullmatch(r"[0-9]+", raw):
                raise SpecError(f"{key}={raw!r}: not a whole number of days or years")
            values[name] = int(raw)
        else:
            values[name] = raw
    product = {
        k: values.pop(k)
        for k in (
            "atc_code",
            "capacity_ddd_per_day",
            "unit_cost_per_ddd",
            "domestic_ddd_per_day",
            "export_ddd_per_day",
            "price_per_ddd",
            "export_price_per_ddd",
            "surge_price_per_ddd",
        )
        if k in values
    }
    agreement: dict[str, Any] = {
        k: values.pop(k)
        for k in ("annual_fee", "reserved_ddd_per_day", "response_days", "years")
        if k in values
    }
    inline: dict[str, Any] = {**values, "substances": [product]}
    if agreement:
        agreement.setdefault("atc_code", product.get("atc_code"))
        inline["agreement"] = agreement
    inline.setdefault("investment_id", "inline")
    inline.setdefault("name", f"line for {product.get('atc_code', '?')}")
    return spec_from_mapping(inline, dataset, source="--line")


def spec_from_mapping(doc: Mapping[str, Any], dataset: Dataset, source: str = "") -> LineSpec:
    """A line from a mapping with the columns of ``investments.csv``, a ``substances`` list with
    those of ``investment_substances.csv`` and an optional ``agreement`` table (``atc_code``,
    ``reserved_ddd_per_day``, ``response_days``, ``annual_fee``, ``years``)."""
    where = source or "spec"
    required = ("capex", "build_days", "life_years")
    missing = [k for k in required if k not in doc]
    if missing:
        raise SpecError(f"{where}: missing {', '.join(missing)}")
    rows = doc.get("substances")
    if not isinstance(rows, list) or not rows:
        raise SpecError(f"{where}: needs at least one substance (atc_code and capacity)")
    prices = default_prices(dataset)
    known = set(dataset.substances["atc_code"])
    products = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, Mapping) or "atc_code" not in row:
            raise SpecError(f"{where}: substance {i} needs an atc_code")
        if row["atc_code"] not in known:
            raise SpecError(f"{where}: substance {row['atc_code']!r} is not in the dataset")
        if "capacity_ddd_per_day" not in row:
            raise SpecError(f"{where}: substance {row['atc_code']} needs capacity_ddd_per_day")
        products.append(_product(row, prices))
    agreement = None
    agr = doc.get("agreement")
    if isinstance(agr, Mapping):
        for key in ("reserved_ddd_per_day", "annual_fee"):
            if key not in agr:
                raise SpecError(f"{where}: the agreement needs {key}")
        agreement = AgreementTerms(
            atc_code=str(agr.get("atc_code") or products[0].atc_code),
            reserved_ddd_per_day=float(agr["reserved_ddd_per_day"]),
            response_days=int(agr.get("response_days", 0)),
            annual_fee=float(agr["annual_fee"]),
            years=int(agr["years"]) if agr.get("years") is not None else None,
        )
    try:
        return LineSpec(
            investment_id=str(doc.get("investment_id", "spec")),
            name=str(doc.get("name", "line")),
            capex=float(doc["capex"]),
            build_days=int(doc["build_days"]),
            life_years=int(doc["life_years"]),
            products=tuple(products),
            fixed_cost_per_year=float(doc.get("fixed_cost_per_year", 0.0)),
            ramp_days=int(doc.get("ramp_days", 0)),
            salvage_value=float(doc.get("salvage_value", 0.0)),
            agreement=agreement,
            company_id=doc.get("company_id"),
            line_id=doc.get("line_id"),
            source=source,
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, SpecError):
            raise
        raise SpecError(f"{where}: {exc}") from None


# --- the simulated years -------------------------------------------------------------------------
@dataclass(frozen=True)
class YearPool:
    """Simulated years per scenario: the extra surge DDD each agreement brings and the
    criticality-weighted unmet DDD it avoids (arrays years × agreements), with the weights."""

    names: tuple[str, ...]
    weights: np.ndarray
    surge_ddd: tuple[np.ndarray, ...]
    avoided_weighted_ddd: tuple[np.ndarray, ...]
    wall_seconds: float = 0.0

    @property
    def years(self) -> dict[str, int]:
        """Simulated years per scenario."""
        return {n: int(s.shape[0]) for n, s in zip(self.names, self.surge_ddd, strict=True)}


def _seed(seed: int, name: str) -> int:
    digest = hashlib.sha256(f"{seed}:invest:{name}".encode()).digest()
    return int.from_bytes(digest[:7], "big")


def _slots(dataset: Dataset, specs: Sequence[LineSpec]) -> tuple[np.ndarray, np.ndarray]:
    """Each spec's agreement substance and its option slot: 1 for the first spec of a
    substance, 2 for the second, … (substances are independent in decomposed mode, so specs of
    different substances share a slot)."""
    subs = np.array(
        [dataset.substance_idx(s.agreement.atc_code) for s in specs if s.agreement is not None],
        dtype=np.int64,
    )
    seen: dict[int, int] = {}
    slots = np.zeros(len(subs), dtype=np.int64)
    for i, sub in enumerate(subs.tolist()):
        seen[sub] = seen.get(sub, 0) + 1
        slots[i] = seen[sub]
    return subs, slots


def _policies(dataset: Dataset, specs: Sequence[LineSpec], slots: np.ndarray) -> Policies:
    """Option 0: today's preparedness and agreements; option k ≥ 1: the same plus the
    agreements of the specs in slot k, each on a line of its own."""
    k_opts = 1 + (int(slots.max()) if len(slots) else 0)
    prep = dataset.stock_ddd_by_tier()["preparedness"].to_numpy(dtype=float)
    today = [agreements_from_dataset(dataset, option=k) for k in range(k_opts)]
    cidx = country_index(dataset)
    extra = []
    for slot, spec in zip(slots.tolist(), specs, strict=True):
        agr = spec.agreement
        assert agr is not None
        made = {p.atc_code: p for p in spec.products}
        extra.append(
            {
                "option": slot,
                "substance_idx": dataset.substance_idx(agr.atc_code),
                "line_idx": -1,
                "reserved_ddd_per_day": agr.reserved_ddd_per_day,
                "response_days": agr.response_days,
                "ramp_days": spec.ramp_days,
                "api_on_hand_ddd": spec.api_on_hand_ddd,
                "api_source_country_idx": cidx.get(spec.api_source_country, -1)
                if spec.api_source_country
                else -1,
                "line_capacity_ddd_per_day": made[agr.atc_code].capacity_ddd_per_day,
                "label": spec.investment_id,
            }
        )
    agreements = pd.concat([*today, pd.DataFrame(extra)], ignore_index=True)
    labels = ("today", *(f"slot {k}" for k in range(1, k_opts)))
    return Policies(np.repeat(prep[None, :], k_opts, axis=0), agreements, labels)


def simulate_years(
    dataset: Dataset,
    specs: Sequence[LineSpec],
    scenarios: Sequence[tuple[Scenario, float]],
    counts: Sequence[int],
    *,
    seed: int,
    criticality_weights: Mapping[str, float] | None = None,
    progress: Progress | None = None,
) -> YearPool:
    """Simulate `counts[j]` independent years under each scenario j with and without each
    spec's agreement: today's preparedness, stationary start, no open notices.

    Decomposed mode, as the optimiser's option losses (docs/plan.md): every agreement has its
    own capacity and substances do not substitute for each other, so each substance's outcome
    depends on its own options only and the specs of different substances are simulated in one
    option slot. Specs must all carry an agreement. Per year and spec: the agreement
    substance's surge DDD with it minus without it, and its criticality-weighted unmet DDD
    without it minus with it (the loss avoided, in weighted DDD).
    """
    started = time.perf_counter()
    subs, slots = _slots(dataset, specs)
    policies = _policies(dataset, specs, slots)
    k_opts = policies.n_options
    rows = max(BLOCK, CHUNK_CELLS // max(1, k_opts * 5 * dataset.n_substances) // BLOCK * BLOCK)
    total = int(sum(counts))
    done_all = 0
    surge_parts: list[np.ndarray] = []
    avoided_parts: list[np.ndarray] = []
    names: list[str] = []
    for (scenario, _w), n in zip(scenarios, counts, strict=True):
        quiet = replace(
            scenario,
            model=replace(scenario.model, open_shortages=False),
            background=replace(scenario.background, stationary_start=True),
        )
        model = compile_model(dataset, quiet, policies, 365, "decomposed", criticality_weights)
        weight = model.kernel.weight[subs]
        the_seed = _seed(seed, scenario.name)
        surge = np.zeros((n, len(specs)))
        avoided = np.zeros((n, len(specs)))
        for done, out in scenario_chunks(model, the_seed, n, rows):  # here or on Dask workers
            count = out.unmet.shape[1]
            rows_ = slice(done, done + count)
            surge[rows_] = (out.surge[slots, :, subs] - out.surge[0][:, subs].T).T
            avoided[rows_] = ((out.unmet[0][:, subs].T - out.unmet[slots, :, subs]).T) * weight
            done_all += count
            if progress:
                progress(done_all, total)
        names.append(scenario.name)
        surge_parts.append(surge)
        avoided_parts.append(avoided)
    weights = np.array([w for _, w in scenarios], dtype=float)
    return YearPool(
        names=tuple(names),
        weights=weights / weights.sum(),
        surge_ddd=tuple(surge_parts),
        avoided_weighted_ddd=tuple(avoided_parts),
        wall_seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class Futures:
    """Simulated futures of the lines' lives: per future and year, the scenario and the year of
    its pool drawn, and the market multipliers of domestic and export sales."""

    scenario: np.ndarray  # (paths, years) index into the pool's scenarios
    year: np.ndarray  # (paths, years) index into that scenario's pool
    domestic_multiplier: np.ndarray  # (paths,)
    export_multiplier: np.ndarray  # (paths,)


def draw_futures(
    pool: YearPool | None, n_paths: int, n_years: int, sales_cv: float, seed: int
) -> Futures:
    """Draw `n_paths` futures of `n_years` years (see the module docstring)."""
    rng = np.random.default_rng(_seed(seed, "futures"))
    if pool is not None and len(pool.names):
        scenario = rng.choice(len(pool.names), size=(n_paths, n_years), p=pool.weights)
        sizes = np.array([len(s) for s in pool.surge_ddd])
        year = np.floor(rng.random((n_paths, n_years)) * sizes[scenario]).astype(np.int64)
    else:
        scenario = np.zeros((n_paths, n_years), dtype=np.int64)
        year = np.zeros((n_paths, n_years), dtype=np.int64)
    sigma2 = math.log(1.0 + sales_cv**2)
    mu = -0.5 * sigma2
    dom = np.exp(mu + math.sqrt(sigma2) * rng.standard_normal(n_paths))
    exp = np.exp(mu + math.sqrt(sigma2) * rng.standard_normal(n_paths))
    return Futures(scenario, year, dom, exp)


# --- the cases ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseStats:
    """The distribution of a case's NPV and IRR over the futures (currency; rates a year)."""

    npv_mean: float
    npv_se: float
    npv_p5: float
    npv_p50: float
    npv_p95: float
    p_npv_positive: float
    p_npv_positive_se: float
    irr_p5: float
    irr_p50: float
    irr_p95: float
    irr_defined_share: float
    annual_fee: float


@dataclass(frozen=True)
class StateSide:
    """The state's side of an agreement on the same futures, discounted at the public rate:
    the fees it pays against the loss it avoids (present values, currency)."""

    annual_fee: float
    fees_pv: float
    loss_avoided_pv_mean: float
    loss_avoided_pv_se: float
    loss_avoided_pv_p5: float
    loss_avoided_pv_p95: float
    p_loss_avoided_exceeds_fees: float
    loss_avoided_per_fee: float


@dataclass(frozen=True)
class InvestmentCase:
    """One investment: its cases, break-even fee, surge sales and the state's side."""

    spec: LineSpec
    cases: dict[str, CaseStats]
    level: float
    break_even_fee: float
    p_at_break_even: float
    surge_ddd_per_year: float
    p_surge_year: float
    state_at_offer: StateSide | None
    state_at_break_even: StateSide | None
    cash_flows: pd.DataFrame
    fee_curve: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    npv_draws: dict[str, np.ndarray] = field(default_factory=dict, metadata={"json": False})


@dataclass(frozen=True)
class InvestResult:
    """Every investment case of a run, with the parameters, the simulated years and provenance."""

    provenance: Provenance
    currency: str
    parameters: InvestParameters
    cases: list[InvestmentCase]
    pool_years: dict[str, int]
    pool_weights: dict[str, float]
    wall_seconds: float
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per investment: the market case, the agreement case, the break-even fee and
        the state's side at the offered fee."""
        rows = []
        for c in self.cases:
            spec = c.spec
            market = c.cases["market"]
            agr = c.cases.get("agreement")
            state = c.state_at_offer
            rows.append(
                {
                    "investment_id": spec.investment_id,
                    "name": spec.name,
                    "company_id": spec.company_id,
                    "offer_id": spec.agreement.offer_id if spec.agreement else None,
                    "atc_code": spec.agreement.atc_code
                    if spec.agreement
                    else spec.products[0].atc_code,
                    "capex": spec.capex,
                    "life_years": spec.life_years,
                    "annual_fee": spec.agreement.annual_fee if spec.agreement else None,
                    "npv_market_mean": market.npv_mean,
                    "p_npv_positive_market": market.p_npv_positive,
                    "npv_agreement_mean": agr.npv_mean if agr else None,
                    "npv_agreement_p5": agr.npv_p5 if agr else None,
                    "npv_agreement_p95": agr.npv_p95 if agr else None,
                    "p_npv_positive_agreement": agr.p_npv_positive if agr else None,
                    "irr_agreement_p50": agr.irr_p50 if agr else market.irr_p50,
                    "break_even_fee": c.break_even_fee,
                    "surge_ddd_per_year": c.surge_ddd_per_year,
                    "state_loss_avoided_pv": state.loss_avoided_pv_mean if state else None,
                    "state_fees_pv": state.fees_pv if state else None,
                    "state_loss_avoided_per_fee": state.loss_avoided_per_fee if state else None,
                }
            )
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class _Flows:
    """A spec's yearly quantities over the futures, before the fee (arrays paths × years)."""

    fractions: np.ndarray
    agreement_fractions: np.ndarray
    ebitda_market: np.ndarray
    ebitda_surge: np.ndarray
    surge_ddd: np.ndarray
    avoided_value: np.ndarray
    parts: dict[str, np.ndarray]


def line_flows(
    spec: LineSpec,
    surge_per_year: np.ndarray | None,
    avoided_per_year: np.ndarray | None,
    domestic_multiplier: np.ndarray,
    export_multiplier: np.ndarray,
) -> _Flows:
    """Yearly EBITDA of `spec` per future, without and with surge sales (fee excluded).

    `surge_per_year` (paths × years) is the extra surge output a full year of the agreement
    brings in each simulated year (DDD); it counts for the share of the year the agreement runs.
    Normal sales are scaled by the future's market multipliers and limited to the line's time:
    when normal and surge output together need more days than the year has, surge output keeps
    its days (the agreement obliges) and export sales give way first, then domestic sales.
    """
    frac = operating_fractions(spec.build_days, spec.life_years)
    n_years = len(frac)
    n_paths = len(domestic_multiplier)
    agr = spec.agreement
    if agr is not None:
        years = agr.years if agr.years is not None else spec.life_years
        agr_frac = operating_fractions(spec.build_days, min(years, spec.life_years))
        agr_frac = np.pad(agr_frac, (0, n_years - len(agr_frac)))
    else:
        agr_frac = np.zeros(n_years)
    days = 365.0 * frac[None, :]  # (1, T)
    dom_m = domestic_multiplier[:, None]
    exp_m = export_multiplier[:, None]
    surge = np.zeros((n_paths, n_years))
    if agr is not None and surge_per_year is not None:
        surge = np.maximum(surge_per_year[:, :n_years], 0.0) * agr_frac[None, :]
    avoided = np.zeros((n_paths, n_years))
    if agr is not None and avoided_per_year is not None:
        avoided = avoided_per_year[:, :n_years] * agr_frac[None, :]

    def ebitda(with_surge: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        used_by_surge = np.zeros((n_paths, n_years))
        surge_cap = 1.0
        if with_surge and agr is not None:
            cap = next(p for p in spec.products if p.atc_code == agr.atc_code)
            surge_cap = cap.capacity_ddd_per_day
            used_by_surge = surge / surge_cap
        dom_days = (
            sum(p.domestic_ddd_per_day / p.capacity_ddd_per_day for p in spec.products)
            * days
            * dom_m
        )
        exp_days = (
            sum(p.export_ddd_per_day / p.capacity_ddd_per_day for p in spec.products) * days * exp_m
        )
        free = np.maximum(days - used_by_surge, 0.0)
        exp_kept = np.minimum(exp_days, np.maximum(free - np.minimum(dom_days, free), 0.0))
        dom_kept = np.minimum(dom_days, free)
        with np.errstate(invalid="ignore", divide="ignore"):
            dom_scale = np.where(dom_days > 0, dom_kept / np.where(dom_days > 0, dom_days, 1), 0.0)
            exp_scale = np.where(exp_days > 0, exp_kept / np.where(exp_days > 0, exp_days, 1), 0.0)
        revenue_dom = np.zeros((n_paths, n_years))
        revenue_exp = np.zeros((n_paths, n_years))
        revenue_surge = np.zeros((n_paths, n_years))
        variable = np.zeros((n_paths, n_years))
        for p in spec.products:
            dom = p.domestic_ddd_per_day * days * dom_m * dom_scale
            exp = p.export_ddd_per_day * days * exp_m * exp_scale
            revenue_dom += dom * p.price_per_ddd
            revenue_exp += exp * p.export_price
            variable += (dom + exp) * p.unit_cost_per_ddd
            if with_surge and agr is not None and p.atc_code == agr.atc_code:
                revenue_surge += surge * p.surge_price
                variable += surge * p.unit_cost_per_ddd
        fixed = spec.fixed_cost_per_year * np.broadcast_to(frac[None, :], (n_paths, n_years))
        parts = {
            "revenue_domestic": revenue_dom,
            "revenue_export": revenue_exp,
            "revenue_surge": revenue_surge,
            "variable_cost": variable,
            "fixed_cost": fixed,
        }
        return revenue_dom + revenue_exp + revenue_surge - variable - fixed, parts

    market, _ = ebitda(False)
    with_surge, parts = ebitda(True)
    return _Flows(frac, agr_frac, market, with_surge, surge, avoided, parts)


def case_npv(
    spec: LineSpec,
    ebitda: np.ndarray,
    fee: float,
    agreement_fractions: np.ndarray,
    finance: FinanceParameters,
) -> tuple[np.ndarray, np.ndarray]:
    """(NPV per future, cash flows C_0 … C_T per future) of `spec` with an annual `fee`."""
    fractions = operating_fractions(spec.build_days, spec.life_years)
    dep, remaining = depreciation_schedule(spec.capex, fractions, finance)
    total = ebitda + fee * agreement_fractions[None, :]
    flows = after_tax_cash_flows(total, dep, remaining, spec.capex, spec.salvage_value, finance)
    return npv(flows, finance.discount_rate), flows


def break_even_fee(
    spec: LineSpec,
    ebitda: np.ndarray,
    agreement_fractions: np.ndarray,
    finance: FinanceParameters,
    level: float,
) -> float:
    """The least annual fee at which P(NPV > 0) over the futures reaches `level` (to 1 unit).

    NPV rises with the fee in every future (the fee is income, taxed at a rate below 1), so the
    share of futures with NPV > 0 rises with it; found by bisection. 0 when the market alone
    reaches the level; infinite when the agreement runs in no operating year.
    """
    if not agreement_fractions.any():
        return math.inf

    def share(fee: float) -> float:
        value, _ = case_npv(spec, ebitda, fee, agreement_fractions, finance)
        return float((value > 0).mean())

    if share(0.0) >= level:
        return 0.0
    hi = max(spec.capex, 1.0)
    while share(hi) < level:
        hi *= 2.0
        if hi > 1e18:  # pragma: no cover - a fee this large always pays
            return math.inf
    lo = 0.0
    while hi - lo > max(1.0, 1e-12 * hi):
        mid = 0.5 * (lo + hi)
        if share(mid) >= level:
            hi = mid
        else:
            lo = mid
    return hi


def _stats(values: np.ndarray, flows: np.ndarray, fee: float) -> CaseStats:
    n = len(values)
    p = float((values > 0).mean())
    rates = irr(flows)
    defined = np.isfinite(rates)
    q = np.percentile(rates[defined], (5, 50, 95)) if defined.any() else (math.nan,) * 3
    p5, p50, p95 = np.percentile(values, (5, 50, 95))
    return CaseStats(
        npv_mean=float(values.mean()),
        npv_se=float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
        npv_p5=float(p5),
        npv_p50=float(p50),
        npv_p95=float(p95),
        p_npv_positive=p,
        p_npv_positive_se=math.sqrt(p * (1 - p) / n),
        irr_p5=float(q[0]),
        irr_p50=float(q[1]),
        irr_p95=float(q[2]),
        irr_defined_share=float(defined.mean()),
        annual_fee=float(fee),
    )


def _state(
    fee: float, flows: _Flows, finance: FinanceParameters, value_per_patient_day: float
) -> StateSide:
    disc = discount_factors(len(flows.fractions), finance.state_discount_rate)
    fees_pv = float(fee * (flows.agreement_fractions * disc).sum())
    avoided = (flows.avoided_value * value_per_patient_day * disc[None, :]).sum(axis=1)
    n = len(avoided)
    p5, p95 = np.percentile(avoided, (5, 95))
    mean = float(avoided.mean())
    return StateSide(
        annual_fee=float(fee),
        fees_pv=fees_pv,
        loss_avoided_pv_mean=mean,
        loss_avoided_pv_se=float(avoided.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
        loss_avoided_pv_p5=float(p5),
        loss_avoided_pv_p95=float(p95),
        p_loss_avoided_exceeds_fees=float((avoided > fees_pv).mean()),
        loss_avoided_per_fee=mean / fees_pv if fees_pv > 0 else math.nan,
    )


def value_case(
    spec: LineSpec,
    surge_per_year: np.ndarray | None,
    avoided_per_year: np.ndarray | None,
    futures: Futures,
    params: InvestParameters,
) -> InvestmentCase:
    """The cases of one investment over the futures (see the module docstring)."""
    finance = params.finance
    flows = line_flows(
        spec,
        surge_per_year,
        avoided_per_year,
        futures.domestic_multiplier,
        futures.export_multiplier,
    )
    cases: dict[str, CaseStats] = {}
    draws: dict[str, np.ndarray] = {}
    zero = np.zeros_like(flows.agreement_fractions)
    value, cf = case_npv(spec, flows.ebitda_market, 0.0, zero, finance)
    cases["market"] = _stats(value, cf, 0.0)
    draws["market"] = value
    notes: list[str] = []
    agr = spec.agreement
    be = math.nan
    p_be = math.nan
    state_offer = state_be = None
    fee_curve = pd.DataFrame(columns=["annual_fee", "p_npv_positive"])
    mean_flows = cf.mean(axis=0)
    if agr is not None:
        value0, cf0 = case_npv(spec, flows.ebitda_surge, 0.0, flows.agreement_fractions, finance)
        cases["agreement_no_fee"] = _stats(value0, cf0, 0.0)
        draws["agreement_no_fee"] = value0
        value1, cf1 = case_npv(
            spec, flows.ebitda_surge, agr.annual_fee, flows.agreement_fractions, finance
        )
        cases["agreement"] = _stats(value1, cf1, agr.annual_fee)
        draws["agreement"] = value1
        mean_flows = cf1.mean(axis=0)
        be = break_even_fee(
            spec, flows.ebitda_surge, flows.agreement_fractions, finance, params.level
        )
        if math.isfinite(be):
            at_be, _ = case_npv(spec, flows.ebitda_surge, be, flows.agreement_fractions, finance)
            p_be = float((at_be > 0).mean())
        state_offer = _state(agr.annual_fee, flows, finance, params.value_per_patient_day)
        if math.isfinite(be):
            state_be = _state(be, flows, finance, params.value_per_patient_day)
        top = max(agr.annual_fee, be if math.isfinite(be) else 0.0, 1.0) * 2.0
        fees = np.linspace(0.0, top, 41)
        shares = [
            float(
                (
                    case_npv(spec, flows.ebitda_surge, f, flows.agreement_fractions, finance)[0] > 0
                ).mean()
            )
            for f in fees
        ]
        fee_curve = pd.DataFrame({"annual_fee": fees, "p_npv_positive": shares})
        if be == 0.0:
            notes.append("the market alone reaches the level: no fee is needed")
    operating = flows.agreement_fractions > 0
    surge_years = flows.surge_ddd[:, operating] if operating.any() else np.zeros((1, 1))
    share = flows.agreement_fractions[operating] if operating.any() else np.ones(1)
    surge_mean = float((surge_years / share[None, :]).mean()) if operating.any() else 0.0
    p_surge = float((surge_years > 0).mean()) if operating.any() else 0.0
    years = np.arange(len(mean_flows))
    parts = {k: np.concatenate([[0.0], v.mean(axis=0)]) for k, v in flows.parts.items()}
    fee_income = np.concatenate(
        [[0.0], (agr.annual_fee if agr else 0.0) * flows.agreement_fractions]
    )
    cash = pd.DataFrame(
        {
            "year": years,
            "operating_share": np.concatenate([[0.0], flows.fractions]),
            **parts,
            "fee_income": fee_income,
            "cash_flow": mean_flows,
            "discounted_cash_flow": mean_flows * (1 + finance.discount_rate) ** -years,
        }
    )
    return InvestmentCase(
        spec=spec,
        cases=cases,
        level=params.level,
        break_even_fee=be,
        p_at_break_even=p_be,
        surge_ddd_per_year=surge_mean,
        p_surge_year=p_surge,
        state_at_offer=state_offer,
        state_at_break_even=state_be,
        cash_flows=cash,
        fee_curve=fee_curve,
        notes=notes,
        npv_draws=draws,
    )


def invest(
    dataset: Dataset,
    specs: Sequence[LineSpec] | None = None,
    params: InvestParameters | None = None,
    *,
    library: Sequence[Scenario] = (),
    background: Scenario | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> InvestResult:
    """The investment cases of `specs` (default: every investment of the dataset).

    `library`: stress scenarios with ``probability_per_year`` (as the optimiser's); the rest of
    each year is the `background` (default: the hazards from the data only).
    """
    params = params or InvestParameters()
    specs = list(specs) if specs is not None else specs_from_dataset(dataset)
    if params.agreement_years is not None:
        specs = [
            replace(s, agreement=replace(s.agreement, years=params.agreement_years))
            if s.agreement is not None and s.agreement.years is None
            else s
            for s in specs
        ]
    for spec in specs:
        for p in spec.products:
            if p.atc_code not in dataset.substance_index:
                raise SpecError(f"{spec.investment_id}: {p.atc_code} is not in the dataset")
    background = background or Scenario(name="background")
    stresses = [st for st in library if st.probability_per_year]
    total_p = sum(float(st.probability_per_year or 0.0) for st in stresses)
    if total_p >= 1:
        raise ValueError(f"the stress library's probabilities sum to {total_p:g} ≥ 1 a year")
    scenarios = [(background, 1.0 - total_p)] + [
        (st, float(st.probability_per_year or 0.0)) for st in stresses
    ]
    n = params.pool_years
    n_stress = min(n, max(BLOCK, int(-(-n * params.library_share // BLOCK) * BLOCK)))
    counts = [n] + [n_stress] * len(stresses)
    with_agreement = [s for s in specs if s.agreement is not None]
    pool = None
    if with_agreement:
        pool = simulate_years(
            dataset,
            with_agreement,
            scenarios,
            counts,
            seed=seed,
            criticality_weights=params.criticality_weights,
            progress=progress,
        )
    n_years = max((len(operating_fractions(s.build_days, s.life_years)) for s in specs), default=1)
    futures = draw_futures(pool, params.paths, n_years, params.sales_cv, seed)
    cases = []
    column = {s.investment_id: i for i, s in enumerate(with_agreement)}
    for spec in specs:
        surge = avoided = None
        if pool is not None and spec.investment_id in column:
            j = column[spec.investment_id]
            surge = np.zeros(futures.scenario.shape)
            avoided = np.zeros(futures.scenario.shape)
            for si in range(len(pool.names)):
                mask = futures.scenario == si
                surge[mask] = pool.surge_ddd[si][futures.year[mask], j]
                avoided[mask] = pool.avoided_weighted_ddd[si][futures.year[mask], j]
        cases.append(value_case(spec, surge, avoided, futures, params))
    notes = []
    if not stresses:
        notes.append(
            "no stress scenario with a yearly probability: surge sales come from the background "
            "hazards only"
        )
    parameters = {
        "finance": params.finance,
        "level": params.level,
        "paths": params.paths,
        "pool_years": params.pool_years,
        "library_share": params.library_share,
        "sales_cv": params.sales_cv,
        "value_per_patient_day": params.value_per_patient_day,
        "agreement_years": params.agreement_years,
        "investments": [s.investment_id for s in specs],
        "scenarios": [sc.name for sc, _ in scenarios],
    }
    return InvestResult(
        provenance=provenance(dataset, parameters, seed),
        currency=dataset.currency,
        parameters=params,
        cases=cases,
        pool_years=pool.years if pool is not None else {},
        pool_weights=(
            dict(zip(pool.names, pool.weights.astype(float).tolist(), strict=True))
            if pool is not None
            else {}
        ),
        wall_seconds=pool.wall_seconds if pool is not None else 0.0,
        notes=notes,
    )
