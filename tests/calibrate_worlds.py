"""A synthetic market whose shortage record is drawn from known hazards (for calibration tests).

Sites make the API of several packs each (so a site outage shows as simultaneous notices on
all of them); every pack also fails on its own. Both outage kinds last a discretised lognormal
time, D = max(1, round(X)), ln X ~ N(ln median, σ²) — the law the simulator draws.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sim_worlds import world

from beredt.domain.dataset import Dataset


@dataclass(frozen=True)
class Truth:
    """The hazards the record was drawn from."""

    site_hazard: dict[str, float]  # by country (the site group)
    pack_hazard: float
    median_days: float
    sigma: float
    years: float
    packs_per_site: int


def recovery_world(
    seed: int = 7,
    *,
    sites_per_country: int = 6,
    packs_per_site: int = 5,
    site_hazard: dict[str, float] | None = None,
    pack_hazard: float = 0.12,
    median_days: float = 20.0,
    sigma: float = 0.8,
    years: int = 12,
    jitter_days: int = 2,
) -> tuple[Dataset, Truth]:
    """The dataset (structure + drawn record) and the truth behind it."""
    rates = site_hazard or {"IN": 0.3, "DE": 0.1}
    rng = np.random.default_rng(seed)
    as_of = dt.date(2026, 1, 1)
    start = as_of - dt.timedelta(days=round(years * 365.25))
    span = (as_of - start).days
    sites, products, substances, supply, notices = [], [], [], [], []
    p = 0

    def duration() -> int:
        return max(1, round(float(median_days * np.exp(sigma * rng.standard_normal()))))

    def notice(pid: str, atc: str, first: dt.date, days: int, cause: str) -> None:
        end = first + dt.timedelta(days=days - 1)
        resolved = end < as_of
        notices.append(
            {
                "notice_id": f"N-{len(notices) + 1:05d}",
                "atc_code": atc,
                "product_id": pid,
                "status": "resolved" if resolved else "ongoing",
                "start_date": first,
                "announced_date": first,
                "end_date": end if resolved else None,
                "cause": cause,
            }
        )

    for country, rate in rates.items():
        for k in range(sites_per_country):
            site_id = f"{country.lower()}-api-{k}"
            sites.append({"site_id": site_id, "country": country, "stage": "api"})
            packs = []
            for _ in range(packs_per_site):
                atc = f"J01CA{p // 2 + 10:02d}"
                if p % 2 == 0:
                    substances.append({"atc_code": atc})
                pid = f"P{p:03d}"
                products.append({"product_id": pid, "atc_code": atc, "market_share": 0.5})
                supply.append((pid, site_id))
                packs.append((pid, atc))
                p += 1
            for _ in range(int(rng.poisson(rate * span / 365.25))):
                first = start + dt.timedelta(days=int(rng.integers(span)))
                days = duration()
                for pid, atc in packs:
                    shift = dt.timedelta(days=int(rng.integers(jitter_days + 1)))
                    notice(pid, atc, first + shift, days, "manufacturing")
    for prod in products:
        for _ in range(int(rng.poisson(pack_hazard * span / 365.25))):
            first = start + dt.timedelta(days=int(rng.integers(span)))
            notice(str(prod["product_id"]), str(prod["atc_code"]), first, duration(), "quality")
    notices = [n for n in notices if n["start_date"] <= as_of]
    dataset = world(
        countries=[{"country": c, "name": c} for c in rates],
        sites=sites,
        substances=substances,
        products=products,
        supply=supply,
        demand=[{"atc_code": s["atc_code"], "ddd_per_day": 100.0} for s in substances],
        shortages=notices,
        as_of=as_of,
    )
    return dataset, Truth(rates, pack_hazard, median_days, sigma, span / 365.25, packs_per_site)
