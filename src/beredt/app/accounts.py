"""Accounts, roles, API tokens, password logins and browser sessions (use cases).

Roles (docs/server.md): ``admin`` (accounts and everything), ``authority`` (everything; creates
notices, activates agreements), ``analyst`` (reads everything except producers' prices and
capacities), ``holder`` (a wholesaler or hospital pharmacy: reports and reads its own stock) and
``producer`` (its own company's lines, capabilities, offers, agreements and activations).

Secrets: an API token is 256 random bits shown once and stored as its SHA-256 digest (a digest
of that much randomness cannot be guessed back, and checking it costs nothing per request);
passwords, which people choose, are stored as argon2id hashes. Logins are rate-limited per
account name and per address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from beredt.errors import InvalidInput, RateLimited, Unauthenticated
from beredt.store.server import Account, ServerStore

if TYPE_CHECKING:
    from beredt.store import Store

ROLES = ("admin", "authority", "analyst", "holder", "producer")
#: Prefix of every API token (so a leaked one is recognisable, e.g. by secret scanners).
TOKEN_PREFIX = "bdt_"
#: Failed logins allowed per account name, and per address, in :data:`LOGIN_WINDOW`.
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20
LOGIN_WINDOW = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=12)
MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


def digest(secret: str) -> str:
    """SHA-256 of a token or session cookie, as stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> str:
    """A new API token: the prefix and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_password(password: str) -> None:
    """Refuse a password too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password: at least {MIN_PASSWORD_LENGTH} characters")


@dataclass(frozen=True)
class NewAccount:
    """An account just made and its API token (shown this once, stored only hashed)."""

    account: Account
    token: str


def add_account(
    store: Store,
    name: str,
    role: str,
    *,
    company_id: str | None = None,
    holder: str | None = None,
    password: str | None = None,
    who: str,
) -> NewAccount:
    """Create an account with an API token; producers and holders need their company (or, for a
    holder, the stock holder's name as the ledger writes it)."""
    if not _NAME.match(name):
        raise InvalidInput(
            f"name {name!r}: 1–100 letters, digits or _ . @ + -, starting with a letter or digit"
        )
    if role not in ROLES:
        raise InvalidInput(f"role {role!r}: one of {', '.join(ROLES)}")
    company_name = None
    if company_id is not None:
        bundle = store.export_bundle() if not store.is_empty() else None
        companies = {r["company_id"]: r for r in bundle.rows("companies")} if bundle else {}
        if company_id not in companies:
            raise InvalidInput(f"company {company_id!r}: not a company of the dataset")
        company_name = str(companies[company_id]["name"])
    if role == "producer":
        if company_id is None:
            raise InvalidInput("a producer account needs --company ID (its company)")
        if holder is not None:
            raise InvalidInput("--holder is for holder accounts")
    elif role == "holder":
        holder = holder or company_name
        if holder is None:
            raise InvalidInput(
                "a holder account needs --company ID or --holder NAME (the stock holder's name "
                "as stock reports give it, e.g. 'Sykehusapotek Nord')"
            )
    elif company_id is not None or holder is not None:
        raise InvalidInput(f"a {role} account acts for no company: leave out --company/--holder")
    hashed = None
    if password is not None:
        check_password(password)
        hashed = _hasher.hash(password)
    token = new_token()
    account = ServerStore(store).add_account(
        name,
        role,
        company_id=company_id,
        holder=holder,
        password_hash=hashed,
        token_hash=digest(token),
        token_prefix=token[:12],
        who=who,
    )
    return NewAccount(account, token)


def issue_token(store: Store, name: str, *, who: str) -> str:
    """Another API token for an account (shown once)."""
    token = new_token()
    ServerStore(store).add_token(name, digest(token), token[:12], who=who)
    return token


def set_password(store: Store, name: str, password: str, *, who: str) -> None:
    """Set an account's password (argon2id)."""
    check_password(password)
    ServerStore(store).set_password(name, _hasher.hash(password), who=who)


def verify(password_hash: str, password: str) -> bool:
    """Whether `password` matches an argon2 hash."""
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def account_for_token(store: Store, token: str) -> Account:
    """The account of a bearer token; :class:`Unauthenticated` when unknown or revoked."""
    account = ServerStore(store).account_for_token(digest(token))
    if account is None:
        raise Unauthenticated("the API token is not valid (unknown, revoked or disabled)")
    return account


@dataclass(frozen=True)
class Session:
    """A browser session: the cookie value (shown once) and its CSRF token."""

    account: Account
    cookie: str
    csrf_token: str
    expires_at: dt.datetime


def login(store: Store, name: str, password: str, *, remote: str | None = None) -> Session:
    """Check a password and open a session; rate-limited per name and per address."""
    repo = ServerStore(store)
    now = dt.datetime.now(dt.UTC)
    by_name, by_remote = repo.failures_since(now - LOGIN_WINDOW, name=name, remote=remote)
    if by_name >= MAX_FAILURES_PER_NAME or by_remote >= MAX_FAILURES_PER_ADDRESS:
        raise RateLimited(
            f"too many failed logins: try again in {int(LOGIN_WINDOW.total_seconds() // 60)} "
            "minutes",
            int(LOGIN_WINDOW.total_seconds()),
        )
    found = repo.password_hash(name)
    ok = False
    if found is not None and found[1] is not None and not found[0].disabled:
        try:
            ok = _hasher.verify(found[1], password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        # the same work for an unknown name, so timing does not tell which names exist
        _hasher.hash(password)
    if not ok or found is None:
        repo.failed_login(name, remote)
        raise Unauthenticated("wrong name or password")
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = now + SESSION_LIFETIME
    repo.add_session(found[0], digest(cookie), csrf, expires, remote)
    return Session(found[0], cookie, csrf, expires)


def session_account(store: Store, cookie: str) -> tuple[Account, str] | None:
    """(account, CSRF token) of a live session cookie, or None."""
    return ServerStore(store).session(digest(cookie))


def logout(store: Store, cookie: str, who: str) -> None:
    """End a session."""
    ServerStore(store).end_session(digest(cookie), who)
