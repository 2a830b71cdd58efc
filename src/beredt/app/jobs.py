"""Long analyses in the background: queued, run one at a time, with progress and results.

A job is a row of the store (``jobs``): its kind and parameters, its status (queued, running,
succeeded, failed), its progress (done of total, and what runs now) and, when it succeeded, its
result: the same JSON document as the command's ``--json``. The runner is a thread pool inside
the server process (one worker by default: the analyses use every core already); a server that
stops leaves its unfinished jobs marked failed when it starts again. Given a Dask scheduler
(``beredt serve --scheduler``), the jobs' simulations run on its workers, with the same numbers;
the server's own requests stay in the server process.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from typing import Any

from beredt.app import compute
from beredt.errors import BeredtError, InvalidInput
from beredt.results import dumps
from beredt.store import Store
from beredt.store.server import ServerStore

log = logging.getLogger("beredt.jobs")

#: Job kind → the use case that runs it.
KINDS: dict[str, Callable[..., dict[str, Any]]] = {
    "simulate": compute.simulate,
    "plan": compute.plan,
    "backtest": compute.backtest,
    "calibrate": compute.calibrate,
    "run": compute.run,
}
#: Kinds whose use case reports progress.
_WITH_PROGRESS = {"simulate", "plan", "backtest", "run"}
#: Seconds between progress writes (the analyses call back far more often).
PROGRESS_INTERVAL = 0.5


class JobRunner:
    """Runs jobs of one store in background threads and records their progress."""

    def __init__(self, store: Store, workers: int = 1, scheduler: str | None = None) -> None:
        """`workers` = 0 queues jobs without running them (a front end that runs none);
        `scheduler`: the jobs simulate on this Dask cluster (see :mod:`beredt.sim.distributed`),
        connected by :meth:`start`."""
        self.store = store
        self.repo = ServerStore(store)
        self.scheduler = scheduler
        self.client: Any = None
        self._resources = ExitStack()
        self.pool = (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="beredt-job")
            if workers > 0
            else None
        )

    def start(self) -> None:
        """Connect to the scheduler (a ``local`` one is started here); fails with the reason."""
        if self.scheduler is None or self.pool is None or self.client is not None:
            return
        from beredt.sim.distributed import connect

        self.client = self._resources.enter_context(connect(self.scheduler))
        workers = self.client.nthreads()
        log.info(
            "jobs simulate on the Dask scheduler %s (%d workers, %d threads)",
            self.client.scheduler.address,
            len(workers),
            sum(workers.values()),
        )

    def recover(self) -> int:
        """Mark jobs a previous server left unfinished as failed; returns how many."""
        return self.repo.fail_unfinished_jobs("interrupted: the server stopped before it finished")

    def submit(self, kind: str, parameters: Mapping[str, Any], *, who: str) -> str:
        """Queue a job; returns its id."""
        if kind not in KINDS:
            raise InvalidInput(f"kind: one of {', '.join(KINDS)}, not {kind!r}")
        job_id = uuid.uuid4().hex
        self.repo.add_job(job_id, kind, parameters, who=who)
        if self.pool is not None:
            given = dict(parameters)
            if kind == "run":
                given["who"] = who  # the run keeps its report in the store under its account
            self.pool.submit(self._run, job_id, kind, given)
        return job_id

    def _run(self, job_id: str, kind: str, parameters: dict[str, Any]) -> None:
        from beredt.app.context import as_date

        started = time.monotonic()
        self.repo.update_job(job_id, status="running", started_at=_now())
        last = 0.0

        def progress(done: int, total: int, text: str | None = None) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < PROGRESS_INTERVAL and done < total:
                return
            last = now
            values: dict[str, Any] = {"progress_done": int(done), "progress_total": int(total)}
            if text is not None:
                values["progress_text"] = text[:200]
            self.repo.update_job(job_id, **values)

        try:
            if "as_of" in parameters:
                parameters["as_of"] = as_date(parameters["as_of"])
            if kind in _WITH_PROGRESS:
                parameters["progress"] = progress
            from beredt.sim.distributed import use_client

            with use_client(self.client) if self.client is not None else nullcontext():
                result = KINDS[kind](self.store, **parameters)
            self.repo.update_job(
                job_id,
                status="succeeded",
                result=dumps(result),
                finished_at=_now(),
                progress_text=None,
            )
            log.info("job %s (%s) succeeded in %.1f s", job_id, kind, time.monotonic() - started)
        except BeredtError as exc:
            self.repo.update_job(job_id, status="failed", error=str(exc), finished_at=_now())
            log.info("job %s (%s) failed: %s", job_id, kind, exc)
        except Exception as exc:  # a bug: record it, keep the server running
            log.exception("job %s (%s) failed", job_id, kind)
            message = f"internal error ({type(exc).__name__}); the server log has the details"
            self.repo.update_job(job_id, status="failed", error=message, finished_at=_now())

    def shutdown(self, wait: bool = False) -> None:
        """Stop taking jobs (running ones finish when `wait`)."""
        if self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=True)
        self._resources.close()
        self.client = None


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def job_view(job: Mapping[str, Any]) -> dict[str, Any]:
    """A job as the API shows it (result only in its own endpoint)."""
    out = {k: v for k, v in job.items() if k != "result"}
    total = job.get("progress_total") or 0
    out["progress"] = round(job["progress_done"] / total, 4) if total else None
    return out


def result_of(job: Mapping[str, Any]) -> Any:
    """The stored result document of a finished job."""
    value = job.get("result")
    return json.loads(value) if isinstance(value, str) else value
