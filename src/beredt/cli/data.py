"""Store commands: ``init``, ``import bundle``, ``export bundle``, ``status``, ledger entries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from beredt.app import records
from beredt.app.context import EmptyStore
from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    after_commit,
    as_date,
    check_json_target,
    console_for,
    emit_json,
    export_app,
    fail,
    import_app,
    note_line,
    open_store,
    styled,
)
from beredt.domain.dataset import TIERS
from beredt.domain.enums import ShortageCause, ShortageStatus, StockEntryKind, StockTier
from beredt.ingest.bundle import read_bundle, write_bundle
from beredt.ingest.errors import ImportRejected
from beredt.store import StoreError, StoreUnavailable
from beredt.views.terminal import Col, data_table, did_you_mean, show

#: Characters of an audit event's detail shown in the table (all of it is in --json).
DETAIL_SHOWN = 400

stock_app = typer.Typer(help="Record stock counts and movements (append-only ledger).")
shortage_app = typer.Typer(help="Record shortage notices (append-only ledger).")


def _rejected(exc: ImportRejected, hints: str = "") -> None:
    fail(f"{exc.summary()}\n{exc.report()}{hints}", code=2)


#: The entity a ledger entry's reference column points into, and its name column.
_REFERENCES = {"product_id": ("products", "name"), "atc_code": ("substances", "name")}


def _reference_hints(store: Any, exc: ImportRejected, given: dict[str, str | None]) -> str:
    """Close matches for each id of `given` that the rejection calls unknown."""
    lines = []
    for column, value in given.items():
        unknown = any(p.field == column and "unknown" in p.reason for p in exc.problems)
        if value is None or not unknown or column not in _REFERENCES:
            continue
        stem, name = _REFERENCES[column]
        rows = store.export_bundle().rows(stem)
        key = "product_id" if stem == "products" else "atc_code"
        hint = did_you_mean(value, [r[key] for r in rows], names={r[key]: r[name] for r in rows})
        if hint:
            lines.append(f"{column} {value!r}: {hint}")
    return "".join(f"\n{line}" for line in lines)


def init(db: DatabaseOption = None) -> None:
    """Create the database or upgrade its schema to this version's newest migration."""
    store = open_store(db, create=False)
    try:
        revision = store.init()
    except StoreUnavailable as exc:
        fail(str(exc), code=3)
    after_commit(
        console_for(None), f"store {store.display_url} at schema revision {revision}", None, None
    )


def import_bundle(
    path: Annotated[Path, typer.Argument(help="Bundle folder (bundle.toml + CSV files).")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Swap the whole dataset in one transaction.")
    ] = False,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Validate a dataset bundle and write it in one transaction (all or nothing)."""
    console = console_for(json_target)
    try:
        bundle = read_bundle(path)
    except ImportRejected as exc:
        _rejected(exc)
    check_json_target(json_target)
    store = open_store(db)
    try:
        generation = store.import_bundle(bundle, replace=replace, origin=str(path.resolve()))
    except StoreError as exc:
        fail(str(exc), code=3)
    except ImportRejected as exc:
        _rejected(exc)
    counts = bundle.counts()
    message = styled(
        "imported ",
        (bundle.meta.title or str(path), "bold"),
        f" into {store.display_url} (generation {generation}): ",
        ", ".join(f"{n} {stem}" for stem, n in counts.items() if n),
    )
    after_commit(
        console,
        message,
        {"generation": generation, "counts": counts, "bundle": str(path)},
        json_target,
    )


def export_bundle(
    path: Annotated[Path, typer.Argument(help="Folder to write the bundle into.")],
    db: DatabaseOption = None,
) -> None:
    """Write the stored dataset as a bundle folder (canonical, so re-import → export is identical)."""
    if path.exists() and not path.is_dir():
        fail(f"{path} exists and is not a folder: give a new or existing folder for the bundle")
    store = open_store(db)
    try:
        bundle = store.export_bundle()
    except StoreError as exc:
        fail(str(exc))
    try:
        written = write_bundle(bundle, path)
    except OSError as exc:
        fail(f"cannot write the bundle to {path}: {exc.strerror or exc}")
    console_for(None).print(f"wrote {len(written)} files to {path}")


def _left_out(tiers: list[str]) -> str | None:
    """The caption naming the tiers a status table leaves out (they hold nothing shown)."""
    if not tiers:
        return None
    names = tiers[0] if len(tiers) == 1 else f"{', '.join(tiers[:-1])} or {tiers[-1]}"
    return f"no stock at the {names} tier{'s' if len(tiers) > 1 else ''} for these substances"


def status(
    as_of: AsOfOption = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Substances shown (lowest cover first).")
    ] = 25,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Counts per entity and days of supply per substance, the lowest first."""
    from beredt.app.records import status as current_status

    console = console_for(json_target)
    store = open_store(db)
    try:
        state = current_status(store, as_of)
    except EmptyStore as exc:
        fail(str(exc))
    dataset = state.dataset
    counts = state.document["counts"]
    rows = state.document["substances"]
    stock = dataset.stock_ddd_by_tier()
    meta = dataset.bundle.meta
    open_notices = len(dataset.open_shortages)
    console.print(
        styled(
            (meta.title, "bold"),
            f" — {meta.country}, {meta.currency}, as of {dataset.as_of} ({store.display_url})",
        )
    )
    if as_of is None and dataset.as_of != meta.as_of:
        console.print(
            note_line(
                f"as of the newest ledger entry, {dataset.as_of}; the bundle's as-of date is "
                f"{meta.as_of} (--as-of DATE for another day)"
            )
        )
    if meta.illustrative:
        console.print(
            "Illustrative data: companies, stock and capacities are not real.", style="yellow"
        )
    console.print("records: " + ", ".join(f"{n} {stem}" for stem, n in counts.items()))
    shown = rows[:limit]
    # Tiers that hold nothing for the substances shown only take room on a narrow terminal.
    shown_tiers = (
        [t for t in TIERS if any(r["days_of_supply_by_tier"][t] for r in shown)]
        or [t for t in TIERS if float(stock[t].sum()) > 0]
        or list(TIERS)
    )
    left_out = [t for t in TIERS if t not in shown_tiers]
    days = data_table(
        ("ATC", "id"),
        ("substance", "name"),
        ("criticality", "text"),
        ("demand DDD/day", "number"),
        *[(f"days {tier}", "number") for tier in shown_tiers],
        Col("total days", "number", style="bold"),
        title=f"Days of supply on {dataset.as_of}, lowest first",
        caption=_left_out(left_out),
        show_edge=False,
    )
    for row in shown:
        by_tier = row["days_of_supply_by_tier"]
        tiers = ["–" if by_tier[t] is None else f"{by_tier[t]:,.0f}" for t in shown_tiers]
        total = row["days_of_supply"]
        style = "red" if total < 30 else ("yellow" if total < 60 else "")
        days.add_row(
            row["atc_code"],
            row["name"],
            row["criticality"],
            f"{row['demand_ddd_per_day']:,.0f}",
            *tiers,
            "∞" if not np.isfinite(total) else f"{total:,.0f}",
            style=style,
        )
    show(console, days)
    if len(rows) > limit:
        console.print(f"… {len(rows) - limit} more (use --limit or --json)")
    console.print(f"open shortage notices: {open_notices}")
    emit_json(state.document, json_target)


def stock_add(
    product_id: Annotated[str, typer.Option("--product", help="Product id (products.csv).")],
    holder: Annotated[str, typer.Option("--holder", help="Who holds the stock.")],
    tier: Annotated[StockTier, typer.Option("--tier", help="Supply-chain tier.")],
    packs: Annotated[int, typer.Option("--packs", help="Packs counted, or moved (+ in, − out).")],
    kind: Annotated[StockEntryKind, typer.Option("--kind")] = StockEntryKind.MOVEMENT,
    date: Annotated[
        dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="Default: today.")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Where the figure comes from.")
    ] = None,
    who: Annotated[str | None, typer.Option("--who", help="Recorded by (default: user).")] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            "--idempotency-key",
            metavar="KEY",
            help="A key of your own for this entry (e.g. the delivery note's number): "
            "repeating the command with the same key records nothing the second time.",
        ),
    ] = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Append one stock count or movement to the ledger (validated)."""
    check_json_target(json_target)
    store = open_store(db)
    entry = {
        "date": as_date(date) or dt.date.today(),
        "product_id": product_id,
        "holder": holder,
        "tier": tier,
        "packs": packs,
        "kind": kind,
        "source": source,
    }
    try:
        receipt = records.record_stock_entry(store, entry, who=who, idempotency_key=idempotency_key)
    except ImportRejected as exc:
        _rejected(exc, _reference_hints(store, exc, {"product_id": product_id}))
    except StoreError as exc:
        fail(str(exc))
    if receipt.replayed:
        message = (
            f"already recorded as entry {receipt.entry_id} (idempotency key {idempotency_key}): "
            "nothing written"
        )
    else:
        message = (
            f"recorded {kind.value} of {packs:+d} packs of {product_id} at {holder} "
            f"({tier.value}) on {entry['date']} as entry {receipt.entry_id}"
        )
    after_commit(
        console_for(json_target),
        message,
        {
            "entry_id": receipt.entry_id,
            "replayed": receipt.replayed,
            "idempotency_key": idempotency_key,
            **entry,
        },
        json_target,
    )


def shortage_add(
    notice_id: Annotated[str, typer.Option("--id", help="Natural key, e.g. DMP-2026-0042.")],
    atc_code: Annotated[str, typer.Option("--atc", help="Substance (ATC level 5).")],
    status: Annotated[ShortageStatus, typer.Option("--status")],
    start: Annotated[dt.datetime, typer.Option("--start", formats=["%Y-%m-%d"])],
    product_id: Annotated[str | None, typer.Option("--product")] = None,
    cause: Annotated[ShortageCause, typer.Option("--cause")] = ShortageCause.UNKNOWN,
    announced: Annotated[
        dt.datetime | None, typer.Option("--announced", formats=["%Y-%m-%d"])
    ] = None,
    expected_end: Annotated[
        dt.datetime | None, typer.Option("--expected-end", formats=["%Y-%m-%d"])
    ] = None,
    end: Annotated[dt.datetime | None, typer.Option("--end", formats=["%Y-%m-%d"])] = None,
    source: Annotated[str | None, typer.Option("--source")] = "manual",
    title: Annotated[str | None, typer.Option("--title")] = None,
    who: Annotated[str | None, typer.Option("--who")] = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Record a shortage notice, or a change to one with the same id (validated)."""
    check_json_target(json_target)
    store = open_store(db)
    notice = {
        "notice_id": notice_id,
        "atc_code": atc_code,
        "status": status,
        "start_date": as_date(start),
        "product_id": product_id,
        "cause": cause,
        "announced_date": as_date(announced),
        "expected_end_date": as_date(expected_end),
        "end_date": as_date(end),
        "source": source,
        "title": title,
    }
    try:
        outcome = records.record_notice(store, notice, who=who)
    except ImportRejected as exc:
        _rejected(
            exc, _reference_hints(store, exc, {"atc_code": atc_code, "product_id": product_id})
        )
    except StoreError as exc:
        fail(str(exc))
    after_commit(
        console_for(json_target),
        f"notice {notice_id}: {outcome}",
        {"outcome": outcome, **notice},
        json_target,
    )


def audit(
    limit: Annotated[int, typer.Option("--limit", min=1)] = 20,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            metavar="TEXT",
            help="Only events that mention TEXT, e.g. a product id: who changed it, from what "
            "to what (merges record each changed field's old and new value).",
        ),
    ] = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """The newest entries of the audit log: who wrote what, when (times in UTC)."""
    events = open_store(db).audit(limit, containing=search)
    table = data_table(
        ("at (UTC)", "number"),
        ("who", "name"),
        ("action", "text"),
        ("detail", "text"),
        title="Audit log, newest first",
        show_edge=False,
    )
    for event in events:
        detail = json.dumps(event["detail"], ensure_ascii=False, sort_keys=True)
        if len(detail) > DETAIL_SHOWN:
            # cut between words, so that an id in the detail is whole or left to --json
            detail = detail[:DETAIL_SHOWN].rsplit(" ", 1)[0] + " … (see --json)"
        table.add_row(
            event["at"].isoformat(sep=" ", timespec="seconds"),
            event["who"],
            event["action"],
            detail,
        )
    show(console_for(json_target), table)
    emit_json(events, json_target)


def register(app: typer.Typer) -> None:
    """Add the store commands to the ``beredt`` application."""
    app.command("init")(init)
    app.command("status")(status)
    app.command("audit")(audit)
    import_app.command("bundle")(import_bundle)
    export_app.command("bundle")(export_bundle)
    stock_app.command("add")(stock_add)
    shortage_app.command("add")(shortage_add)
    app.add_typer(stock_app, name="stock")
    app.add_typer(shortage_app, name="shortage")
