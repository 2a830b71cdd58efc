"""The HTTP API of the shared system (FastAPI): ``beredt serve`` runs :func:`create_app`.

Routers by resource under ``/api/v1`` (the OpenAPI document at ``/api/v1/openapi.json``, the
interactive docs at ``/api/v1/docs``); every route calls the use cases of :mod:`beredt.app`, so
server-rendered pages can later call the same functions. Each request gets an id (the client's
``X-Request-ID`` when it sends a sane one), returned in the response header and in every error
body, and logged with the account, method, path, status and time. CORS is off unless origins are
named.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

import beredt
from beredt.api import errors
from beredt.api.common import DataCache
from beredt.app.context import open_store
from beredt.app.jobs import JobRunner

API_PREFIX = "/api/v1"
log = logging.getLogger("beredt.api")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(
    url: str | None = None,
    *,
    cors_origins: Sequence[str] = (),
    job_workers: int = 1,
    web: bool = True,
    scheduler: str | None = None,
) -> FastAPI:
    """The API on the store at `url` (default: ``BEREDT_DATABASE_URL`` or ``./beredt.db``),
    with the web dashboard (:mod:`beredt.web`) at ``/`` unless not `web`; background jobs
    simulate on the Dask `scheduler` when one is given (same numbers)."""
    store = open_store(url)
    runner = JobRunner(store, job_workers, scheduler)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner.start()
        recovered = runner.recover()
        if recovered:
            log.warning("%d unfinished jobs of an earlier server marked failed", recovered)
        yield
        runner.shutdown()
        store.dispose()

    app = FastAPI(
        title="Beredt",
        version=beredt.__version__,
        description="Medicine supply security: stock reporting, shortage notices, activation "
        "of domestic production and the analyses, for the authority, holders, producers and "
        "analysts. Sign in with `Authorization: Bearer TOKEN` (`beredt user add` prints one) "
        "or a session cookie from `/api/v1/auth/login`.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.cache = DataCache(store)
    app.state.jobs = runner
    errors.install(app)

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        request.state.request_id = rid
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        log.info(
            "%s %s %s %d %.1f ms account=%s",
            rid, request.method, request.url.path, response.status_code,
            1000 * (time.perf_counter() - started), getattr(request.state, "account", "-"),
        )  # fmt: skip
        return response

    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "X-Request-ID"],
        )

    from beredt.api.routers import catalogue, jobs, shortages, stock, system

    for module in (system, catalogue, stock, shortages, jobs):
        app.include_router(module.router, prefix=API_PREFIX)
    if web:
        from beredt import web as dashboard

        dashboard.install(app)
    return app
