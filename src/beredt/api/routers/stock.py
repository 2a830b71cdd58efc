"""Stock: positions, reports from holders (JSON or CSV), the national picture, who reported."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from beredt.api.auth import READERS, require
from beredt.api.common import Limit, Offset, Page, cache, page, rows, store_of
from beredt.api.schemas import Date, StockReportIn
from beredt.app import records
from beredt.domain.enums import StockTier
from beredt.errors import InvalidInput
from beredt.store.server import Account, ServerStore

router = APIRouter(tags=["stock"])
#: A holder that has not reported for this many days is listed as not reporting.
DEFAULT_REPORTING_DAYS = 7
#: Largest CSV report accepted (bytes).
MAX_CSV_BYTES = 20_000_000

_REPORT_EXAMPLE = {
    "rows": [
        {
            "date": "2026-11-02",
            "product_id": "N02BE01-3",
            "tier": "wholesale",
            "packs": 1200,
            "kind": "count",
        }
    ],
    "idempotency_key": "weekly-2026-45",
}


@router.get("/stock", response_model=Page)
def stock(
    request: Request,
    limit: Limit = 100,
    offset: Offset = 0,
    holder: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")] = None,
    product_id: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")] = None,
    tier: StockTier | None = None,
    account: Account = Depends(require(*READERS, "holder")),
) -> Page:
    """Stock positions (the ledger folded: last count plus later movements), by date, product,
    holder and tier; a holder sees its own."""
    found = rows(cache(request).bundle().rows("stock"))
    if account.role == "holder":
        found = [r for r in found if r["holder"] == account.holder]
    if holder:
        found = [r for r in found if r["holder"] == holder]
    if product_id:
        found = [r for r in found if r["product_id"] == product_id]
    if tier:
        found = [r for r in found if r["tier"] == tier.value]
    return page(found, limit, offset)


def _receipt(receipt: Any) -> dict[str, Any]:
    return {
        "entries": len(receipt.entry_ids),
        "entry_ids": receipt.entry_ids,
        "generation": receipt.generation,
        "replayed": receipt.replayed,
    }


@router.post("/stock/reports", status_code=201)
def report_stock(
    report: Annotated[
        StockReportIn, Body(openapi_examples={"weekly count": {"value": _REPORT_EXAMPLE}})
    ],
    request: Request,
    account: Account = Depends(require("admin", "authority", "holder")),
) -> dict[str, Any]:
    """Report stock as JSON, all or nothing (problems name the row, field and reason); a retried
    `idempotency_key` writes nothing again. A holder reports its own stock (rows without a
    holder are its own); the authority names each row's holder."""
    holder = account.holder if account.role == "holder" else None
    body_rows = [r.model_dump() for r in report.rows]
    if holder is None:
        missing = [n for n, r in enumerate(body_rows, 1) if not r["holder"]]
        if missing:
            raise InvalidInput(f"rows.{missing[0]}.holder: needed (your account reports for many)")
    receipt = records.report_stock(
        store_of(request), body_rows, who=account.name, holder=holder,
        report_key=report.idempotency_key,
    )  # fmt: skip
    return _receipt(receipt)


@router.post(
    "/stock/reports.csv",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
            }
        ],
    },
)
async def report_stock_csv(
    request: Request, account: Account = Depends(require("admin", "authority", "holder"))
) -> dict[str, Any]:
    """Report stock as CSV (``Content-Type: text/csv``; the columns of stock.csv, holder
    optional for a holder), all or nothing: problems name the line, field and reason. An
    ``Idempotency-Key`` header makes a retry a no-op."""
    from starlette.concurrency import run_in_threadpool

    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "text/csv":
        raise InvalidInput(f"Content-Type: text/csv, not {content_type or 'none'!r}")
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise InvalidInput(f"the CSV report is larger than {MAX_CSV_BYTES:,} bytes: split it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the CSV report is not UTF-8 (byte {exc.start + 1})") from None
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= 200 and key.isprintable()):
        raise InvalidInput("Idempotency-Key: 1–200 printable characters")
    holder = account.holder if account.role == "holder" else None
    csv_rows, lines = records.parse_stock_csv(text, holder=holder)
    empty = [n for n, r in zip(lines, csv_rows, strict=True) if not str(r.get("holder") or "")]
    if empty:
        raise InvalidInput(f"line {empty[0]}: holder: needed (your account reports for many)")
    receipt = await run_in_threadpool(
        lambda: records.report_stock(
            store_of(request), csv_rows, who=account.name, lines=lines, holder=holder,
            report_key=key,
        )
    )  # fmt: skip
    return _receipt(receipt)


@router.get("/stock/national")
def national(
    request: Request,
    as_of: Annotated[Date | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    _: Account = Depends(require(*READERS)),
) -> dict[str, Any]:
    """The national picture: days of supply per substance by tier, lowest first (``beredt
    status --json``), paged by substance."""
    state = records.status(store_of(request), as_of)
    document = dict(state.document)
    substances = document.pop("substances")
    return {**document, **page(substances, limit, offset).model_dump()}


@router.get("/stock/reporting")
def reporting(
    request: Request,
    since: Annotated[
        Date | None, Query(description="Default: 7 days before the as-of date")
    ] = None,
    _: Account = Depends(require(*READERS)),
) -> dict[str, Any]:
    """Who has reported stock since a date and who has not: every holder with an account or
    in the ledger, with the date of its newest stock entry."""
    bundle = cache(request).bundle()
    dataset = cache(request).dataset()
    since = since or dataset.as_of - dt.timedelta(days=DEFAULT_REPORTING_DAYS)
    latest: dict[str, dt.date] = {}
    for row in bundle.rows("stock"):
        date = row["date"]
        if row["holder"] not in latest or date > latest[row["holder"]]:
            latest[row["holder"]] = date
    accounts = {
        a.holder: a.name
        for a in ServerStore(store_of(request)).list_accounts()
        if a.role == "holder" and a.holder
    }
    holders = sorted(set(latest) | set(accounts))
    found = [
        {
            "holder": h,
            "account": accounts.get(h),
            "last_report_date": latest.get(h),
            "reported": h in latest and latest[h] >= since,
        }
        for h in holders
    ]
    return {
        "since": since,
        "as_of": dataset.as_of,
        "holders": found,
        "not_reported": [r["holder"] for r in found if not r["reported"]],
    }
