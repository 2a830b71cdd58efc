"""The optimistic simulation of coupled substances against the day-by-day reference.

Substances that can draw on each other's stock (an ATC level-4 group) or share a line their
agreements can over-commit are simulated one by one until a coupling day, rolled back to the
last saved state, synchronised, and let go again after calm days (kernel notes). A world built
to couple often — one ATC group whose members share failing sites, little stock, a line two
agreements over-commit, noisy demand — must give the reference's numbers exactly, on both
options, in both modes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sim_reference import run_reference
from sim_worlds import world

from beredt.sim import Background, ModelParameters, Policies, Scenario
from beredt.sim.engine import run_scenarios
from beredt.sim.model import compile_model

GROUP = ["J01CA01", "J01CA04", "J01CA08", "J01CA12"]
FIELDS = ("unmet", "sdays", "first_short", "first_stockout", "surge", "prep", "alt", "imports")


def _coupled_world() -> object:
    sites = [
        {"site_id": "API", "outage_hazard_per_year": 6.0, "outage_mean_days": 25.0},
        {"site_id": "F1", "outage_hazard_per_year": 8.0, "outage_mean_days": 12.0},
        {"site_id": "F2", "outage_hazard_per_year": 8.0, "outage_mean_days": 12.0},
    ]
    products, supply, stock, demand = [], [], [], []
    for i, atc in enumerate(GROUP):
        demand.append({"atc_code": atc, "ddd_per_day": 40.0 + 20 * i, "daily_cv": 0.15})
        for j in range(2):
            pid = f"{atc}-{j}"
            products.append(
                {
                    "product_id": pid,
                    "atc_code": atc,
                    "market_share": 0.5,
                    "spare_capacity_share": 0.1 * j,
                    "spare_lead_time_days": 5,
                }
            )
            supply += [(pid, "API"), (pid, "F1" if (i + j) % 2 else "F2")]
            stock.append({"product_id": pid, "packs": 200 + 100 * i})
    stock.append({"product_id": "J01CA04-0", "packs": 400, "tier": "preparedness", "holder": "B"})
    return world(
        countries=[{"country": "XA", "name": "A", "export_restriction_hazard_per_year": 2.0,
                    "export_restriction_mean_days": 20.0}],
        sites=sites,
        substances=[{"atc_code": a} for a in GROUP],
        products=products,
        supply=supply,
        demand=demand,
        stock=stock,
        lines=[{"line_id": "L1", "response_days": 0, "ramp_days": 3}],
        capabilities=[
            {"line_id": "L1", "atc_code": a, "capacity_ddd_per_day": 50.0,
             "api_on_hand_ddd": 300.0, "api_source_country": "XA"}
            for a in GROUP[:2]
        ],
        agreements=[
            {"agreement_id": f"A{i}", "line_id": "L1", "atc_code": a,
             "reserved_ddd_per_day": 30.0, "response_days": 4}
            for i, a in enumerate(GROUP[:2])
        ],
        levers=[{"scope": "J01CA12", "exemption_import_share": 0.2,
                 "exemption_import_lead_days": 6}],
    )  # fmt: skip


def _intermittent_world() -> object:
    """Two alternatives whose shortages last only until spare capacity comes in (3 days), while
    their products stay down for weeks: coupled days with calm days in between."""
    sites = [
        {"site_id": f"S{i}", "outage_hazard_per_year": 8.0, "outage_mean_days": 15.0}
        for i in range(4)
    ]
    products, supply, stock, demand = [], [], [], []
    for i, atc in enumerate(GROUP[:2]):
        demand.append({"atc_code": atc, "ddd_per_day": 30.0, "daily_cv": 0.1})
        for j in range(2):
            pid = f"{atc}-{j}"
            products.append(
                {
                    "product_id": pid,
                    "atc_code": atc,
                    "market_share": 0.5,
                    "spare_capacity_share": 1.0,
                    "spare_lead_time_days": 3,
                }
            )
            supply.append((pid, f"S{2 * i + j}"))
            stock.append({"product_id": pid, "packs": 20})
    return world(
        sites=sites,
        substances=[{"atc_code": a} for a in GROUP[:2]],
        products=products,
        supply=supply,
        demand=demand,
        stock=stock,
    )


@pytest.mark.parametrize("build", [_coupled_world, _intermittent_world])
@pytest.mark.parametrize("mode", ["joint", "decomposed"])
def test_coupled_group_equals_the_reference(mode: str, build: Callable[[], object]) -> None:
    dataset = build()
    today = Policies.today(dataset)
    policies = Policies(
        np.vstack([today.preparedness_ddd, 0 * today.preparedness_ddd]),
        today.agreements,
        ("today", "no stock"),
    )
    scenario = Scenario(
        background=Background(stationary_start=True),
        model=ModelParameters(alternative_max_share=0.3),
    )
    model = compile_model(dataset, scenario, policies, horizon_days=365, mode=mode)
    if mode == "joint" and build is _coupled_world:
        assert model.kernel.comp_sync.any()  # the line is over-committed: one component
    eng = run_scenarios(model, 13, 0, 40)
    ref = run_reference(model.kernel, 13, 0, 40)
    for name in FIELDS:
        np.testing.assert_allclose(
            getattr(eng, name), ref[name], rtol=1e-9, atol=1e-7, err_msg=name
        )
    # the world does couple: shortages, surge production and (joint) alternatives happen
    assert (eng.sdays > 0).mean() > 0.2
    assert eng.surge.sum() > 0 or build is _intermittent_world
    if mode == "joint":
        assert eng.alt.sum() > 0
