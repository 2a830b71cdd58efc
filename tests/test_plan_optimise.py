"""The optimiser on the small bundle with given option losses (no simulation needed here)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from beredt.domain.dataset import Dataset
from beredt.plan.losses import OptionLosses
from beredt.plan.milp import relaxation_values
from beredt.plan.optimise import PlanModel, model_from_losses
from beredt.plan.options import OptionMenu, build_options
from beredt.plan.parameters import CoverRule, PlanParameters
from beredt.results import dumps


def synthetic_losses(
    dataset: Dataset, menu: OptionMenu, parameters: PlanParameters, offer_effect: float = 0.8
) -> OptionLosses:
    """Unmet DDD that falls with stock days and with reserved capacity (a smooth stand-in)."""
    options = menu.options
    demand = dataset.demand_ddd_per_day[menu.group]
    safe = np.where(demand > 0, demand, 1.0)
    stock_days = options["stock_ddd"].to_numpy() / safe
    reserved = np.minimum(1.0, options["reserved_ddd_per_day"].to_numpy() / safe)
    unmet = demand * 20.0 * np.exp(-stock_days / 30.0) * (1.0 - offer_effect * reserved)
    p_short = 0.3 * np.exp(-stock_days / 30.0)
    return OptionLosses.from_unmet(
        menu,
        unmet,
        0.05 * unmet,
        p_short,
        weights=dataset.criticality_weights(),
        value_per_patient_day=parameters.value_per_patient_day,
        n_scenarios=1000,
        horizon_days=parameters.horizon_days,
        seed=0,
    )


def exact_model(dataset: Dataset, **kwargs: object) -> PlanModel:
    parameters = PlanParameters(mip_rel_gap=0.0, **kwargs)  # type: ignore[arg-type]
    menu = build_options(dataset, parameters)
    return model_from_losses(
        dataset, synthetic_losses(dataset, menu, parameters), parameters=parameters, menu=menu
    )


def test_budget_of_todays_plan_is_no_worse_than_today(small_dataset: Dataset) -> None:
    model = exact_model(small_dataset)
    result = model.plan(model.menu.today_cost, offer_values=False, reevaluate=False)
    assert result.chosen.annual_cost <= model.menu.today_cost * (1 + 1e-9)
    assert result.chosen.expected_loss_per_year <= result.today.expected_loss_per_year + 1e-6
    # The synthetic losses reward stock, so the optimiser should beat today's plan outright.
    assert result.chosen.expected_loss_per_year < 0.5 * result.today.expected_loss_per_year
    assert result.solve.gap == 0


def test_frontier_is_monotone_and_marks_today(small_dataset: Dataset) -> None:
    model = exact_model(small_dataset)
    budgets = np.linspace(0.0, 60e6, 9)
    frontier = model.frontier(budgets)
    points = frontier.points
    assert points["feasible"].all()
    assert (np.diff(points["expected_loss_per_year"]) <= 1e-6).all()
    assert (points["annual_cost"] <= points["budget"] * (1 + 1e-9) + 1e-6).all()
    assert frontier.today.annual_cost == pytest.approx(model.menu.today_cost)
    # Same sweep with a loose MIP gap: warm starts keep it monotone all the same.
    loose = PlanParameters(mip_rel_gap=0.2)
    loose_model = model_from_losses(
        small_dataset,
        synthetic_losses(small_dataset, model.menu, loose),
        parameters=loose,
        menu=model.menu,
    )
    loose_points = loose_model.frontier(budgets).points
    assert (np.diff(loose_points["expected_loss_per_year"]) <= 1e-6).all()


def test_line_capacities_are_never_exceeded(small_dataset: Dataset) -> None:
    # Make offers nearly eliminate loss: every substance then wants its offer, but
    # nordpharma-tab-1 carries OF-1 (0.6), OF-3 (0.67), OF-4 (0.5) and AG-1 (0.3): at most one
    # or two of them fit.
    parameters = PlanParameters(mip_rel_gap=0.0)
    menu = build_options(small_dataset, parameters)
    losses = synthetic_losses(small_dataset, menu, parameters, offer_effect=1.0)
    model = model_from_losses(small_dataset, losses, parameters=parameters, menu=menu)
    for budget in (5e6, 20e6, 80e6, 500e6):
        result = model.plan(budget, offer_values=False, reevaluate=False)
        assert (result.lines["load"] <= 1 + 1e-9).all()
        # Without the line rows the plan would overload the line: check that the row binds.
    unconstrained = model.problem.line_loads(
        np.array(
            [
                int(np.argmin(np.where(model.menu.group == s, losses.loss_per_year, np.inf)))
                for s in range(small_dataset.n_substances)
            ]
        )
    )
    assert unconstrained.max() > 1


def test_cover_rules_are_respected(small_dataset: Dataset) -> None:
    rule = CoverRule("vital", 8.0)
    model = exact_model(small_dataset, cover_rules=[rule])
    result = model.plan(40e6, offer_values=False, reevaluate=False)
    vital = result.substances[result.substances["criticality"] == "vital"]
    ok = (vital["chosen_weeks"] >= 8) | (vital["chosen_reservations"] != "")
    assert ok.all()
    # Today's plan breaks the rule (insulin glargine has no stock, no agreement): noted.
    assert any("cover rules" in note for note in result.notes)


def test_relaxation_matches_scipy_linprog(small_dataset: Dataset) -> None:
    model = exact_model(small_dataset)
    problem = model.problem
    budget = 12e6
    n = problem.n_options
    a_eq = np.zeros((problem.n_groups, n))
    a_eq[problem.group, np.arange(n)] = 1
    a_ub = np.zeros((1 + len(problem.capacity), n))
    a_ub[0] = problem.cost
    np.add.at(a_ub, (1 + problem.load_row, problem.load_option), problem.load_value)
    b_ub = np.r_[budget, problem.capacity]
    ref = linprog(problem.loss, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(problem.n_groups))
    ours = relaxation_values(problem, budget, [])
    assert ours.value == pytest.approx(ref.fun, rel=1e-7)
    # The budget's shadow price is the slope of the relaxation's value in the budget.
    step = 1e4
    up = linprog(
        problem.loss,
        A_ub=a_ub,
        b_ub=np.r_[budget + step, problem.capacity],
        A_eq=a_eq,
        b_eq=np.ones(problem.n_groups),
    )
    assert ours.budget_price == pytest.approx((ref.fun - up.fun) / step, rel=1e-3)


def test_offer_values_rank_and_explain(small_dataset: Dataset) -> None:
    parameters = PlanParameters(mip_rel_gap=0.0)
    menu = build_options(small_dataset, parameters)
    losses = synthetic_losses(small_dataset, menu, parameters, offer_effect=1.0)
    model = model_from_losses(small_dataset, losses, parameters=parameters, menu=menu)
    result = model.plan(30e6, reevaluate=False)
    values = result.offer_values
    assert set(values["reservation_id"]) == {"OF-1", "OF-2", "OF-3", "OF-4", "AG-1", "AG-2"}
    assert values["rank"].tolist() == list(range(1, len(values) + 1))
    ranked = values["marginal_value_per_fee"].to_numpy()
    assert all(a >= b for a, b in itertools.pairwise(ranked))
    # An offer in the optimal plan earns its place: forcing it out cannot lower the loss.
    assert (values.loc[values["in_plan"], "marginal_value_per_year"] >= -1e-6).all()
    assert values["in_plan"].any()
    # Loss avoided per fee is the loss avoided divided by the fee.
    row = values.iloc[0]
    assert row["loss_avoided_per_fee"] == pytest.approx(
        row["loss_avoided_per_year"] / row["annual_fee"]
    )
    assert result.budget_shadow_price > 0
    # Results serialise to strict JSON.
    assert '"offer_values"' in dumps(result)
