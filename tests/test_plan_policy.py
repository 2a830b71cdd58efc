"""Preparedness policy, objectives, the stress library and severity (issue 14)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from beredt.cli import get_app
from beredt.domain.dataset import Dataset
from beredt.ingest.errors import ImportRejected
from beredt.plan import PlanParameters, prepare_plan
from beredt.plan.losses import OptionLosses
from beredt.plan.optimise import rule_allowed
from beredt.plan.parameters import CoverRule
from beredt.plan.policy import load_policy, no_policy
from beredt.sim import load_scenario

LIBRARY = Path(__file__).resolve().parents[1] / "src" / "beredt" / "scenarios"


def test_the_shipped_policy_loads_and_bad_files_are_reported(tmp_path: Path) -> None:
    policy = load_policy()
    assert policy.objective == "loss-capped"
    assert any(f.criticality == "vital" for f in policy.floors)
    assert any(f.keep_today and "A10A" in f.atc for f in policy.floors)
    bad = tmp_path / "policy.toml"
    bad.write_text(
        'objective = "cheapest"\nvital_risk_cap = -1\ncolour = "red"\n'
        "[floors.vitall]\nmin_weeks = 8\n[[list]]\nname = 'x'\nmin_weeks = 'many'\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as exc:
        load_policy(bad)
    report = exc.value.report()
    for needle in ("objective", "vital_risk_cap", "colour", "vitall", "min_weeks"):
        assert needle in report, needle
    assert str(bad) in report


def test_min_cover_overrides_the_policy_floor_of_its_criticality() -> None:
    policy = load_policy()
    params = policy.apply(PlanParameters(), min_cover=[CoverRule.parse("vital:2")])
    vital = [r for r in params.cover_rules if r.criticality == "vital"]
    assert [r.min_weeks for r in vital] == [2]
    assert any(r.keep_today for r in params.cover_rules)  # the list floor stays
    assert params.objective == "loss-capped"


@pytest.fixture(scope="module")
def sample_model(sample_dataset: Dataset) -> object:
    policy = load_policy()
    params = policy.apply(PlanParameters(n_scenarios=256))
    library = [load_scenario(p) for p in sorted(LIBRARY.glob("*.toml"))]
    library = [s for s in library if s.probability_per_year]
    return prepare_plan(sample_dataset, params, library=library, seed=5, policy=policy.to_dict())


@pytest.mark.slow
def test_plan_at_todays_budget_keeps_the_floors_and_lowers_vital_risk(sample_model: object) -> None:
    model = sample_model
    budget = model.menu.today_cost
    result = model.plan(budget, reevaluate=False)
    # no substance breaks a floor
    chosen = model.solve_objective(budget)[0].choice
    for rule in model.parameters.cover_rules:
        assert rule_allowed(model.menu, rule)[chosen].all(), rule.label
    # the cap: P(a vital substance short > 7 days) no higher than today's (exact over the draws)
    assert result.chosen.p_vital_shortage_over_7_days <= result.today.p_vital_shortage_over_7_days
    assert result.objective.name == "loss-capped"
    assert result.objective.achieved <= result.objective.vital_risk_cap + 1e-12
    assert result.chosen.annual_cost <= budget * (1 + 1e-9)
    # every cut against today is listed, vital first
    today, stock = model.menu.today, model.menu.options["stock_ddd"].to_numpy()
    less = {
        str(a)
        for s, a in enumerate(model.dataset.substances["atc_code"])
        if stock[chosen[s]] < stock[today[s]] * (1 - 1e-9) - 1e-6
    }
    assert less <= set(result.cuts["atc_code"])
    crit = result.cuts["criticality"].tolist()
    assert crit == sorted(crit, key=lambda c: {"vital": 0, "essential": 1, "other": 2}[c])
    # floors: a shadow price each, ≥ 0, positive where binding
    assert len(result.floors) == len(model.parameters.cover_rules)
    assert (result.floors["shadow_price"] >= 0).all()
    assert (result.floors.loc[result.floors["binding"], "shadow_price"] > 0).all()
    # offers: a reason in words for every one, and its code for other languages
    assert result.offer_values["why"].str.len().min() > 10
    codes = {"kept_by_floor", "taken_for_floor", "taken", "no_value", "below_price", "ruled_out"}
    assert set(result.offer_values["why_code"]) <= codes
    in_plan = result.offer_values["in_plan"].astype(bool)
    assert result.offer_values.loc[in_plan, "why_code"].str.startswith(("kept", "taken")).all()
    _check_the_action_shortlist(model, result)


def _check_the_action_shortlist(model: object, result: object) -> None:
    """Vital cuts first, then the ten changes avoiding most loss, figures from the plan's own."""
    actions = result.actions
    subs = result.substances.set_index("atc_code")
    changed = subs[subs["changed"]]
    assert len(actions) > 0
    assert actions["rank"].tolist() == list(range(1, len(actions) + 1))
    vital_cut = (actions["criticality"] == "vital") & (actions["action"] == "cut")
    n_vital = int(vital_cut.sum())
    assert vital_cut.iloc[:n_vital].all()
    vital_cuts = result.cuts.loc[result.cuts["criticality"] == "vital", "atc_code"]
    assert set(actions.loc[vital_cut, "atc_code"]) == set(vital_cuts)
    rest = actions.iloc[n_vital:]
    assert len(rest) == min(10, len(changed) - n_vital)
    avoided = rest["loss_avoided_per_year"].to_numpy()
    assert (np.diff(avoided) <= 1e-9).all()
    others = changed.drop(index=list(actions.loc[vital_cut, "atc_code"]))
    expected = np.sort(others["loss_avoided_vs_today"].to_numpy())[::-1][: len(rest)]
    np.testing.assert_allclose(avoided, expected, rtol=1e-12)
    demand = dict(
        zip(model.dataset.substances["atc_code"], model.dataset.demand_ddd_per_day, strict=True)
    )
    for rec in actions.to_dict("records"):
        row = subs.loc[rec["atc_code"]]
        assert rec["cost_change_per_year"] == pytest.approx(
            row["chosen_annual_cost"] - row["today_annual_cost"], rel=1e-9, abs=1e-6
        )
        if rec["extra_stock_ddd"] > 0:
            assert rec["build_up_days"] == pytest.approx(
                rec["extra_stock_ddd"] / (model.supply_headroom * demand[rec["atc_code"]])
            )
        else:
            assert rec["build_up_days"] == 0


@pytest.mark.slow
def test_objectives_trade_loss_against_vital_risk(sample_model: object) -> None:
    from dataclasses import replace

    model = sample_model
    budget = model.menu.today_cost
    base = model.parameters
    outcome = {}
    for objective in ("loss", "vital-days", "loss-capped"):
        model.parameters = replace(base, objective=objective)
        sol, _ = model.solve_objective(budget)
        outcome[objective] = model.summary(sol.choice)
    model.parameters = base
    # each objective is best (within the MIP gap) at what it minimises
    gap = base.mip_rel_gap
    loss = {k: v.expected_loss_per_year for k, v in outcome.items()}
    days = {k: v.vital_shortage_days for k, v in outcome.items()}
    assert loss["loss"] <= min(loss.values()) * (1 + gap) + 1e-6
    assert days["vital-days"] <= min(days.values()) * (1 + 2e-3) + 1e-9
    assert loss["loss-capped"] >= loss["loss"] * (1 - gap) - 1e-6


def test_a_mixture_is_the_weighted_expectation_of_its_parts() -> None:
    rng = np.random.default_rng(0)

    def part(scale: float) -> OptionLosses:
        return OptionLosses(
            unmet_ddd_mean=rng.random(6) * scale,
            unmet_ddd_se=rng.random(6),
            loss_per_year=rng.random(6) * scale,
            loss_se_per_year=rng.random(6),
            shortage_probability=rng.random(6),
            n_scenarios=8,
            horizon_days=365,
            seed=1,
            shortage_days_mean=rng.random(6),
            shortage_days_se=rng.random(6),
            over7_probability=rng.random(6),
            over7_bits=rng.integers(0, 256, (6, 1), dtype=np.uint8),
        )

    parts = [part(1), part(10), part(100)]
    mix = OptionLosses.mixture(parts, [0.9, 0.07, 0.03], ["bg", "a", "b"])
    expected = 0.9 * parts[0].loss_per_year + 0.07 * parts[1].loss_per_year
    expected += 0.03 * parts[2].loss_per_year
    np.testing.assert_allclose(mix.loss_per_year, expected)
    choice, vital = np.array([0, 3]), np.array([0, 1])
    p = [q.p_over7(choice, vital)[0] for q in parts]
    assert mix.p_over7(choice, vital)[0] == pytest.approx(0.9 * p[0] + 0.07 * p[1] + 0.03 * p[2])
    with pytest.raises(ValueError, match="summing to 1"):
        OptionLosses.mixture(parts, [0.5, 0.2, 0.2], ["bg", "a", "b"])


def test_no_policy_is_the_plain_optimiser() -> None:
    params = no_policy().apply(PlanParameters())
    assert params.cover_rules == ()
    assert params.objective == "loss"


@pytest.mark.slow
def test_plan_json_contract(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    runner = CliRunner()
    assert (
        runner.invoke(get_app(), ["import", "bundle", "data/sample-no", "--db", url]).exit_code == 0
    )
    res = runner.invoke(
        get_app(),
        [
            "plan",
            "--budget",
            "90.8M",
            "--scenarios",
            "128",
            "--db",
            url,
            "--no-reevaluate",
            "--json",
            "-",
            "--scenario-dir",
            str(LIBRARY),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for side in ("today", "chosen"):
        plan = data[side]
        assert isinstance(plan["p_vital_shortage_over_7_days"], float)
        assert isinstance(plan["p_vital_shortage_over_7_days_se"], float)
        assert math.isfinite(plan["vital_shortage_days"])
        assert set(plan["untreated_ddd_by_criticality"]) == {"vital", "essential", "other"}
    assert (
        data["chosen"]["p_vital_shortage_over_7_days"]
        <= data["today"]["p_vital_shortage_over_7_days"]
    )
    assert isinstance(data["cuts"], list)
    for cut in data["cuts"]:
        assert cut["plan_stock_ddd"] < cut["today_stock_ddd"] or "dropped" in cut["reason"]
    names = {r["scenario"] for r in data["offer_values_by_scenario"]}
    assert len(names) == 5  # the background and four stress scenarios
    assert data["provenance"]["parameters"]["objective"] == "loss-capped"
    bad = runner.invoke(get_app(), ["plan", "--budget", "1M", "--db", url, "--objective", "x"])
    assert bad.exit_code == 2
