"""Long analyses in the background: start one, follow its progress, fetch its result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request

from beredt.api.auth import AUTHORITY, READERS, require
from beredt.api.common import Limit, Offset, Page, page, store_of
from beredt.api.schemas import JobIn, body
from beredt.app.jobs import job_view, result_of
from beredt.errors import Conflict, Forbidden, NotFound
from beredt.store.server import Account, ServerStore

router = APIRouter(tags=["jobs"])
JobId = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]
#: Kinds an analyst may start (a plan and a run show producers' prices and capacities).
ANALYST_KINDS = ("simulate", "backtest", "calibrate")


def _visible(
    request: Request, job_id: str, account: Account, *, with_result: bool = False
) -> dict[str, Any]:
    job = ServerStore(store_of(request)).job(job_id, with_result=with_result)
    if job is None or (account.role not in AUTHORITY and job["created_by"] != account.name):
        raise NotFound(f"no job {job_id}")
    return job


@router.post("/jobs", status_code=202)
def start_job(
    job: Annotated[JobIn, Body()],
    request: Request,
    account: Account = Depends(require(*READERS)),
) -> dict[str, Any]:
    """Start a long analysis (simulate, plan, backtest, calibrate, run) in the background;
    follow it at ``/jobs/{job_id}``, fetch its result (the command's ``--json``) at
    ``/jobs/{job_id}/result``."""
    if account.role == "analyst" and job.kind not in ANALYST_KINDS:
        raise Forbidden(f"the analyst role may start {', '.join(ANALYST_KINDS)} jobs")
    parameters = body(job.parameters, exclude_unset=True)
    runner = request.app.state.jobs
    job_id = runner.submit(job.kind, parameters, who=account.name)
    found = ServerStore(store_of(request)).job(job_id)
    assert found is not None
    return job_view(found)


@router.get("/jobs", response_model=Page)
def list_jobs(
    request: Request, limit: Limit = 100, offset: Offset = 0,
    account: Account = Depends(require(*READERS)),
) -> Page:  # fmt: skip
    """Jobs, newest first (an analyst: its own)."""
    mine = None if account.role in AUTHORITY else account.name
    found = ServerStore(store_of(request)).list_jobs(created_by=mine)
    return page([job_view(j) for j in found], limit, offset)


@router.get("/jobs/{job_id}")
def get_job(
    job_id: JobId, request: Request, account: Account = Depends(require(*READERS))
) -> dict[str, Any]:
    """A job's status and progress (done of total, what runs now)."""
    return job_view(_visible(request, job_id, account))


@router.get("/jobs/{job_id}/result")
def job_result(
    job_id: JobId, request: Request, account: Account = Depends(require(*READERS))
) -> Any:
    """A finished job's result: the same JSON as the command's ``--json``."""
    job = _visible(request, job_id, account, with_result=True)
    if job["status"] != "succeeded":
        detail = f": {job['error']}" if job.get("error") else ""
        raise Conflict(f"job {job_id} has no result: it is {job['status']}{detail}")
    return result_of(job)
