"""Option losses from the simulator: common random numbers, agreement with simulate(), plans."""

from __future__ import annotations

import numpy as np
import pytest

from beredt.domain.dataset import Dataset
from beredt.plan.evaluate import evaluate_options, menu_policies, prepare_plan
from beredt.plan.options import build_options
from beredt.plan.parameters import PlanParameters
from beredt.sim import Event, Fixed, Policies, Scenario, simulate

pytestmark = pytest.mark.slow  # the first simulation of a process compiles the Numba kernel

N = 256
#: The API plant behind most antibiotics and paracetamol fails for 60 days half the time.
OUTAGE = Scenario(
    name="cn-api-1 outage",
    events=(Event(kind="site_outage", sites=("cn-api-1",), duration=Fixed(60), probability=0.5),),
)


def _option(menu: object, atc: str, label: str) -> int:
    options = menu.options  # type: ignore[attr-defined]
    hit = options[(options["atc_code"] == atc) & (options["label"] == label)]
    return int(hit["option_idx"].iloc[0])


def test_option_losses_equal_direct_simulation(small_dataset: Dataset) -> None:
    params = PlanParameters(n_scenarios=N)
    menu = build_options(small_dataset, params)
    losses = evaluate_options(small_dataset, menu, params, scenario=OUTAGE, seed=3)
    # Today's plan through the simulator's own policy builder, decomposed, same seed: the
    # adapter must reproduce it exactly (results of one option never depend on the others).
    today = simulate(
        small_dataset,
        OUTAGE,
        n_scenarios=N,
        seed=3,
        policies=Policies.today(small_dataset),
        mode="decomposed",
        keep_per_scenario=True,
    )
    np.testing.assert_allclose(
        losses.unmet_ddd_mean[menu.today], today.unmet_ddd.mean[0], rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(
        losses.unmet_ddd_se[menu.today], today.unmet_ddd.se[0], rtol=1e-9, atol=1e-9
    )
    vital = np.flatnonzero(small_dataset.substances["criticality"] == "vital")
    assert losses.any_shortage_probability(menu.today, vital) == pytest.approx(
        float(today.prob_any_vital_shortage()[0]), abs=1e-12
    )
    # An 8-week stockpile for every substance, built by the simulator's per-substance helper.
    eight = 8 * 7 * small_dataset.demand_ddd_per_day
    direct = simulate(
        small_dataset,
        OUTAGE,
        n_scenarios=N,
        seed=3,
        policies=Policies.per_substance(small_dataset, eight),
        mode="decomposed",
    )
    s = small_dataset.substance_idx("J01CE02")
    o = _option(menu, "J01CE02", "8 w")
    assert losses.unmet_ddd_mean[o] == pytest.approx(direct.unmet_ddd.mean[0, s], rel=1e-12)
    # Loss = value × weight × unmet × 365 / horizon (vital weight 10).
    assert losses.loss_per_year[o] == pytest.approx(500 * 10 * losses.unmet_ddd_mean[o])
    # The outage bites: without stock the antibiotic is short in some scenarios.
    assert losses.unmet_ddd_mean[_option(menu, "J01CE02", "today (0 w)")] > 0


def test_common_random_numbers_shrink_the_standard_error_of_a_difference(
    small_dataset: Dataset,
) -> None:
    params = PlanParameters(n_scenarios=N)
    menu = build_options(small_dataset, params)
    crn = evaluate_options(small_dataset, menu, params, scenario=OUTAGE, seed=5)
    other = evaluate_options(small_dataset, menu, params, scenario=OUTAGE, seed=6)
    base = _option(menu, "J01CE02", "today (0 w)")
    stock = _option(menu, "J01CE02", "2 w")
    assert crn.diff_vs_today_se_per_year is not None
    paired_se = crn.diff_vs_today_se_per_year[stock]
    # Independent streams: the two options from different seeds, so the variances add.
    independent_se = float(np.hypot(crn.loss_se_per_year[stock], other.loss_se_per_year[base]))
    assert paired_se < independent_se
    assert paired_se < 0.5 * independent_se  # the scenarios' shared noise dominates here
    # The paired standard error is the sample standard deviation of per-scenario differences:
    # recompute it from the simulator's kept per-scenario values.
    policies = menu_policies(small_dataset, menu)
    raw = simulate(
        small_dataset,
        OUTAGE,
        n_scenarios=N,
        seed=5,
        policies=policies,
        mode="decomposed",
        keep_per_scenario=True,
    )
    assert raw.unmet_per_scenario is not None
    s = small_dataset.substance_idx("J01CE02")
    k_stock, k_base = menu.position[stock], menu.position[base]
    diff = raw.unmet_per_scenario[k_stock, :, s] - raw.unmet_per_scenario[k_base, :, s]
    expected = diff.std(ddof=1) / np.sqrt(N) * 500 * 10
    assert paired_se == pytest.approx(expected, rel=1e-9)


def test_plan_with_joint_reevaluation(small_dataset: Dataset) -> None:
    params = PlanParameters(n_scenarios=N, mip_rel_gap=0.0)
    model = prepare_plan(small_dataset, params, scenario=OUTAGE, seed=2)
    today_cost = model.menu.today_cost
    result = model.plan(today_cost)
    assert result.chosen.expected_loss_per_year <= result.today.expected_loss_per_year + 1e-6
    assert (result.lines["load"] <= 1 + 1e-9).all()
    r = result.reevaluation
    assert r is not None
    assert r.difference_per_year == pytest.approx(
        r.joint_loss_per_year - r.decomposed_loss_per_year
    )
    assert 0 <= r.p_any_vital_shortage_joint <= 1
    # Today's plan and the chosen plan on the same draws: the paired difference is consistent.
    assert r.loss_avoided_vs_today_per_year == pytest.approx(
        r.today_joint_loss_per_year - r.joint_loss_per_year, rel=1e-9, abs=1e-6
    )
    assert np.isfinite(r.loss_avoided_vs_today_se_per_year)
    frontier = model.frontier([0.0, today_cost, 2 * today_cost, 4 * today_cost])
    losses = frontier.points["expected_loss_per_year"].to_numpy()
    assert (np.diff(losses) <= 1e-6).all()
    assert losses[1] <= frontier.today.expected_loss_per_year + 1e-6
