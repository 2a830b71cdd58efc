"""An independent discrete-event (SimPy) implementation of the disruption model, small case.

Written from the model's description (docs/simulation.md), not from the engine: one substance
made by several products, each product made at one site; sites fail and recover as two-state
Markov chains started from their stationary state (SimPy processes with geometric sojourn
times and their own NumPy random stream); every day a demand process fills demand in the
documented order — own stock, spare capacity of the other products after their lead time, the
other products' stock, preparedness stock, a surge agreement (activated on the first day of a
supply gap, output after the response time, ramping linearly) — and rebuilds stock afterwards.
Used by the tests (statistical agreement with the engine) and the benchmark (speed ratio).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy


@dataclass
class Case:
    """The small supply chain: parallel lists per product; demand per day without noise."""

    demand_ddd_per_day: float
    share: list[float]
    stock_ddd: list[float]
    spare_share: list[float]
    spare_lead_days: list[int]
    outage_hazard_per_year: list[float]
    outage_mean_days: list[float]
    preparedness_ddd: float = 0.0
    reserved_ddd_per_day: float = 0.0
    response_days: int = 0
    ramp_days: int = 0
    headroom: float = 0.1
    horizon_days: int = 365
    daily_cv: float = 0.0


@dataclass
class _Site:
    up: bool = True


@dataclass
class _Totals:
    unmet: float = 0.0
    shortage_days: int = 0
    surge: float = 0.0
    history: list[float] = field(default_factory=list)


def _site_process(
    env: simpy.Environment, site: _Site, alpha: float, beta: float, rng: np.random.Generator
):  # type: ignore[no-untyped-def]
    # stationary start: down with probability α/(α+β); sojourns are geometric on {1, 2, …}
    site.up = rng.random() >= alpha / (alpha + beta)
    while True:
        stay = rng.geometric(alpha if site.up else beta)
        yield env.timeout(int(stay))
        site.up = not site.up


def _demand_process(
    env: simpy.Environment,
    case: Case,
    sites: list[_Site],
    totals: _Totals,
    rng: np.random.Generator,
):  # type: ignore[no-untyped-def]
    n = len(case.share)
    stock = list(case.stock_ddd)
    prep = case.preparedness_ddd
    gap_start: int | None = None
    active_from: int | None = None
    sigma = float(np.sqrt(np.log1p(case.daily_cv**2)))
    yield env.timeout(0.5)  # demand is served in the middle of the day, after state changes
    while True:
        day = int(env.now)
        demand = case.demand_ddd_per_day
        if sigma > 0:
            demand *= float(np.exp(sigma * rng.standard_normal() - sigma**2 / 2))
        up = [s.up for s in sites]
        needs = [0.0 if up[i] else case.share[i] * demand for i in range(n)]
        gap = sum(needs)
        total_need = gap
        if gap > 0 and gap_start is None:
            gap_start = day
            active_from = day  # the notice: agreements are activated on the gap's first day
        # renewable supply first (the stock keeps): spare output of the other product, surge
        if gap > 0:
            assert gap_start is not None
            spare = sum(
                case.spare_share[i] * case.demand_ddd_per_day
                for i in range(n)
                if up[i] and day >= gap_start + case.spare_lead_days[i]
            )
            gap -= min(gap, spare)
        if gap > 0 and active_from is not None and case.reserved_ddd_per_day > 0:
            first = active_from + case.response_days
            if day >= first:
                ramp = min(1.0, (day - first + 1) / (case.ramp_days + 1))
                made = min(case.reserved_ddd_per_day * ramp, gap)
                totals.surge += made
                gap -= made
        # then stock: own, the other product's, preparedness
        if gap > 0:
            left = gap / total_need
            gap = 0.0
            for i in range(n):
                want = needs[i] * left
                used = min(stock[i], want)
                stock[i] -= used
                gap += want - used
        if gap > 0:
            held = sum(stock)
            if held <= gap:
                stock = [0.0] * n
                gap -= held
            else:
                stock = [x - x * gap / held for x in stock]
                gap = 0.0
        if gap > 0:
            used = min(prep, gap)
            prep -= used
            gap -= used
        totals.unmet += gap
        if gap > 1e-9 * (demand + 1):
            totals.shortage_days += 1
        for i in range(n):
            if up[i]:
                stock[i] = min(
                    case.stock_ddd[i],
                    stock[i] + case.share[i] * case.demand_ddd_per_day * case.headroom,
                )
        full = all(stock[i] >= case.stock_ddd[i] * (1 - 1e-9) - 1e-9 for i in range(n))
        if all(up) and full:
            gap_start = None
            active_from = None
        yield env.timeout(1)


def run_once(case: Case, rng: np.random.Generator) -> _Totals:
    """Simulate one scenario of `case` over its horizon."""
    env = simpy.Environment()
    sites = [_Site() for _ in case.share]
    for site, hazard, mean in zip(
        sites, case.outage_hazard_per_year, case.outage_mean_days, strict=True
    ):
        env.process(_site_process(env, site, 1 - np.exp(-hazard / 365), 1 / mean, rng))
    totals = _Totals()
    env.process(_demand_process(env, case, sites, totals, rng))
    env.run(until=case.horizon_days)
    return totals


def run_many(case: Case, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unmet DDD and shortage days of `n` independent scenarios."""
    rng = np.random.default_rng(seed)
    out = [run_once(case, rng) for _ in range(n)]
    return np.array([o.unmet for o in out]), np.array([o.shortage_days for o in out], dtype=float)
