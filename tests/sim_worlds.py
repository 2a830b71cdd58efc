"""Small synthetic worlds for the simulator tests: datasets built in code, no files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from beredt.domain.bundle import Bundle, BundleMeta
from beredt.domain.dataset import Dataset, build_dataset

AS_OF = dt.date(2026, 1, 1)


def world(
    *,
    countries: Sequence[dict[str, Any]] = ({"country": "XA", "name": "A"},),
    sites: Sequence[dict[str, Any]] = (),
    substances: Sequence[dict[str, Any]] = (),
    products: Sequence[dict[str, Any]] = (),
    supply: Sequence[tuple[str, str]] = (),
    demand: Sequence[dict[str, Any]] = (),
    stock: Sequence[dict[str, Any]] = (),
    lines: Sequence[dict[str, Any]] = (),
    capabilities: Sequence[dict[str, Any]] = (),
    agreements: Sequence[dict[str, Any]] = (),
    shortages: Sequence[dict[str, Any]] = (),
    levers: Sequence[dict[str, Any]] = (),
    as_of: dt.date = AS_OF,
) -> Dataset:
    """A dataset from partial rows: defaults fill the rest (one company per country)."""
    country_rows = [{"export_restriction_hazard_per_year": 0.0, **c} for c in countries]
    companies = [
        {"company_id": f"co-{c['country'].lower()}", "name": c["country"], "country": c["country"]}
        for c in country_rows
    ]
    first = country_rows[0]["country"].lower()
    site_rows = [
        {
            "company_id": f"co-{s.get('country', country_rows[0]['country']).lower()}",
            "name": s["site_id"],
            "country": country_rows[0]["country"],
            "stage": "api",
            "outage_hazard_per_year": 0.0,
            "outage_mean_days": 10.0,
            **s,
        }
        for s in sites
    ]
    subs = [
        {"name": s["atc_code"], "ddd": 1.0, "ddd_unit": "g", "criticality": "vital", **s}
        for s in substances
    ]
    prods = [
        {
            "name": p["product_id"],
            "ma_holder_id": f"co-{first}",
            "form": "tablet",
            "ddd_per_pack": 1.0,
            "price_per_pack": 1.0,
            "market_share": 1.0,
            **p,
        }
        for p in products
    ]
    dem = [
        {"seasonal_amplitude": 0.0, "seasonal_peak_day": 15, "daily_cv": 0.0, **d} for d in demand
    ]
    stock_rows = [
        {"date": as_of, "holder": "W", "tier": "wholesale", "kind": "count", **s} for s in stock
    ]
    line_rows = [
        {"company_id": f"co-{first}", "name": ln["line_id"], "dosage_forms": ("tablet",), **ln}
        for ln in lines
    ]
    agr = [{"annual_fee": 0.0, "valid_from": None, "valid_until": None, **a} for a in agreements]
    tables = {
        "countries": country_rows,
        "companies": companies,
        "substances": subs,
        "sites": site_rows,
        "products": prods,
        "supply": [{"product_id": p, "site_id": s} for p, s in supply],
        "demand": dem,
        "stock": stock_rows,
        "lines": line_rows,
        "capabilities": list(capabilities),
        "agreements": agr,
        "shortages": list(shortages),
        "levers": list(levers),
    }
    meta = BundleMeta(country="NO", currency="NOK", as_of=as_of, title="test world")
    return build_dataset(Bundle(meta, tables), as_of)


def one_substance(
    *,
    demand_ddd_per_day: float,
    stock_ddd: float,
    site_hazard_per_year: float = 0.0,
    site_mean_days: float = 10.0,
    preparedness_ddd: float = 0.0,
    lines: Sequence[dict[str, Any]] = (),
    capabilities: Sequence[dict[str, Any]] = (),
    agreements: Sequence[dict[str, Any]] = (),
) -> Dataset:
    """One substance (J01CA04), one product (P1) made at one site (S1) with the given stock."""
    stock = [{"product_id": "P1", "packs": int(stock_ddd)}] if stock_ddd else []
    if preparedness_ddd:
        stock.append(
            {
                "product_id": "P1",
                "packs": int(preparedness_ddd),
                "tier": "preparedness",
                "holder": "B",
            }
        )
    return world(
        sites=[
            {
                "site_id": "S1",
                "outage_hazard_per_year": site_hazard_per_year,
                "outage_mean_days": site_mean_days,
            }
        ],
        substances=[{"atc_code": "J01CA04"}],
        products=[{"product_id": "P1", "atc_code": "J01CA04"}],
        supply=[("P1", "S1")],
        demand=[{"atc_code": "J01CA04", "ddd_per_day": demand_ddd_per_day}],
        stock=stock,
        lines=lines,
        capabilities=capabilities,
        agreements=agreements,
    )
