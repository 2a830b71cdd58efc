"""One supply model for the simulator and the shortage-response planner (issue 14).

For a notice starting today, ``beredt respond``'s expected uncovered DDD (its plan evaluated over
the sampled durations) and the simulator's unmet DDD with that notice forced (and nothing else
going wrong) must agree within two standard errors of their difference: own stock pooled
across holders, other packs (spare supply after its lead time, then their stock), preparedness
stock, domestic agreements (response time, ramp-up), exemption import from levers.csv.

Both sides are set to the same assumptions where their defaults differ on purpose: the planner
keeps no preparedness reserve, lets activated actions run at capacity (not sized to the
announced end), plans to the 99.9 % duration, uses no unreserved domestic line and no
therapeutic alternatives; the simulator has no background hazards and no demand noise. The
duration law is the same: lognormal around the announced length, σ = 0.5.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy.stats import norm

from beredt.domain.dataset import Dataset
from beredt.respond import ResponseParams, plan_response
from beredt.sim import Background, ModelParameters, Scenario, simulate

pytestmark = pytest.mark.slow

SIGMA = 0.5
ALIGNED = ResponseParams(
    preparedness_floor_share=0.0,
    same_route_only=False,
    unreserved_capacity_share=0.0,
    alternative_cap_share=0.0,
    size_to_need=False,
    planning_quantile=0.999,
    duration_log_sd=SIGMA,
    overrun_median_ratio=1.0,
    min_calibration_notices=10**9,
    duration_samples=20_000,
    api_resupply_days=None,
    seasonal_demand=True,
)
SCENARIO = Scenario(
    background=Background(site_outages=False, export_restrictions=False, product_outages=False),
    model=ModelParameters(
        open_shortages=True,
        open_shortage_sigma=SIGMA,
        demand_noise=False,
        alternative_max_share=0.0,
    ),
)


def _cases(ds: Dataset) -> list[tuple[str, str | None, int]]:
    """(ATC, product or None, announced days): substances with flat demand and a mix of
    supply structures — an agreement, preparedness stock, several packs, a single pack."""
    subs = ds.substances
    flat = subs[subs["seasonal_amplitude"] == 0]
    agreements = set(ds.active_agreements["atc_code"])
    prep = ds.stock_ddd_by_tier()["preparedness"]
    n_packs = ds.products.groupby("atc_code").size()
    picks: list[tuple[str, str | None, int]] = []
    with_agr = [a for a in flat["atc_code"] if a in agreements]
    if with_agr:
        picks.append((with_agr[0], None, 150))
    with_prep = [a for i, a in zip(flat.index, flat["atc_code"], strict=True) if prep.iloc[i] > 0]
    picks.append((with_prep[0], None, 200))
    multi = [a for a in flat["atc_code"] if n_packs.get(a, 0) >= 3 and a not in agreements]
    biggest = ds.products[ds.products["atc_code"] == multi[0]].sort_values("market_share")
    picks.append((multi[0], str(biggest["product_id"].iloc[-1]), 90))
    single = [a for a in flat["atc_code"] if n_packs.get(a, 0) == 1 and a not in agreements]
    picks.append((single[0], None, 120))
    return picks


def test_respond_and_the_simulator_agree_on_uncovered_demand(sample_dataset: Dataset) -> None:
    ds = sample_dataset
    start = ds.as_of
    n = 4000
    cases = _cases(ds)
    for atc, product, days in cases:
        notice = {
            "notice_id": f"TEST-{atc}",
            "atc_code": atc,
            "status": "ongoing",
            "start_date": start,
            "announced_date": start,
            "expected_end_date": start + dt.timedelta(days=days - 1),
            "product_id": product,
            "cause": "manufacturing",
        }
        # the record as it stands plus this notice; only this one is open
        record = [
            {**r, "status": "resolved", "end_date": r["end_date"] or r["start_date"]}
            if r["status"] in ("announced", "ongoing")
            else dict(r)
            for r in ds.bundle.rows("shortages")
        ]
        one = ds.replace(shortages=[*record, notice])
        assert list(one.open_shortages["notice_id"]) == [f"TEST-{atc}"]
        plan = plan_response(one, f"TEST-{atc}", ALIGNED)
        u = plan.uncertainty
        assert u is not None
        sim = simulate(
            one,
            SCENARIO,
            n_scenarios=n,
            horizon_days=730,
            seed=3,
            mode="decomposed",
            keep_per_scenario=True,
        )
        s = one.substance_idx(atc)
        sim_mean, sim_se = float(sim.unmet_ddd.mean[0, s]), float(sim.unmet_ddd.se[0, s])
        # 1. On the simulator's own durations (common random numbers) the response plan leaves
        # what the simulator leaves uncovered, scenario by scenario, so the two expected values
        # agree within 2 standard errors of their paired difference (here: to rounding).
        per_scenario = sim.unmet_per_scenario[0, :, s]
        paired = u.uncovered_for(_sim_durations(one, n))
        np.testing.assert_allclose(paired, per_scenario, rtol=1e-6, atol=1e-6 * days)
        diff = paired - per_scenario
        assert abs(diff.mean()) <= 2.0 * diff.std(ddof=1) / math.sqrt(n) + 1e-9
        # 2. Each from its own random durations (the planner samples its duration law, the
        # simulator draws its own): the expected values agree within z standard errors, z for
        # a family-wise error of 1e-3 over the cases (the suite's convention for Monte-Carlo
        # comparisons), which checks that both use the same duration law.
        z = float(norm.ppf(1 - 1e-3 / (2 * len(cases))))
        tol = z * math.sqrt(sim_se**2 + u.uncovered_ddd_se**2)
        assert abs(u.uncovered_ddd_mean - sim_mean) <= tol + 1e-6, (
            atc,
            u.uncovered_ddd_mean,
            sim_mean,
        )


def _sim_durations(dataset: Dataset, n: int) -> np.ndarray:
    """The forced notice's duration in each of the simulator's scenarios (seed 3)."""
    from beredt.sim.kernel import draw_scenario
    from beredt.sim.model import Policies, compile_model

    model = compile_model(dataset, SCENARIO, Policies.today(dataset), 730, mode="decomposed")
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        _, _, _, ev_s, ev_e, _ = draw_scenario(model.kernel, 3, i)
        out[i] = ev_e[0] - ev_s[0]
    return out
