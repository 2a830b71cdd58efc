"""Health, sign-in (sessions), accounts and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import StringConstraints

import beredt
from beredt.api.auth import (
    ANYONE,
    AUTHORITY,
    SESSION_COOKIE,
    current_account,
    require,
)
from beredt.api.common import Limit, Offset, Page, page, store_of
from beredt.api.schemas import AccountIn, LoginIn, Name, PasswordIn
from beredt.app import accounts
from beredt.errors import NotFound, Unauthenticated
from beredt.store.server import Account, ServerStore

router = APIRouter()


@router.get("/health", tags=["system"])
def health(request: Request) -> dict[str, Any]:
    """Whether the server and its database answer (no sign-in needed)."""
    store = store_of(request)
    revision = store.current_revision()
    return {
        "status": "ok",
        "version": beredt.__version__,
        "database": store.display_url.split("://")[0],
        "schema_revision": revision,
        "dataset": not store.is_empty(),
    }


@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
    """Sign in with a password: sets the session cookie; returns the account and the CSRF token
    to send as ``X-CSRF-Token`` with every write."""
    remote = request.client.host if request.client else None
    session = accounts.login(store_of(request), body.name, body.password, remote=remote)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return {
        "account": session.account.public(),
        "csrf_token": session.csrf_token,
        "expires_at": session.expires_at,
    }


@router.post("/auth/logout", tags=["auth"])
def logout(
    request: Request, response: Response, account: Account = Depends(current_account)
) -> dict[str, Any]:
    """End the browser session (a bearer token stays valid)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.logout(store_of(request), cookie, account.name)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"logged_out": bool(cookie)}


@router.get("/auth/me", tags=["auth"])
def me(account: Account = Depends(require(*ANYONE))) -> dict[str, Any]:
    """The signed-in account."""
    return account.public()


@router.post("/auth/password", tags=["auth"])
def change_password(
    body: PasswordIn, request: Request, account: Account = Depends(current_account)
) -> dict[str, Any]:
    """Change the signed-in account's password (the current one is asked for)."""
    store = store_of(request)
    found = ServerStore(store).password_hash(account.name)
    if found is None or found[1] is None or not accounts.verify(found[1], body.current_password):
        raise Unauthenticated("current_password: wrong password")
    accounts.set_password(store, account.name, body.new_password, who=account.name)
    return {"changed": True}


@router.get("/accounts", tags=["accounts"], response_model=Page)
def list_accounts(
    request: Request,
    limit: Limit = 100,
    offset: Offset = 0,
    role: Annotated[str | None, Query(pattern="^[a-z]{1,16}$")] = None,
    _: Account = Depends(require("admin")),
) -> Page:
    """Every account (admin)."""
    found = [a.public() for a in ServerStore(store_of(request)).list_accounts()]
    return page([a for a in found if role is None or a["role"] == role], limit, offset)


@router.post("/accounts", tags=["accounts"], status_code=201)
def add_account(
    body: AccountIn, request: Request, admin: Account = Depends(require("admin"))
) -> dict[str, Any]:
    """Create an account (admin); the answer holds its API token, shown this once."""
    made = accounts.add_account(
        store_of(request),
        body.name,
        body.role,
        company_id=body.company_id,
        holder=body.holder,
        password=body.password,
        who=admin.name,
    )
    return {"account": made.account.public(), "token": made.token}


@router.post("/accounts/{name}/tokens", tags=["accounts"], status_code=201)
def add_token(
    name: Name, request: Request, admin: Account = Depends(require("admin"))
) -> dict[str, Any]:
    """Another API token for an account (admin), shown this once."""
    store = store_of(request)
    if ServerStore(store).account(name) is None:
        raise NotFound(f"no account named {name!r}")
    return {"name": name, "token": accounts.issue_token(store, name, who=admin.name)}


@router.get("/audit", tags=["audit"], response_model=Page)
def audit(
    request: Request,
    limit: Limit = 100,
    offset: Offset = 0,
    search: Annotated[
        str | None, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"), Query()
    ] = None,
    _: Account = Depends(require(*AUTHORITY)),
) -> Page:
    """The audit log, newest first: who wrote what, when (UTC); `search` finds a word in it."""
    events = store_of(request).audit(limit + offset, containing=search)
    return Page(items=events[offset:], total=len(events), limit=limit, offset=offset)
