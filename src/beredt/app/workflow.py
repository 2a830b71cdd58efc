"""Shortage notices and the activation of domestic production (use cases of the shared system).

The authority records a notice; every new notice gets a response plan at once
(:func:`beredt.respond.plan_response`, saved as the store document ``response_plan``/notice id).
From the plan the authority **activates** a capacity agreement, or asks a qualified producer for
an offer (``offer_request``). The producer sees the activation and confirms it with a start date
and quantities, or declines with a reason; each answer recomputes the plan with the answers so
far (a declined agreement is left out; a confirmed one starts on its confirmed date).

Tracking against the agreement's response time: the activation is due to be answered by
``confirm_by`` (activation date + the days allowed to confirm, 2 unless told), and first output
is expected ``response_days`` after activation (``expected_first_output``); the ETA is the
confirmed start date once confirmed. ``overdue`` marks an unanswered activation past its
``confirm_by``; ``days_late`` a confirmed start later than the response time promised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from beredt.app.context import dataset_on, require_dataset
from beredt.errors import Conflict, InvalidInput, NotFound
from beredt.results import to_jsonable
from beredt.store.server import ServerStore

if TYPE_CHECKING:
    from beredt.store import Store

#: Store document kind of saved response plans (the same as ``beredt respond --save``).
PLAN_KIND = "response_plan"
#: Days a producer has to answer an activation unless the authority says otherwise.
DEFAULT_CONFIRM_DAYS = 2
#: Duration draws of an automatic plan (``beredt respond`` defaults to 10,000; 2,000 keeps an
#: answer to a request within a second and the percentiles within a few days).
PLAN_SAMPLES = 2000
_NOTICE_FIELDS = (
    "notice_id", "atc_code", "status", "start_date", "product_id", "cause", "announced_date",
    "expected_end_date", "end_date", "source", "title",
)  # fmt: skip


def notice_rows(store: Store) -> list[dict[str, Any]]:
    """Every notice as recorded (the last change of each), by id."""
    return sorted(require_dataset(store).rows("shortages"), key=lambda r: r["notice_id"])


def notice(store: Store, notice_id: str) -> dict[str, Any]:
    """One notice; :class:`NotFound` when no notice has that id."""
    for row in require_dataset(store).rows("shortages"):
        if row["notice_id"] == notice_id:
            return dict(row)
    raise NotFound(f"no shortage notice {notice_id!r}")


def answers_for(store: Store, notice_id: str) -> dict[str, Any]:
    """Producers' answers to the activations for a notice, as the planner takes them."""
    from beredt.respond import ProducerAnswer

    answers: dict[str, ProducerAnswer] = {}
    for row in ServerStore(store).list_activations(notice_id=notice_id):
        if row["status"] == "requested":
            continue
        key = (
            f"agreement:{row['agreement_id']}"
            if row["kind"] == "agreement"
            else f"domestic_unreserved:{row['line_id']}"
        )
        answers[key] = ProducerAnswer(
            declined=row["status"] == "declined",
            start_date=row["confirmed_start_date"],
            ddd_per_day=row["confirmed_ddd_per_day"],
        )
    return answers


def refresh_plan(store: Store, notice_id: str, *, who: str) -> dict[str, Any]:
    """Plan the response to a notice with the producers' answers so far and save it.

    Returns ``{"plan": document or None, "note": why there is none}``: a notice that has ended
    before the as-of date has nothing to plan.
    """
    from beredt.respond import NoticeError, ResponseParams, plan_response

    dataset = dataset_on(store)
    params = dataclasses.replace(ResponseParams(), duration_samples=PLAN_SAMPLES)
    try:
        plan = plan_response(dataset, notice_id, params, answers=answers_for(store, notice_id))
    except NoticeError as exc:
        return {"plan": None, "note": str(exc)}
    payload = to_jsonable(plan)
    store.save_document(PLAN_KIND, notice_id, payload, who=who)
    return {"plan": payload, "note": None}


def saved_plan(store: Store, notice_id: str) -> dict[str, Any]:
    """The saved response plan of a notice; :class:`NotFound` when none was made."""
    notice(store, notice_id)
    plan = store.get_document(PLAN_KIND, notice_id)
    if plan is None:
        raise NotFound(f"no response plan for notice {notice_id!r} (it has nothing to plan)")
    return plan


def create_notice(store: Store, values: Mapping[str, Any], *, who: str) -> dict[str, Any]:
    """Record a new notice and plan the response to it; a known id is a :class:`Conflict`."""
    notice_id = str(values["notice_id"])
    if any(r["notice_id"] == notice_id for r in require_dataset(store).rows("shortages")):
        raise Conflict(f"notice {notice_id!r} exists already: update it instead")
    store.add_shortage_notice(dict(values), who=who)
    return {"notice": notice(store, notice_id), **refresh_plan(store, notice_id, who=who)}


def update_notice(
    store: Store, notice_id: str, changes: Mapping[str, Any], *, who: str
) -> dict[str, Any]:
    """Change fields of a notice (status, dates, …) and plan again."""
    current = notice(store, notice_id)
    if "notice_id" in changes and changes["notice_id"] != notice_id:
        raise InvalidInput("notice_id: a notice's id cannot change")
    merged = {k: current.get(k) for k in _NOTICE_FIELDS} | dict(changes)
    outcome = store.add_shortage_notice(merged, who=who)
    result = {"notice": notice(store, notice_id), "outcome": outcome}
    return result | refresh_plan(store, notice_id, who=who)


# --- activations -----------------------------------------------------------------------------
def view(row: Mapping[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """An activation with its tracking: expected first output, ETA, overdue, days late."""
    today = today or dt.date.today()
    activated: dt.date = row["activated_on"]
    expected = activated + dt.timedelta(days=int(row["response_days"]))
    confirmed = row["confirmed_start_date"]
    eta = confirmed if row["status"] == "confirmed" and confirmed else expected
    out = {k: v for k, v in row.items() if k != "generation"}
    out.update(
        expected_first_output=expected,
        eta=None if row["status"] == "declined" else eta,
        overdue=row["status"] == "requested" and today > row["confirm_by"],
        days_overdue=max(0, (today - row["confirm_by"]).days)
        if row["status"] == "requested"
        else 0,
        days_late=max(0, (eta - expected).days) if row["status"] == "confirmed" else 0,
    )
    return out


def activate(
    store: Store,
    notice_id: str,
    *,
    agreement_id: str | None = None,
    offer_id: str | None = None,
    line_id: str | None = None,
    requested_ddd_per_day: float | None = None,
    activated_on: dt.date | None = None,
    confirm_within_days: int = DEFAULT_CONFIRM_DAYS,
    note: str | None = None,
    who: str,
) -> dict[str, Any]:
    """Activate an agreement for a notice, or ask a producer for an offer (its offer or a
    qualified line); the producer then confirms or declines."""
    chosen = [x for x in (agreement_id, offer_id, line_id) if x is not None]
    if len(chosen) != 1:
        raise InvalidInput("give exactly one of agreement_id, offer_id or line_id")
    if not 0 <= confirm_within_days <= 90:
        raise InvalidInput("confirm_within_days: 0–90 days")
    shortage = notice(store, notice_id)
    atc = shortage["atc_code"]
    activated_on = activated_on or dt.date.today()
    bundle = require_dataset(store)
    lines = {r["line_id"]: r for r in bundle.rows("lines")}
    values: dict[str, Any]
    if agreement_id is not None:
        found = {r["agreement_id"]: r for r in bundle.rows("agreements")}.get(agreement_id)
        if found is None:
            raise NotFound(f"no agreement {agreement_id!r}")
        if found["atc_code"] != atc:
            raise InvalidInput(
                f"agreement {agreement_id} is for {found['atc_code']}, the notice for {atc}"
            )
        start, end = found["valid_from"], found["valid_until"]
        if (start and activated_on < start) or (end and activated_on > end):
            raise Conflict(f"agreement {agreement_id} is not valid on {activated_on}")
        values = {
            "kind": "agreement",
            "agreement_id": agreement_id,
            "line_id": found["line_id"],
            "response_days": int(found["response_days"]),
            "requested_ddd_per_day": requested_ddd_per_day or float(found["reserved_ddd_per_day"]),
        }
    elif offer_id is not None:
        found = {r["offer_id"]: r for r in bundle.rows("offers")}.get(offer_id)
        if found is None:
            raise NotFound(f"no offer {offer_id!r}")
        if found["atc_code"] != atc:
            raise InvalidInput(f"offer {offer_id} is for {found['atc_code']}, the notice for {atc}")
        values = {
            "kind": "offer_request",
            "offer_id": offer_id,
            "line_id": found["line_id"],
            "response_days": int(found["response_days"]),
            "requested_ddd_per_day": requested_ddd_per_day or float(found["reserved_ddd_per_day"]),
        }
    else:
        capability = next(
            (
                r
                for r in bundle.rows("capabilities")
                if r["line_id"] == line_id and r["atc_code"] == atc
            ),
            None,
        )
        if line_id not in lines:
            raise NotFound(f"no line {line_id!r}")
        if capability is None or not capability["qualified"]:
            raise InvalidInput(f"line {line_id} is not qualified to make {atc}")
        values = {
            "kind": "offer_request",
            "line_id": line_id,
            "response_days": int(lines[str(line_id)]["response_days"]),
            "requested_ddd_per_day": requested_ddd_per_day,
        }
    repo = ServerStore(store)
    for earlier in repo.list_activations(notice_id=notice_id):
        same = earlier["line_id"] == values["line_id"] and earlier["kind"] == values["kind"]
        if same and earlier["status"] in ("requested", "confirmed"):
            raise Conflict(
                f"line {values['line_id']} is already activated for {notice_id} "
                f"(activation {earlier['activation_id']}, {earlier['status']})"
            )
    values |= {
        "notice_id": notice_id,
        "company_id": lines[values["line_id"]]["company_id"],
        "atc_code": atc,
        "activated_on": activated_on,
        "confirm_by": activated_on + dt.timedelta(days=confirm_within_days),
        "status": "requested",
        "note": note,
    }
    return view(repo.add_activation(values, who=who))


def activation(store: Store, activation_id: int) -> dict[str, Any]:
    """One activation with its tracking; :class:`NotFound` when none has that id."""
    row = ServerStore(store).activation(activation_id)
    if row is None:
        raise NotFound(f"no activation {activation_id}")
    return view(row)


def activations(
    store: Store, *, company_id: str | None = None, notice_id: str | None = None
) -> list[dict[str, Any]]:
    """Activations (of one company, of one notice) with their tracking, oldest first."""
    rows = ServerStore(store).list_activations(company_id=company_id, notice_id=notice_id)
    return [view(r) for r in rows]


def confirm(
    store: Store,
    activation_id: int,
    *,
    start_date: dt.date,
    ddd_per_day: float,
    total_ddd: float | None = None,
    note: str | None = None,
    who: str,
) -> dict[str, Any]:
    """The producer confirms: first output on `start_date` at `ddd_per_day` (up to the line's
    capacity for the substance); the plan is recomputed."""
    row = activation(store, activation_id)
    if start_date < row["activated_on"]:
        raise InvalidInput(
            f"start_date: {start_date} is before the activation on {row['activated_on']}"
        )
    if not ddd_per_day > 0:
        raise InvalidInput("ddd_per_day: must be greater than 0")
    if total_ddd is not None and not total_ddd > 0:
        raise InvalidInput("total_ddd: must be greater than 0")
    capability = next(
        (
            r
            for r in require_dataset(store).rows("capabilities")
            if r["line_id"] == row["line_id"] and r["atc_code"] == row["atc_code"]
        ),
        None,
    )
    if capability is not None and ddd_per_day > float(capability["capacity_ddd_per_day"]):
        raise InvalidInput(
            f"ddd_per_day: {ddd_per_day:g} is above the line's capacity for "
            f"{row['atc_code']} ({float(capability['capacity_ddd_per_day']):g} DDD/day)"
        )
    values = {
        "status": "confirmed",
        "confirmed_start_date": start_date,
        "confirmed_ddd_per_day": float(ddd_per_day),
        "confirmed_total_ddd": total_ddd,
        "note": note if note is not None else row["note"],
    }
    answered = ServerStore(store).answer_activation(activation_id, values, who=who)
    refresh_plan(store, row["notice_id"], who=who)
    return view(answered)


def decline(store: Store, activation_id: int, *, reason: str, who: str) -> dict[str, Any]:
    """The producer declines with a reason; the plan is recomputed without it."""
    row = activation(store, activation_id)
    if not reason.strip():
        raise InvalidInput("reason: say why the activation is declined")
    values = {"status": "declined", "decline_reason": reason.strip()}
    answered = ServerStore(store).answer_activation(activation_id, values, who=who)
    refresh_plan(store, row["notice_id"], who=who)
    return view(answered)
