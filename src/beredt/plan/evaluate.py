"""The simulator behind the optimiser: every option's loss in one pass, and the joint check.

All options of all substances go to the Monte-Carlo simulator (:mod:`beredt.sim`, DESIGN.md
§4) as one set of policies with a leading option axis: option k of substance s is column k of
the (K × S) policy arrays, K the largest number of options of any substance (substances with
fewer options repeat their first option). The simulator draws every disruption and every
demand from counter-based random numbers keyed by seed, scenario and event — never by the
policy — so all options see the same scenarios: common random numbers (Glasserman 2004, §4.2;
Law, *Simulation Modeling and Analysis*, 5th ed., §11.2). The options are simulated in
``decomposed`` mode (every reservation on a capacity of its own, no substitution between
substances) so that a plan's loss is the sum of its options' losses; the chosen plan is then
simulated ``joint``\\ ly (:func:`joint_evaluator`).

Scenarios are simulated chunk by chunk with the simulator's chunk kernel
(:func:`beredt.sim.run_scenarios`) and reduced here, keeping only what the optimiser needs per
option: mean and standard error of unmet DDD, the paired standard error of its difference from
today's option of the same substance, P(shortage), and a packed bit per scenario saying whether
the substance was short (for P(any vital shortage) of a whole plan).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.plan.losses import OptionLosses
from beredt.plan.optimise import JointOutcome, PlanModel, Progress
from beredt.plan.options import OptionMenu, build_options
from beredt.plan.parameters import PlanParameters
from beredt.sim import (
    Policies,
    Scenario,
    compile_model,
    country_index,
    line_index,
    load_scenario,
    scenario_chunks,
    simulate,
)
from beredt.sim.engine import SEVERE_SHORTAGE_DAYS

#: Scenarios per reduction block; chunks are multiples of it so results never depend on them.
BLOCK = 64
#: Target cells (options × scenarios × substances) per chunk of the chunk kernel.
CHUNK_CELLS = 4_000_000


def as_scenario(scenario: Scenario | str | Path | None) -> Scenario:
    """A Scenario from an object, a TOML path, or None (background hazards only)."""
    if scenario is None:
        return Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario)


def _agreement_rows(
    dataset: Dataset, menu: OptionMenu, option_idx: np.ndarray, slot: np.ndarray
) -> pd.DataFrame:
    """Policy agreement rows for the reservations of `option_idx`, at option slot `slot`."""
    res = menu.reservations
    slot_of = dict(zip(option_idx.tolist(), slot.tolist(), strict=True))
    res = res[res["option_idx"].isin(slot_of)]
    cands = menu.candidates.set_index("reservation_id")
    lidx = line_index(dataset)
    cidx = country_index(dataset)
    rows = []
    for rec in res.to_dict(orient="records"):
        cand = cands.loc[rec["reservation_id"]]
        api_country = cand["api_source_country"]
        capacity = float(cand["capacity_ddd_per_day"])
        reserved = float(cand["reserved_ddd_per_day"])
        rows.append(
            {
                "option": slot_of[int(rec["option_idx"])],
                "substance_idx": int(menu.group[int(rec["option_idx"])]),
                "line_idx": lidx.get(str(cand["line_id"]), -1),
                "reserved_ddd_per_day": reserved,
                "response_days": int(cand["response_days"]),
                "ramp_days": int(cand["ramp_days"]),
                "api_on_hand_ddd": float(cand["api_on_hand_ddd"]),
                "api_source_country_idx": cidx.get(api_country, -1)
                if isinstance(api_country, str)
                else -1,
                "line_capacity_ddd_per_day": capacity if np.isfinite(capacity) else reserved,
                "label": str(rec["reservation_id"]),
            }
        )
    columns = [
        "option",
        "substance_idx",
        "line_idx",
        "reserved_ddd_per_day",
        "response_days",
        "ramp_days",
        "api_on_hand_ddd",
        "api_source_country_idx",
        "line_capacity_ddd_per_day",
        "label",
    ]
    return pd.DataFrame(rows, columns=columns)


def menu_policies(dataset: Dataset, menu: OptionMenu) -> Policies:
    """The whole menu as K policies: option k of substance s in column k (padded with its first)."""
    n_subs = menu.n_substances
    k_max = int(menu.options_per_substance.max()) if n_subs else 0
    first = np.searchsorted(menu.group, np.arange(n_subs), side="left")
    slot_option = np.repeat(first[None, :], k_max, axis=0)  # (K, S) option index
    slot_option[menu.position, menu.group] = np.arange(len(menu.group))
    stock = menu.options["stock_ddd"].to_numpy(dtype=float)
    preparedness = stock[slot_option]
    # Padding slots repeat the first option, which holds no reservation (options without one
    # sort first), so only the real slots carry agreement rows.
    agreements = _agreement_rows(dataset, menu, np.arange(len(menu.group)), menu.position)
    return Policies(preparedness, agreements, tuple(f"slot {k}" for k in range(k_max)))


def plan_policies(
    dataset: Dataset, menu: OptionMenu, choices: list[np.ndarray], labels: list[str]
) -> Policies:
    """Whole plans (option index per substance) as policies, one option slot per plan."""
    stock = menu.options["stock_ddd"].to_numpy(dtype=float)
    preparedness = np.stack([stock[c] for c in choices])
    parts = [
        _agreement_rows(dataset, menu, np.asarray(c), np.full(len(c), k))
        for k, c in enumerate(choices)
    ]
    agreements = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return Policies(preparedness, agreements, tuple(labels))


class _Moments:
    """Chan–Golub–LeVeque merge of block means and squared deviations, in scenario order."""

    def __init__(self, n: int) -> None:
        self.count = 0.0
        self.mean = np.zeros(n)
        self.m2 = np.zeros(n)

    def add(self, x: np.ndarray) -> None:
        """Merge a block; `x` is (items, scenarios)."""
        nb = float(x.shape[1])
        mb = x.mean(axis=1)
        m2b = ((x - mb[:, None]) ** 2).sum(axis=1)
        total = self.count + nb
        delta = mb - self.mean
        self.mean = self.mean + delta * nb / total
        self.m2 = self.m2 + m2b + delta * delta * self.count * nb / total
        self.count = total

    def se(self) -> np.ndarray:
        """Standard error of the mean."""
        if self.count < 2:
            return np.zeros_like(self.mean)
        var = np.maximum(self.m2 / (self.count - 1.0), 0.0)
        out: np.ndarray = np.sqrt(var / self.count)
        return out


def evaluate_options(
    dataset: Dataset,
    menu: OptionMenu,
    parameters: PlanParameters,
    *,
    scenario: Scenario | str | Path | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> OptionLosses:
    """Simulate every option of the menu on common random numbers (decomposed mode)."""
    scen = as_scenario(scenario)
    n = parameters.n_scenarios
    policies = menu_policies(dataset, menu)
    model = compile_model(
        dataset,
        scen,
        policies,
        parameters.horizon_days,
        mode="decomposed",
        criticality_weights=parameters.criticality_weights,
    )
    k_max, n_subs = policies.n_options, menu.n_substances
    rows = max(BLOCK, CHUNK_CELLS // max(1, k_max * n_subs))
    rows = int(-(-rows // BLOCK) * BLOCK)
    slot, group = menu.position, menu.group
    today_slot = menu.position[menu.today][group]
    n_options = len(group)
    unmet = _Moments(n_options)
    diff = _Moments(n_options)
    days = _Moments(n_options)
    short_count = np.zeros(n_options)
    over7_count = np.zeros(n_options)
    bits = np.zeros((n_options, (n + 7) // 8), dtype=np.uint8)
    bits7 = np.zeros((n_options, (n + 7) // 8), dtype=np.uint8)
    done = 0
    if progress:
        progress(0, n)
    for done, out in scenario_chunks(model, seed, n, rows):  # here, or on Dask workers
        count = out.unmet.shape[1]
        values = out.unmet[slot, :, group]  # (options, count)
        today_values = out.unmet[today_slot, :, group]
        sdays = out.sdays[slot, :, group]
        short = sdays > 0
        over7 = sdays > SEVERE_SHORTAGE_DAYS
        for b0 in range(0, count, BLOCK):
            sl = slice(b0, min(count, b0 + BLOCK))
            unmet.add(values[:, sl])
            diff.add(values[:, sl] - today_values[:, sl])
            days.add(sdays[:, sl].astype(float))
        short_count += short.sum(axis=1)
        over7_count += over7.sum(axis=1)
        # `done` is a multiple of BLOCK (hence of 8): packed bytes line up with scenarios.
        packed = np.packbits(short, axis=1)
        bits[:, done // 8 : done // 8 + packed.shape[1]] = packed
        bits7[:, done // 8 : done // 8 + packed.shape[1]] = np.packbits(over7, axis=1)
        done += count
        if progress:
            progress(done, n)
    weights = dataset.criticality_weights(parameters.criticality_weights)
    losses = OptionLosses.from_unmet(
        menu,
        unmet.mean,
        unmet.se(),
        short_count / n,
        weights=weights,
        value_per_patient_day=parameters.value_per_patient_day,
        n_scenarios=n,
        horizon_days=parameters.horizon_days,
        seed=seed,
        mode="decomposed",
        shortage_bits=bits,
    )
    per_ddd = parameters.value_per_patient_day * weights[group] * 365.0 / parameters.horizon_days
    per_year = 365.0 / parameters.horizon_days
    return replace(
        losses,
        diff_vs_today_se_per_year=diff.se() * per_ddd,
        shortage_days_mean=days.mean * per_year,
        shortage_days_se=days.se() * per_year,
        over7_probability=over7_count / n,
        over7_bits=bits7,
    )


def joint_evaluator(
    dataset: Dataset,
    menu: OptionMenu,
    parameters: PlanParameters,
    *,
    scenario: Scenario | str | Path | None = None,
    seed: int = 0,
) -> Callable[[np.ndarray, Progress | None], JointOutcome]:
    """A function simulating a whole plan jointly (shared lines, substitution), with today's
    plan on the same draws for a paired comparison."""
    scen = as_scenario(scenario)

    def run(choice: np.ndarray, progress: Progress | None = None) -> JointOutcome:
        policies = plan_policies(dataset, menu, [choice, menu.today], ["plan", "today"])
        result = simulate(
            dataset,
            scen,
            n_scenarios=parameters.n_scenarios,
            horizon_days=parameters.horizon_days,
            seed=seed,
            policies=policies,
            mode="joint",
            progress=progress,
            keep_per_scenario=False,
            criticality_weights=parameters.criticality_weights,
        )
        per_weighted_ddd = parameters.value_per_patient_day * 365.0 / parameters.horizon_days
        diff_mean, diff_se = result.loss_difference(1, 0)
        return JointOutcome(
            unmet_ddd_mean=result.unmet_ddd.mean[0],
            unmet_ddd_se=result.unmet_ddd.se[0],
            p_any_vital_shortage=float(result.prob_any_vital_shortage()[0]),
            national_loss_se_per_year=float(result.national_loss_se()[0]) * per_weighted_ddd,
            today_loss_per_year=float(result.national_loss_mean()[1]) * per_weighted_ddd,
            today_p_any_vital_shortage=float(result.prob_any_vital_shortage()[1]),
            loss_avoided_vs_today_per_year=diff_mean * per_weighted_ddd,
            loss_avoided_vs_today_se_per_year=diff_se * per_weighted_ddd,
            result=result,
        )

    return run


def library_seed(seed: int, name: str) -> int:
    """The seed of one stress scenario of a plan: derived from the plan's seed and its name."""
    digest = hashlib.sha256(f"{seed}:plan-library:{name}".encode()).digest()
    return int.from_bytes(digest[:7], "big")


def prepare_plan(
    dataset: Dataset,
    parameters: PlanParameters | None = None,
    *,
    scenario: Scenario | str | Path | None = None,
    library: Sequence[Scenario] = (),
    seed: int = 0,
    progress: Progress | None = None,
    policy: dict[str, object] | None = None,
    library_share: float = 0.25,
) -> PlanModel:
    """Build the option menu, simulate every option and return the model to solve budgets on.

    With a stress `library` (scenarios carrying ``probability_per_year``), every option is
    simulated under the background and under each stress scenario on common random numbers,
    and the losses the optimiser sees are the expectation over the year: the background with
    weight 1 − Σ p and each stress scenario with its p (at most one stress event a year,
    a first-order approximation for rare events). A scenario's own horizon is kept (losses
    are per year). Stress scenarios are simulated with `library_share` of the scenarios (at
    least 64): weighted by their yearly probability (a few per cent), their Monte-Carlo noise
    adds w² × var / n to the mixture, small beside the background's.
    """
    parameters = parameters or PlanParameters()
    scen = as_scenario(scenario)
    menu = build_options(dataset, parameters)
    stresses = list(library)
    for st in stresses:
        if st.probability_per_year is None:
            raise ValueError(
                f"scenario {st.name!r} ({st.source}) has no probability_per_year: a plan over a "
                "stress library needs each scenario's yearly probability"
            )
    total_p = sum(float(st.probability_per_year or 0.0) for st in stresses)
    if total_p >= 1:
        raise ValueError(f"the stress library's probabilities sum to {total_p:g} ≥ 1 a year")
    n = parameters.n_scenarios
    n_stress = min(n, max(BLOCK, int(-(-n * library_share // BLOCK) * BLOCK)))
    total = n + n_stress * len(stresses)

    def part_progress(i: int) -> Progress | None:
        if progress is None:
            return None
        offset = 0 if i == 0 else n + (i - 1) * n_stress
        return lambda done, _total: progress(offset + done, total)

    losses = evaluate_options(
        dataset, menu, parameters, scenario=scen, seed=seed, progress=part_progress(0)
    )
    if stresses:
        parts = [losses]
        for i, st in enumerate(stresses, 1):
            params_i = replace(
                parameters,
                horizon_days=st.horizon_days or parameters.horizon_days,
                n_scenarios=n_stress,
            )
            parts.append(
                evaluate_options(
                    dataset,
                    menu,
                    params_i,
                    scenario=st,
                    seed=library_seed(seed, st.name),
                    progress=part_progress(i),
                )
            )
        losses = OptionLosses.mixture(
            parts,
            [1.0 - total_p, *[float(st.probability_per_year or 0.0) for st in stresses]],
            [scen.name, *[st.name for st in stresses]],
        )
    return PlanModel(
        dataset=dataset,
        parameters=parameters,
        menu=menu,
        losses=losses,
        joint=joint_evaluator(dataset, menu, parameters, scenario=scen, seed=seed),
        seed=seed,
        scenario_name=scen.name if not stresses else f"{scen.name} + {len(stresses)} stress",
        policy=policy,
        supply_headroom=float(scen.model.supply_headroom),
    )
