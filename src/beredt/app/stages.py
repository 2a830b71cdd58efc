"""Pipeline stages that call the calibration, the simulator, the optimiser and the response
planner through their public APIs, with the run's parameters and a seed derived from the run's
seed. A stage that needs another's result (the frontier needs the plan) records in
``analyses.absent`` why it did not run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from beredt.app.analyses import Analyses, Budget, ScenarioOutcome
from beredt.calibrate import calibrate
from beredt.calibrate.backtest import backtest, default_cuts
from beredt.calibrate.outlook import outlook
from beredt.plan import PlanParameters, joint_evaluator, prepare_plan
from beredt.plan.evaluate import plan_policies
from beredt.plan.milp import PlanInfeasible
from beredt.plan.optimise import JointOutcome
from beredt.plan.policy import load_policy, no_policy
from beredt.respond import ResponseParams, plan_response
from beredt.sim import Scenario, check_scenario, load_scenario, simulate
from beredt.sim.sensitivity import tornado
from beredt.views.fmt import Num
from beredt.views.i18n import join, t
from beredt.views.phrases import calibration_provenance

#: Horizon of the optimiser's simulations (days): losses are per year.
PLAN_HORIZON_DAYS = 365


def _absent(analyses: Analyses, clock: Any, key: str, reason: str | None) -> None:
    analyses.absent[key] = reason or "not available"
    clock.note = t("stage_absent")


def run_calibration(analyses: Analyses, clock: Any) -> None:
    """Fit the hazards to the record, back-test at rolling cuts, and the early-warning outlook.

    With ``hazards = calibrated`` (the default) every later stage runs on the calibrated
    dataset; the record itself is never changed.
    """
    from beredt.app.pipeline import derive_seed

    params = analyses.parameters
    dataset = analyses.dataset
    calibration = calibrate(dataset)
    analyses.calibration = calibration
    if params.hazards == "calibrated":
        analyses.imported_fingerprint = dataset.fingerprint
        analyses.dataset = calibration.apply_to(dataset)
        analyses.hazards_source = "calibrated"
    n = params.scenarios
    cuts = default_cuts(dataset)
    total = n * len(cuts) + 2 * n
    report = clock.progress()
    if cuts:
        analyses.backtest = backtest(
            dataset,
            cuts,
            n_scenarios=n,
            seed=derive_seed(params.seed, "backtest"),
            progress=lambda done, _t: report(done, total),
        )
    drivers = None
    if analyses.risk is not None:
        drivers = {
            str(r["atc_code"]): [r[c] for c in ("driver_1", "driver_2", "driver_3") if r[c]]
            for r in analyses.risk.substances.to_dict("records")
        }
    offset = n * len(cuts)
    analyses.outlook = outlook(
        dataset,
        months=params.outlook_months,
        n_scenarios=n,
        seed=derive_seed(params.seed, "outlook"),
        calibration=calibration,
        drivers=drivers,
        hazards="calibrated" if params.hazards == "calibrated" else "dataset",
        progress=lambda done, _t: report(offset + done, total),
    )
    clock.note = calibration_provenance(calibration)


def run_scenarios(analyses: Analyses, scenario_dir: Path, clock: Any) -> None:
    """Simulate the background (hazards from the data only) and every scenario file of the library.

    A file that names sites, companies, countries, products or ATC codes this dataset lacks is
    skipped with its problems recorded (the library is written for the sample bundle).
    """
    from beredt.app.pipeline import derive_seed

    params = analyses.parameters
    dataset = analyses.dataset
    files = sorted(scenario_dir.glob("*.toml")) if scenario_dir.is_dir() else []
    library: list[tuple[str, Scenario, str]] = [(f.stem, load_scenario(f), f.name) for f in files]
    # The baseline first: a library file with no forced event and default hazards and model is
    # the background run; without one, the background is added here.
    baseline = Scenario(
        name="background",
        description="Background hazards from the data only: site outages and export "
        "restrictions at their historical rates, no forced event.",
    )

    def is_baseline(scenario: Scenario) -> bool:
        return (
            not scenario.events
            and scenario.background == baseline.background
            and scenario.model == baseline.model
        )

    library.sort(key=lambda item: not is_baseline(item[1]))
    if not any(is_baseline(scenario) for _, scenario, _ in library):
        library.insert(0, ("background", baseline, ""))
    applicable: list[tuple[str, Scenario, str]] = []
    for key, scenario, file in library:
        problems = check_scenario(scenario, dataset)
        if problems:
            analyses.scenarios_skipped.append(
                {
                    "key": key,
                    "file": file,
                    "reason": "; ".join(f"{p.field}: {p.reason}" for p in problems[:3])
                    + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""),
                }
            )
        else:
            applicable.append((key, scenario, file))
    n = params.scenarios
    stress = _stress_tester(analyses)
    steps = 2 if stress is not None else 1
    total = n * len(applicable) * steps
    outcomes: list[ScenarioOutcome] = []
    report = clock.progress()
    for i, (key, scenario, file) in enumerate(applicable):

        def progress(done: int, _total: int, offset: int = i * n * steps) -> None:
            report(offset + done, total)

        seed = derive_seed(params.seed, "scenario", key)
        result = simulate(
            dataset,
            scenario,
            n_scenarios=n,
            horizon_days=params.horizon_days,
            seed=seed,
            progress=progress,
        )
        outcome = ScenarioOutcome(
            key=key,
            name=scenario.name or key,
            description=scenario.description or "",
            path=file,
            result=result,
            name_nb=scenario.name_nb,
            description_nb=scenario.description_nb,
        )
        if stress is not None:

            def stress_progress(done: int, _total: int, offset: int = (i * steps + 1) * n) -> None:
                report(offset + done, total)

            outcome.stress = stress(scenario, seed, stress_progress)
        outcomes.append(outcome)
    analyses.scenarios = outcomes
    clock.note = t("stage_scenarios", n=len(outcomes))
    if analyses.scenarios_skipped:
        clock.note = join(
            clock.note, t("stage_skipped", n=len(analyses.scenarios_skipped)), sep=", "
        )


def chosen_choice(analyses: Analyses) -> np.ndarray:
    """The chosen plan as an option index per substance, from the plan's option labels."""
    model = analyses.plan_model
    assert model is not None
    assert analyses.plan is not None
    chosen = dict(
        zip(analyses.plan.substances["atc_code"], analyses.plan.substances["chosen"], strict=True)
    )
    options = model.option_table()
    hits = options[
        [chosen.get(a) == lab for a, lab in zip(options["atc_code"], options["label"], strict=True)]
    ]
    counts = hits.groupby("substance_idx").size()
    if len(counts) != analyses.dataset.n_substances or (counts != 1).any():
        raise RuntimeError(
            "the chosen plan's option labels do not identify one option per substance"
        )
    choice = np.zeros(analyses.dataset.n_substances, dtype=np.int64)
    choice[hits["substance_idx"].to_numpy(dtype=np.int64)] = hits["option_idx"].to_numpy(
        dtype=np.int64
    )
    return choice


def _stress_tester(
    analyses: Analyses,
) -> Callable[[Scenario, int, Callable[[int, int], None]], JointOutcome] | None:
    """A function (scenario, seed, progress) → the recommended plan vs today's plan simulated
    jointly under that scenario; None without a plan."""
    if analyses.plan_model is None or analyses.plan is None:
        return None
    model = analyses.plan_model
    choice = chosen_choice(analyses)

    def stress(scenario: Scenario, seed: int, progress: Callable[[int, int], None]) -> JointOutcome:
        evaluate = joint_evaluator(
            analyses.dataset, model.menu, model.parameters, scenario=scenario, seed=seed
        )
        return evaluate(choice, progress)

    return stress


def run_plan(analyses: Analyses, clock: Any, scenario_dir: Path | None = None) -> None:
    """Simulate every preparedness option and optimise at the budget under the policy.

    The options face the background and the stress library of `scenario_dir` (the files with
    a ``probability_per_year`` that fit the dataset), weighted by how often each happens; the
    preparedness policy (``parameters.policy``, default the shipped ``policy.toml``) sets the
    floors and the objective. Budget: ``parameters.budget`` when given, else ``budget_share`` ×
    today's annual preparedness cost (holding and write-off of the preparedness stock + fees of
    the active agreements, as the optimiser's cost model prices today's plan). Where the policy
    cannot be met at the budget, the cap on vital risk and then the floors are relaxed, and the
    plan says so.
    """
    from beredt.app.pipeline import derive_seed

    params = analyses.parameters
    report = clock.progress()
    policy = load_policy(params.policy) if params.policy != "none" else no_policy()
    parameters = policy.apply(
        PlanParameters(
            n_scenarios=params.scenarios,
            horizon_days=params.horizon_days or PLAN_HORIZON_DAYS,
        )
    )
    library = []
    if scenario_dir is not None and scenario_dir.is_dir():
        for path in sorted(scenario_dir.glob("*.toml")):
            sc = load_scenario(path)
            if sc.probability_per_year and not check_scenario(sc, analyses.dataset):
                library.append(sc)
    analyses.plan_library = [
        (sc.name, float(sc.probability_per_year or 0), sc.name_nb or sc.name) for sc in library
    ]

    def preparing(done: int, total: int) -> None:
        report(done, 2 * total)

    model = prepare_plan(
        analyses.dataset,
        parameters,
        library=library,
        seed=derive_seed(params.seed, "plan"),
        progress=preparing,
        policy=policy.to_dict(),
    )
    today_cost = float(model.summary(model.menu.today).annual_cost)
    if params.budget is not None:
        budget = Budget(float(params.budget), today_cost, None, "user")
    else:
        budget = Budget(
            params.budget_share * today_cost, today_cost, params.budget_share, "default"
        )

    def solving(done: int, total: int) -> None:
        report(total + done, 2 * total)

    analyses.plan_model = model
    analyses.budget = budget
    relaxed: list[str] = []
    result = None
    for step in ("as set", "loss", "no floors"):
        if step == "loss":
            model.parameters = replace(model.parameters, objective="loss")
            relaxed.append("the cap on vital risk")
        elif step == "no floors":
            model.parameters = replace(model.parameters, cover_rules=())
            model.allowed[:] = True
            model.problem = model.problem.with_allowed(model.allowed)
            relaxed.append("the floors")
        try:
            result = model.plan(budget.amount, progress=solving)
            break
        except PlanInfeasible:
            continue
    if result is None:  # cannot happen: with no floors and no cap, doing nothing is a plan
        raise PlanInfeasible(f"no plan at a budget of {budget.amount:,.0f}")
    analyses.plan = result
    if relaxed:
        result.notes.append(
            f"the policy cannot be met at a budget of {budget.amount:,.0f} "
            f"{analyses.dataset.currency}: relaxed {' and '.join(relaxed)}"
        )
    clock.note = t(
        "stage_budget", budget=Num(budget.amount, "money_compact", analyses.dataset.currency)
    )


def run_sensitivity(analyses: Analyses, clock: Any) -> None:
    """The headline under each main assumption varied one at a time (common random numbers):
    today's plan, on the headline simulation's seed and scenario, so the baseline is the
    headline's own figure."""
    from beredt.app.pipeline import derive_seed

    if analyses.plan_model is None:
        _absent(analyses, clock, "sensitivity", analyses.absent.get("plan", "no plan"))
        return
    model = analyses.plan_model
    params = analyses.parameters
    analyses.sensitivity = tornado(
        analyses.dataset,
        policies=plan_policies(analyses.dataset, model.menu, [model.menu.today], ["today"]),
        n_scenarios=params.scenarios,
        horizon_days=model.parameters.horizon_days,
        seed=derive_seed(params.seed, "plan"),
        value_per_patient_day=model.parameters.value_per_patient_day,
        progress=clock.progress(),
    )
    clock.note = t("stage_assumptions", n=len(analyses.sensitivity.rows))


def frontier_budgets(analyses: Analyses) -> list[float]:
    """Budgets of the frontier: evenly from 0 to min(max factor × budget, the cost of the most
    expensive plan), plus the chosen budget and today's cost."""
    model = analyses.plan_model
    budget = analyses.budget
    assert model is not None
    assert budget is not None
    options = model.option_table()
    full = float(options.groupby("substance_idx")["annual_cost"].max().sum())
    params = analyses.parameters
    top = min(params.frontier_max_factor * budget.amount, full) if budget.amount > 0 else full
    points = max(params.frontier_points, 2)
    grid = [top * i / (points - 1) for i in range(points)]
    return sorted({round(b, 2) for b in [*grid, budget.amount, budget.today_cost]})


def run_frontier(analyses: Analyses, clock: Any) -> None:
    """The budget → expected loss frontier around the chosen budget."""
    if analyses.plan_model is None:
        _absent(analyses, clock, "frontier", analyses.absent.get("plan", "no plan"))
        return
    budgets = frontier_budgets(analyses)
    analyses.frontier = analyses.plan_model.frontier(budgets, progress=clock.progress())
    clock.note = t("stage_budgets", n=len(budgets))


def run_responses(analyses: Analyses, clock: Any) -> None:
    """A response plan for every open shortage notice, in notice-id order."""
    from beredt.app.pipeline import derive_seed

    dataset = analyses.dataset
    notices = sorted(str(n) for n in dataset.open_shortages["notice_id"])
    report = clock.progress()
    plans = []
    for i, notice_id in enumerate(notices):
        report(i, len(notices))
        params = ResponseParams(seed=derive_seed(analyses.parameters.seed, "respond", notice_id))
        plans.append(plan_response(dataset, notice_id, params))
    report(len(notices), len(notices))
    analyses.responses = plans
    clock.note = t("stage_notices", n=len(plans))


def run_measures(analyses: Analyses, clock: Any, scenario_dir: Path | None = None) -> None:
    """The export report's four measures against their targets, and the investment cases.

    The state's loss avoided per unit of agreement fee comes from the optimiser's offer values
    at today's plan (today's stock, today's agreements) when the plan ran. The investment cases
    value every investment of the dataset over futures drawn from the background and the stress
    library of `scenario_dir` (``probability_per_year``), as many simulated years as the run's
    ``scenarios``, on a seed derived from the run's.
    """
    from beredt.app.pipeline import derive_seed
    from beredt.industry.measures import measure_indicators
    from beredt.plan.invest import InvestParameters, invest

    params = analyses.parameters
    dataset = analyses.dataset
    offer_values = None
    model = analyses.plan_model
    if model is not None and analyses.budget is not None:
        offer_values, _price = model.offer_values(analyses.budget.amount, model.menu.today)
    analyses.measures = measure_indicators(dataset, offer_values=offer_values)
    if dataset.investments.empty:
        analyses.absent["investments"] = "the dataset has no investments (investments.csv)"
        return
    library = []
    if scenario_dir is not None and scenario_dir.is_dir():
        for path in sorted(scenario_dir.glob("*.toml")):
            sc = load_scenario(path)
            if sc.probability_per_year and not check_scenario(sc, dataset):
                library.append(sc)
    value = model.parameters.value_per_patient_day if model is not None else 500.0
    weights = model.parameters.criticality_weights if model is not None else None
    report = clock.progress()
    analyses.investments = invest(
        dataset,
        None,
        InvestParameters(
            pool_years=max(params.scenarios, 2),
            value_per_patient_day=value,
            criticality_weights=weights,
        ),
        library=library,
        seed=derive_seed(params.seed, "invest"),
        progress=report,
    )
    clock.note = t("stage_investments", n=len(analyses.investments.cases))
