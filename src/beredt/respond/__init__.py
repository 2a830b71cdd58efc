"""Shortage response: a notice in, a costed, dated action plan with its uncertainty out.

See :mod:`beredt.respond.planner` for the model and ``docs/respond.md`` for the user guide.
"""

from beredt.respond.duration import DurationModel, duration_model
from beredt.respond.notice import NoticeError, ResponseNotice, resolve_notice
from beredt.respond.params import GLOBAL_CAUSES, ResponseParams
from beredt.respond.planner import (
    Action,
    ActionKind,
    ActionStatus,
    EscalationStep,
    Exclusion,
    ProducerAnswer,
    RationingSuggestion,
    ResponsePlan,
    SubstanceInfo,
    days_of_supply_left,
    plan_response,
)
from beredt.respond.uncertainty import Uncertainty

__all__ = [
    "GLOBAL_CAUSES",
    "Action",
    "ActionKind",
    "ActionStatus",
    "DurationModel",
    "EscalationStep",
    "Exclusion",
    "NoticeError",
    "ProducerAnswer",
    "RationingSuggestion",
    "ResponseNotice",
    "ResponseParams",
    "ResponsePlan",
    "SubstanceInfo",
    "Uncertainty",
    "days_of_supply_left",
    "duration_model",
    "plan_response",
    "resolve_notice",
]
