"""A synthetic EU medicines market: 27 member states, 5,000 substances, shared manufacturing sites.

Illustrative, not real data (proportions follow ``sim_bench.national_dataset``). One universe of
substances (ATC codes, criticality, use per inhabitant) and one list of manufacturing sites —
API mostly in China and India, finished dose and packaging mostly in Europe — serve every member
state. Each substance has its own small set of API and finished-dose sites; a member state's
packs of the substance are made at some of them, so an outage of one site hits that substance
in every state that buys from it. Each state markets a share of the substances that grows with
its population, with demand proportional to population, its own packs, market shares, stock
and, in some states, preparedness stock and agreements with a domestic line.

Every state's dataset lists the same sites and producing countries in the same order, and the
simulator keys every draw by (seed, scenario, site or country), so with one seed scenario i is
the same EU-wide disruption history in every state: national results add up per scenario.

``eu_market()`` builds the market; ``member_dataset(market, state)`` one state's dataset.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from beredt.domain.bundle import Bundle, BundleMeta
from beredt.domain.dataset import Dataset, build_dataset

AS_OF = dt.date(2026, 11, 1)
#: Member states and their population (millions, rounded; Eurostat 2024).
STATES = [
    ("DE", 84.6), ("FR", 68.4), ("IT", 59.0), ("ES", 48.6), ("PL", 36.6), ("RO", 19.1),
    ("NL", 17.9), ("BE", 11.8), ("CZ", 10.9), ("SE", 10.6), ("PT", 10.6), ("GR", 10.4),
    ("HU", 9.6), ("AT", 9.2), ("BG", 6.4), ("DK", 6.0), ("FI", 5.6), ("SK", 5.4), ("IE", 5.3),
    ("HR", 3.9), ("LT", 2.9), ("SI", 2.1), ("LV", 1.9), ("EE", 1.4), ("CY", 1.0), ("LU", 0.7),
    ("MT", 0.6),
]  # fmt: skip
#: Producing countries outside the EU: code, export-restriction hazard/yr, mean days, and the
#: shares of API, finished-dose and packaging sites there.
ABROAD = [
    ("CN", 0.15, 90.0, 0.42, 0.08, 0.00),
    ("IN", 0.10, 120.0, 0.32, 0.22, 0.02),
    ("US", 0.03, 60.0, 0.05, 0.05, 0.00),
    ("CH", 0.01, 30.0, 0.04, 0.05, 0.03),
    ("GB", 0.02, 30.0, 0.02, 0.05, 0.05),
]
#: Share of the EU's API, finished-dose and packaging sites (the rest spread over the states).
EU_SHARE = (0.15, 0.55, 0.90)
#: EU states with a large pharmaceutical industry get more of the EU's sites.
PRODUCERS = {"DE": 4.0, "IT": 3.0, "FR": 3.0, "ES": 2.0, "IE": 2.0, "BE": 1.5, "NL": 1.0}
#: States holding preparedness stock of vital medicines, and with domestic lines.
PREPAREDNESS = {"FI", "SE", "DK", "EE", "LT", "LV"}
LINES = {"FI": 3, "SE": 2, "DK": 2, "PL": 3, "HU": 2}
LETTERS = "ABCDGHJLMNPRSV"


@dataclass(frozen=True)
class EUMarket:
    """The shared parts of the market: substances, sites, countries and per-substance sites."""

    substances: list[dict[str, Any]]
    per_capita: np.ndarray  # DDD per day and million inhabitants, per substance
    sites: list[dict[str, Any]]
    countries: list[dict[str, Any]]
    companies: list[dict[str, Any]]
    api_sites: list[list[str]]  # per substance
    fdf_sites: list[list[str]]
    pack_sites: list[str]
    seed: int

    @property
    def n_substances(self) -> int:
        """Substances in the EU universe."""
        return len(self.substances)


def _codes(n: int, rng: np.random.Generator) -> list[str]:
    codes: list[str] = []
    g = 0
    while len(codes) < n:
        letter = LETTERS[g % len(LETTERS)]
        group = f"{letter}{(g // 14) % 100:02d}{chr(65 + (g // 1400) % 26)}{chr(65 + g % 26)}"
        for j in range(int(rng.integers(1, 7))):
            codes.append(f"{group}{j + 1:02d}")
        g += 1
    return sorted(set(codes[:n]))


def eu_market(n_substances: int = 5000, seed: int = 7) -> EUMarket:
    """The EU universe of `n_substances` substances and the sites that make them."""
    rng = np.random.default_rng(seed)
    codes = _codes(n_substances, rng)
    substances = [
        {
            "atc_code": atc,
            "name": atc,
            "ddd": 1.0,
            "ddd_unit": "g",
            "criticality": str(rng.choice(["vital", "essential", "other"], p=[0.15, 0.35, 0.5])),
        }
        for atc in codes
    ]
    per_capita = np.clip(rng.lognormal(np.log(200.0), 1.5, len(codes)), 0.5, 50_000)
    countries = [
        {
            "country": c,
            "name": c,
            "export_restriction_hazard_per_year": 0.02,
            "export_restriction_mean_days": 30.0,
        }
        for c, _ in STATES
    ] + [
        {
            "country": c,
            "name": c,
            "export_restriction_hazard_per_year": h,
            "export_restriction_mean_days": d,
        }
        for c, h, d, *_ in ABROAD
    ]
    companies = [{"company_id": f"co-{c['country'].lower()}", "name": c["country"], "country": c["country"]} for c in countries]  # fmt: skip
    weight_eu = np.array([PRODUCERS.get(c, 0.3) * np.sqrt(p) for c, p in STATES])
    names = [c for c, _ in STATES] + [c for c, *_ in ABROAD]
    n_sites = {"api": n_substances * 2 // 5, "fdf": n_substances * 3 // 10, "pack": 400}
    sites: list[dict[str, Any]] = []
    by_stage: dict[str, list[str]] = {}
    for col, stage in enumerate(("api", "fdf", "pack")):
        abroad = np.array([a[3 + col] for a in ABROAD])
        share = np.concatenate([weight_eu / weight_eu.sum() * EU_SHARE[col], abroad])
        which = rng.choice(len(names), size=n_sites[stage], p=share / share.sum())
        by_stage[stage] = []
        for i, ci in enumerate(which):
            sid = f"{stage}-{i}"
            by_stage[stage].append(sid)
            sites.append(
                {
                    "site_id": sid,
                    "company_id": f"co-{names[ci].lower()}",
                    "name": sid,
                    "country": names[ci],
                    "stage": stage,
                    "outage_hazard_per_year": float(rng.gamma(2.0, 0.075)),
                    "outage_mean_days": float(np.clip(rng.lognormal(np.log(30), 0.5), 5, 180)),
                }
            )
    api = [
        [str(s) for s in rng.choice(by_stage["api"], size=int(rng.integers(1, 4)), replace=False)]
        for _ in codes
    ]
    fdf = [
        [str(s) for s in rng.choice(by_stage["fdf"], size=int(rng.integers(1, 5)), replace=False)]
        for _ in codes
    ]
    return EUMarket(
        substances, per_capita, sites, countries, companies, api, fdf, by_stage["pack"], seed
    )


def member_dataset(market: EUMarket, state: str) -> Dataset:
    """One member state's dataset: its substances, packs, demand, stock and agreements."""
    idx = [c for c, _ in STATES].index(state)
    population = STATES[idx][1]
    rng = np.random.default_rng([market.seed, idx])
    p_market = min(0.95, 0.35 + 0.6 * np.sqrt(population / STATES[0][1]))
    chosen = np.flatnonzero(rng.random(market.n_substances) < p_market)
    substances, demand, products, supply, stock = [], [], [], [], []
    for s in chosen:
        sub = market.substances[s]
        atc = sub["atc_code"]
        substances.append(sub)
        rate = float(market.per_capita[s] * population)
        demand.append(
            {
                "atc_code": atc,
                "ddd_per_day": rate,
                "seasonal_amplitude": float(rng.uniform(0, 0.3)),
                "seasonal_peak_day": int(rng.integers(1, 366)),
                "daily_cv": float(rng.uniform(0.05, 0.2)),
            }
        )
        k = int(rng.choice([1, 2, 3, 4], p=[0.3, 0.35, 0.25, 0.1]))
        shares = rng.dirichlet(np.ones(k))
        days_of_stock = float(np.clip(rng.lognormal(np.log(45), 0.6), 7, 200))
        for j in range(k):
            pid = f"{state}-{atc}-{j}"
            products.append(
                {
                    "product_id": pid,
                    "atc_code": atc,
                    "name": pid,
                    "ma_holder_id": f"co-{state.lower()}",
                    "form": "tablet",
                    "ddd_per_pack": 10.0,
                    "price_per_pack": float(rng.uniform(20, 500)),
                    "market_share": float(shares[j]),
                    "spare_capacity_share": float(rng.choice([0.0, 0.05, 0.1, 0.2])),
                    "spare_lead_time_days": int(rng.integers(7, 60)),
                }
            )
            api = market.api_sites[s]
            for site in rng.choice(api, size=min(len(api), 1 + int(rng.random() < 0.3)), replace=False):  # fmt: skip
                supply.append({"product_id": pid, "site_id": str(site)})
            fdf = market.fdf_sites[s]
            for site in rng.choice(fdf, size=min(len(fdf), 1 + int(rng.random() < 0.2)), replace=False):  # fmt: skip
                supply.append({"product_id": pid, "site_id": str(site)})
            if rng.random() < 0.5:
                supply.append({"product_id": pid, "site_id": str(rng.choice(market.pack_sites))})
            packs = int(days_of_stock * rate * shares[j] / 10.0)
            if packs > 0:
                stock.append(
                    {
                        "date": AS_OF,
                        "product_id": pid,
                        "holder": "wholesale",
                        "tier": "wholesale",
                        "packs": packs,
                    }
                )
        if state in PREPAREDNESS and sub["criticality"] == "vital" and rng.random() < 0.5:
            stock.append(
                {
                    "date": AS_OF,
                    "product_id": f"{state}-{atc}-0",
                    "holder": "preparedness",
                    "tier": "preparedness",
                    "packs": int(rng.uniform(30, 90) * rate / 10.0),
                }
            )
    lines = [
        {
            "line_id": f"{state}-line-{i}",
            "company_id": f"co-{state.lower()}",
            "name": f"line {i}",
            "dosage_forms": ("tablet",),
            "response_days": int(rng.integers(7, 60)),
            "ramp_days": int(rng.integers(0, 30)),
        }
        for i in range(LINES.get(state, 0))
    ]
    capabilities, agreements = [], []
    if lines:
        rates = {d["atc_code"]: d["ddd_per_day"] for d in demand}
        for i, atc in enumerate(rng.choice(list(rates), size=8 * len(lines), replace=False)):
            line = lines[i % len(lines)]["line_id"]
            cap = rates[str(atc)] * float(rng.uniform(0.5, 2.0))
            capabilities.append(
                {
                    "line_id": line,
                    "atc_code": str(atc),
                    "capacity_ddd_per_day": cap,
                    "api_on_hand_ddd": rates[str(atc)] * float(rng.uniform(0, 90)),
                    "api_source_country": str(rng.choice(["CN", "IN", "DE"])),
                }
            )
            if i % 2 == 0:
                agreements.append(
                    {
                        "agreement_id": f"{state}-AG-{i}",
                        "line_id": line,
                        "atc_code": str(atc),
                        "reserved_ddd_per_day": cap * float(rng.uniform(0.2, 0.6)),
                        "response_days": int(rng.integers(7, 60)),
                        "annual_fee": 1e6,
                    }
                )
    tables = {
        "countries": market.countries,
        "companies": market.companies,
        "substances": substances,
        "sites": market.sites,
        "products": products,
        "supply": supply,
        "demand": demand,
        "stock": stock,
        "lines": lines,
        "capabilities": capabilities,
        "agreements": agreements,
    }
    meta = BundleMeta(country=state, currency="EUR", as_of=AS_OF, title=f"synthetic EU: {state}")
    return build_dataset(Bundle(meta, tables), AS_OF)
