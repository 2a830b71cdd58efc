"""The preparedness optimiser: best plan within a budget, the budget frontier, offer values.

DESIGN.md §4 "Preparedness optimiser". A :class:`PlanModel` holds the option menu, the simulated
losses of every option (common random numbers) and the MILP; :meth:`PlanModel.plan` chooses the
plan for one budget, :meth:`PlanModel.frontier` sweeps budgets. Tomlin (2006) and Lücker &
Seifert (2017) are the references for trading mitigation inventory against reserved
(contingent/agility) capacity; see :mod:`beredt.plan.parameters`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.domain.enums import Criticality
from beredt.plan.losses import OptionLosses
from beredt.plan.milp import (
    ChoiceProblem,
    ChoiceSolution,
    PlanInfeasible,
    relaxation_values,
    solve_choice,
)
from beredt.plan.objectives import ObjectiveReport, solve_with_objective
from beredt.plan.options import OptionMenu, build_options
from beredt.plan.parameters import CoverRule, PlanParameters
from beredt.results import Provenance, provenance

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class JointOutcome:
    """A whole plan simulated jointly: unmet DDD per substance over the horizon and P(any vital),
    and, when simulated on the same draws, today's plan and the paired difference."""

    unmet_ddd_mean: np.ndarray
    unmet_ddd_se: np.ndarray
    p_any_vital_shortage: float
    national_loss_se_per_year: float | None = None
    today_loss_per_year: float = math.nan
    today_p_any_vital_shortage: float = math.nan
    loss_avoided_vs_today_per_year: float = math.nan
    loss_avoided_vs_today_se_per_year: float = math.nan
    #: the simulation itself (options: 0 the plan, 1 today's), for intervals and severity
    result: object | None = field(default=None, metadata={"json": False})


#: Simulates a whole plan (option index per substance) jointly; None when no simulator is wired.
JointEvaluator = Callable[[np.ndarray, Progress | None], JointOutcome]


@dataclass(frozen=True)
class SolveReport:
    """How the MILP went: HiGHS status, relative MIP gap, wall-clock build and solve seconds."""

    status: str
    gap: float
    mip_rel_gap: float
    build_s: float
    solve_s: float
    n_options: int
    n_options_after_dominance: int


@dataclass(frozen=True)
class PlanSummary:
    """Annual cost, expected loss (± standard error), P(any vital shortage) and severity of a
    plan, from the option outcomes the optimiser works on (substances simulated one by one on
    common random numbers; P(…) exact over the scenarios, the rest sums over substances)."""

    annual_cost: float
    expected_loss_per_year: float
    expected_loss_se_per_year: float
    p_any_vital_shortage: float
    p_vital_shortage_over_7_days: float = math.nan
    p_vital_shortage_over_7_days_se: float = math.nan
    vital_shortage_days: float = math.nan
    vital_shortage_days_se: float = math.nan
    untreated_ddd_by_criticality: dict[str, dict[str, float]] = field(default_factory=dict)
    substances_short: float = math.nan


@dataclass(frozen=True)
class Reevaluation:
    """The chosen plan simulated jointly (shared lines, substitution) vs the decomposed estimate.

    ``difference_per_year`` = joint − decomposed; ``by_substance`` lists the substances with the
    largest absolute differences. Today's plan is simulated jointly on the same draws, so
    ``loss_avoided_vs_today_per_year`` is paired (its standard error excludes the shared noise).
    """

    decomposed_loss_per_year: float
    joint_loss_per_year: float
    joint_loss_se_per_year: float
    difference_per_year: float
    relative_difference: float
    p_any_vital_shortage_decomposed: float
    p_any_vital_shortage_joint: float
    today_joint_loss_per_year: float
    today_p_any_vital_shortage_joint: float
    loss_avoided_vs_today_per_year: float
    loss_avoided_vs_today_se_per_year: float
    by_substance: pd.DataFrame
    #: the joint simulation (options: 0 the plan, 1 today's) — the headline simulation
    result: object | None = field(default=None, metadata={"json": False})


@dataclass(frozen=True)
class PlanResult:
    """The optimal plan for one budget, today's plan for comparison, and what offers are worth."""

    provenance: Provenance
    currency: str
    budget: float
    chosen: PlanSummary
    today: PlanSummary
    solve: SolveReport
    budget_shadow_price: float
    substances: pd.DataFrame
    lines: pd.DataFrame
    offer_values: pd.DataFrame
    excluded_offers: pd.DataFrame
    reevaluation: Reevaluation | None
    notes: list[str] = field(default_factory=list)
    objective: ObjectiveReport | None = None
    floors: pd.DataFrame | None = None
    cuts: pd.DataFrame | None = None
    offer_values_by_scenario: pd.DataFrame | None = None
    policy: dict[str, object] | None = None
    actions: pd.DataFrame | None = None


@dataclass(frozen=True)
class FrontierResult:
    """Budget → expected loss and → P(any vital shortage), with today's plan for comparison."""

    provenance: Provenance
    currency: str
    points: pd.DataFrame
    today: PlanSummary
    choices: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def rule_allowed(menu: OptionMenu, rule: CoverRule) -> np.ndarray:
    """Options that satisfy one floor (options of substances it does not cover all do)."""
    options = menu.options
    has_res = (options["reservations"] != "").to_numpy()
    weeks = options["weeks"].to_numpy(dtype=float)
    crit = options["criticality"].to_numpy()
    atc = options["atc_code"].astype(str).to_numpy()
    applies = np.ones(len(options), dtype=bool)
    if rule.criticality:
        applies &= crit == Criticality(rule.criticality).value
    if rule.atc:
        applies &= np.array([a.startswith(tuple(rule.atc)) for a in atc], dtype=bool)
    ok = weeks >= rule.min_weeks - 1e-9
    if rule.agreement_suffices:
        ok |= has_res
    if rule.keep_today:
        # no cut below today's preparedness: at least today's stock and today's agreements
        stock = options["stock_ddd"].to_numpy(dtype=float)
        today_stock = stock[menu.today][menu.group]
        ok &= stock >= today_stock * (1 - 1e-9) - 1e-9
        res = options["reservations"].to_numpy()
        today_res = res[menu.today][menu.group]
        keeps = np.array(
            [
                set(str(t).split("+")) <= set(str(r).split("+")) if t else True
                for r, t in zip(res, today_res, strict=True)
            ],
            dtype=bool,
        )
        ok &= keeps
    out: np.ndarray = ~applies | ok
    return out


def _cover_allowed(menu: OptionMenu, parameters: PlanParameters) -> np.ndarray:
    """Options satisfying every floor of the policy (minimum cover rules)."""
    allowed = np.ones(len(menu.options), dtype=bool)
    for rule in parameters.cover_rules:
        allowed &= rule_allowed(menu, rule)
    return allowed


@dataclass(eq=False)
class PlanModel:
    """Options, their simulated losses and the MILP for one dataset: solve for any budget."""

    dataset: Dataset
    parameters: PlanParameters
    menu: OptionMenu
    losses: OptionLosses
    joint: JointEvaluator | None = None
    seed: int | None = None
    scenario_name: str | None = None
    policy: dict[str, object] | None = None
    #: The simulated suppliers' headroom (share of demand a day they can deliver on top of
    #: normal demand): the pace at which extra preparedness stock can be bought in.
    supply_headroom: float = 0.1

    def __post_init__(self) -> None:
        if len(self.losses.loss_per_year) != len(self.menu.options):
            raise ValueError("losses must have one entry per option of the menu")
        rows, opts, loads = self.menu.line_load_triplets()
        self.allowed = _cover_allowed(self.menu, self.parameters)
        self.problem = ChoiceProblem(
            group=self.menu.group,
            cost=self.menu.annual_cost,
            loss=self.losses.loss_per_year,
            load_row=rows,
            load_option=opts,
            load_value=loads,
            capacity=np.ones(len(self.menu.lines)),
            allowed=self.allowed,
        )
        crit = self.dataset.substances["criticality"].to_numpy()
        self.vital = np.flatnonzero(crit == Criticality.VITAL.value)
        self.notes: list[str] = []
        if not self.allowed[self.menu.today].all():
            bad = self.menu.options.loc[self.menu.today[~self.allowed[self.menu.today]], "atc_code"]
            self.notes.append(
                "today's plan breaks the cover rules for " + ", ".join(bad.astype(str).tolist())
            )
        today_loads = self.problem.line_loads(self.menu.today)
        for line, load in zip(self.menu.lines, today_loads, strict=True):
            if load > 1 + 1e-9:
                self.notes.append(f"today's agreements load line {line} to {load:.2f} (> 1)")

    # --- building blocks -----------------------------------------------------------------
    def summary(self, choice: np.ndarray) -> PlanSummary:
        """Cost, expected loss, P(any vital shortage) and severity of a choice."""
        losses = self.losses
        p7, p7_se = losses.p_over7(choice, self.vital)
        by_crit: dict[str, dict[str, float]] = {}
        crit = self.dataset.substances["criticality"].to_numpy()
        per_year = 365.0 / losses.horizon_days
        for c in ("vital", "essential", "other"):
            subs = np.flatnonzero(crit == c)
            picked = choice[subs]
            by_crit[c] = {
                "mean": float(losses.unmet_ddd_mean[picked].sum() * per_year),
                "se": float(math.sqrt(float((losses.unmet_ddd_se[picked] ** 2).sum())) * per_year),
            }
        days = losses.shortage_days_mean
        days_se = losses.shortage_days_se
        vital_picked = choice[self.vital]
        return PlanSummary(
            annual_cost=float(self.menu.annual_cost[choice].sum()),
            expected_loss_per_year=float(losses.loss_per_year[choice].sum()),
            # Substances are simulated on shared draws, so this treats them as independent: an
            # indication of the noise, not an exact standard error of the national total.
            expected_loss_se_per_year=float(
                math.sqrt(float((losses.loss_se_per_year[choice] ** 2).sum()))
            ),
            p_any_vital_shortage=losses.any_shortage_probability(choice, self.vital),
            p_vital_shortage_over_7_days=p7,
            p_vital_shortage_over_7_days_se=p7_se,
            vital_shortage_days=float(days[vital_picked].sum()) if days is not None else math.nan,
            vital_shortage_days_se=(
                float(math.sqrt(float((days_se[vital_picked] ** 2).sum())))
                if days_se is not None
                else math.nan
            ),
            untreated_ddd_by_criticality=by_crit,
            substances_short=float(losses.shortage_probability[choice].sum()),
        )

    # --- objectives ------------------------------------------------------------------------
    def solve_objective(
        self, budget: float, start: np.ndarray | None = None, problem: ChoiceProblem | None = None
    ) -> tuple[ChoiceSolution, ObjectiveReport]:
        """The MILP solution at `budget` under the parameters' objective
        (:func:`beredt.plan.objectives.solve_with_objective`)."""
        vital = np.isin(self.menu.group, self.vital)
        return solve_with_objective(
            problem or self.problem,
            float(budget),
            objective=self.parameters.objective,
            vital_days=np.where(vital, _or_zero(self.losses.shortage_days_mean, vital), 0.0),
            vital_over7=np.where(vital, _or_zero(self.losses.over7_probability, vital), 0.0),
            vital_risk=lambda choice: self.losses.p_over7(choice, self.vital)[0],
            today=self.menu.today,
            cap_factor=self.parameters.vital_risk_cap,
            mip_rel_gap=self.parameters.mip_rel_gap,
            time_limit_s=self.parameters.time_limit_s,
            start=start,
        )

    def solve(self, budget: float, start: np.ndarray | None = None) -> ChoiceSolution:
        """The MILP solution at `budget` (option index per substance)."""
        return solve_choice(
            self.problem,
            float(budget),
            mip_rel_gap=self.parameters.mip_rel_gap,
            time_limit_s=self.parameters.time_limit_s,
            start=start,
        )

    def option_table(self) -> pd.DataFrame:
        """Every option with its cost, simulated unmet DDD, loss and whether cover rules allow it."""
        table = self.menu.options.copy()
        table["unmet_ddd_mean"] = self.losses.unmet_ddd_mean
        table["unmet_ddd_se"] = self.losses.unmet_ddd_se
        table["shortage_probability"] = self.losses.shortage_probability
        table["loss_per_year"] = self.losses.loss_per_year
        table["loss_se_per_year"] = self.losses.loss_se_per_year
        table["allowed"] = self.allowed
        return table

    def _provenance(self, extra: dict[str, object]) -> Provenance:
        p = self.parameters
        params: dict[str, object] = {
            "weeks_menu": list(p.weeks_menu),
            "value_per_patient_day": p.value_per_patient_day,
            "criticality_weights": dict(p.criticality_weights or {}),
            "horizon_days": p.horizon_days,
            "n_scenarios": self.losses.n_scenarios,
            "cover_rules": [r.__dict__ for r in p.cover_rules],
            "include_unqualified": p.include_unqualified,
            "mip_rel_gap": p.mip_rel_gap,
            "costs": p.costs.__dict__,
            "scenario": self.scenario_name,
            "loss_mode": self.losses.mode,
            "objective": p.objective,
            "vital_risk_cap": p.vital_risk_cap,
            "policy": (self.policy or {}).get("name") if self.policy else None,
            "library": [
                {"scenario": name, "weight": w}
                for name, w in zip(self.losses.part_names, self.losses.part_weights, strict=True)
            ],
            **extra,
        }
        return provenance(self.dataset, params, self.seed)

    # --- one budget ------------------------------------------------------------------------
    def plan(
        self,
        budget: float,
        *,
        reevaluate: bool = True,
        offer_values: bool = True,
        progress: Progress | None = None,
    ) -> PlanResult:
        """The optimal plan at `budget` with today's plan, line loads, offer values, re-evaluation."""
        today = self.menu.today
        start = today if self.allowed[today].all() else None
        solution, objective = self.solve_objective(budget, start=start)
        choice = solution.choice
        chosen = self.summary(choice)
        today_summary = self.summary(today)
        total_steps = 2 + (1 if reevaluate and self.joint is not None else 0)
        if progress:
            progress(1, total_steps)
        values, price = (
            self.offer_values(budget, choice) if offer_values else (_empty_offer_values(), math.nan)
        )
        if progress:
            progress(2, total_steps)
        reevaluation = None
        notes = list(self.notes)
        if reevaluate and self.joint is not None:
            reevaluation = self.reevaluate(choice)
            if progress:
                progress(3, total_steps)
        elif reevaluate:
            notes.append("no joint simulator wired: the plan was not re-evaluated jointly")
        if self.losses.shortage_bits is None:
            notes.append(
                "P(any vital shortage) assumes substances fail independently (no per-scenario "
                "indicators from the simulator); common causes make the true figure lower"
            )
        if len(values):
            values = self._offer_words(values, price, choice)
        return PlanResult(
            provenance=self._provenance({"budget": float(budget)}),
            currency=self.dataset.currency,
            budget=float(budget),
            chosen=chosen,
            today=today_summary,
            solve=SolveReport(
                status=solution.status,
                gap=solution.gap,
                mip_rel_gap=self.parameters.mip_rel_gap,
                build_s=solution.build_s,
                solve_s=solution.solve_s,
                n_options=solution.n_options,
                n_options_after_dominance=solution.n_options_kept,
            ),
            budget_shadow_price=price,
            substances=self.substance_table(choice),
            lines=self.line_table(choice),
            offer_values=values,
            excluded_offers=self.menu.excluded,
            reevaluation=reevaluation,
            notes=notes,
            objective=objective,
            floors=self.floor_table(budget, choice, solution.loss),
            cuts=self.cut_table(choice),
            offer_values_by_scenario=self.offer_values_by_scenario(choice, price),
            policy=self.policy,
            actions=self.action_table(choice),
        )

    def substance_table(self, choice: np.ndarray) -> pd.DataFrame:
        """Per substance: the chosen option next to today's, with costs and losses."""
        o = self.menu.options
        subs = self.dataset.substances
        today = self.menu.today
        loss = self.losses.loss_per_year
        table = pd.DataFrame(
            {
                "atc_code": subs["atc_code"].to_numpy(),
                "name": subs["name"].to_numpy(),
                "criticality": subs["criticality"].to_numpy(),
                "demand_ddd_per_day": self.dataset.demand_ddd_per_day,
                "chosen": o["label"].to_numpy()[choice],
                "chosen_weeks": o["weeks"].to_numpy()[choice],
                "chosen_stock_ddd": o["stock_ddd"].to_numpy()[choice],
                "chosen_reservations": o["reservations"].to_numpy()[choice],
                "chosen_annual_cost": self.menu.annual_cost[choice],
                "chosen_loss_per_year": loss[choice],
                "chosen_shortage_probability": self.losses.shortage_probability[choice],
                "today": o["label"].to_numpy()[today],
                "today_annual_cost": self.menu.annual_cost[today],
                "today_loss_per_year": loss[today],
                "changed": choice != today,
            }
        )
        table["loss_avoided_vs_today"] = (
            table["today_loss_per_year"] - table["chosen_loss_per_year"]
        )
        if self.losses.diff_vs_today_se_per_year is not None:
            # Paired over the same scenarios (common random numbers).
            table["loss_avoided_vs_today_se"] = self.losses.diff_vs_today_se_per_year[choice]
        return table

    def action_table(self, choice: np.ndarray, top: int = 10) -> pd.DataFrame:
        """The shortlist an authority acts on: every cut to a vital substance first, then the
        `top` changes that avoid the most expected loss, each with its cost, volume, build-up
        time and what it avoids.

        Build-up time: extra preparedness stock can only be bought at the suppliers' headroom
        above normal demand (the simulator's refill rate), so it takes extra stock ÷ (headroom
        × demand) days; an agreement protects from signature, after its response days.
        """
        o = self.menu.options
        subs = self.dataset.substances
        today = self.menu.today
        stock = o["stock_ddd"].to_numpy(dtype=float)
        weeks = o["weeks"].to_numpy(dtype=float)
        res = o["reservations"].to_numpy()
        loss = self.losses.loss_per_year
        diff_se = self.losses.diff_vs_today_se_per_year
        days = self.losses.shortage_days_mean
        demand = self.dataset.demand_ddd_per_day
        cands = self.menu.candidates
        reserved = (
            dict(zip(cands["reservation_id"], cands["reserved_ddd_per_day"], strict=True))
            if len(cands)
            else {}
        )
        response = (
            dict(zip(cands["reservation_id"], cands["response_days"], strict=True))
            if len(cands)
            else {}
        )
        rows = []
        for s in (int(i) for i in np.flatnonzero(choice != today)):
            c, t = int(choice[s]), int(today[s])
            today_res = {r for r in str(res[t]).split("+") if r}
            plan_res = {r for r in str(res[c]).split("+") if r}
            added, dropped = sorted(plan_res - today_res), sorted(today_res - plan_res)
            extra = float(stock[c] - stock[t])
            cut = extra < -1e-6 or bool(dropped)
            rate = self.supply_headroom * float(demand[s])
            build_up = extra / rate if extra > 1e-6 and rate > 0 else 0.0
            rows.append(
                {
                    "atc_code": subs["atc_code"].iat[s],
                    "name": subs["name"].iat[s],
                    "criticality": subs["criticality"].iat[s],
                    "action": "cut" if cut else "add",
                    "today": str(o["label"].iat[t]),
                    "plan": str(o["label"].iat[c]),
                    "today_weeks": float(weeks[t]),
                    "plan_weeks": float(weeks[c]),
                    "extra_stock_ddd": extra,
                    "agreements_added": "+".join(added),
                    "agreements_dropped": "+".join(dropped),
                    "reserved_ddd_per_day_added": float(sum(reserved.get(r, 0.0) for r in added))
                    - float(sum(reserved.get(r, 0.0) for r in dropped)),
                    "cost_change_per_year": float(
                        self.menu.annual_cost[c] - self.menu.annual_cost[t]
                    ),
                    "build_up_days": build_up,
                    "response_days": (
                        float(min(response.get(r, math.nan) for r in added)) if added else math.nan
                    ),
                    "loss_avoided_per_year": float(loss[t] - loss[c]),
                    "loss_avoided_se_per_year": (
                        float(diff_se[c]) if diff_se is not None else math.nan
                    ),
                    "shortage_days_avoided_per_year": (
                        float(days[t] - days[c]) if days is not None else math.nan
                    ),
                }
            )
        columns = [
            "rank",
            "atc_code",
            "name",
            "criticality",
            "action",
            "today",
            "plan",
            "today_weeks",
            "plan_weeks",
            "extra_stock_ddd",
            "agreements_added",
            "agreements_dropped",
            "reserved_ddd_per_day_added",
            "cost_change_per_year",
            "build_up_days",
            "response_days",
            "loss_avoided_per_year",
            "loss_avoided_se_per_year",
            "shortage_days_avoided_per_year",
        ]
        if not rows:
            return pd.DataFrame(columns=columns)
        frame = pd.DataFrame(rows)
        vital_cuts = frame[(frame["action"] == "cut") & (frame["criticality"] == "vital")]
        vital_cuts = vital_cuts.sort_values("loss_avoided_per_year")
        rest = frame.drop(index=vital_cuts.index)
        rest = rest.sort_values(["loss_avoided_per_year", "atc_code"], ascending=[False, True])
        out = pd.concat([vital_cuts, rest.head(top)], ignore_index=True)
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        return out[columns]

    def line_table(self, choice: np.ndarray) -> pd.DataFrame:
        """Per production line: load under the chosen plan and under today's (≤ 1 each)."""
        lines = self.dataset.lines.set_index("line_id")
        return pd.DataFrame(
            {
                "line_id": list(self.menu.lines),
                "company_id": [lines.loc[ln, "company_id"] for ln in self.menu.lines],
                "load": self.problem.line_loads(choice),
                "today_load": self.problem.line_loads(self.menu.today),
            }
        )

    # --- policy floors and cuts --------------------------------------------------------------
    def floor_table(self, budget: float, choice: np.ndarray, value: float) -> pd.DataFrame:
        """Every floor of the policy: the substances it covers, how many today's plan leaves
        below it, and its shadow price — the optimal value at this budget without the floor
        minus with it (what the floor costs, in the objective's unit; ≤ 0 when it costs
        nothing). A floor whose removal makes no difference is not binding."""
        rows = []
        group = self.menu.group
        for k, rule in enumerate(self.parameters.cover_rules):
            mask = rule_allowed(self.menu, rule)
            covered = np.unique(group[~mask])  # substances with an option the floor forbids
            today_below = int((~mask[self.menu.today]).sum())
            others = np.ones(len(mask), dtype=bool)
            for j, other in enumerate(self.parameters.cover_rules):
                if j != k:
                    others &= rule_allowed(self.menu, other)
            try:
                free, _ = self.solve_objective(
                    budget, start=choice, problem=self.problem.with_allowed(others)
                )
                price = float(value - free.loss)
            except PlanInfeasible:
                price = math.nan
            rows.append(
                {
                    "floor": rule.label,
                    "floor_nb": rule.label_nb,
                    "criticality": rule.criticality or None,
                    "atc": ", ".join(rule.atc) or None,
                    "min_weeks": rule.min_weeks,
                    "agreement_suffices": rule.agreement_suffices,
                    "keep_today": rule.keep_today,
                    "substances": len(covered),
                    "today_below": today_below,
                    "plan_below": int((~mask[choice]).sum()),
                    "shadow_price": max(price, 0.0) if math.isfinite(price) else math.nan,
                    "binding": bool(math.isfinite(price) and price > 1e-6 * max(abs(value), 1.0)),
                }
            )
        return pd.DataFrame(rows)

    def cut_table(self, choice: np.ndarray) -> pd.DataFrame:
        """Every substance whose preparedness falls below today's: less stock, or an agreement
        of today's dropped; vital first, then by the loss added."""
        o = self.menu.options
        today = self.menu.today
        stock = o["stock_ddd"].to_numpy(dtype=float)
        res = o["reservations"].to_numpy()
        subs = self.dataset.substances
        loss = self.losses.loss_per_year
        diff_se = self.losses.diff_vs_today_se_per_year
        rows = []
        weeks = o["weeks"].to_numpy(dtype=float)
        for s in range(len(choice)):
            c, t = choice[s], today[s]
            today_res = {r for r in str(res[t]).split("+") if r}
            chosen_res = {r for r in str(res[c]).split("+") if r}
            less_stock = stock[c] < stock[t] * (1 - 1e-9) - 1e-6
            dropped = sorted(today_res - chosen_res)
            if not less_stock and not dropped:
                continue
            reasons = []
            if less_stock:
                reasons.append("less preparedness stock")
            if dropped:
                reasons.append("agreement dropped: " + ", ".join(dropped))
            rows.append(
                {
                    "atc_code": subs["atc_code"].iat[s],
                    "name": subs["name"].iat[s],
                    "criticality": subs["criticality"].iat[s],
                    "today_weeks": float(weeks[t]),
                    "plan_weeks": float(weeks[c]),
                    "today_stock_ddd": float(stock[t]),
                    "plan_stock_ddd": float(stock[c]),
                    "today_reservations": str(res[t]),
                    "plan_reservations": str(res[c]),
                    "cost_saved_per_year": float(
                        self.menu.annual_cost[t] - self.menu.annual_cost[c]
                    ),
                    "loss_added_per_year": float(loss[c] - loss[t]),
                    "loss_added_se_per_year": float(diff_se[c])
                    if diff_se is not None
                    else math.nan,
                    "reason": "; ".join(reasons),
                }
            )
        frame = pd.DataFrame(rows)
        if frame.empty:
            return pd.DataFrame(
                columns=[
                    "atc_code",
                    "name",
                    "criticality",
                    "today_weeks",
                    "plan_weeks",
                    "today_stock_ddd",
                    "plan_stock_ddd",
                    "today_reservations",
                    "plan_reservations",
                    "cost_saved_per_year",
                    "loss_added_per_year",
                    "loss_added_se_per_year",
                    "reason",
                ]
            )
        rank = {"vital": 0, "essential": 1, "other": 2}
        frame["_r"] = frame["criticality"].map(rank).fillna(3)
        frame = frame.sort_values(["_r", "loss_added_per_year"], ascending=[True, False])
        return frame.drop(columns="_r").reset_index(drop=True)

    # --- value of agreements ---------------------------------------------------------------
    def _keeping_floor(self, atc: str, reservation_id: str) -> CoverRule | None:
        """The 'no cut below today' floor that keeps today's agreement `reservation_id`."""
        today_res = set(
            str(
                self.menu.options["reservations"].iat[
                    self.menu.today[self.dataset.substance_idx(atc)]
                ]
            ).split("+")
        )
        if reservation_id not in today_res:
            return None
        crit = str(self.dataset.substances["criticality"].iat[self.dataset.substance_idx(atc)])
        for rule in self.parameters.cover_rules:
            applies = (not rule.criticality or rule.criticality == crit) and (
                not rule.atc or atc.startswith(tuple(rule.atc))
            )
            if applies and rule.keep_today:
                return rule
        return None

    def _floor_met_by_agreement(self, atc: str, weeks: float) -> CoverRule | None:
        """The floor an agreement satisfies for a substance whose stock is below its weeks."""
        crit = str(self.dataset.substances["criticality"].iat[self.dataset.substance_idx(atc)])
        for rule in self.parameters.cover_rules:
            applies = (not rule.criticality or rule.criticality == crit) and (
                not rule.atc or atc.startswith(tuple(rule.atc))
            )
            if applies and rule.agreement_suffices and weeks < rule.min_weeks - 1e-9:
                return rule
        return None

    def _offer_words(self, values: pd.DataFrame, price: float, choice: np.ndarray) -> pd.DataFrame:
        """Why each offer is or is not in the plan, in words."""
        cur = self.dataset.currency
        words: list[str] = []
        codes: list[str] = []
        floors: list[str] = []
        floors_nb: list[str] = []
        floor_weeks_col: list[float] = []
        plan_weeks = dict(
            zip(
                self.dataset.substances["atc_code"],
                self.menu.options["weeks"].to_numpy()[choice],
                strict=True,
            )
        )
        for r in values.to_dict("records"):
            avoided = r["loss_avoided_per_year"]
            fee = r["annual_fee"]
            floor = (
                self._floor_met_by_agreement(str(r["atc_code"]), float(plan_weeks[r["atc_code"]]))
                if r["in_plan"]
                else None
            )
            keeper = (
                self._keeping_floor(str(r["atc_code"]), str(r["reservation_id"]))
                if r["in_plan"]
                else None
            )
            floor_label, floor_nb, floor_weeks = "", "", math.nan
            if keeper is not None:
                codes.append("kept_by_floor")
                floor_label, floor_nb = keeper.label, keeper.label_nb
                words.append(
                    f"kept by the floor '{keeper.label}' (no cut below today); on top of the "
                    f"plan's stock it avoids {_m(avoided, cur)} a year of expected loss for a "
                    f"fee of {_m(fee, cur)} — its break-even fee is {_m(r['break_even_fee'], cur)}"
                )
            elif floor is not None:
                codes.append("taken_for_floor")
                floor_label, floor_nb = floor.label, floor.label_nb
                floor_weeks = float(floor.min_weeks)
                words.append(
                    f"taken to meet the floor '{floor.label}': the fee of {_m(fee, cur)} costs "
                    f"less than {floor.min_weeks:g} weeks of stock; it avoids "
                    f"{_m(avoided, cur)} a year of expected loss"
                )
            elif r["in_plan"]:
                codes.append("taken")
                words.append(
                    f"taken: avoids {_m(avoided, cur)} a year of expected loss for a fee of "
                    f"{_m(fee, cur)}"
                )
            elif not (isinstance(avoided, float) and math.isfinite(avoided)) or avoided <= 0:
                codes.append("no_value")
                words.append(
                    "not taken: on top of the plan's stock it avoids no expected loss "
                    "(the stock already covers the outages the model expects)"
                )
            elif isinstance(price, float) and math.isfinite(price) and price > 0:
                codes.append("below_price")
                words.append(
                    f"not taken: it avoids {r['loss_avoided_per_fee']:.2f} per unit of fee, "
                    f"while the last unit of budget avoids {price:.2f} elsewhere; it would "
                    f"pay at a fee of at most {_m(r['break_even_fee'], cur)}"
                )
            else:
                codes.append("ruled_out")
                words.append(
                    "not taken: the line cannot carry it beside the reservations chosen, or "
                    "a floor or the budget rules it out"
                )
            floors.append(floor_label)
            floors_nb.append(floor_nb)
            floor_weeks_col.append(floor_weeks)
        out = values.copy()
        out["why"] = words
        # The same reason as a code and its figures, for views that say it in other languages.
        out["why_code"] = codes
        out["why_floor"] = floors
        out["why_floor_nb"] = floors_nb
        out["why_floor_weeks"] = floor_weeks_col
        out["budget_shadow_price"] = price
        return out

    def offer_values_by_scenario(self, choice: np.ndarray, price: float) -> pd.DataFrame:
        """Each offer's loss and vital shortage-days avoided under every scenario of the
        library (on top of the plan's stock for its substance), with the break-even fee."""
        parts = self.losses.parts or (self.losses,)
        weights = self.losses.part_weights or (1.0,)
        names = self.losses.part_names or (self.scenario_name or "background",)
        cands = self.menu.candidates
        if cands.empty:
            return pd.DataFrame()
        options = self.menu.options
        weeks = options["weeks"].to_numpy(dtype=float)
        reservations = options["reservations"].to_numpy()
        menu_weeks = np.asarray(self.parameters.weeks_menu)
        group = self.menu.group
        rows = []
        for rec in cands.to_dict("records"):
            s = int(rec["substance_idx"])
            rid = str(rec["reservation_id"])
            ref = float(menu_weeks[np.argmin(np.abs(menu_weeks - weeks[choice[s]]))])
            at_ref = (group == s) & np.isclose(weeks, ref)
            without = np.flatnonzero(at_ref & (reservations == ""))
            with_r = np.flatnonzero(at_ref & (reservations == rid))
            if not len(without) or not len(with_r):
                continue
            a, b = without[0], with_r[0]
            vital = self.dataset.substances["criticality"].iat[s] == "vital"
            for name, w, part in zip(names, weights, parts, strict=True):
                avoided = float(part.loss_per_year[a] - part.loss_per_year[b])
                days = part.shortage_days_mean
                rows.append(
                    {
                        "reservation_id": rid,
                        "atc_code": self.dataset.substances["atc_code"].iat[s],
                        "scenario": name,
                        "weight": float(w),
                        "annual_fee": float(rec["annual_fee"]),
                        "loss_avoided_per_year": avoided,
                        "vital_shortage_days_avoided": (
                            float(days[a] - days[b]) if vital and days is not None else 0.0
                        ),
                        "break_even_fee": avoided / price if price and price > 0 else math.nan,
                    }
                )
        return pd.DataFrame(rows)

    def offer_values(self, budget: float, choice: np.ndarray) -> tuple[pd.DataFrame, float]:
        """What every offer/agreement is worth at `budget`, ranked; and the budget's shadow price.

        * ``loss_avoided_per_year``: the offer on top of the plan's stock for its substance (the
          menu weeks nearest the chosen stock): loss without it − loss with it.
        * ``loss_avoided_per_fee``: that per currency unit of the fee (the benefit–cost ratio).
        * ``marginal_value_per_year``: optimal loss at this budget with the offer excluded −
          with it forced in (the fee then displaces other spending), from the continuous
          relaxation so it is free of MIP-gap noise; ``marginal_value_per_fee`` per unit of fee.
          Positive: the offer earns its place at this budget. Ranked by it.
        * ``break_even_fee``: the fee at which the offer avoids as much loss per currency unit as
          the last unit of budget does elsewhere (loss avoided ÷ the budget's shadow price).
        """
        cands = self.menu.candidates
        if cands.empty:
            return _empty_offer_values(), math.nan
        options = self.menu.options
        reservations = options["reservations"].to_numpy()
        n_options = len(options)
        has: dict[str, np.ndarray] = {}
        for rid, opts in self.menu.reservations.groupby("reservation_id")["option_idx"]:
            mask = np.zeros(n_options, dtype=bool)
            mask[opts.to_numpy()] = True
            has[str(rid)] = mask
        group = self.menu.group
        variants: list[np.ndarray] = []
        records = cands.to_dict(orient="records")
        for rec in records:
            with_r = has[str(rec["reservation_id"])]
            variants.append(self.allowed & ~with_r)  # excluded
            variants.append(self.allowed & (with_r | (group != rec["substance_idx"])))  # forced in
        relax = relaxation_values(self.problem, float(budget), variants)
        price = relax.budget_price
        rows = []
        lines = self.dataset.lines.set_index("line_id")
        companies = self.dataset.companies.set_index("company_id")
        subs = self.dataset.substances
        weeks = options["weeks"].to_numpy(dtype=float)
        menu_weeks = np.asarray(self.parameters.weeks_menu)
        loss = self.losses.loss_per_year
        for i, rec in enumerate(records):
            s = int(rec["substance_idx"])
            rid = str(rec["reservation_id"])
            chosen_weeks = weeks[choice[s]]
            ref = float(menu_weeks[np.argmin(np.abs(menu_weeks - chosen_weeks))])
            in_s = group == s
            at_ref = in_s & np.isclose(weeks, ref)
            without = np.flatnonzero(at_ref & (reservations == ""))
            with_r = np.flatnonzero(at_ref & (reservations == rid))
            avoided = (
                float(loss[without[0]] - loss[with_r[0]])
                if len(without) and len(with_r)
                else math.nan
            )
            v_out, v_in = relax.variant_values[2 * i], relax.variant_values[2 * i + 1]
            marginal = float(v_out - v_in) if np.isfinite(v_in) else -math.inf
            fee = float(rec["annual_fee"])
            company_id = lines.loc[rec["line_id"], "company_id"]
            rows.append(
                {
                    "reservation_id": rid,
                    "kind": rec["kind"],
                    "producer": companies.loc[company_id, "name"]
                    if company_id in companies.index
                    else company_id,
                    "line_id": rec["line_id"],
                    "atc_code": subs["atc_code"].iat[s],
                    "substance": subs["name"].iat[s],
                    "criticality": subs["criticality"].iat[s],
                    "reserved_ddd_per_day": float(rec["reserved_ddd_per_day"]),
                    "response_days": int(rec["response_days"]),
                    "line_load": float(rec["line_load"]),
                    "annual_fee": fee,
                    "in_plan": bool(has[rid][choice[s]]),
                    "reference_weeks": ref,
                    "loss_avoided_per_year": avoided,
                    "loss_avoided_per_fee": _per(avoided, fee),
                    "marginal_value_per_year": marginal,
                    "marginal_value_per_fee": _per(marginal, fee),
                    "break_even_fee": avoided / price if price > 0 else math.inf,
                }
            )
        table = pd.DataFrame(rows)
        table = table.sort_values(
            ["marginal_value_per_fee", "loss_avoided_per_fee"],
            ascending=False,
            na_position="last",
            kind="stable",
        ).reset_index(drop=True)
        table.insert(0, "rank", np.arange(1, len(table) + 1))
        return table, price

    # --- joint re-evaluation -----------------------------------------------------------------
    def reevaluate(self, choice: np.ndarray, progress: Progress | None = None) -> Reevaluation:
        """Simulate the plan jointly and compare with the sum of the decomposed option losses."""
        if self.joint is None:
            raise RuntimeError("no joint simulator wired into this PlanModel")
        outcome = self.joint(choice, progress)
        weights = self.dataset.criticality_weights(self.parameters.criticality_weights)
        per_ddd = self.parameters.value_per_patient_day * weights * 365.0 / self.losses.horizon_days
        joint_loss = outcome.unmet_ddd_mean * per_ddd
        decomposed = self.losses.loss_per_year[choice]
        joint_total = float(joint_loss.sum())
        dec_total = float(decomposed.sum())
        se = outcome.national_loss_se_per_year
        if se is None:
            se = float(np.sqrt(((outcome.unmet_ddd_se * per_ddd) ** 2).sum()))
        by = pd.DataFrame(
            {
                "atc_code": self.dataset.substances["atc_code"].to_numpy(),
                "decomposed_loss_per_year": decomposed,
                "joint_loss_per_year": joint_loss,
                "difference_per_year": joint_loss - decomposed,
            }
        )
        by = by.reindex(by["difference_per_year"].abs().sort_values(ascending=False).index)
        return Reevaluation(
            decomposed_loss_per_year=dec_total,
            joint_loss_per_year=joint_total,
            joint_loss_se_per_year=se,
            difference_per_year=joint_total - dec_total,
            relative_difference=(joint_total - dec_total) / dec_total if dec_total else math.nan,
            p_any_vital_shortage_decomposed=self.losses.any_shortage_probability(
                choice, self.vital
            ),
            p_any_vital_shortage_joint=outcome.p_any_vital_shortage,
            today_joint_loss_per_year=outcome.today_loss_per_year,
            today_p_any_vital_shortage_joint=outcome.today_p_any_vital_shortage,
            loss_avoided_vs_today_per_year=outcome.loss_avoided_vs_today_per_year,
            loss_avoided_vs_today_se_per_year=outcome.loss_avoided_vs_today_se_per_year,
            by_substance=by.head(20).reset_index(drop=True),
            result=outcome.result,
        )

    # --- budget sweep ------------------------------------------------------------------------
    def frontier(
        self, budgets: Sequence[float], progress: Progress | None = None
    ) -> FrontierResult:
        """Solve every budget (ascending, each warm-started from the last plan) → the frontier.

        Warm starts make the curve monotone whatever the MIP gap: a plan feasible at a budget is
        feasible at every larger one, and HiGHS never returns worse than its start.
        """
        ordered = sorted(float(b) for b in budgets)
        rows = []
        choices = {}
        start = None
        notes = list(self.notes)
        for i, budget in enumerate(ordered):
            try:
                solution, _ = self.solve_objective(budget, start=start)
            except ValueError as exc:  # PlanInfeasible: below the cheapest allowed plan
                rows.append(
                    {
                        "budget": budget,
                        "feasible": False,
                        "annual_cost": math.nan,
                        "expected_loss_per_year": math.nan,
                        "expected_loss_se_per_year": math.nan,
                        "p_any_vital_shortage": math.nan,
                        "p_vital_shortage_over_7_days": math.nan,
                        "vital_shortage_days": math.nan,
                        "gap": math.nan,
                        "solve_s": math.nan,
                        "status": str(exc),
                    }
                )
            else:
                start = solution.choice
                summary = self.summary(solution.choice)
                choices[f"{budget:.6g}"] = self.menu.options["label"].to_numpy()[solution.choice]
                rows.append(
                    {
                        "budget": budget,
                        "feasible": True,
                        "annual_cost": summary.annual_cost,
                        "expected_loss_per_year": summary.expected_loss_per_year,
                        "expected_loss_se_per_year": summary.expected_loss_se_per_year,
                        "p_any_vital_shortage": summary.p_any_vital_shortage,
                        "p_vital_shortage_over_7_days": summary.p_vital_shortage_over_7_days,
                        "vital_shortage_days": summary.vital_shortage_days,
                        "gap": solution.gap,
                        "solve_s": solution.solve_s,
                        "status": solution.status,
                    }
                )
            if progress:
                progress(i + 1, len(ordered))
        if self.losses.shortage_bits is None:
            notes.append(
                "P(any vital shortage) assumes substances fail independently (no per-scenario "
                "indicators from the simulator)"
            )
        choice_table = pd.DataFrame(
            {"atc_code": self.dataset.substances["atc_code"].to_numpy(), **choices}
        )
        return FrontierResult(
            provenance=self._provenance({"budgets": ordered}),
            currency=self.dataset.currency,
            points=pd.DataFrame(rows),
            today=self.summary(self.menu.today),
            choices=choice_table,
            notes=notes,
        )


def _or_zero(values: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    return np.zeros(len(like)) if values is None else np.asarray(values, dtype=float)


def _m(value: float, currency: str) -> str:
    """Money in words: 12.3 million NOK."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value / 1e6:,.2f} million {currency}"


def _per(value: float, fee: float) -> float:
    if fee > 0:
        return value / fee
    if value == 0 or math.isnan(value):
        return math.nan
    return math.copysign(math.inf, value)


def _empty_offer_values() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "rank",
            "reservation_id",
            "kind",
            "producer",
            "line_id",
            "atc_code",
            "substance",
            "criticality",
            "reserved_ddd_per_day",
            "response_days",
            "line_load",
            "annual_fee",
            "in_plan",
            "reference_weeks",
            "loss_avoided_per_year",
            "loss_avoided_per_fee",
            "marginal_value_per_year",
            "marginal_value_per_fee",
            "break_even_fee",
        ]
    )


def model_from_losses(
    dataset: Dataset,
    losses: OptionLosses,
    *,
    parameters: PlanParameters | None = None,
    menu: OptionMenu | None = None,
    joint: JointEvaluator | None = None,
    seed: int | None = None,
    scenario_name: str | None = None,
) -> PlanModel:
    """A :class:`PlanModel` from option losses computed elsewhere (tests, saved runs)."""
    parameters = parameters or PlanParameters()
    menu = menu or build_options(dataset, parameters)
    return PlanModel(
        dataset=dataset,
        parameters=parameters,
        menu=menu,
        losses=losses,
        joint=joint,
        seed=seed,
        scenario_name=scenario_name,
    )
