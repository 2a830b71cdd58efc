"""What the preparedness MILP minimises: expected loss, vital shortage-days, or loss with a cap
on the probability of a severe vital shortage (docs/plan.md "Objectives").

* ``loss``: Σ expected criticality-weighted loss of the chosen options (the MILP of
  :mod:`beredt.plan.milp`).
* ``vital-days``: lexicographic — first the least expected vital shortage-days (a linear
  objective: expectations add over substances), then, among plans within 0.1 % of that, the
  least expected loss (the same MILP with one more row).
* ``loss-capped``: the least expected loss with P(some vital substance is short on more than
  7 days) ≤ cap_factor × today's. That probability is a union over substances and scenarios,
  not linear in the choice; its exact scenario formulation (one binary per scenario, one row per
  vital substance and scenario) is too large for the national size. Instead a linear surrogate
  — the expected *number* of vital substances short on more than 7 days, Σ p7_o x_o — is added
  as a row, and its bound is bisected until the exact probability over the simulated scenarios
  of the plan it yields is within the cap (a Lagrangian-style decomposition: each step is the
  fast MILP; the report says how many re-solves and the final surrogate bound). The exact check
  uses the per-scenario indicators, so the cap holds over the scenarios the plan is judged on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from beredt.plan.milp import ChoiceProblem, ChoiceSolution, PlanInfeasible, solve_choice

#: Bisection steps of the capped objective at most (each a MILP solve).
MAX_ITERATIONS = 14


@dataclass(frozen=True)
class ObjectiveReport:
    """What was minimised and, for the capped objective, how the cap was met.

    ``vital_risk_cap`` the absolute cap on P(vital > 7 days), ``achieved`` the chosen plan's
    P(vital > 7 days), ``surrogate_cap`` the surrogate row's final bound, ``iterations`` the
    MILP solves of the bisection.
    """

    name: str
    vital_risk_cap: float = math.nan
    achieved: float = math.nan
    surrogate_cap: float = math.nan
    iterations: int = 0
    note: str = ""


def with_row(problem: ChoiceProblem, values: np.ndarray, bound: float) -> ChoiceProblem:
    """`problem` with one more capacity row Σ values_o x_o ≤ bound."""
    opts = np.flatnonzero(values > 0)
    row = len(problem.capacity)
    return replace(
        problem,
        load_row=np.r_[problem.load_row, np.full(len(opts), row)],
        load_option=np.r_[problem.load_option, opts],
        load_value=np.r_[problem.load_value, values[opts]],
        capacity=np.r_[problem.capacity, bound],
    )


def solve_with_objective(
    problem: ChoiceProblem,
    budget: float,
    *,
    objective: str,
    vital_days: np.ndarray,
    vital_over7: np.ndarray,
    vital_risk: Callable[[np.ndarray], float],
    today: np.ndarray,
    cap_factor: float = 1.0,
    mip_rel_gap: float = 1e-3,
    time_limit_s: float = 60.0,
    start: np.ndarray | None = None,
) -> tuple[ChoiceSolution, ObjectiveReport]:
    """Solve `problem` at `budget` for `objective` (module docstring).

    Per option: `vital_days` (expected vital shortage-days a year, 0 for options of substances
    that are not vital) and `vital_over7` (P(short > 7 days), 0 likewise); `vital_risk` gives
    the exact P(some vital substance short > 7 days) of a choice; `today` is today's choice.
    """

    def solve(p: ChoiceProblem, first: np.ndarray | None) -> ChoiceSolution:
        if first is not None and not p.allowed[first].all():
            first = None
        return solve_choice(
            p, budget, mip_rel_gap=mip_rel_gap, time_limit_s=time_limit_s, start=first
        )

    if objective == "loss":
        return solve(problem, start), ObjectiveReport("loss")
    if objective == "vital-days":
        first = solve(replace(problem, loss=vital_days + 1e-12 * problem.loss), start)
        best = float(vital_days[first.choice].sum())
        second = solve(with_row(problem, vital_days, best * (1 + 1e-3) + 1e-9), first.choice)
        return second, ObjectiveReport(
            "vital-days",
            iterations=2,
            note=f"expected vital shortage-days minimised ({best:.4g} a year), ties broken by "
            "expected weighted loss",
        )
    if objective != "loss-capped":
        raise ValueError(f"unknown objective {objective!r}")
    target = vital_risk(today) * cap_factor
    free = solve(problem, start)
    free_p = vital_risk(free.choice)
    lo, hi = 0.0, float(vital_over7[free.choice].sum())
    best_sol: ChoiceSolution | None = None
    achieved = math.nan
    iterations = 1
    if free_p <= target + 1e-12:
        best_sol, achieved, lo = free, free_p, hi
    else:
        # from today's surrogate, bisect between too risky (hi) and safe or infeasible (lo)
        cap = min(hi, float(vital_over7[today].sum()) * cap_factor)
        while iterations < MAX_ITERATIONS and hi - lo > 1e-3 * max(hi, 1e-9):
            iterations += 1
            try:
                sol = solve(with_row(problem, vital_over7, cap), start)
            except PlanInfeasible:
                lo = cap
            else:
                p = vital_risk(sol.choice)
                if p <= target + 1e-12:
                    if best_sol is None or sol.loss < best_sol.loss:
                        best_sol, achieved = sol, p
                    lo = cap
                else:
                    hi = cap
            cap = (lo + hi) / 2
    if best_sol is None:
        raise PlanInfeasible(
            f"no plan within the budget keeps P(a vital substance short > 7 days) at or "
            f"below {target:.3g} (today's × {cap_factor:g})"
        )
    return best_sol, ObjectiveReport(
        "loss-capped",
        vital_risk_cap=target,
        achieved=achieved,
        surrogate_cap=lo,
        iterations=iterations,
        note="expected weighted loss with P(a vital substance short on more than 7 days) ≤ "
        f"{target:.3g} (today's × {cap_factor:g}), through its surrogate (expected number of "
        "such substances) tightened by bisection",
    )
