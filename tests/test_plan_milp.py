"""The preparedness MILP against brute-force enumeration, and its structural guarantees."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beredt.plan.milp import ChoiceProblem, PlanInfeasible, brute_force, dominated, solve_choice


def random_problem(
    seed: int, groups: int = 4, max_options: int = 4, lines: int = 2
) -> ChoiceProblem:
    """A tiny random instance: integer costs/losses, some options loading a random line."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, max_options + 1, size=groups)
    group = np.repeat(np.arange(groups), sizes)
    n = len(group)
    cost = rng.integers(0, 20, size=n).astype(float)
    loss = rng.integers(0, 50, size=n).astype(float)
    loaded = rng.random(n) < 0.4
    load_option = np.flatnonzero(loaded)
    load_row = rng.integers(0, lines, size=len(load_option))
    load_value = rng.choice([0.25, 0.5, 0.75, 1.0], size=len(load_option))
    allowed = rng.random(n) < 0.9
    return ChoiceProblem(
        group, cost, loss, load_row, load_option, load_value, np.ones(lines), allowed
    )


@settings(max_examples=60)
@given(seed=st.integers(0, 2**32 - 1), budget=st.integers(0, 60))
def test_milp_optimum_equals_brute_force(seed: int, budget: int) -> None:
    problem = random_problem(seed)
    best = brute_force(problem, float(budget))
    if best is None:
        with pytest.raises(PlanInfeasible):
            solve_choice(problem, float(budget), mip_rel_gap=0.0)
        return
    solution = solve_choice(problem, float(budget), mip_rel_gap=0.0)
    assert solution.loss == pytest.approx(best[0], abs=1e-9)
    assert solution.cost <= budget + 1e-9
    assert (solution.line_loads <= 1 + 1e-9).all()
    assert problem.allowed[solution.choice].all()
    assert solution.gap <= 1e-9


def test_dominance_keeps_the_optimum_and_drops_what_it_should() -> None:
    # Group 0: option 1 costs more and loses more than option 0 → dominated.
    # Group 1: option 3 is cheaper and better than option 2 but loads a line → not dominated.
    problem = ChoiceProblem(
        group=np.array([0, 0, 1, 1, 1]),
        cost=np.array([1.0, 2.0, 5.0, 4.0, 4.0]),
        loss=np.array([3.0, 3.0, 10.0, 2.0, 2.0]),
        load_row=np.array([0]),
        load_option=np.array([3]),
        load_value=np.array([0.5]),
        capacity=np.ones(1),
    )
    # Option 4 ties option 3 on cost and loss and loads nothing: it dominates 3 and 2.
    assert dominated(problem).tolist() == [False, True, True, True, False]


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1))
def test_larger_budget_never_increases_loss(seed: int) -> None:
    problem = random_problem(seed, groups=5)
    losses = []
    for budget in range(0, 80, 8):
        try:
            losses.append(solve_choice(problem, float(budget), mip_rel_gap=0.0).loss)
        except PlanInfeasible:
            losses.append(np.inf)
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(losses))


def test_start_solution_is_used_and_result_is_no_worse() -> None:
    problem = random_problem(9, groups=6)
    first = solve_choice(problem, 65.0, mip_rel_gap=0.0)
    second = solve_choice(problem, 80.0, mip_rel_gap=0.5, start=first.choice)
    # Whatever gap HiGHS stops at, it never returns worse than the feasible start it was given.
    assert second.loss <= first.loss + 1e-9


def test_rejects_inconsistent_input() -> None:
    with pytest.raises(ValueError, match="one entry per option"):
        ChoiceProblem(group=np.array([0, 0]), cost=np.array([1.0]), loss=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="capacity row"):
        ChoiceProblem(
            group=np.array([0]),
            cost=np.array([1.0]),
            loss=np.array([1.0]),
            load_row=np.array([2]),
            load_option=np.array([0]),
            load_value=np.array([0.5]),
            capacity=np.ones(1),
        )


def test_no_allowed_option_is_reported() -> None:
    problem = ChoiceProblem(
        group=np.array([0, 1]), cost=np.zeros(2), loss=np.ones(2), allowed=np.array([True, False])
    )
    with pytest.raises(PlanInfeasible, match=r"substance index\(es\) \[1\]"):
        solve_choice(problem, 1.0)
