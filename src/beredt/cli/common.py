"""Options and helpers shared by every ``beredt`` command.

One rule for machine output across all commands: ``--json PATH`` writes JSON to a file and
``--json -`` to stdout (human output then goes to stderr so stdout stays valid JSON).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from beredt.results import dumps

#: ``beredt import …``: every importer adds its command to this group (``@import_app.command``).
import_app = typer.Typer(
    help="Import data: a dataset bundle or a public source format.", no_args_is_help=True
)
#: ``beredt export …``: exporters add their command to this group.
export_app = typer.Typer(help="Export data from the store.", no_args_is_help=True)

AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Date the state is taken on (YYYY-MM-DD); default: the dataset's as-of date.",
    ),
]
JsonOption = Annotated[
    str | None,
    typer.Option(
        "--json", metavar="PATH|-", help="Write machine-readable JSON to PATH, or - for stdout."
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        envvar="BEREDT_SCHEDULER",
        help="Run the simulations on Dask: local (or local:N) starts a LocalCluster of N worker "
        "processes on this machine, tcp://HOST:8786 uses a running scheduler; same numbers. "
        "Default: this process.",
        show_envvar=True,
    ),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="BEREDT_DATABASE_URL",
        help="Database URL (default: sqlite:///beredt.db in the current folder).",
        show_envvar=True,
    ),
]


def as_date(value: dt.datetime | dt.date | None) -> dt.date | None:
    """The date part of a typer datetime option."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def console_for(json_target: str | None) -> Console:
    """The console for human output: stderr when JSON goes to stdout, else stdout."""
    return Console(stderr=json_target == "-", highlight=False)


def emit_json(data: Any, json_target: str | None) -> None:
    """Write `data` as JSON to the file `json_target`, or to stdout when it is ``-``."""
    if json_target is None:
        return
    text = dumps(data)
    if json_target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        path = Path(json_target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error to stderr and exit with `code`."""
    console = Console(stderr=True, highlight=False)
    # Problem reports are read and grepped line by line: never wrap them or parse markup.
    console.print("[bold red]error:[/] ", end="")
    console.print(message, markup=False, soft_wrap=True)
    raise typer.Exit(code)


def open_store(url: str | None = None, *, create: bool = True) -> Any:
    """Open the store at `url` (default: ``BEREDT_DATABASE_URL`` or ``./beredt.db``), upgraded."""
    from beredt.store import Store

    store = Store(url)
    if create:
        store.init()
    return store


def load_dataset(as_of: dt.datetime | dt.date | None = None, url: str | None = None) -> Any:
    """The analytic snapshot of the store on `as_of`; exits with a hint when the store is empty."""
    store = open_store(url)
    if store.is_empty():
        fail(
            f"the store at {store.display_url} holds no dataset: "
            "run `beredt import bundle PATH` (or `beredt run`) first"
        )
    return store.load_dataset(as_date(as_of))


@contextlib.contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr (only on a terminal); yields a ``progress(done, total)``."""
    console = Console(stderr=True)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=total)

        def update(done: int, new_total: int) -> None:
            progress.update(task, completed=done, total=new_total)

        yield update
