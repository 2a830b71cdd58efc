"""Who may do what: the one table of role rules for the API and the web pages.

Every interface asks this table (:func:`allowed`, :func:`check`) rather than naming roles
itself, so an endpoint and the page that does the same thing cannot disagree. Scoping within an
allowed action (a producer's own company, a holder's own stock, an analyst's view without
producers' prices and capacities) is here too: :func:`producer_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from beredt.errors import Forbidden

if TYPE_CHECKING:
    from beredt.domain.bundle import Bundle
    from beredt.store.server import Account

#: Everybody signed in.
ANYONE = ("admin", "authority", "analyst", "holder", "producer")
#: Who sees the national picture.
READERS = ("admin", "authority", "analyst")
#: Who decides: notices, activations, plans.
AUTHORITY = ("admin", "authority")

#: Action → the roles that may do it.
RULES: dict[str, tuple[str, ...]] = {
    "catalogue.read": ANYONE,
    "notices.read": ANYONE,
    "notices.write": AUTHORITY,
    "plans.read": READERS,
    "national.read": READERS,
    "producers.read": (*READERS, "producer"),  # a producer: its own company's
    "activations.read": (*READERS, "producer"),  # a producer: its own company's
    "activations.write": AUTHORITY,
    "activations.answer": ("admin", "producer"),
    "stock.read": (*READERS, "holder"),  # a holder: its own
    "stock.report": ("admin", "authority", "holder"),  # a holder: its own
    "jobs.read": READERS,  # an analyst: its own
    "jobs.start": READERS,  # an analyst: the kinds of ANALYST_JOBS
    "plans.optimise": AUTHORITY,  # the planner: plan and run jobs show prices and capacities
    "audit.read": AUTHORITY,
    "accounts.manage": ("admin",),
    "account.self": ANYONE,
}

#: Job kinds an analyst may start (a plan and a run show producers' prices and capacities).
ANALYST_JOBS = ("simulate", "backtest", "calibrate")

#: Fields of the producers' tables an analyst does not see: prices and capacities.
CONFIDENTIAL: dict[str, tuple[str, ...]] = {
    "lines": (),
    "capabilities": ("capacity_ddd_per_day", "unit_cost_per_ddd", "api_on_hand_ddd"),
    "offers": ("reserved_ddd_per_day", "annual_fee"),
    "agreements": ("reserved_ddd_per_day", "annual_fee"),
}


def roles_for(action: str) -> tuple[str, ...]:
    """The roles that may do `action` (KeyError for an action the table does not know)."""
    return RULES[action]


def allowed(role: str, action: str) -> bool:
    """Whether `role` may do `action`."""
    return role in RULES[action]


def check(account: Account, action: str) -> Account:
    """`account` if its role may do `action`; :class:`Forbidden` otherwise."""
    if not allowed(account.role, action):
        raise Forbidden(f"the {account.role} role may not do this")
    return account


def may_start_job(role: str, kind: str) -> bool:
    """Whether `role` may start a background job of `kind`."""
    if not allowed(role, "jobs.start"):
        return False
    return role != "analyst" or kind in ANALYST_JOBS


def sees_prices(role: str) -> bool:
    """Whether `role` sees producers' prices and capacities (a producer: its own only)."""
    return role in ("admin", "authority", "producer")


def redact(row: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """`row` with `fields` set to None and listed under ``redacted`` (an analyst's view)."""
    out = dict(row)
    hidden = [f for f in fields if f in out]
    for f in hidden:
        out[f] = None
    out["redacted"] = hidden
    return out


def producer_rows(
    bundle: Bundle, stem: str, account: Account, rows: Iterable[Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The rows of a producers' table (lines, capabilities, offers, agreements) the account may
    see, each with its ``company_id``: a producer its own company's, an analyst without prices
    and capacities, the authority all."""
    check(account, "producers.read")
    company_of_line = {r["line_id"]: r["company_id"] for r in bundle.rows("lines")}
    found = [dict(r) for r in (rows if rows is not None else bundle.rows(stem))]
    for row in found:
        row.setdefault("company_id", company_of_line.get(row["line_id"]))
    if account.role == "producer":
        return [r for r in found if r["company_id"] == account.company_id]
    if account.role == "analyst":
        return [redact(r, CONFIDENTIAL[stem]) for r in found]
    return found


def visible_activation(activation: Mapping[str, Any], account: Account) -> bool:
    """Whether the account may see this activation (a producer: its own company's only)."""
    if not allowed(account.role, "activations.read"):
        return False
    return account.role != "producer" or activation["company_id"] == account.company_id
