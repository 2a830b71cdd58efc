"""Preparedness optimiser (DESIGN.md §4, docs/plan.md): stockpile weeks vs reserved domestic
capacity under a budget, the budget frontier, and what each capacity offer is worth.

Main entry: :func:`prepare_plan` (dataset, parameters, scenario) → :class:`PlanModel`, whose
:meth:`~PlanModel.plan` solves one budget and :meth:`~PlanModel.frontier` sweeps budgets.
"""

from beredt.plan.evaluate import evaluate_options, joint_evaluator, prepare_plan
from beredt.plan.losses import OptionLosses
from beredt.plan.milp import ChoiceProblem, ChoiceSolution, PlanInfeasible, solve_choice
from beredt.plan.optimise import (
    FrontierResult,
    JointOutcome,
    PlanModel,
    PlanResult,
    PlanSummary,
    Reevaluation,
    SolveReport,
    model_from_losses,
)
from beredt.plan.options import OptionMenu, build_options
from beredt.plan.parameters import (
    DEFAULT_WEEKS_MENU,
    CostParameters,
    CoverRule,
    PlanParameters,
)

__all__ = [
    "DEFAULT_WEEKS_MENU",
    "ChoiceProblem",
    "ChoiceSolution",
    "CostParameters",
    "CoverRule",
    "FrontierResult",
    "JointOutcome",
    "OptionLosses",
    "OptionMenu",
    "PlanInfeasible",
    "PlanModel",
    "PlanParameters",
    "PlanResult",
    "PlanSummary",
    "Reevaluation",
    "SolveReport",
    "build_options",
    "evaluate_options",
    "joint_evaluator",
    "model_from_losses",
    "prepare_plan",
    "solve_choice",
]
