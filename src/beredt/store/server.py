"""The shared system's tables: accounts, tokens, sessions, login attempts, activations, jobs.

The SQL of the server's repositories (DESIGN.md §1: the store is the only code that speaks SQL).
Secrets never reach the database in clear: tokens and session cookies are stored as SHA-256
digests, passwords as argon2id hashes made by the caller. Every write that changes what a user
may do or what a producer is asked goes into the audit log with the account that made it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from beredt.errors import Conflict, NotFound
from beredt.store.store import Store
from beredt.store.tables import accounts, activations, api_tokens, jobs, login_attempts, sessions


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Account:
    """An account: its role, and the company (producer, holder) or stock holder it acts for."""

    account_id: int
    name: str
    role: str
    company_id: str | None
    holder: str | None
    disabled: bool
    has_password: bool
    created_at: dt.datetime

    def public(self) -> dict[str, Any]:
        """The account as the API shows it (never a hash)."""
        return {
            "account_id": self.account_id,
            "name": self.name,
            "role": self.role,
            "company_id": self.company_id,
            "holder": self.holder,
            "disabled": self.disabled,
            "has_password": self.has_password,
            "created_at": self.created_at,
        }


def _account(row: Any) -> Account:
    return Account(
        account_id=int(row["account_id"]),
        name=str(row["name"]),
        role=str(row["role"]),
        company_id=row["company_id"],
        holder=row["holder"],
        disabled=bool(row["disabled"]),
        has_password=row["password_hash"] is not None,
        created_at=row["created_at"],
    )


class ServerStore:
    """Repositories of the server's own records, on a :class:`~beredt.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- accounts -----------------------------------------------------------------------------
    def add_account(
        self,
        name: str,
        role: str,
        *,
        company_id: str | None,
        holder: str | None,
        password_hash: str | None,
        token_hash: str,
        token_prefix: str,
        who: str,
    ) -> Account:
        """Create an account with its first API token (both audited); the name must be new."""
        with self.store.writing() as conn:
            taken = conn.execute(sa.select(accounts.c.account_id).where(accounts.c.name == name))
            if taken.first() is not None:
                raise Conflict(f"an account named {name!r} exists already")
            now = _now()
            result = conn.execute(
                accounts.insert().values(
                    name=name,
                    role=role,
                    company_id=company_id,
                    holder=holder,
                    password_hash=password_hash,
                    disabled=False,
                    created_at=now,
                    created_by=who,
                )
            )
            assert result.inserted_primary_key is not None
            account_id = int(result.inserted_primary_key[0])
            conn.execute(
                api_tokens.insert().values(
                    account_id=account_id,
                    token_hash=token_hash,
                    prefix=token_prefix,
                    created_at=now,
                )
            )
            detail = {"account": name, "role": role, "company_id": company_id, "holder": holder}
            self.store.audit_event(conn, who, "add account", detail)
            row = conn.execute(sa.select(accounts).where(accounts.c.account_id == account_id))
            return _account(row.mappings().one())

    def account(self, name: str) -> Account | None:
        """The account of that name, or None."""
        with self.store.reading() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).mappings()
            found = row.first()
        return None if found is None else _account(found)

    def password_hash(self, name: str) -> tuple[Account, str | None] | None:
        """(account, its password hash) by name, or None: for a login to verify."""
        with self.store.reading() as conn:
            found = conn.execute(sa.select(accounts).where(accounts.c.name == name))
            row = found.mappings().first()
        return None if row is None else (_account(row), row["password_hash"])

    def list_accounts(self) -> list[Account]:
        """Every account, by name."""
        with self.store.reading() as conn:
            rows = conn.execute(sa.select(accounts).order_by(accounts.c.name)).mappings()
            return [_account(r) for r in rows]

    def set_password(self, name: str, password_hash: str, *, who: str) -> None:
        """Set an account's password hash (audited, never the hash itself)."""
        with self.store.writing() as conn:
            done = conn.execute(
                accounts.update().where(accounts.c.name == name).values(password_hash=password_hash)
            )
            if done.rowcount == 0:
                raise NotFound(f"no account named {name!r}")
            self.store.audit_event(conn, who, "set password", {"account": name})

    def add_token(self, name: str, token_hash: str, prefix: str, *, who: str) -> None:
        """Give an account another API token (audited by prefix)."""
        with self.store.writing() as conn:
            found = conn.execute(sa.select(accounts.c.account_id).where(accounts.c.name == name))
            account_id = found.scalar_one_or_none()
            if account_id is None:
                raise NotFound(f"no account named {name!r}")
            conn.execute(
                api_tokens.insert().values(
                    account_id=account_id, token_hash=token_hash, prefix=prefix, created_at=_now()
                )
            )
            self.store.audit_event(conn, who, "add token", {"account": name, "prefix": prefix})

    def account_for_token(self, token_hash: str) -> Account | None:
        """The enabled account holding this (unrevoked) token, or None."""
        query = (
            sa.select(accounts)
            .join(api_tokens, api_tokens.c.account_id == accounts.c.account_id)
            .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
        )
        with self.store.engine.connect() as conn:  # one statement: no snapshot needed
            row = conn.execute(query).mappings().first()
        if row is None or row["disabled"]:
            return None
        return _account(row)

    # --- browser sessions and logins -------------------------------------------------------------
    def add_session(
        self,
        account: Account,
        session_hash: str,
        csrf_token: str,
        expires_at: dt.datetime,
        remote: str | None,
    ) -> None:
        """Record a successful login and its session (audited)."""
        with self.store.writing() as conn:
            now = _now()
            conn.execute(
                sessions.insert().values(
                    session_hash=session_hash,
                    account_id=account.account_id,
                    csrf_token=csrf_token,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            conn.execute(
                login_attempts.insert().values(
                    name=account.name, remote=remote, at=now, succeeded=True
                )
            )
            self.store.audit_event(conn, account.name, "login", {"remote": remote})

    def failed_login(self, name: str, remote: str | None) -> None:
        """Record a failed login (for rate limiting)."""
        with self.store.writing() as conn:
            conn.execute(
                login_attempts.insert().values(name=name, remote=remote, at=_now(), succeeded=False)
            )

    def failures_since(
        self, since: dt.datetime, *, name: str, remote: str | None
    ) -> tuple[int, int]:
        """Failed logins since `since`: (for this name, from this address)."""
        failed = login_attempts.c.succeeded.is_(False) & (login_attempts.c.at >= since)
        with self.store.reading() as conn:
            by_name = conn.execute(
                sa.select(sa.func.count()).where(failed, login_attempts.c.name == name)
            ).scalar_one()
            by_remote = (
                conn.execute(
                    sa.select(sa.func.count()).where(failed, login_attempts.c.remote == remote)
                ).scalar_one()
                if remote
                else 0
            )
        return int(by_name), int(by_remote)

    def session(self, session_hash: str) -> tuple[Account, str] | None:
        """(account, CSRF token) of a live session, or None."""
        query = (
            sa.select(accounts, sessions.c.csrf_token, sessions.c.expires_at)
            .join(sessions, sessions.c.account_id == accounts.c.account_id)
            .where(sessions.c.session_hash == session_hash)
        )
        with self.store.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None or row["disabled"] or row["expires_at"] <= _now():
            return None
        return _account(row), str(row["csrf_token"])

    def end_session(self, session_hash: str, who: str) -> None:
        """Delete a session (logout)."""
        with self.store.writing() as conn:
            conn.execute(sessions.delete().where(sessions.c.session_hash == session_hash))
            self.store.audit_event(conn, who, "logout", {})

    # --- activations ----------------------------------------------------------------------------
    def add_activation(self, values: Mapping[str, Any], *, who: str) -> dict[str, Any]:
        """Record an activation (audited); returns it with its id."""
        with self.store.writing() as conn:
            generation = self.store.generation(conn)
            result = conn.execute(
                activations.insert().values(
                    **values, generation=generation, created_at=_now(), created_by=who
                )
            )
            assert result.inserted_primary_key is not None
            activation_id = int(result.inserted_primary_key[0])
            detail = {"activation_id": activation_id, **_jsonable(values)}
            self.store.audit_event(conn, who, "activate", detail)
            row = conn.execute(
                sa.select(activations).where(activations.c.activation_id == activation_id)
            )
            return dict(row.mappings().one())

    def activation(self, activation_id: int) -> dict[str, Any] | None:
        """One activation, or None."""
        with self.store.reading() as conn:
            row = conn.execute(
                sa.select(activations).where(activations.c.activation_id == activation_id)
            ).mappings()
            found = row.first()
        return None if found is None else dict(found)

    def list_activations(
        self, *, company_id: str | None = None, notice_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Activations, oldest first, of one company and/or one notice."""
        query = sa.select(activations).order_by(activations.c.activation_id)
        if company_id is not None:
            query = query.where(activations.c.company_id == company_id)
        if notice_id is not None:
            query = query.where(activations.c.notice_id == notice_id)
        with self.store.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def answer_activation(
        self, activation_id: int, values: Mapping[str, Any], *, who: str
    ) -> dict[str, Any]:
        """Record a producer's answer to a requested activation (once; audited)."""
        with self.store.writing() as conn:
            condition = activations.c.activation_id == activation_id
            row = conn.execute(sa.select(activations).where(condition)).mappings().first()
            if row is None:
                raise NotFound(f"no activation {activation_id}")
            if row["status"] != "requested":
                raise Conflict(
                    f"activation {activation_id} was already answered ({row['status']} on "
                    f"{row['answered_at']:%Y-%m-%d} by {row['answered_by']})"
                )
            conn.execute(
                activations.update()
                .where(condition)
                .values(**values, answered_at=_now(), answered_by=who)
            )
            detail = {"activation_id": activation_id, **_jsonable(values)}
            self.store.audit_event(conn, who, f"activation {values['status']}", detail)
            return dict(conn.execute(sa.select(activations).where(condition)).mappings().one())

    # --- background jobs -----------------------------------------------------------------------
    def add_job(self, job_id: str, kind: str, parameters: Mapping[str, Any], *, who: str) -> None:
        """Queue a job (audited)."""
        with self.store.writing() as conn:
            conn.execute(
                jobs.insert().values(
                    job_id=job_id,
                    kind=kind,
                    parameters=json.dumps(parameters, sort_keys=True, default=str),
                    status="queued",
                    progress_done=0,
                    progress_total=0,
                    created_at=_now(),
                    created_by=who,
                )
            )
            detail = {"job_id": job_id, "kind": kind, "parameters": _jsonable(parameters)}
            self.store.audit_event(conn, who, "start job", detail)

    def update_job(self, job_id: str, **values: Any) -> None:
        """Change a job's status, progress, error or result (not audited: no user's write)."""
        with self.store.engine.begin() as conn:  # no write lock: only this job's row changes
            conn.execute(jobs.update().where(jobs.c.job_id == job_id).values(**values))

    def job(self, job_id: str, *, with_result: bool = False) -> dict[str, Any] | None:
        """One job (its result only when asked), or None."""
        columns = [c for c in jobs.c if with_result or c.name != "result"]
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(*columns).where(jobs.c.job_id == job_id)).mappings()
            found = row.first()
        return None if found is None else _job(found)

    def list_jobs(self, *, created_by: str | None = None) -> list[dict[str, Any]]:
        """Jobs, newest first, without results."""
        columns = [c for c in jobs.c if c.name != "result"]
        query = sa.select(*columns).order_by(jobs.c.created_at.desc(), jobs.c.job_id)
        if created_by is not None:
            query = query.where(jobs.c.created_by == created_by)
        with self.store.engine.connect() as conn:
            return [_job(r) for r in conn.execute(query).mappings()]

    def fail_unfinished_jobs(self, reason: str) -> int:
        """Mark jobs left queued or running (by a server that stopped) as failed."""
        with self.store.engine.begin() as conn:
            done = conn.execute(
                jobs.update()
                .where(jobs.c.status.in_(("queued", "running")))
                .values(status="failed", error=reason, finished_at=_now())
            )
            return int(done.rowcount)


def _job(row: Any) -> dict[str, Any]:
    job = dict(row)
    job["parameters"] = json.loads(job["parameters"])
    if job.get("result") is not None:
        job["result"] = json.loads(job["result"])
    return job


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
