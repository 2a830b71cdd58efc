"""Every error answered alike: an HTTP status and ``{"error": {kind, message, details, request_id}}``.

The one place where the API turns a :class:`~beredt.errors.BeredtError` into a response; request
validation errors (pydantic) and HTTP errors get the same body, so a client reads one shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from beredt.errors import BeredtError, RateLimited

log = logging.getLogger("beredt.api")

#: Error kind → HTTP status.
STATUS = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "unavailable": 503,
    "unauthenticated": 401,
    "forbidden": 403,
    "rate_limited": 429,
}
_KIND_OF_STATUS = {400: "invalid", 405: "method_not_allowed", 413: "too_large", 415: "invalid"}


def error_body(
    request: Request, kind: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The body of every error response."""
    return {
        "error": {
            "kind": kind,
            "message": message,
            "details": details or [],
            "request_id": getattr(request.state, "request_id", None),
        }
    }


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(BeredtError)
    async def beredt_error(request: Request, exc: BeredtError) -> JSONResponse:
        status = STATUS.get(exc.kind, 400)
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        body = error_body(request, exc.kind, str(exc), exc.details())
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": _location(tuple(e.get("loc", ()))), "reason": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        message = "; ".join(f"{d['field']}: {d['reason']}" for d in details[:5])
        body = error_body(request, "invalid", message or "invalid request", details)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = _KIND_OF_STATUS.get(exc.status_code) or {
            404: "not_found", 401: "unauthenticated", 403: "forbidden"
        }.get(exc.status_code, "error")  # fmt: skip
        body = error_body(request, kind, str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s failed", getattr(request.state, "request_id", "?"))
        body = error_body(
            request, "internal", "internal error: the server log has the details (request id)"
        )
        return JSONResponse(body, status_code=500)
