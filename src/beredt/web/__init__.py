"""The web dashboard: server-rendered pages for every role, in bokmål and English.

Mounted on the API's app (:func:`beredt.api.create_app`), so ``beredt serve`` serves both from
one process, one store and one set of accounts. Pages are Jinja2 templates
(``web/templates``) with small progressive enhancement: htmx (vendored in ``web/static``) polls a
job's progress, and a script of our own draws the charts with the plotly.js that the Python
``plotly`` package ships, served from this server. No page loads anything from elsewhere; the
Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from beredt.errors import BeredtError
from beredt.views.web_text import web_text
from beredt.web.support import (
    HERE,
    SECURITY_HEADERS,
    Cache,
    Page,
    PageError,
    SignIn,
    lang_of,
    renderer,
)

log = logging.getLogger("beredt.web")
API_PREFIX = "/api/"
#: Status of an error kind of :mod:`beredt.errors` on a page.
_STATUS = {"not_found": 404, "forbidden": 403, "unauthenticated": 401, "conflict": 409}


@cache
def plotly_js() -> bytes:
    """The plotly.js bundle of the installed ``plotly`` package."""
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


def is_page(path: str) -> bool:
    """Whether a path belongs to the dashboard (not the API)."""
    return not path.startswith(API_PREFIX) and path != API_PREFIX.rstrip("/")


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """An error as a page in the visitor's language."""
    from beredt.web.support import signed_in

    found = signed_in(request)
    page = Page(request, found[0] if found else None, found[1] if found else "", lang_of(request))
    render = request.app.state.render
    return render(page, "error.html", status, title=title, message=message, flash=None)


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and security headers on the API's app."""
    from beredt.web.pages import router

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True
    templates.env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    app.state.render = renderer(templates)
    app.state.web_cache = Cache()
    app.state.html_error = html_error

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> Response:
        """plotly.js from the installed package (cached by the browser for a day)."""
        return Response(
            plotly_js(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(router)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> HTMLResponse:
        return error_page(request, exc.status, exc.title, exc.message)

    @app.exception_handler(SignIn)
    async def sign_in(request: Request, exc: SignIn) -> Response:
        from urllib.parse import urlencode

        query = {"next": exc.next_path}
        if exc.reason:
            query["reason"] = exc.reason
        if request.headers.get("HX-Request"):
            # htmx follows no redirect to a full page: it is told to load the login page
            return Response(status_code=204, headers={"HX-Redirect": "/login?" + urlencode(query)})
        return RedirectResponse("/login?" + urlencode(query), status_code=303)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if is_page(request.url.path):
            for name, value in SECURITY_HEADERS.items():
                response.headers[name] = value
            if not request.url.path.startswith("/static/"):
                response.headers["Cache-Control"] = "no-store"
        return response


def html_error(request: Request, status: int, exc: Exception | None) -> Response | None:
    """An error raised under a page as an HTML page (None: the path is the API's)."""
    if not is_page(request.url.path):
        return None
    lang = lang_of(request)
    if status == 404:
        return error_page(
            request, 404, web_text("not_found_title", lang), web_text("not_found", lang)
        )
    if status == 403:
        return error_page(
            request, 403, web_text("forbidden_title", lang), web_text("forbidden", lang)
        )
    if isinstance(exc, BeredtError) and status < 500:
        return error_page(request, status, web_text("error_title", lang), str(exc))
    rid = getattr(request.state, "request_id", "?")
    return error_page(
        request, status, web_text("error_title", lang), web_text("error", lang, rid=rid)
    )


def status_of(exc: Any) -> int:
    """The HTTP status of an error on a page."""
    if isinstance(exc, StarletteHTTPException):
        return int(exc.status_code)
    if isinstance(exc, BeredtError):
        return _STATUS.get(exc.kind, 422)
    return 500
