"""``beredt serve`` (the HTTP API) and ``beredt user`` (accounts, tokens, passwords)."""

from __future__ import annotations

import getpass
import logging
import os
import sys
from typing import Annotated

import typer

from beredt.cli.common import DatabaseOption, SchedulerOption, fail, make_console, open_store
from beredt.views.terminal import data_table, show

user_app = typer.Typer(help="Accounts of the server: roles, API tokens, passwords.")


def _operator() -> str:
    """Who runs the command (recorded in the audit log)."""
    try:
        return os.environ.get("BEREDT_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _password_from_stdin(flag: bool) -> str | None:
    if not flag:
        return None
    line = sys.stdin.readline()
    if not line:
        fail("--password-stdin: nothing on standard input", code=2)
    return line.rstrip("\r\n")


def user_add(
    name: Annotated[str, typer.Argument(help="Account name (letters, digits, _ . @ + -).")],
    role: Annotated[
        str, typer.Option("--role", help="admin, authority, analyst, holder or producer.")
    ],
    company: Annotated[
        str | None,
        typer.Option("--company", metavar="ID", help="The company a producer or holder acts for."),
    ] = None,
    holder: Annotated[
        str | None,
        typer.Option(
            "--holder",
            metavar="NAME",
            help="A holder's name as its stock reports give it (default: its company's name), "
            "e.g. a hospital pharmacy that is no company of the dataset.",
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read a password for browser sign-in from stdin."),
    ] = False,
    db: DatabaseOption = None,
) -> None:
    """Create an account; prints its API token (shown once) alone on the last line."""
    from beredt.app.accounts import add_account

    password = _password_from_stdin(password_stdin)
    made = add_account(
        open_store(db),
        name,
        role,
        company_id=company,
        holder=holder,
        password=password,
        who=_operator(),
    )
    account = made.account
    acts_for = account.company_id or account.holder
    sys.stdout.write(
        f"account {account.name} ({account.role}{', ' + acts_for if acts_for else ''}) created; "
        "its API token, shown this once (send it as 'Authorization: Bearer TOKEN'):\n"
    )
    sys.stdout.write(made.token + "\n")


def user_token(
    name: Annotated[str, typer.Argument(help="Account name.")], db: DatabaseOption = None
) -> None:
    """Give an account another API token; prints it alone on the last line."""
    from beredt.app.accounts import issue_token

    token = issue_token(open_store(db), name, who=_operator())
    sys.stdout.write(f"a new API token for {name}, shown this once:\n{token}\n")


def user_password(
    name: Annotated[str, typer.Argument(help="Account name.")], db: DatabaseOption = None
) -> None:
    """Set an account's password for browser sign-in, read from stdin (never prompted)."""
    from beredt.app.accounts import set_password

    password = _password_from_stdin(True)
    assert password is not None
    set_password(open_store(db), name, password, who=_operator())
    make_console().print(f"password of {name} set")


def user_list(db: DatabaseOption = None) -> None:
    """Every account: role, company or holder, whether it has a password."""
    from beredt.store.server import ServerStore

    table = data_table(
        ("name", "id"),
        ("role", "text"),
        ("company / holder", "name"),
        ("password", "text"),
        ("created (UTC)", "number"),
        title="Accounts",
        show_edge=False,
    )
    for a in ServerStore(open_store(db)).list_accounts():
        table.add_row(
            a.name,
            a.role + (" (disabled)" if a.disabled else ""),
            a.company_id or a.holder or "",
            "yes" if a.has_password else "no",
            a.created_at.isoformat(sep=" ", timespec="minutes"),
        )
    show(make_console(), table)


def _quiet_dask(record: logging.LogRecord) -> bool:
    """Pass warnings and errors of Dask's loggers, and everything else."""
    return record.levelno >= logging.WARNING or not record.name.startswith("distributed")


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    job_workers: Annotated[
        int,
        typer.Option(
            "--job-workers", min=0, help="Background analyses run at once (0: queue only)."
        ),
    ] = 1,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", metavar="URL", help="Allow browser pages of this origin."),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning.")] = "info",
    scheduler: SchedulerOption = None,
    db: DatabaseOption = None,
) -> None:
    """Serve the HTTP API (FastAPI on uvicorn) on the store; docs at /api/v1/docs.

    With --scheduler the background jobs simulate on Dask workers (same numbers)."""

    import uvicorn

    from beredt.api import create_app
    from beredt.sim.distributed import check_scheduler

    if log_level not in ("debug", "info", "warning", "error"):
        fail(f"--log-level must be debug, info, warning or error, not {log_level!r}", code=2)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if log_level != "debug":
        # Dask's scheduler, nanny and workers log every connection at info (their loggers set
        # their own levels); the jobs' log line says where they simulate
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_dask)
    store = open_store(db)  # fails now, with the reason, when the database cannot be opened
    url = store.url
    store.dispose()
    check_scheduler(scheduler)  # likewise a scheduler that does not answer
    app = create_app(
        url, cors_origins=cors_origin or (), job_workers=job_workers, scheduler=scheduler
    )
    where = f"; jobs simulate on {scheduler}" if scheduler else ""
    make_console(stderr=True).print(
        f"serving {store.display_url} on http://{host}:{port}/api/v1 (docs: /api/v1/docs){where}"
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``user``."""
    app.command("serve")(serve)
    user_app.command("add")(user_add)
    user_app.command("token")(user_token)
    user_app.command("password")(user_password)
    user_app.command("list")(user_list)
    app.add_typer(user_app, name="user")
