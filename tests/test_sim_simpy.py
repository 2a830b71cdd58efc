"""The engine agrees statistically with an independent SimPy model of the same supply chain."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from sim_simpy_model import Case, run_many
from sim_worlds import world

from beredt.sim import Background, ModelParameters, Scenario, simulate

CASE = Case(
    demand_ddd_per_day=100.0,
    share=[0.6, 0.4],
    stock_ddd=[500.0, 300.0],
    spare_share=[0.0, 0.25],
    spare_lead_days=[0, 10],
    outage_hazard_per_year=[4.0, 2.0],
    outage_mean_days=[25.0, 15.0],
    preparedness_ddd=400.0,
    reserved_ddd_per_day=30.0,
    response_days=20,
    ramp_days=10,
    headroom=0.1,
    horizon_days=365,
    daily_cv=0.1,
)


def case_dataset(case: Case):  # type: ignore[no-untyped-def]
    """The same supply chain as a dataset for the engine."""
    n = len(case.share)
    return world(
        sites=[
            {
                "site_id": f"S{i}",
                "outage_hazard_per_year": case.outage_hazard_per_year[i],
                "outage_mean_days": case.outage_mean_days[i],
            }
            for i in range(n)
        ],
        substances=[{"atc_code": "J01CA04"}],
        products=[
            {
                "product_id": f"P{i}",
                "atc_code": "J01CA04",
                "market_share": case.share[i],
                "spare_capacity_share": case.spare_share[i],
                "spare_lead_time_days": case.spare_lead_days[i],
            }
            for i in range(n)
        ],
        supply=[(f"P{i}", f"S{i}") for i in range(n)],
        demand=[
            {
                "atc_code": "J01CA04",
                "ddd_per_day": case.demand_ddd_per_day,
                "daily_cv": case.daily_cv,
            }
        ],
        stock=[{"product_id": f"P{i}", "packs": int(case.stock_ddd[i])} for i in range(n)]
        + [
            {
                "product_id": "P0",
                "packs": int(case.preparedness_ddd),
                "tier": "preparedness",
                "holder": "B",
            }
        ],
        lines=[{"line_id": "L1", "response_days": case.response_days, "ramp_days": case.ramp_days}],
        capabilities=[{"line_id": "L1", "atc_code": "J01CA04", "capacity_ddd_per_day": 1000.0}],
        agreements=[
            {
                "agreement_id": "A1",
                "line_id": "L1",
                "atc_code": "J01CA04",
                "reserved_ddd_per_day": case.reserved_ddd_per_day,
                "response_days": case.response_days,
            }
        ],
    )


@pytest.mark.slow
def test_engine_agrees_with_simpy_model() -> None:
    dataset = case_dataset(CASE)
    scenario = Scenario(
        background=Background(export_restrictions=False),
        model=ModelParameters(supply_headroom=CASE.headroom, open_shortages=False),
    )
    engine = simulate(dataset, scenario, n_scenarios=20_000, horizon_days=CASE.horizon_days, seed=4)
    unmet, short = run_many(CASE, 800, seed=5)
    z = float(norm.ppf(1 - 1e-3 / 4))  # two comparisons, two-sided, family-wise 1e-3
    for name, engine_mean, engine_se, values in (
        ("unmet", engine.unmet_ddd.mean[0, 0], engine.unmet_ddd.se[0, 0], unmet),
        ("shortage days", engine.shortage_days.mean[0, 0], engine.shortage_days.se[0, 0], short),
    ):
        se = np.hypot(engine_se, values.std(ddof=1) / np.sqrt(len(values)))
        assert abs(engine_mean - values.mean()) <= z * se, (name, engine_mean, values.mean(), se)
    # the comparison has power: the case produces shortages in a good share of scenarios
    assert 0.1 < engine.shortage_prob[0, 0] < 0.9
    assert engine.surge_ddd_mean[0, 0] > 0
