"""Recording data: import a bundle, stock entries and reports, shortage notices; the status.

Plain functions over a :class:`~beredt.store.Store`, shared by the command line and the server.
Each validates everything first and writes all or nothing; errors are those of
:mod:`beredt.errors` (an :class:`~beredt.ingest.errors.ImportRejected` names line, field and
reason).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from beredt.app.context import dataset_on
from beredt.domain.dataset import TIERS
from beredt.domain.schema import ENTITIES
from beredt.ingest.errors import ImportRejected, Problem

if TYPE_CHECKING:
    from beredt.domain.dataset import Dataset
    from beredt.store import StockReceipt, StockReport, Store

_STOCK = next(spec for spec in ENTITIES if spec.stem == "stock")
#: Largest stock report accepted in one request (rows); larger ones go in several reports.
MAX_REPORT_ROWS = 50_000


@dataclass(frozen=True)
class Imported:
    """What importing a bundle did."""

    generation: int
    counts: dict[str, int]
    title: str
    bundle: str


def import_bundle(
    store: Store, path: Path, *, replace: bool = False, who: str | None = None
) -> Imported:
    """Validate the bundle folder `path` and write it in one transaction (all or nothing)."""
    from beredt.ingest.bundle import read_bundle

    bundle = read_bundle(path)
    generation = store.import_bundle(bundle, replace=replace, who=who, origin=str(path.resolve()))
    return Imported(generation, bundle.counts(), bundle.meta.title, str(path))


def record_stock_entry(
    store: Store,
    entry: Mapping[str, Any],
    *,
    who: str | None = None,
    idempotency_key: str | None = None,
) -> StockReceipt:
    """Append one stock count or movement to the ledger (validated; a retried key is a no-op)."""
    return store.record_stock_entry(entry, who=who, idempotency_key=idempotency_key)


def parse_stock_csv(
    text: str, *, holder: str | None = None, label: str = "stock report"
) -> tuple[list[dict[str, Any]], list[int]]:
    """Rows of a stock report in CSV (the columns of ``stock.csv``; `holder` fills an absent or
    empty holder column) and each row's line number; every problem with line, field, reason."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected(
            [Problem(label, 1, "header", "the file is empty")], what=label
        ) from None
    except csv.Error as exc:
        raise ImportRejected([Problem(label, 1, "header", str(exc))], what=label) from None
    header = [h.strip() for h in header]
    known = set(_STOCK.column_names)
    problems = [
        Problem(label, 1, h or "(empty)", "unknown column") for h in header if h not in known
    ]
    required = [
        c.name for c in _STOCK.columns if c.required and not (c.name == "holder" and holder)
    ]
    problems += [
        Problem(label, 1, name, "required column is missing")
        for name in required
        if name not in header
    ]
    if len(set(header)) != len(header):
        problems.append(Problem(label, 1, "header", "a column appears twice"))
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    if not problems:
        try:
            for record in reader:
                if not any(cell.strip() for cell in record):
                    continue
                line = reader.line_num
                if len(record) != len(header):
                    problems.append(
                        Problem(
                            label,
                            line,
                            "row",
                            f"{len(record)} cells where the header has {len(header)}",
                        )
                    )
                    continue
                row: dict[str, Any] = dict(zip(header, record, strict=True))
                if holder and not str(row.get("holder") or "").strip():
                    row["holder"] = holder
                rows.append(row)
                lines.append(line)
                if len(rows) > MAX_REPORT_ROWS:
                    problems.append(
                        Problem(
                            label,
                            line,
                            "row",
                            f"more than {MAX_REPORT_ROWS:,} rows: split the report",
                        )
                    )
                    break
        except csv.Error as exc:
            problems.append(Problem(label, reader.line_num, "row", str(exc)))
    if problems:
        raise ImportRejected(problems, what=label)
    return rows, lines


def report_stock(
    store: Store,
    rows: Sequence[Mapping[str, Any]],
    *,
    who: str | None = None,
    lines: Sequence[int] | None = None,
    holder: str | None = None,
    report_key: str | None = None,
    label: str = "stock report",
) -> StockReport:
    """Append a holder's stock report to the ledger, all or nothing (one audit event).

    With `holder`, every row must be that holder's (a holder reports its own stock only): a row
    naming another holder is a problem of that row.
    """
    if len(rows) > MAX_REPORT_ROWS:
        raise ImportRejected(
            [Problem(label, None, "rows", f"more than {MAX_REPORT_ROWS:,} rows: split the report")],
            what=label,
        )
    numbers = list(lines) if lines is not None else list(range(1, len(rows) + 1))
    if holder is not None:
        foreign = [
            Problem(
                label,
                n,
                "holder",
                f"{r.get('holder')!r} is not your holder {holder!r}: report your own stock",
            )
            for n, r in zip(numbers, rows, strict=True)
            if r.get("holder") not in (None, "", holder)
        ]
        if foreign:
            raise ImportRejected(foreign, what=label)
        rows = [{**r, "holder": holder} for r in rows]
    return store.record_stock_report(
        rows, who=who, label=label, lines=numbers, report_key=report_key
    )


def record_notice(store: Store, notice: Mapping[str, Any], *, who: str | None = None) -> str:
    """Record a shortage notice or a change to one (validated): created, updated or unchanged."""
    return store.add_shortage_notice(notice, who=who)


@dataclass(frozen=True)
class Status:
    """The store's state on a date: `document` is ``beredt status --json``."""

    document: dict[str, Any]
    dataset: Dataset


def status(store: Store, as_of: dt.date | None = None) -> Status:
    """Counts per entity and days of supply per substance by tier, the lowest cover first."""
    counts = store.counts()
    dataset = dataset_on(store, as_of)
    stock = dataset.stock_ddd_by_tier()
    demand = dataset.demand_ddd_per_day
    days_total = dataset.days_of_supply()
    subs = dataset.substances
    order = np.lexsort((subs["atc_code"].to_numpy(), days_total))
    rows: list[dict[str, Any]] = []
    for i in order:
        days_by_tier = {
            tier: (float(stock.iloc[i][tier] / demand[i]) if demand[i] > 0 else None)
            for tier in TIERS
        }
        rows.append(
            {
                "atc_code": subs["atc_code"].iloc[i],
                "name": subs["name"].iloc[i],
                "criticality": subs["criticality"].iloc[i],
                "demand_ddd_per_day": float(demand[i]),
                "days_of_supply": float(days_total[i]),
                "days_of_supply_by_tier": days_by_tier,
            }
        )
    document = {
        "fingerprint": dataset.fingerprint,
        "as_of": dataset.as_of,
        "counts": counts,
        "open_shortages": len(dataset.open_shortages),
        "substances": rows,
    }
    return Status(document, dataset)
