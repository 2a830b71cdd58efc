"""Who is calling: a bearer token (``Authorization: Bearer bdt_…``) or a browser session cookie.

A request authenticated by its session cookie that writes (POST, PATCH, PUT, DELETE) must also
send the session's CSRF token in ``X-CSRF-Token``: a cookie goes along with any request a
browser makes, a header only with the page's own. Bearer tokens need no such check.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request

from beredt.app import accounts
from beredt.errors import Forbidden, Unauthenticated
from beredt.store.server import Account

SESSION_COOKIE = "beredt_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE = {"GET", "HEAD", "OPTIONS"}


def current_account(request: Request) -> Account:
    """The calling account; 401 without valid credentials."""
    store = request.app.state.store
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization: give 'Bearer TOKEN'")
        account = accounts.account_for_token(store, token.strip())
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        found = accounts.session_account(store, cookie) if cookie else None
        if found is None:
            raise Unauthenticated(
                "sign in: send 'Authorization: Bearer TOKEN' (beredt user add prints one) or "
                "log in at /api/v1/auth/login"
            )
        account, csrf = found
        if request.method not in _SAFE and request.headers.get(CSRF_HEADER) != csrf:
            raise Forbidden(f"{CSRF_HEADER}: missing or wrong for this session")
    request.state.account = account.name
    return account


def require(*roles: str) -> Callable[..., Account]:
    """A dependency: the calling account, which must have one of `roles` (403 otherwise)."""

    def dependency(account: Account = Depends(current_account)) -> Account:
        if account.role not in roles:
            raise Forbidden(f"the {account.role} role may not do this")
        return account

    return dependency


#: Everybody signed in.
ANYONE = ("admin", "authority", "analyst", "holder", "producer")
#: Who sees the national picture.
READERS = ("admin", "authority", "analyst")
#: Who decides: notices, activations, plans.
AUTHORITY = ("admin", "authority")
