"""The engine against the day-by-day reference (tests/sim_reference.py), on random small worlds.

With deterministic integer demand and the same event draws, the event-driven engine (interval
algebra, active-day skipping, lazy stock rebuild) must give the reference's numbers exactly, up
to floating-point rounding (relative 1e-9).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_reference import reference_product_down, run_reference
from sim_worlds import world

from beredt.domain.dataset import Dataset
from beredt.sim import Background, Event, Fixed, Geometric, ModelParameters, Policies, Scenario
from beredt.sim.engine import run_scenarios
from beredt.sim.kernel import draw_scenario, product_intervals
from beredt.sim.model import compile_model

ATC_POOL = ["J01CA04", "J01CA08", "J01CA01", "J01CE02", "N02BE01", "N02BE05"]
SHARES = {1: [(1.0,)], 2: [(0.5, 0.5), (0.25, 0.75)], 3: [(0.25, 0.25, 0.5)]}
COUNTRIES = ["XA", "XB", "XC"]
FIELDS = (
    "unmet",
    "sdays",
    "first_short",
    "first_stockout",
    "surge",
    "prep",
    "alt",
    "imports",
    "national",
)


@st.composite
def worlds(draw: Any) -> tuple[Dataset, Scenario, str]:
    n_c = draw(st.integers(1, 3))
    countries = [
        {
            "country": COUNTRIES[i],
            "name": COUNTRIES[i],
            "export_restriction_hazard_per_year": draw(st.sampled_from([0.0, 2.0, 8.0])),
            "export_restriction_mean_days": float(draw(st.integers(1, 20))),
        }
        for i in range(n_c)
    ]
    n_sites = draw(st.integers(1, 5))
    sites = [
        {
            "site_id": f"S{i}",
            "country": COUNTRIES[draw(st.integers(0, n_c - 1))],
            "stage": draw(st.sampled_from(["api", "fdf", "pack"])),
            "outage_hazard_per_year": draw(st.sampled_from([0.0, 10.0, 40.0])),
            "outage_mean_days": float(draw(st.integers(1, 15))),
        }
        for i in range(n_sites)
    ]
    n_subs = draw(st.integers(2, 4))
    atcs = sorted(draw(st.permutations(ATC_POOL))[:n_subs])
    substances = [
        {"atc_code": a, "criticality": draw(st.sampled_from(["vital", "other"]))} for a in atcs
    ]
    products, supply, stock, demand = [], [], [], []
    for a in atcs:
        demand.append({"atc_code": a, "ddd_per_day": float(draw(st.integers(1, 40)) * 4)})
        k = draw(st.integers(1, 3))
        shares = draw(st.sampled_from(SHARES[k]))
        for j in range(k):
            pid = f"{a}-{j}"
            products.append(
                {
                    "product_id": pid,
                    "atc_code": a,
                    "market_share": shares[j],
                    "spare_capacity_share": draw(st.sampled_from([0.0, 0.125, 0.5])),
                    "spare_lead_time_days": draw(st.integers(0, 8)),
                    "outage_hazard_per_year": draw(st.sampled_from([0.0, 0.0, 12.0])),
                    "outage_mean_days": float(draw(st.integers(1, 12))),
                }
            )
            for s in draw(
                st.lists(st.integers(0, n_sites - 1), min_size=1, max_size=3, unique=True)
            ):
                supply.append((pid, f"S{s}"))
            packs = draw(st.integers(0, 6)) * 40
            if packs:
                stock.append({"product_id": pid, "packs": packs})
            if draw(st.booleans()):
                stock.append(
                    {"product_id": pid, "packs": draw(st.integers(1, 4)) * 40, "holder": "H2"}
                )
        if draw(st.booleans()):
            stock.append(
                {
                    "product_id": f"{a}-0",
                    "packs": draw(st.integers(1, 5)) * 50,
                    "tier": "preparedness",
                    "holder": "B",
                }
            )
    lines = [
        {"line_id": f"L{i}", "response_days": 0, "ramp_days": draw(st.integers(0, 5))}
        for i in range(draw(st.integers(1, 2)))
    ]
    capabilities, agreements = [], []
    for i, a in enumerate(atcs):
        if draw(st.booleans()):
            line = f"L{draw(st.integers(0, len(lines) - 1))}"
            api_country = draw(st.sampled_from([None, *[c["country"] for c in countries]]))
            capabilities.append(
                {
                    "line_id": line,
                    "atc_code": a,
                    "capacity_ddd_per_day": float(draw(st.integers(1, 10)) * 20),
                    "api_on_hand_ddd": float(draw(st.integers(0, 5)) * 100),
                    "api_source_country": api_country,
                }
            )
            agreements.append(
                {
                    "agreement_id": f"A{i}",
                    "line_id": line,
                    "atc_code": a,
                    "reserved_ddd_per_day": float(draw(st.integers(1, 8)) * 10),
                    "response_days": draw(st.integers(0, 12)),
                }
            )
    levers = [
        {
            "scope": draw(st.sampled_from(["*", atcs[0][:3], atcs[-1]])),
            "exemption_import_share": draw(st.sampled_from([0.1, 0.5, 1.0])),
            "exemption_import_lead_days": draw(st.integers(0, 10)),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    levers = list({lv["scope"]: lv for lv in levers}.values())
    dataset = world(
        levers=levers,
        countries=countries,
        sites=sites,
        substances=substances,
        products=products,
        supply=supply,
        demand=demand,
        stock=stock,
        lines=lines,
        capabilities=capabilities,
        agreements=agreements,
    )
    events: list[Event] = []
    dur = st.sampled_from([Fixed(5), Fixed(30), Geometric(8.0)])
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(
                [
                    "site_outage",
                    "export_restriction",
                    "product_withdrawal",
                    "demand_surge",
                    "stock_loss",
                ]
            )
        )
        start = draw(st.integers(-10, 40))
        prob = draw(st.sampled_from([1.0, 0.5]))
        if kind == "site_outage":
            ev = Event(
                kind,
                max(start, 0),
                draw(dur),
                prob,
                sites=(f"S{draw(st.integers(0, n_sites - 1))}",),
            )
        elif kind == "export_restriction":
            scoped = draw(st.booleans())
            ev = Event(
                kind,
                max(start, 0),
                draw(dur),
                prob,
                country=countries[draw(st.integers(0, n_c - 1))]["country"],
                stages=("api",) if scoped else (),
                atc=(atcs[0][:5],) if scoped and draw(st.booleans()) else (),
            )
        elif kind == "product_withdrawal":
            ev = Event(kind, start, draw(dur), prob, products=(f"{atcs[-1]}-0",))
        elif kind == "demand_surge":
            mult = draw(st.sampled_from([0.5, 1.5, 3.0]))
            ev = Event(kind, max(start, 0), draw(dur), prob, atc=(atcs[0][:3],), multiplier=mult)
        else:
            ev = Event(
                kind,
                max(start, 0),
                draw(st.sampled_from([None, Fixed(10)])),
                prob,
                holder="H2" if any(s["holder"] == "H2" for s in stock if "holder" in s) else "W",
                share=draw(st.sampled_from([1.0, 0.5])),
            )
        events.append(ev)
    if not stock:
        events = [e for e in events if e.kind != "stock_loss"]
    scenario = Scenario(
        events=tuple(events),
        background=Background(stationary_start=draw(st.booleans())),
        model=ModelParameters(
            supply_headroom=draw(st.sampled_from([0.0, 0.25, 0.5])),
            alternative_max_share=draw(st.sampled_from([0.5, 1.0, 0.0])),
            surge_trigger=draw(st.sampled_from(["notice", "stock"])),
            notice_delay_days=draw(st.integers(-3, 5)),
            stock_trigger_days=float(draw(st.integers(0, 10))),
            demand_noise=False,
        ),
    )
    mode = draw(st.sampled_from(["joint", "joint", "decomposed"]))
    return dataset, scenario, mode


def _compare(model: Any, seed: int, count: int) -> None:
    eng = run_scenarios(model, seed, 0, count)
    ref = run_reference(model.kernel, seed, 0, count)
    for name in FIELDS:
        np.testing.assert_allclose(
            getattr(eng, name), ref[name], rtol=1e-9, atol=1e-7, err_msg=name
        )


@settings(max_examples=40)
@given(worlds(), st.integers(0, 2**31))
def test_engine_equals_day_by_day_reference(case: tuple[Dataset, Scenario, str], seed: int) -> None:
    dataset, scenario, mode = case
    policies = Policies.today(dataset)
    # a second option without preparedness stock: both options on the same draws
    policies = Policies(
        np.vstack([policies.preparedness_ddd, 0 * policies.preparedness_ddd]),
        policies.agreements,
        ("today", "no stock"),
    )
    model = compile_model(dataset, scenario, policies, horizon_days=60, mode=mode)
    _compare(model, seed, 6)


@settings(max_examples=25)
@given(worlds(), st.integers(0, 2**31))
def test_product_intervals_equal_daily_series_parallel_rule(
    case: tuple[Dataset, Scenario, str], seed: int
) -> None:
    dataset, scenario, _ = case
    model = compile_model(dataset, scenario, Policies.today(dataset), horizon_days=90).kernel
    for n in range(3):
        rec, count, *_ = draw_scenario(model, seed, n)
        ptr, iv, *_ = product_intervals(model, rec, count)
        daily = np.zeros((90, len(model.prod_sub)), dtype=bool)
        for p in range(len(model.prod_sub)):
            for a, b in iv[ptr[p] : ptr[p + 1]]:
                daily[a:b, p] = True
        np.testing.assert_array_equal(daily, reference_product_down(model, seed, n))


def test_small_bundle_with_noise_and_every_event_kind(small_dataset: Dataset) -> None:
    scenario = Scenario(
        events=(
            Event(
                "export_restriction",
                20,
                Geometric(40.0),
                country="CN",
                stages=("api",),
                atc=("N02BE01",),
            ),
            Event("site_outage", 5, Fixed(60), sites=("in-fdf-1",)),
            Event("company_outage", 50, Fixed(20), companies=("sanex",)),
            Event("product_withdrawal", -5, Geometric(30.0), products=("700001",)),
            Event("demand_surge", 30, Fixed(90), atc=("J01",), multiplier=1.8),
            Event("stock_loss", 10, None, holder="Alfa Grossist", share=0.5),
            Event("stock_loss", 100, Fixed(15), holder="Beredskapslager"),
        )
    )
    for mode in ("joint", "decomposed"):
        model = compile_model(small_dataset, scenario, Policies.today(small_dataset), 200, mode)
        _compare(model, 7, 24)


@pytest.mark.parametrize("mode", ["joint", "decomposed"])
def test_small_bundle_background_hazards(small_dataset: Dataset, mode: str) -> None:
    """Background outages only: overlapping outages of products while others rebuild stock."""
    model = compile_model(small_dataset, Scenario(), Policies.today(small_dataset), 365, mode)
    _compare(model, 7, 24)


@pytest.mark.parametrize("mode", ["joint", "decomposed"])
def test_small_bundle_with_pack_and_substance_hazards(small_dataset: Dataset, mode: str) -> None:
    """Pack and substance hazards (virtual sites in series) with lognormal σ from the rows."""
    tables = small_dataset.bundle.tables
    products = [
        {
            **r,
            "outage_hazard_per_year": 0.5 + 0.1 * i,
            "outage_mean_days": 12.0,
            "outage_duration_sigma": 0.6 if i % 2 else None,
        }
        for i, r in enumerate(tables["products"])
    ]
    substances = [
        {**r, "outage_hazard_per_year": 1.0, "outage_mean_days": 8.0} if i % 2 == 0 else dict(r)
        for i, r in enumerate(tables["substances"])
    ]
    dataset = small_dataset.replace(products=products, substances=substances)
    model = compile_model(dataset, Scenario(), Policies.today(dataset), 365, mode)
    assert len(model.kernel.site_alpha) > len(dataset.sites)  # the virtual sites are there
    _compare(model, 5, 24)
