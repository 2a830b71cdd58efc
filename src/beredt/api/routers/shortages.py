"""Shortage notices, their response plans, and the activation of domestic production."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from beredt.api.auth import ANYONE, AUTHORITY, READERS, require
from beredt.api.common import Limit, Offset, Page, cache, page, prefix_match, rows, store_of
from beredt.api.schemas import ActivationIn, ConfirmIn, DeclineIn, Id, NoticeIn, NoticePatch, body
from beredt.app import workflow
from beredt.domain.enums import ShortageStatus
from beredt.errors import NotFound
from beredt.store.server import Account

router = APIRouter()
ActivationId = Annotated[int, Path(ge=1, le=2**53)]
#: Fields of a response plan an analyst does not see (producers' capacities and prices).
_PLAN_CONFIDENTIAL = ("capacity_ddd_per_day", "cost_per_ddd", "cost", "extra_cost")


@router.get("/shortages", tags=["shortages"], response_model=Page)
def list_notices(
    request: Request,
    limit: Limit = 100,
    offset: Offset = 0,
    status: Annotated[str | None, Query(pattern="^(open|[a-z]{1,16})$")] = None,
    atc: Annotated[str | None, Query(max_length=7, pattern="^[A-Za-z0-9]+$")] = None,
    _: Account = Depends(require(*ANYONE)),
) -> Page:
    """Shortage notices as recorded (the last change of each), by id; `status` is one status
    or ``open``."""
    bundle = cache(request).bundle()
    found = rows(sorted(bundle.rows("shortages"), key=lambda r: r["notice_id"]))
    if status == "open":
        open_ = {s.value for s in ShortageStatus if s.is_open}
        found = [r for r in found if r["status"] in open_]
    elif status:
        found = [r for r in found if r["status"] == status]
    found = [r for r in found if prefix_match(r["atc_code"], atc)]
    return page(found, limit, offset)


@router.post("/shortages", tags=["shortages"], status_code=201)
def create_notice(
    notice: NoticeIn, request: Request, account: Account = Depends(require(*AUTHORITY))
) -> dict[str, Any]:
    """Record a new notice; its response plan is made at once (``plan``; ``note`` says why
    there is none)."""
    return workflow.create_notice(store_of(request), body(notice), who=account.name)


@router.get("/shortages/{notice_id}", tags=["shortages"])
def get_notice(
    notice_id: Id, request: Request, _: Account = Depends(require(*ANYONE))
) -> dict[str, Any]:
    """One notice."""
    for row in cache(request).bundle().rows("shortages"):
        if row["notice_id"] == notice_id:
            return rows([row])[0]
    raise NotFound(f"no shortage notice {notice_id!r}")


@router.patch("/shortages/{notice_id}", tags=["shortages"])
def update_notice(
    notice_id: Id,
    changes: NoticePatch,
    request: Request,
    account: Account = Depends(require(*AUTHORITY)),
) -> dict[str, Any]:
    """Change a notice (only the fields given); the plan is made again."""
    values = body(changes, exclude_unset=True)
    return workflow.update_notice(store_of(request), notice_id, values, who=account.name)


def _redacted_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """A plan without producers' capacities and prices in its domestic actions."""
    out = dict(plan)
    actions = []
    for action in plan.get("actions", []):
        if action.get("kind") in ("agreement", "domestic_unreserved"):
            action = {**action, **dict.fromkeys(_PLAN_CONFIDENTIAL)}
            action["detail"] = {
                k: v for k, v in action.get("detail", {}).items() if k != "api_on_hand_ddd"
            }
        actions.append(action)
    out["actions"] = actions
    out.pop("line_load", None)
    out["redacted"] = list(_PLAN_CONFIDENTIAL)
    return out


@router.get("/shortages/{notice_id}/plan", tags=["shortages"])
def get_plan(
    notice_id: Id, request: Request, account: Account = Depends(require(*READERS))
) -> dict[str, Any]:
    """The notice's current response plan (``beredt respond --json``), with producers' answers
    so far."""
    plan = workflow.saved_plan(store_of(request), notice_id)
    return _redacted_plan(plan) if account.role == "analyst" else plan


@router.post("/shortages/{notice_id}/activations", tags=["activations"], status_code=201)
def activate(
    notice_id: Id,
    activation: ActivationIn,
    request: Request,
    account: Account = Depends(require(*AUTHORITY)),
) -> dict[str, Any]:
    """Activate an agreement (``agreement_id``) or ask for an offer (``offer_id`` or a
    qualified ``line_id``) for this notice; the producer is to answer by ``confirm_by``."""
    return workflow.activate(store_of(request), notice_id, **body(activation), who=account.name)


def _visible(request: Request, activation_id: int, account: Account) -> dict[str, Any]:
    found = workflow.activation(store_of(request), activation_id)
    if account.role == "producer" and found["company_id"] != account.company_id:
        raise NotFound(f"no activation {activation_id}")  # not even its existence
    return found


@router.get("/activations", tags=["activations"], response_model=Page)
def list_activations(
    request: Request,
    limit: Limit = 100,
    offset: Offset = 0,
    notice_id: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")] = None,
    status: Annotated[str | None, Query(pattern="^(requested|confirmed|declined|overdue)$")] = None,
    account: Account = Depends(require(*READERS, "producer")),
) -> Page:
    """Activations with their tracking (expected first output, ETA, overdue, days late); a
    producer sees its own company's. `status` ``overdue``: unanswered past ``confirm_by``."""
    company = account.company_id if account.role == "producer" else None
    found = workflow.activations(store_of(request), company_id=company, notice_id=notice_id)
    if status == "overdue":
        found = [a for a in found if a["overdue"]]
    elif status:
        found = [a for a in found if a["status"] == status]
    return page(found, limit, offset)


@router.get("/activations/{activation_id}", tags=["activations"])
def get_activation(
    activation_id: ActivationId,
    request: Request,
    account: Account = Depends(require(*READERS, "producer")),
) -> dict[str, Any]:
    """One activation (another producer's: 404)."""
    return _visible(request, activation_id, account)


@router.post("/activations/{activation_id}/confirm", tags=["activations"])
def confirm(
    activation_id: ActivationId,
    answer: ConfirmIn,
    request: Request,
    account: Account = Depends(require("admin", "producer")),
) -> dict[str, Any]:
    """The producer confirms: first output on ``start_date`` at ``ddd_per_day``; the plan is
    made again with it."""
    _visible(request, activation_id, account)
    return workflow.confirm(store_of(request), activation_id, **body(answer), who=account.name)


@router.post("/activations/{activation_id}/decline", tags=["activations"])
def decline(
    activation_id: ActivationId,
    answer: DeclineIn,
    request: Request,
    account: Account = Depends(require("admin", "producer")),
) -> dict[str, Any]:
    """The producer declines, with the reason; the plan is made again without it."""
    _visible(request, activation_id, account)
    return workflow.decline(
        store_of(request), activation_id, reason=answer.reason, who=account.name
    )
