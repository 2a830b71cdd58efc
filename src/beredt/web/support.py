"""What every page needs: who is signed in, the language, CSRF, the template, caches, errors.

Sign-in is the API's browser session (:mod:`beredt.api.auth`, :mod:`beredt.app.accounts`): the
same cookie, the same CSRF token, kept in the store and ended after
:data:`beredt.app.accounts.SESSION_LIFETIME`. A form carries the session's CSRF token in a hidden
field (htmx requests in the ``X-CSRF-Token`` header); the login form, made before there is a
session, a random token that must match a cookie of its own (double submit). Who may open a
page is the rule table of :mod:`beredt.app.permissions`, as for the API.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from beredt.api.auth import CSRF_HEADER, session_of
from beredt.app import permissions
from beredt.store.server import Account
from beredt.views.dashboard import cell
from beredt.views.fmt import LANGS
from beredt.views.web_text import web_code, web_column, web_text

HERE = Path(__file__).parent
LANG_COOKIE = "beredt_lang"
LOGIN_CSRF_COOKIE = "beredt_login_csrf"
CSRF_FIELD = "csrf_token"

#: The menu: page key, path, the action of the rule table that opens it.
NAV: tuple[tuple[str, str, str], ...] = (
    ("overview", "/overview", "national.read"),
    ("substances", "/substances", "national.read"),
    ("shortages", "/shortages", "plans.read"),
    ("scenarios", "/scenarios", "jobs.start"),
    ("planner", "/planner", "plans.optimise"),
    ("industry", "/industry", "national.read"),
    ("producer", "/producer", "activations.answer"),
    ("holder", "/holder", "stock.report"),
)

#: Content-Security-Policy of every page: scripts only from the server itself (no inline
#: script), no framing, forms only to the server. Styles allow inline attributes because
#: plotly.js sets element styles as it draws.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class PageError(Exception):
    """A page that cannot be shown: its HTTP status and the text that says why."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


class SignIn(Exception):
    """The visitor must sign in first (redirect to the login form, then back)."""

    def __init__(self, next_path: str, reason: str | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.reason = reason


class Cache:
    """Values derived from the store, recomputed after any write (keyed by the store version)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._values: dict[str, Any] = {}

    def get(self, version: int, key: str, make: Callable[[], Any]) -> Any:
        """The value `key` for this store version (made once per version)."""
        with self._lock:
            if version != self._version:
                self._version = version
                self._values = {}
            if key in self._values:
                return self._values[key]
        value = make()
        with self._lock:
            if version == self._version:
                self._values[key] = value
        return value


def lang_of(request: Request) -> str:
    """The page language: the visitor's choice (cookie), bokmål by default."""
    chosen = request.cookies.get(LANG_COOKIE, "nb")
    return chosen if chosen in LANGS else "nb"


def safe_next(path: str | None) -> str:
    """A local path to go back to (never another site)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def signed_in(request: Request) -> tuple[Account, str] | None:
    """(account, CSRF token) of the visitor's live session, or None."""
    return session_of(request)


def need(request: Request, action: str) -> tuple[Account, str]:
    """The signed-in account and its CSRF token, if its role may do `action`; else sign in
    (no session) or a 403 page."""
    found = signed_in(request)
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignIn(target, "session_ended" if request.cookies.get("beredt_session") else None)
    account, csrf = found
    if not permissions.allowed(account.role, action):
        lang = lang_of(request)
        raise PageError(403, web_text("forbidden_title", lang), web_text("forbidden", lang))
    request.state.account = account.name
    return account, csrf


async def form_of(request: Request, csrf: str) -> Mapping[str, Any]:
    """The posted form, once its CSRF token (field or header) matches the session's."""
    form = await request.form()
    given = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    if not hmac.compare_digest(given.encode(), csrf.encode()):
        lang = lang_of(request)
        raise PageError(403, web_text("forbidden_title", lang), web_text("csrf_failed", lang))
    return form


def home_of(account: Account) -> str:
    """The first page the account's role may open."""
    for _key, path, action in NAV:
        if permissions.allowed(account.role, action):
            return path
    return "/login"


@dataclass
class Page:
    """What a template gets: the account, language, CSRF token and the menu."""

    request: Request
    account: Account | None
    csrf: str
    lang: str
    active: str = ""
    currency: str = "NOK"
    extra: dict[str, Any] = field(default_factory=dict)

    def nav(self) -> list[tuple[str, str, bool]]:
        """(label, path, current) of the pages the account may open."""
        if self.account is None:
            return []
        return [
            (web_text(key, self.lang), path, key == self.active)
            for key, path, action in NAV
            if permissions.allowed(self.account.role, action)
        ]


def renderer(templates: Jinja2Templates) -> Callable[..., HTMLResponse]:
    """A function that renders a template for a :class:`Page`."""

    def render(page: Page, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = page.lang
        currency = page.currency

        def tx(key: str, **values: Any) -> str:
            return web_text(key, lang, **values)

        def tr(text: Any) -> str:
            if text is None:
                return ""
            if isinstance(text, Mapping):
                return str(text.get(lang, text.get("en", "")))
            return str(text)

        def num(value: Any, kind: str = "float") -> str:
            return cell(value, kind, lang, currency)

        def code(value: Any) -> str:
            return web_code(value, lang)

        def web_col(key: str) -> str:
            return str(web_column(key).header[lang])

        def may(action: str) -> bool:
            return page.account is not None and permissions.allowed(page.account.role, action)

        path = page.request.url.path
        switch = [
            (code, name_, f"/lang/{code}?next={quote(path, safe='/')}", code == lang)
            for code, name_ in (("nb", "Norsk bokmål"), ("en", "English"))
        ]
        return templates.TemplateResponse(
            page.request,
            name,
            {
                "page": page,
                "lang": lang,
                "tx": tx,
                "tr": tr,
                "num": num,
                "code": code,
                "web_col": web_col,
                "may": may,
                "switch": switch,
                "csrf_field": CSRF_FIELD,
                **context,
            },
            status_code=status,
        )

    return render


def new_login_token() -> str:
    """A random token for the login form's double-submit check."""
    return secrets.token_urlsafe(24)


def redirect(path: str, status: int = 303) -> Response:
    """Go to `path` (after a form: 303, so a reload does not post again)."""
    return RedirectResponse(path, status_code=status)
