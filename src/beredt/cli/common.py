"""Options and helpers shared by every ``beredt`` command.

One rule for machine output across all commands: ``--json PATH`` writes JSON to a file and
``--json -`` to stdout (human output then goes to stderr so stdout stays valid JSON).

Every console comes from :func:`make_console`: data (names, titles, file names) is printed as it
is, never parsed as rich markup or emoji codes, so ``[/]`` in a name or ``:100:`` in a problem
line prints literally. Styling is given as :class:`rich.text.Text` spans, never as markup.
A command that writes to the store validates everything it will print before the commit and
reports the commit with :func:`after_commit`, which cannot fail the command.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text

from beredt.app.context import as_date, default_as_of  # noqa: F401  (shared with commands)
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
        help="Date the state is taken on (YYYY-MM-DD); default: the bundle's as-of date, or "
        "the newest ledger entry's date when later (a stock entry, a notice becoming known).",
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


def make_console(*, stderr: bool = False) -> Console:
    """A console that prints text as it is: no markup, no emoji codes, no highlighting."""
    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


def console_for(json_target: str | None) -> Console:
    """The console for human output: stderr when JSON goes to stdout, else stdout."""
    return make_console(stderr=json_target == "-")


def styled(*parts: str | tuple[str, str]) -> Text:
    """Text from plain parts and (text, style) parts; the text is never read as markup."""
    return Text.assemble(*parts)


def note_line(note: str, label: str = "note") -> Text:
    """A yellow ``note:`` label followed by `note` as plain text."""
    return styled((f"{label}:", "yellow"), " ", note)


def check_json_target(json_target: str | None) -> None:
    """Fail now (before a write) when the JSON file could not be written afterwards."""
    if json_target is None or json_target == "-":
        return
    path = Path(json_target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--json {json_target}: cannot create its folder ({exc.strerror or exc})")
    if path.is_dir():
        fail(f"--json {json_target}: is a folder, not a file")
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        fail(f"--json {json_target}: not writable")


def after_commit(
    console: Console, message: RenderableType, data: Any, json_target: str | None
) -> None:
    """Report a committed write (message, then JSON); a failure to print cannot fail the command.

    The store has changed when this runs, so an exit code ≠ 0 would invite a retry that writes
    twice: a closed pipe or an unencodable terminal costs the message, not the command's result.
    """
    with contextlib.suppress(OSError, UnicodeError, ValueError):
        console.print(message, soft_wrap=True)
    try:
        emit_json(data, json_target)
    except (OSError, UnicodeError, ValueError) as exc:
        with contextlib.suppress(OSError, UnicodeError, ValueError):
            sys.stderr.write(
                f"warning: written to the store, but the JSON was not written: {exc}\n"
            )


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
    console = make_console(stderr=True)
    # Problem reports are read and grepped line by line: never wrap them or parse markup.
    console.print(styled(("error:", "bold red"), " ", message), soft_wrap=True)
    raise typer.Exit(code)


def fail_unknown(
    what: str,
    value: str,
    known: Collection[Any],
    listing: str,
    *,
    where: str = "",
    names: Mapping[str, str] | None = None,
    code: int = 1,
) -> NoReturn:
    """Fail on an unknown id ("no `what` 'value' `where`"): at most five close ids (found by id,
    or by `names`: id → name) and where to list them all, never the whole list."""
    from beredt.views.terminal import did_you_mean

    hint = did_you_mean(value, known, names=names)
    count = f"{len(known):,} known" if known else "none known"
    place = f" {where}" if where else ""
    fail(f"no {what} {value!r}{place}{'; ' + hint if hint else ''} ({count}; {listing})", code=code)


def open_store(url: str | None = None, *, create: bool = True) -> Any:
    """Open the store at `url` (default: ``BEREDT_DATABASE_URL`` or ``./beredt.db``), upgraded.

    A database that cannot be opened ends the command with the reason on one line (exit 3).
    """
    from beredt.app import context
    from beredt.store import StoreUnavailable

    try:
        return context.open_store(url, create=create)
    except StoreUnavailable as exc:
        fail(str(exc), code=3)


def load_dataset(as_of: dt.datetime | dt.date | None = None, url: str | None = None) -> Any:
    """The analytic snapshot of the store on `as_of` (default: :func:`default_as_of`); exits
    with a hint when the store is empty."""
    from beredt.app.context import EmptyStore, dataset_on

    try:
        return dataset_on(open_store(url), as_of)
    except EmptyStore as exc:
        fail(str(exc))


#: A progress callback: ``progress(done, total)``, or with what is being done now as well.
ProgressUpdate = Callable[..., None]


@contextlib.contextmanager
def progress_bar(description: str, total: int) -> Iterator[ProgressUpdate]:
    """A rich progress bar on stderr (only on a terminal); yields ``progress(done, total)``,
    which library functions take as their ``progress=``; ``progress(done, total, text)`` also
    says what is being done now."""
    console = make_console(stderr=True)
    # The counts and times keep their width; the text may be shortened and the bar gives way.
    text_width = min(36, max(12, console.width // 3))
    counts_width = 2 * len(f"{max(total, 0):,}".replace(",", "")) + 1
    bar_width = max(5, console.width - text_width - counts_width - 2 * 7 - 4)
    with Progress(
        TextColumn(
            "{task.description}",
            style="progress.description",
            markup=False,
            table_column=Column(width=text_width, no_wrap=True, overflow="ellipsis"),
        ),
        BarColumn(bar_width=bar_width),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=total)

        def update(done: int, new_total: int, now: str | None = None) -> None:
            if now is None:
                progress.update(task, completed=done, total=new_total)
            else:
                progress.update(task, completed=done, total=new_total, description=now)

        yield update
