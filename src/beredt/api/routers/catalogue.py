"""The dataset's reference tables (everybody signed in) and the producers' confidential ones.

Producers see only their own company's lines, capabilities, offers and agreements: another
company's is answered 404, exactly as one that does not exist, so its existence is not told.
Analysts see every producer's records without prices and capacities (``redacted`` names the
fields left out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from beredt.api.auth import ANYONE, READERS, require
from beredt.api.common import Limit, Offset, Page, cache, page, prefix_match, redact, rows
from beredt.api.schemas import Id
from beredt.errors import NotFound
from beredt.store.server import Account

router = APIRouter()
Prefix = Annotated[
    str | None, Query(max_length=7, pattern="^[A-Za-z0-9]+$", description="ATC code or prefix")
]
CompanyFilter = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]

#: Fields an analyst does not see: producers' prices and capacities.
CONFIDENTIAL = {
    "lines": (),
    "capabilities": ("capacity_ddd_per_day", "unit_cost_per_ddd", "api_on_hand_ddd"),
    "offers": ("reserved_ddd_per_day", "annual_fee"),
    "agreements": ("reserved_ddd_per_day", "annual_fee"),
}
_SINGULAR = {
    "lines": "line",
    "offers": "offer",
    "agreements": "agreement",
    "substances": "substance",
    "products": "product",
    "companies": "company",
}
_KEYS = {
    "lines": "line_id",
    "offers": "offer_id",
    "agreements": "agreement_id",
    "substances": "atc_code",
    "products": "product_id",
    "companies": "company_id",
}


def _reference(stem: str) -> Callable[..., Page]:
    def listing(
        request: Request,
        limit: Limit = 100,
        offset: Offset = 0,
        atc: Prefix = None,
        _: Account = Depends(require(*ANYONE)),
    ) -> Page:
        found = rows(cache(request).bundle().rows(stem))
        if atc and stem in ("substances", "products"):
            found = [r for r in found if prefix_match(r["atc_code"], atc)]
        return page(found, limit, offset)

    listing.__doc__ = f"The dataset's {stem} (filter: `atc` code or prefix)."
    listing.__name__ = f"list_{stem}"
    return listing


def _reference_one(stem: str) -> Callable[..., dict[str, Any]]:
    def one(key: Id, request: Request, _: Account = Depends(require(*ANYONE))) -> dict[str, Any]:
        for row in rows(cache(request).bundle().rows(stem)):
            if row[_KEYS[stem]] == key:
                return row
        raise NotFound(f"no {_SINGULAR[stem]} {key!r}")

    one.__doc__ = f"One of the dataset's {stem}."
    one.__name__ = f"get_{stem}"
    return one


for _stem in ("substances", "products", "companies"):
    router.add_api_route(
        f"/{_stem}", _reference(_stem), methods=["GET"], tags=["catalogue"], response_model=Page
    )
    router.add_api_route(
        f"/{_stem}/{{key}}", _reference_one(_stem), methods=["GET"], tags=["catalogue"]
    )


def producer_rows(request: Request, stem: str, account: Account) -> list[dict[str, Any]]:
    """The rows of a producers' table the account may see, each with its ``company_id``."""
    bundle = cache(request).bundle()
    company_of_line = {r["line_id"]: r["company_id"] for r in bundle.rows("lines")}
    found = rows(bundle.rows(stem))
    for row in found:
        row.setdefault("company_id", company_of_line.get(row["line_id"]))
    if account.role == "producer":
        return [r for r in found if r["company_id"] == account.company_id]
    if account.role == "analyst":
        return [redact(r, CONFIDENTIAL[stem]) for r in found]
    return found


_PRODUCER_READERS = (*READERS, "producer")


def _producers(stem: str) -> Callable[..., Page]:
    def listing(
        request: Request,
        limit: Limit = 100,
        offset: Offset = 0,
        atc: Prefix = None,
        company_id: CompanyFilter = None,
        account: Account = Depends(require(*_PRODUCER_READERS)),
    ) -> Page:
        found = producer_rows(request, stem, account)
        if atc and stem != "lines":
            found = [r for r in found if prefix_match(r["atc_code"], atc)]
        if company_id:
            found = [r for r in found if r["company_id"] == company_id]
        return page(found, limit, offset)

    listing.__doc__ = (
        f"The {stem} the caller may see, each with its `company_id` (a producer: its own; an "
        "analyst: without prices and capacities)."
    )
    listing.__name__ = f"list_{stem}"
    return listing


def _producers_one(stem: str) -> Callable[..., dict[str, Any]]:
    def one(
        key: Id, request: Request, account: Account = Depends(require(*_PRODUCER_READERS))
    ) -> dict[str, Any]:
        for row in producer_rows(request, stem, account):
            if row[_KEYS[stem]] == key:
                return row
        raise NotFound(f"no {_SINGULAR[stem]} {key!r}")

    one.__doc__ = f"One of the {stem} the caller may see (another producer's: 404)."
    one.__name__ = f"get_{stem}"
    return one


for _stem in ("lines", "offers", "agreements"):
    router.add_api_route(
        f"/{_stem}", _producers(_stem), methods=["GET"], tags=["producers"], response_model=Page
    )
    router.add_api_route(
        f"/{_stem}/{{key}}", _producers_one(_stem), methods=["GET"], tags=["producers"]
    )
router.add_api_route(
    "/capabilities",
    _producers("capabilities"),
    methods=["GET"],
    tags=["producers"],
    response_model=Page,
)
