"""``beredt import fest|atc|ema|openfda|dmp FILE``: the public-format importers.

Each command parses and matches the whole file against the store's current state, validates the
merge, then writes by natural key (all or nothing; a re-import changes nothing) and prints what it
created, updated and left unchanged, and what it could not match.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType

from beredt.cli.common import (
    DatabaseOption,
    JsonOption,
    after_commit,
    check_json_target,
    console_for,
    emit_json,
    fail,
    import_app,
    open_store,
    progress_bar,
)
from beredt.domain.bundle import Bundle
from beredt.ingest.atc_ddd import DEFAULT_ROUTES, read_atc_ddd
from beredt.ingest.errors import ImportRejected
from beredt.ingest.fest import read_fest
from beredt.ingest.shortages_dmp import read_dmp_shortages
from beredt.ingest.shortages_ema import read_ema_shortages
from beredt.ingest.shortages_openfda import read_openfda_shortages
from beredt.ingest.sources import EntityChange, Note, SourceImport, plan_changes, write_import
from beredt.store import StoreError
from beredt.views.terminal import data_table

FileArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="File to import.")
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Parse, match and validate; show what would change; write nothing."
    ),
]
WhoOption = Annotated[str | None, typer.Option("--who", help="Recorded by (default: user).")]
EncodingOption = Annotated[
    str, typer.Option("--encoding", help="Text encoding of the file (e.g. cp1252).")
]
SHOWN_NOTES = 10


def _run(
    label: str,
    parse: Callable[[Bundle], SourceImport],
    *,
    dry_run: bool,
    who: str | None,
    db: str | None,
    json_target: str | None,
) -> None:
    """Parse against the store's state, write (unless a dry run) and report."""
    console = console_for(json_target)
    check_json_target(json_target)
    store = open_store(db)
    if store.is_empty():
        fail(
            f"the store at {store.display_url} holds no dataset: run `beredt import bundle PATH` "
            f"first; {label} adds to a dataset",
            code=3,
        )
    try:
        result = parse(store.export_bundle())
        changes = plan_changes(store.export_bundle(), result) if dry_run else None
        if changes is None:
            changes = write_import(store, result, who=who)
    except ImportRejected as exc:
        emit_json(
            {"source": label, "rejected": True, "problems": [str(p) for p in exc.problems]},
            json_target,
        )
        fail(str(exc), code=2)
    except StoreError as exc:
        fail(str(exc), code=3)
    after_commit(
        console, _report(result, changes, dry_run), _summary(result, changes, dry_run), json_target
    )


def _summary(
    result: SourceImport, changes: dict[str, EntityChange], dry_run: bool
) -> dict[str, Any]:
    return {
        "source": result.source,
        "file": result.file,
        "dry_run": dry_run,
        "records": result.records,
        "changes": {
            stem: {"created": c.inserted, "updated": c.updated, "unchanged": c.unchanged}
            for stem, c in changes.items()
        },
        "created": sum(c.inserted for c in changes.values()),
        "updated": sum(c.updated for c in changes.values()),
        "unchanged": sum(c.unchanged for c in changes.values()),
        "unmatched": [_note(n) for n in result.unmatched],
        "skipped": [_note(n) for n in result.skipped],
        "skipped_by_reason": result.skipped_by_reason(),
        "warnings": [_note(n) for n in result.warnings],
    }


def _note(note: Note) -> dict[str, Any]:
    return {"file": note.file, "line": note.line, "key": note.key, "reason": note.reason}


def _report(result: SourceImport, changes: dict[str, EntityChange], dry_run: bool) -> Group:
    """What the import did, as one renderable (printed once the write has committed)."""
    lines: list[RenderableType] = []
    verb = "would import" if dry_run else "imported"
    lines.append(f"{result.source}: {verb} {result.file} ({result.records} records)")
    table = data_table(
        ("entity", "name"),
        ("created", "number"),
        ("updated", "number"),
        ("unchanged", "number"),
        show_edge=False,
    )
    for stem, change in changes.items():
        table.add_row(stem, str(change.inserted), str(change.updated), str(change.unchanged))
    if changes:
        lines.append(table)
    else:
        lines.append("nothing to write")
    lines.append(f"unmatched: {len(result.unmatched)}")
    for note in result.unmatched[:SHOWN_NOTES]:
        lines.append(f"  {note}")
    if len(result.unmatched) > SHOWN_NOTES:
        lines.append(f"  … {len(result.unmatched) - SHOWN_NOTES} more (see --json)")
    if result.skipped:
        reasons = ", ".join(f"{n} {why}" for why, n in result.skipped_by_reason().items())
        lines.append(f"skipped: {len(result.skipped)} ({reasons})")
    if result.warnings:
        lines.append(f"warnings: {len(result.warnings)}")
        for note in result.warnings[:SHOWN_NOTES]:
            lines.append(f"  {note}")
        if len(result.warnings) > SHOWN_NOTES:
            lines.append(f"  … {len(result.warnings) - SHOWN_NOTES} more (see --json)")
    if dry_run:
        lines.append("dry run: nothing was written")
    return Group(*lines)


def import_fest(
    file: FileArgument,
    add_substances: Annotated[
        bool,
        typer.Option(
            "--add-substances",
            help="Create substances the store lacks from the catalogue's ATC name and DDD.",
        ),
    ] = False,
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Import the national product catalogue FEST (M30 XML; .xml, .gz or the distributed .zip)."""

    def parse(existing: Bundle) -> SourceImport:
        with progress_bar(f"reading {file.name}", file.stat().st_size) as progress:
            return read_fest(file, existing, add_substances=add_substances, progress=progress)

    _run("FEST", parse, dry_run=dry_run, who=who, db=db, json_target=json_target)


def import_atc(
    file: FileArgument,
    add_new: Annotated[
        bool,
        typer.Option(
            "--add-new", help="Create substances for level-5 codes the store lacks (WHO name)."
        ),
    ] = False,
    route: Annotated[
        list[str] | None,
        typer.Option(
            "--route",
            help="Preferred route when products do not decide (repeatable; default O, then P).",
        ),
    ] = None,
    encoding: EncodingOption = "utf-8",
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Import WHO ATC/DDD index rows (CSV atc_code,atc_name,ddd,uom,adm_r,note)."""
    routes = tuple(route) if route else DEFAULT_ROUTES

    def parse(existing: Bundle) -> SourceImport:
        return read_atc_ddd(file, existing, add_new=add_new, routes=routes, encoding=encoding)

    _run("WHO ATC/DDD", parse, dry_run=dry_run, who=who, db=db, json_target=json_target)


def import_ema(
    file: FileArgument,
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Import the EMA shortages catalogue (JSON export) as shortage notices."""
    _run(
        "EMA",
        lambda existing: read_ema_shortages(file, existing),
        dry_run=dry_run,
        who=who,
        db=db,
        json_target=json_target,
    )


def import_openfda(
    file: FileArgument,
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Import openFDA drug shortages (/drug/shortages.json) as shortage notices."""
    _run(
        "FDA",
        lambda existing: read_openfda_shortages(file, existing),
        dry_run=dry_run,
        who=who,
        db=db,
        json_target=json_target,
    )


def import_dmp(
    file: FileArgument,
    encoding: EncodingOption = "utf-8",
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Import a DMP-shaped shortage list (CSV or JSON) as shortage notices."""
    _run(
        "DMP",
        lambda existing: read_dmp_shortages(file, existing, encoding=encoding),
        dry_run=dry_run,
        who=who,
        db=db,
        json_target=json_target,
    )


def register(app: typer.Typer) -> None:
    """Add the public-format importers to ``beredt import``."""
    import_app.command("fest")(import_fest)
    import_app.command("atc")(import_atc)
    import_app.command("ema")(import_ema)
    import_app.command("openfda")(import_openfda)
    import_app.command("dmp")(import_dmp)
