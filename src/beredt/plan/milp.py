"""A thin builder for the preparedness MILP, solved with HiGHS through ``highspy`` (DESIGN.md §6).

The programme is a multiple-choice knapsack with side constraints::

    min  Σ_o loss_o x_o
    s.t. Σ_{o ∈ options(s)} x_o = 1            for every substance s   (exactly one option)
         Σ_o cost_o x_o ≤ budget                                      (annual budget)
         Σ_o load_{l,o} x_o ≤ capacity_l       for every line l        (line load ≤ 1)
         x_o ∈ {0, 1};  x_o = 0 where an option is not allowed (minimum cover rules)

(the structure of Tomlin 2006 / Lücker & Seifert 2017 with one decision per product). The
model goes to HiGHS as column-wise sparse arrays, with no modelling layer in between. Options
dominated within their substance (another option of the same substance costs no more, loses
no more and loads no line more) are dropped first: that keeps every optimum and shrinks the
search. The budget row is scaled to order one for the solver; results are reported unscaled.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import highspy
import numpy as np

from beredt.errors import Conflict

_INF = highspy.kHighsInf


class PlanInfeasible(Conflict, ValueError):
    """No choice of options satisfies the budget, the line capacities and the cover rules."""


@dataclass(frozen=True, eq=False)
class ChoiceProblem:
    """Options grouped by substance, with cost, loss, line loads and which options are allowed.

    ``group[o]`` is the substance of option o (0..G−1, options of one group contiguous or not);
    the line loads are (row, option, load) triplets against ``capacity`` (one entry per row);
    ``allowed`` masks options out (default: all allowed).
    """

    group: np.ndarray
    cost: np.ndarray
    loss: np.ndarray
    load_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    load_option: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    load_value: np.ndarray = field(default_factory=lambda: np.zeros(0))
    capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    allowed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        n = len(self.group)
        object.__setattr__(self, "group", np.asarray(self.group, dtype=np.int64))
        object.__setattr__(self, "cost", np.asarray(self.cost, dtype=float))
        object.__setattr__(self, "loss", np.asarray(self.loss, dtype=float))
        object.__setattr__(self, "load_row", np.asarray(self.load_row, dtype=np.int64))
        object.__setattr__(self, "load_option", np.asarray(self.load_option, dtype=np.int64))
        object.__setattr__(self, "load_value", np.asarray(self.load_value, dtype=float))
        object.__setattr__(self, "capacity", np.asarray(self.capacity, dtype=float))
        allowed = np.asarray(self.allowed, dtype=bool)
        if len(allowed) == 0 and n > 0:  # default: every option allowed
            allowed = np.ones(n, dtype=bool)
        object.__setattr__(self, "allowed", allowed.astype(bool))
        if not (len(self.cost) == len(self.loss) == n == len(self.allowed)):
            raise ValueError("group, cost, loss and allowed must have one entry per option")
        if not (len(self.load_row) == len(self.load_option) == len(self.load_value)):
            raise ValueError("load triplets must have equal lengths")
        if len(self.load_row) and self.load_row.max() >= len(self.capacity):
            raise ValueError("a load refers to a capacity row that does not exist")
        if not (np.isfinite(self.cost).all() and np.isfinite(self.loss).all()):
            raise ValueError("costs and losses must be finite")
        if (self.load_value < 0).any():
            raise ValueError("line loads must be ≥ 0")

    @property
    def n_options(self) -> int:
        """Number of options (columns)."""
        return len(self.group)

    @property
    def n_groups(self) -> int:
        """Number of substances (choice groups)."""
        return int(self.group.max()) + 1 if len(self.group) else 0

    def with_allowed(self, allowed: np.ndarray) -> ChoiceProblem:
        """The same problem with another mask of allowed options."""
        return replace(self, allowed=np.asarray(allowed, dtype=bool))

    def line_loads(self, choice: np.ndarray) -> np.ndarray:
        """Load of every capacity row under a choice (option index per group)."""
        picked = np.zeros(self.n_options, dtype=bool)
        picked[choice] = True
        loads = np.zeros(len(self.capacity))
        np.add.at(loads, self.load_row, self.load_value * picked[self.load_option])
        return loads


@dataclass(frozen=True)
class ChoiceSolution:
    """The chosen option of every group and how the solve went.

    ``gap`` is HiGHS's relative MIP gap |primal − dual bound| / |primal| (0 when proven
    optimal to tolerance); ``build_s`` (dominance test and model arrays) and ``solve_s`` (LP,
    rounding and branch and bound) are wall-clock seconds.
    """

    choice: np.ndarray
    loss: float
    cost: float
    dual_bound: float
    gap: float
    status: str
    build_s: float
    solve_s: float
    n_options: int
    n_options_kept: int
    line_loads: np.ndarray


def dominated(problem: ChoiceProblem) -> np.ndarray:
    """Options another allowed option of the same group beats: cost, loss and line load ≤.

    Exact ties keep the lowest index. Options that load more than one line are kept and never
    used to drop another (rare: today's plan with several agreements). Dropping dominated
    options keeps every optimal value; vectorised over groups padded to the largest group.
    """
    n = problem.n_options
    out = ~problem.allowed.copy()
    positive = problem.load_value > 0
    rows_per_option = np.bincount(problem.load_option[positive], minlength=n)
    row = np.full(n, -1, dtype=np.int64)
    val = np.zeros(n)
    single = positive & (rows_per_option[problem.load_option] == 1)
    row[problem.load_option[single]] = problem.load_row[single]
    val[problem.load_option[single]] = problem.load_value[single]
    candidates = np.flatnonzero(problem.allowed & (rows_per_option <= 1))
    if len(candidates) < 2:
        return out
    order = candidates[np.argsort(problem.group[candidates], kind="stable")]
    g = problem.group[order]
    first = np.searchsorted(g, g, side="left")
    pos = np.arange(len(order)) - first
    _, gid = np.unique(g, return_inverse=True)
    width = int(pos.max()) + 1
    shape = (int(gid.max()) + 1, width)
    valid = np.zeros(shape, dtype=bool)
    idx = np.full(shape, n, dtype=np.int64)
    valid[gid, pos] = True
    idx[gid, pos] = order

    def pad(values: np.ndarray, fill: float) -> np.ndarray:
        grid = np.full(shape, fill, dtype=values.dtype)
        grid[gid, pos] = values[order]
        return grid

    cost, loss = pad(problem.cost, np.inf), pad(problem.loss, np.inf)
    r, v = pad(row, -1), pad(val, 0.0)
    # [group, i, j]: i dominates j.
    ci, cj = cost[:, :, None], cost[:, None, :]
    li, lj = loss[:, :, None], loss[:, None, :]
    ri, rj = r[:, :, None], r[:, None, :]
    vi, vj = v[:, :, None], v[:, None, :]
    load_ok = (ri == -1) | ((ri == rj) & (vi <= vj))
    weak = valid[:, :, None] & valid[:, None, :] & (ci <= cj) & (li <= lj) & load_ok
    tie = (ci == cj) & (li == lj) & (ri == rj) & (vi == vj)
    earlier = idx[:, :, None] < idx[:, None, :]
    beats = weak & (~tie | earlier)
    beaten = beats.any(axis=1)
    out[idx[beaten & valid]] = True
    return out


def _scale(values: np.ndarray) -> float:
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    return top if top > 0 else 1.0


@dataclass(frozen=True)
class _Model:
    lp: highspy.HighsLp
    keep: np.ndarray  # option index of every column
    col_of: np.ndarray  # column of every option (−1: not in the model)
    cost_scale: float
    loss_scale: float
    budget_row: int


def _build(problem: ChoiceProblem, budget: float, keep: np.ndarray, integer: bool) -> _Model:
    """The HiGHS model over the options `keep`, as column-wise sparse arrays."""
    n_groups = problem.n_groups
    col_of = np.full(problem.n_options, -1, dtype=np.int64)
    col_of[keep] = np.arange(len(keep))
    n = len(keep)
    n_lines = len(problem.capacity)
    cost_scale = max(abs(budget), _scale(problem.cost[keep]))
    # The objective stays unscaled: dividing by the largest loss pushes small losses under
    # HiGHS's tolerances and measurably slowed the national benchmark (gap 6e-4 vs 2e-5 in 3 s).
    loss_scale = 1.0

    # Column-wise entries: the substance's row, the budget row, then the line rows.
    load_mask = (problem.load_value > 0) & (col_of[problem.load_option] >= 0)
    cols = np.r_[np.arange(n), np.arange(n), col_of[problem.load_option[load_mask]]]
    rows = np.r_[
        problem.group[keep], np.full(n, n_groups), n_groups + 1 + problem.load_row[load_mask]
    ]
    vals = np.r_[np.ones(n), problem.cost[keep] / cost_scale, problem.load_value[load_mask]]
    order = np.lexsort((rows, cols))
    cols, rows, vals = cols[order], rows[order], vals[order]

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = n_groups + 1 + n_lines
    lp.col_cost_ = problem.loss[keep] / loss_scale
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.r_[np.ones(n_groups), -_INF, np.full(n_lines, -_INF)]
    lp.row_upper_ = np.r_[np.ones(n_groups), budget / cost_scale, problem.capacity]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(cols, np.arange(n + 1)).astype(np.int32)
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = vals
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return _Model(lp, keep, col_of, cost_scale, loss_scale, n_groups)


_banner_shown = False


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null meanwhile: HiGHS's C++ code prints some messages
    (its banner, a branch-and-bound notice about a given start) straight there, past
    ``silent()``, and they must not leak into a command's output or its JSON on stdout."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _quiet_highs() -> highspy.Highs:
    """A Highs instance; the first one of the process prints HiGHS's copyright banner from C++
    straight to file descriptor 1, so that descriptor is pointed at /dev/null meanwhile (the
    banner must not leak into a command's output or its JSON on stdout)."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    with _quiet_stdout():
        h = highspy.Highs()
    _banner_shown = True
    return h


def _highs(threads: int | None = None) -> highspy.Highs:
    h = _quiet_highs()
    h.silent()
    h.setOptionValue("random_seed", 0)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    return h


def solve_choice(
    problem: ChoiceProblem,
    budget: float,
    *,
    mip_rel_gap: float = 1e-3,
    time_limit_s: float = 60.0,
    start: np.ndarray | None = None,
    threads: int | None = None,
) -> ChoiceSolution:
    """Choose one option per group minimising total loss within the budget and line capacities.

    First the LP relaxation: its rounded vertex is returned when the relaxation's bound proves
    it within `mip_rel_gap`; otherwise HiGHS branch and bound, warm-started from the better of
    that rounding and `start` (option index per group, used when feasible). Raises
    :class:`PlanInfeasible` when no feasible choice exists.
    """
    t0 = time.perf_counter()
    n_groups = problem.n_groups
    drop = dominated(problem)
    keep = np.flatnonzero(~drop)
    kept_groups = np.unique(problem.group[keep])
    if len(kept_groups) < n_groups:
        missing = sorted(set(range(n_groups)) - set(kept_groups.tolist()))
        raise PlanInfeasible(
            f"no allowed option for substance index(es) {missing[:10]} (check the cover rules)"
        )
    n = len(keep)
    # 1. The LP relaxation gives a dual bound and a vertex with at most one fractional substance
    #    per budget/line row; rounded, it is often within the requested gap already, which a
    #    bound from the relaxation certifies without branch and bound.
    lp_model = _build(problem, budget, keep, integer=False)
    build_s = time.perf_counter() - t0  # dominance test and model arrays; the rest is solving
    h = _highs(threads)
    h.passModel(lp_model.lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise PlanInfeasible(
            "no plan fits the budget and line capacities "
            f"({h.modelStatusToString(h.getModelStatus())} relaxation)"
        )
    bound = float(h.getInfo().objective_function_value)
    x_lp = np.zeros(problem.n_options)
    x_lp[keep] = np.asarray(h.getSolution().col_value)
    incumbents = [_round_relaxation(problem, x_lp, keep, budget)]
    if start is not None:
        incumbents.append(_repair_start(problem, np.asarray(start, dtype=np.int64), drop, keep))
    feasible = [c for c in incumbents if c is not None and _feasible(problem, c, budget)]
    best = min(feasible, key=lambda c: float(problem.loss[c].sum())) if feasible else None
    if best is not None:
        best_loss = float(problem.loss[best].sum())
        gap = _gap(best_loss, bound)
        if gap <= mip_rel_gap:
            return _solution(
                problem,
                best,
                bound,
                gap,
                "Optimal (LP bound)",
                build_s,
                n,
                time.perf_counter() - t0,
            )

    # 2. Branch and bound with HiGHS, warm-started from the best rounded or given plan.
    t1 = time.perf_counter()
    model = _build(problem, budget, keep, integer=True)
    build_s += time.perf_counter() - t1
    h = _highs(threads)
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if mip_rel_gap == 0:
        h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.passModel(model.lp)
    if best is not None:
        sol = highspy.HighsSolution()
        x = np.zeros(n)
        x[model.col_of[best]] = 1.0
        sol.col_value = x.tolist()
        sol.value_valid = True
        h.setSolution(sol)
    with _quiet_stdout():
        h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        raise PlanInfeasible(f"HiGHS found no feasible plan within the budget ({status})")
    x = np.asarray(h.getSolution().col_value)
    chosen_cols = np.flatnonzero(x > 0.5)
    choice = np.full(n_groups, -1, dtype=np.int64)
    choice[problem.group[keep[chosen_cols]]] = keep[chosen_cols]
    if (choice < 0).any():  # pragma: no cover - the equality rows make this impossible
        raise PlanInfeasible("HiGHS returned a solution without an option for every substance")
    dual = max(float(info.mip_dual_bound), bound)
    total_loss = float(problem.loss[choice].sum())
    return _solution(
        problem,
        choice,
        dual,
        _gap(total_loss, dual),
        status,
        build_s,
        n,
        time.perf_counter() - t0,
    )


def _gap(primal: float, dual: float) -> float:
    """Relative MIP gap as HiGHS defines it: (primal − dual) / |primal| (0 when both are 0)."""
    if primal == 0:
        return 0.0 if dual >= 0 else float("inf")
    return max(0.0, (primal - dual) / abs(primal))


def _solution(
    problem: ChoiceProblem,
    choice: np.ndarray,
    dual: float,
    gap: float,
    status: str,
    build_s: float,
    n_kept: int,
    total_s: float,
) -> ChoiceSolution:
    return ChoiceSolution(
        choice=choice,
        loss=float(problem.loss[choice].sum()),
        cost=float(problem.cost[choice].sum()),
        dual_bound=dual,
        gap=gap,
        status=status,
        build_s=build_s,
        solve_s=total_s - build_s,
        n_options=problem.n_options,
        n_options_kept=n_kept,
        line_loads=problem.line_loads(choice),
    )


def _round_relaxation(
    problem: ChoiceProblem, x: np.ndarray, keep: np.ndarray, budget: float
) -> np.ndarray | None:
    """Round an LP vertex to a plan; only the few fractional substances need a decision.

    Three roundings of the fractional substances, each within the LP support: the cheapest
    option, the option loading its line least (keeps the line rows feasible), and the lowest-loss
    option. Each is repaired into the budget by greedy downgrades where needed, then filled
    by greedy upgrades with the budget left; the best feasible one is returned.
    """
    n_groups = problem.n_groups
    support = keep[x[keep] > 1e-9]
    base = np.full(n_groups, -1, dtype=np.int64)
    integral = support[x[support] > 1 - 1e-9]
    base[problem.group[integral]] = integral
    fractional = np.unique(problem.group[support[x[support] <= 1 - 1e-9]])
    fractional = fractional[base[fractional] < 0]
    if (np.setdiff1d(np.flatnonzero(base < 0), fractional)).size:
        return None
    option_load = np.zeros(problem.n_options)
    np.add.at(option_load, problem.load_option, problem.load_value)
    roundings = [base.copy(), base.copy(), base.copy()]
    for g in fractional:
        opts = support[problem.group[support] == g]
        roundings[0][g] = opts[np.argmin(problem.cost[opts])]
        roundings[1][g] = opts[np.lexsort((problem.cost[opts], option_load[opts]))[0]]
        roundings[2][g] = opts[np.argmin(problem.loss[opts])]
    results = []
    for choice in roundings:
        if float(problem.cost[choice].sum()) > budget * (1 + 1e-12):
            repaired = _greedy(problem, keep, choice, budget, upgrade=False)
            if repaired is None:
                continue
            choice = repaired
        results.append(_greedy(problem, keep, choice, budget, upgrade=True))
    feasible = [c for c in results if c is not None and _feasible(problem, c, budget)]
    return min(feasible, key=lambda c: float(problem.loss[c].sum())) if feasible else None


def _greedy(
    problem: ChoiceProblem,
    keep: np.ndarray,
    choice: np.ndarray | None,
    budget: float,
    *,
    upgrade: bool,
    max_steps: int = 500,
) -> np.ndarray | None:
    """Greedy moves between options of one substance by loss change per cost change.

    ``upgrade``: while budget is left, take the affordable move with the most loss avoided per
    unit of cost. Otherwise (repair): while over budget, take the move that saves cost at the
    least loss added per unit saved. Moves that would overload a line are skipped.
    """
    if choice is None:
        return None
    choice = choice.copy()
    group = problem.group[keep]
    for _ in range(max_steps):
        spent = float(problem.cost[choice].sum())
        current = choice[group]
        d_cost = problem.cost[keep] - problem.cost[current]
        d_loss = problem.loss[keep] - problem.loss[current]
        if upgrade:
            slack = budget - spent
            ok = (d_loss < 0) & (d_cost <= slack)
            score = np.where(ok, d_loss / np.maximum(d_cost, 1e-12), np.inf)  # most negative first
        else:
            if spent <= budget * (1 + 1e-12):
                return choice
            ok = d_cost < 0
            saved = np.where(ok, -d_cost, 1.0)
            score = np.where(ok, d_loss / saved, np.inf)  # least loss added per unit saved
        order = np.argsort(score, kind="stable")
        moved = False
        for k in order[: min(50, int(ok.sum()))]:
            trial = choice.copy()
            trial[group[k]] = keep[k]
            lines_ok = (problem.line_loads(trial) <= problem.capacity + 1e-12).all()
            if lines_ok:
                choice = trial
                moved = True
                break
        if not moved:
            break
    if not upgrade and float(problem.cost[choice].sum()) > budget * (1 + 1e-12):
        return None
    return choice


@dataclass(frozen=True)
class Relaxation:
    """Values of the continuous relaxation under variants of the allowed options.

    ``value``: the relaxation's optimal loss with the problem as given; ``budget_price``: the
    loss avoided by one more currency unit of budget (the budget row's dual, ≥ 0);
    ``variant_values``: the optimal loss of each variant (``inf`` where infeasible).
    """

    value: float
    budget_price: float
    variant_values: np.ndarray


def relaxation_values(
    problem: ChoiceProblem, budget: float, variants: list[np.ndarray], *, threads: int | None = None
) -> Relaxation:
    """Optimal losses of the LP relaxation (fractions of options allowed) for masks of options.

    Each variant is an allowed-mask; one HiGHS model is re-solved from the previous basis with
    the variant's column bounds, so a variant costs a few simplex iterations. The relaxation is
    the convex hull of every substance's options (the Lagrangian bound of the multiple-choice
    knapsack): free of the MIP gap's noise, it differs from the integer optimum by no more than
    the options of the few substances left fractional by the budget and line rows.
    """
    keep = np.flatnonzero(problem.allowed)
    model = _build(problem, budget, keep, integer=False)
    h = _highs(threads)
    h.passModel(model.lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise PlanInfeasible("the relaxation of the plan is infeasible")
    value = h.getInfo().objective_function_value * model.loss_scale
    duals = np.asarray(h.getSolution().row_dual)
    price = abs(float(duals[model.budget_row])) * model.loss_scale / model.cost_scale
    cols = np.arange(len(keep), dtype=np.int32)
    ones = np.ones(len(keep))
    zeros = np.zeros(len(keep))
    out = np.full(len(variants), np.inf)
    for i, mask in enumerate(variants):
        upper = np.asarray(mask, dtype=float)[keep]
        h.changeColsBounds(len(keep), cols, zeros, upper)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            out[i] = h.getInfo().objective_function_value * model.loss_scale
        h.changeColsBounds(len(keep), cols, zeros, ones)
    return Relaxation(value=value, budget_price=price, variant_values=out)


def _repair_start(
    problem: ChoiceProblem, start: np.ndarray, drop: np.ndarray, keep: np.ndarray
) -> np.ndarray | None:
    """Replace dropped options of a start by an option that dominates them (same group)."""
    if len(start) != problem.n_groups or (start < 0).any():
        return None
    out = start.copy()
    for g, o in enumerate(start):
        if not drop[o]:
            continue
        members = np.flatnonzero((problem.group == g) & ~drop)
        better = [
            m
            for m in members
            if problem.cost[m] <= problem.cost[o] and problem.loss[m] <= problem.loss[o]
        ]
        if not better:
            return None
        out[g] = better[0]
    return out if np.isin(out, keep).all() else None


def _feasible(problem: ChoiceProblem, choice: np.ndarray, budget: float) -> bool:
    if not problem.allowed[choice].all():
        return False
    if problem.cost[choice].sum() > budget * (1 + 1e-12) + 1e-9:
        return False
    return bool((problem.line_loads(choice) <= problem.capacity + 1e-12).all())


def brute_force(problem: ChoiceProblem, budget: float) -> tuple[float, np.ndarray] | None:
    """Best choice by enumerating every combination (tests and tiny instances only)."""
    import itertools

    groups = [np.flatnonzero(problem.group == g) for g in range(problem.n_groups)]
    best: tuple[float, np.ndarray] | None = None
    for combo in itertools.product(*groups):
        choice = np.asarray(combo, dtype=np.int64)
        if not _feasible(problem, choice, budget):
            continue
        value = float(problem.loss[choice].sum())
        if best is None or value < best[0]:
            best = (value, choice)
    return best
