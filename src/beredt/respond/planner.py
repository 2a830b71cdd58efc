"""The shortage response planner (DESIGN.md §4 "Shortage response", issue 7).

For a shortage notice: the gap day by day — the deliveries lost, i.e. the substance's demand times
the market share of the products in the notice's scope (all of them for a notice on the whole
substance) — and the actions that fill it, in this priority order:

1. other packs/strengths of the same substance (same route): their spare supply after its lead
   time, and their stock in the distribution chain;
2. redistribution of the affected packs' own stock between holders and tiers (pooled nationally);
3. release from the national preparedness stock, down to a floor;
4. activation of domestic capacity agreements (response time, ramp-up, reserved capacity, API);
5. domestic producers qualified for the substance but without an agreement (slower, flagged);
6. exemption import of the same substance (lead time, a share of demand, a price premium);
7. therapeutic alternatives in the same ATC level-4 group (flagged for clinical review).

The rest is uncovered, with a rationing suggestion when it is positive.

**Activation.** Actions 1–3 use what is already in the country and are always available; actions
4–7 are activated one by one in order, each only while a rest is uncovered over the planned
horizon and only if it reduces that rest by at least ``min_activation_days`` days of mean gap.
With ``size_to_need`` an activated action delivers the quantity that closes the gap (or all it
can, when that does not close it), from its ETA: an order or production campaign of that size.
Each DDD an activated same-substance action delivers saves one DDD of stock, so the quantity
needed is exactly the rest it removes (checked after the fact, bisection otherwise).

**Each day** (:mod:`beredt.respond.engine`): renewable output of activated same-substance actions
first, then same-substance stocks in priority order, then therapeutic alternatives. Drawing stock
after renewable output never loses coverage (the stock is still there tomorrow), which is why
renewable actions run before stock although stock comes first in the activation order.

**Timeline.** Day 0 is the later of the as-of date and the notice's start; actions are triggered
on the as-of date (the plan is made today), so a lead time of L days means first output on
as-of + L. The plan runs to the expected end (inclusive), or to the median of the duration
distribution when the end is unknown or already past.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.respond import uncertainty as unc
from beredt.respond.duration import DurationModel, duration_model
from beredt.respond.engine import Allocation, Phase, Segment, Source, allocate
from beredt.respond.notice import NoticeError, ResponseNotice, resolve_notice
from beredt.respond.params import GLOBAL_CAUSES, ResponseParams
from beredt.results import Provenance, provenance

_CHAIN_TIERS = ("producer", "wholesale", "hospital", "pharmacy")


class ActionKind(StrEnum):
    """The kinds of response action, in priority order."""

    OTHER_PRODUCTS = "other_products"
    REDISTRIBUTION = "redistribution"
    PREPAREDNESS = "preparedness"
    AGREEMENT = "agreement"
    DOMESTIC_UNRESERVED = "domestic_unreserved"
    EXEMPTION_IMPORT = "exemption_import"
    THERAPEUTIC_ALTERNATIVE = "therapeutic_alternative"

    @property
    def priority(self) -> int:
        """1 (first) … 7 (last)."""
        return list(ActionKind).index(self) + 1

    @property
    def same_substance(self) -> bool:
        """Whether the action supplies the substance itself (all but therapeutic alternatives)."""
        return self is not ActionKind.THERAPEUTIC_ALTERNATIVE

    @property
    def always_available(self) -> bool:
        """Kinds that use what is already in the country and need no activation (1–3)."""
        return self.priority <= 3


class ActionStatus(StrEnum):
    """What the plan does with an action."""

    USED = "used"
    NOT_NEEDED = "not_needed"  # the gap is closed without it
    TOO_LATE = "too_late"  # first output after the planned end
    TOO_SMALL = "too_small"  # would cover less than min_activation_days of gap
    NO_CAPACITY = "no_capacity"  # nothing to give (empty stock, zero capacity)


@dataclass(frozen=True)
class Action:
    """One action of the plan, used or not, with its quantities, timing, cost and source."""

    action_id: str
    kind: ActionKind
    priority: int
    status: ActionStatus
    source: str  # where the supply comes from, in words (products, holders, lines)
    atc_code: str
    product_id: str | None
    line_id: str | None
    agreement_id: str | None
    eta_day: int  # first timeline day with possible output
    eta_date: dt.date
    trigger_date: dt.date | None  # when to set it in motion (None: needs no activation)
    start_date: dt.date | None  # first day the plan uses it
    end_date: dt.date | None  # last day the plan uses it
    quantity_ddd: float
    packs: float | None  # quantity_ddd / ddd_per_pack (whole packs: round up when ordering)
    ddd_per_pack: float | None
    cost_per_ddd: float
    cost: float  # in the dataset's currency
    extra_cost: float  # cost above buying the same DDD of the affected packs at their price
    capacity_ddd_per_day: float | None  # full rate of a flow
    stock_ddd: float | None  # stock on hand before the plan (stock actions)
    floor_ddd: float | None  # stock kept back (stock actions)
    flags: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def used(self) -> bool:
        """Whether the plan draws on this action."""
        return self.status is ActionStatus.USED


@dataclass(frozen=True)
class EscalationStep:
    """One step of the activation ladder: the rest before and after trying an action."""

    action_id: str
    uncovered_before_ddd: float
    uncovered_after_ddd: float
    decision: ActionStatus
    quantity_cap_ddd: float | None  # the order size when sized to need


@dataclass(frozen=True)
class Exclusion:
    """An option that exists in the data but cannot be used, and why (a reason code)."""

    kind: ActionKind
    what: str
    reason: str  # unqualified | other_route | agreement_inactive | no_stock | declined


@dataclass(frozen=True)
class ProducerAnswer:
    """A domestic producer's answer to an activation, which the plan then takes as given.

    Keyed in :func:`plan_response` by the action's source key (``agreement:ID`` or
    ``domestic_unreserved:LINE``): a declined activation is left out of the plan (exclusion
    ``declined``); a confirmed one starts output on the confirmed `start_date` at the confirmed
    `ddd_per_day` (at most the line's capacity) instead of the response time's estimate.
    """

    declined: bool = False
    start_date: dt.date | None = None
    ddd_per_day: float | None = None


@dataclass(frozen=True)
class RationingSuggestion:
    """Cap dispensing when a rest stays uncovered, with the demand cut it would take."""

    weeks_per_patient: int
    first_uncovered_date: dt.date
    last_uncovered_date: dt.date
    uncovered_ddd: float
    uncovered_days: int
    peak_uncovered_share: float  # largest daily uncovered / demand
    cut_share_from_first_uncovered: float  # uncovered / demand from the first uncovered day
    cut_share_from_start: float  # uncovered / demand over the whole plan (rationing from day 0)


@dataclass(frozen=True)
class SubstanceInfo:
    """The substance in shortage."""

    atc_code: str
    name: str
    criticality: str
    ddd: float
    ddd_unit: str
    mean_demand_ddd_per_day: float
    atc4: str


@dataclass(frozen=True)
class ResponsePlan:
    """A costed, dated response plan for one shortage notice."""

    notice: ResponseNotice
    substance: SubstanceInfo
    scope_product_ids: tuple[str, ...]
    lost_share: float  # share of the substance's demand the lost deliveries supplied
    as_of: dt.date
    start_date: dt.date  # timeline day 0
    end_date: dt.date  # last planned day
    end_basis: str  # expected_end | duration_median | duration_quantile_<q>
    horizon_days: int
    currency: str
    actions: tuple[Action, ...]
    daily: pd.DataFrame  # date, day, demand_ddd, gap_ddd, one column per action, covered, uncovered
    available: pd.DataFrame  # date, day, one column per action: the most it could give that day
    line_load: pd.DataFrame  # date, day, one column per production line: share of capacity used
    gap_ddd: float
    covered_ddd: float
    uncovered_ddd: float
    cost: float
    extra_cost: float
    first_uncovered_date: dt.date | None
    last_uncovered_date: dt.date | None
    rationing: RationingSuggestion | None
    uncertainty: unc.Uncertainty
    escalation: tuple[EscalationStep, ...]
    exclusions: tuple[Exclusion, ...]
    baseline_price_per_ddd: float
    params: ResponseParams
    provenance: Provenance

    @property
    def used_actions(self) -> tuple[Action, ...]:
        """The actions the plan draws on, in priority order."""
        return tuple(a for a in self.actions if a.used)

    def action(self, action_id: str) -> Action:
        """One action by id (KeyError if unknown)."""
        for a in self.actions:
            if a.action_id == action_id:
                return a
        raise KeyError(action_id)


# --------------------------------------------------------------------------------------------
# Building the candidate actions from the dataset
# --------------------------------------------------------------------------------------------


def _snap(value: float) -> float:
    """Round to the nearest integer when within floating-point noise of it (keeps sums exact)."""
    r = round(value)
    return float(r) if abs(value - r) <= 1e-9 * max(1.0, abs(value)) else float(value)


@dataclass
class _Candidate:
    source: Source
    kind: ActionKind
    text: str
    cost_per_ddd: float
    fixed_cost: float = 0.0
    cost_per_pack: float = 0.0
    product_id: str | None = None
    line_id: str | None = None
    agreement_id: str | None = None
    atc_code: str = ""
    ddd_per_pack: float | None = None
    capacity: float | None = None
    stock_ddd: float | None = None
    floor_ddd: float | None = None
    flags: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Context:
    dataset: Dataset
    notice: ResponseNotice
    params: ResponseParams
    substance: SubstanceInfo
    seasonal_amplitude: float
    seasonal_peak_day: int
    t0: dt.date
    lead_offset: int  # (t0 − as_of) in days
    scope: tuple[str, ...]
    lost_share: float
    baseline_price_per_ddd: float
    exclusions: list[Exclusion] = field(default_factory=list)
    answers: Mapping[str, ProducerAnswer] = field(default_factory=dict)

    def answered(
        self, key: str, start: int, rate: float, flags: tuple[str, ...]
    ) -> tuple[int, float, tuple[str, ...]]:
        """(start index, rate, flags) of a domestic action after its producer's confirmation."""
        answer = self.answers.get(key)
        if answer is None or answer.declined:
            return start, rate, flags
        if answer.start_date is not None:
            start = (answer.start_date - self.t0).days
        if answer.ddd_per_day is not None:
            rate = min(rate, _snap(float(answer.ddd_per_day)))
        return start, rate, (*flags, "confirmed")

    def declined(self, key: str) -> bool:
        """Whether the producer declined the activation behind this action."""
        answer = self.answers.get(key)
        return answer is not None and answer.declined

    def demand(self, horizon_days: int) -> np.ndarray:
        """Expected national demand per day from day 0 (DDD/day), seasonal if configured."""
        m = self.substance.mean_demand_ddd_per_day
        if not self.params.seasonal_demand or self.seasonal_amplitude == 0:
            return np.full(horizon_days, m)
        doy = np.array(
            [(self.t0 + dt.timedelta(days=d)).timetuple().tm_yday for d in range(horizon_days)],
            dtype=float,
        )
        return m * (
            1.0
            + self.seasonal_amplitude * np.cos(2.0 * np.pi * (doy - self.seasonal_peak_day) / 365.0)
        )

    def gap(self, horizon_days: int) -> np.ndarray:
        """Deliveries lost per day (DDD/day)."""
        g = self.lost_share * self.demand(horizon_days)
        return np.array([_snap(v) for v in g]) if len(g) else g

    def lead(self, days: float) -> int:
        """Timeline index of the first output of something triggered today with this lead."""
        return math.ceil(days) - self.lead_offset


def _route_ok(ctx: _Context, route: Any) -> bool:
    if not ctx.params.same_route_only:
        return True
    products = ctx.dataset.products
    routes = {
        r
        for r in products[products["product_id"].isin(ctx.scope)]["route"]
        if isinstance(r, str) and r
    }
    return not routes or not isinstance(route, str) or not route or route in routes


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (much faster than ``iterrows`` for the small frames used here)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _holders(stock: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"holder": str(r["holder"]), "tier": str(r["tier"]), "packs": int(r["packs"])}
        for r in _records(stock.sort_values(["tier", "holder"]))
    ]


def _holders_text(stock: pd.DataFrame) -> str:
    parts = [
        f"{r['holder']} ({r['tier']}) {int(r['packs']):,} packs"
        for r in _records(stock.sort_values(["tier", "holder"]))
    ]
    return "; ".join(parts)


def _build_context(dataset: Dataset, notice: ResponseNotice, params: ResponseParams) -> _Context:
    subs = dataset.substances
    row = subs.iloc[dataset.substance_idx(notice.atc_code)]
    info = SubstanceInfo(
        atc_code=notice.atc_code,
        name=str(row["name"]),
        criticality=str(row["criticality"]),
        ddd=float(row["ddd"]),
        ddd_unit=str(row["ddd_unit"]),
        mean_demand_ddd_per_day=float(row["demand_ddd_per_day"]),
        atc4=str(row["atc4"]),
    )
    products = dataset.products[dataset.products["atc_code"] == notice.atc_code]
    if notice.product_id is not None:
        scope: tuple[str, ...] = (notice.product_id,)
        # shares normalised within the substance, as in the simulator (one supply model)
        shares = products["market_share"].to_numpy(float)
        raw = float(
            products.loc[products["product_id"] == notice.product_id, "market_share"].iloc[0]
        )
        lost_share = raw / shares.sum() if shares.sum() > 0 else 1.0 / max(len(products), 1)
    else:
        scope = tuple(str(p) for p in products["product_id"])
        lost_share = 1.0
    affected = products[products["product_id"].isin(scope)]
    per_ddd = (affected["price_per_pack"] / affected["ddd_per_pack"]).to_numpy(float)
    weights = affected["market_share"].to_numpy(float)
    if len(per_ddd) == 0:
        baseline = 0.0
    elif weights.sum() > 0:
        baseline = float((per_ddd * weights).sum() / weights.sum())
    else:
        baseline = float(per_ddd.mean())
    t0 = max(dataset.as_of, notice.start_date)
    return _Context(
        dataset=dataset,
        notice=notice,
        params=params,
        substance=info,
        seasonal_amplitude=float(row["seasonal_amplitude"]),
        seasonal_peak_day=int(row["seasonal_peak_day"]),
        t0=t0,
        lead_offset=(t0 - dataset.as_of).days,
        scope=scope,
        lost_share=_snap(lost_share),
        baseline_price_per_ddd=baseline,
    )


def _api(
    ctx: _Context, capability: Mapping[str, Any] | None
) -> tuple[float, int | None, tuple[str, ...]]:
    """API limit on output, the day it stops binding, and flags."""
    if capability is None:
        return math.inf, None, ()
    country = capability["api_source_country"]
    if not isinstance(country, str) or not country:
        return math.inf, None, ()
    on_hand = float(capability["api_on_hand_ddd"])
    resupply = ctx.params.api_resupply_days
    if resupply is None or ctx.notice.cause in GLOBAL_CAUSES:
        return on_hand, None, ("api_limited",)
    return on_hand, max(0, ctx.lead(resupply)), ("api_limited_until_resupply",)


def _candidates(ctx: _Context) -> list[_Candidate]:
    ds, p = ctx.dataset, ctx.params
    atc = ctx.notice.atc_code
    mean = ctx.substance.mean_demand_ddd_per_day
    products = ds.products[ds.products["atc_code"] == atc].sort_values("product_id")
    stock = ds.stock[ds.stock["product_id"].isin(products["product_id"])]
    out: list[_Candidate] = []

    def chain_stock(pid: str) -> pd.DataFrame:
        s = stock[(stock["product_id"] == pid) & stock["tier"].isin(_CHAIN_TIERS)]
        return s[s["packs"] > 0]

    # 1. other packs / strengths of the same substance
    others = products[~products["product_id"].isin(ctx.scope)]
    for prod in _records(others):
        pid = str(prod["product_id"])
        if not _route_ok(ctx, prod["route"]):
            ctx.exclusions.append(
                Exclusion(ActionKind.OTHER_PRODUCTS, f"{prod['name']} ({pid})", "other_route")
            )
            continue
        per_pack = float(prod["ddd_per_pack"])
        per_ddd = float(prod["price_per_pack"]) / per_pack
        rate = _snap(float(prod["spare_capacity_share"]) * mean)
        if rate > 0:
            start = ctx.lead(int(prod["spare_lead_time_days"]))
            out.append(
                _Candidate(
                    source=Source(
                        f"other_products:{pid}:spare",
                        Phase.FLOW,
                        eta=max(0, start),
                        segments=(Segment(start, rate),),
                    ),
                    kind=ActionKind.OTHER_PRODUCTS,
                    text=f"{prod['name']} ({pid}): extra supply from {prod['ma_holder_id']}",
                    cost_per_ddd=per_ddd,
                    product_id=pid,
                    atc_code=atc,
                    ddd_per_pack=per_pack,
                    capacity=rate,
                    detail={
                        "name": str(prod["name"]),
                        "company_id": str(prod["ma_holder_id"]),
                        "lead_time_days": int(prod["spare_lead_time_days"]),
                    },
                )
            )
        held = chain_stock(pid)
        ddd = float(held["ddd"].sum())
        floor = _snap(p.chain_working_stock_days * float(prod["market_share"]) * mean)
        if ddd > 0:
            out.append(
                _Candidate(
                    source=Source(
                        f"other_products:{pid}:stock",
                        Phase.STOCK,
                        pool=_snap(max(0.0, ddd - floor)),
                    ),
                    kind=ActionKind.OTHER_PRODUCTS,
                    text=f"{prod['name']} ({pid}) in stock: {_holders_text(held)}",
                    cost_per_ddd=per_ddd,
                    product_id=pid,
                    atc_code=atc,
                    ddd_per_pack=per_pack,
                    stock_ddd=ddd,
                    floor_ddd=floor,
                    detail={"name": str(prod["name"]), "holders": _holders(held)},
                )
            )

    # 2. redistribution of the affected packs' own chain stock
    for prod in _records(products[products["product_id"].isin(ctx.scope)]):
        pid = str(prod["product_id"])
        held = chain_stock(pid)
        ddd = float(held["ddd"].sum())
        if ddd <= 0:
            continue
        per_pack = float(prod["ddd_per_pack"])
        floor = _snap(p.chain_working_stock_days * float(prod["market_share"]) * mean)
        out.append(
            _Candidate(
                source=Source(
                    f"redistribution:{pid}", Phase.STOCK, pool=_snap(max(0.0, ddd - floor))
                ),
                kind=ActionKind.REDISTRIBUTION,
                text=f"{prod['name']} ({pid}) pooled from {_holders_text(held)}",
                cost_per_ddd=float(prod["price_per_pack"]) / per_pack,
                cost_per_pack=p.redistribution_cost_per_pack,
                product_id=pid,
                atc_code=atc,
                ddd_per_pack=per_pack,
                stock_ddd=ddd,
                floor_ddd=floor,
                detail={"name": str(prod["name"]), "holders": _holders(held)},
            )
        )

    # 3. national preparedness stock, down to the floor (split over products by their stock)
    prep = stock[(stock["tier"] == "preparedness") & (stock["packs"] > 0)]
    prep_products = [
        prod
        for prod in _records(products)
        if str(prod["product_id"]) in set(prep["product_id"])
        and (str(prod["product_id"]) in ctx.scope or _route_ok(ctx, prod["route"]))
    ]
    prep_products.sort(key=lambda r: (str(r["product_id"]) not in ctx.scope, str(r["product_id"])))
    total_prep = float(
        prep[prep["product_id"].isin([str(r["product_id"]) for r in prep_products])]["ddd"].sum()
    )
    floor_total = max(p.preparedness_floor_share * total_prep, p.preparedness_floor_days * mean)
    for prod in prep_products:
        pid = str(prod["product_id"])
        held = prep[prep["product_id"] == pid]
        ddd = float(held["ddd"].sum())
        floor = _snap(floor_total * ddd / total_prep) if total_prep > 0 else 0.0
        per_pack = float(prod["ddd_per_pack"])
        out.append(
            _Candidate(
                source=Source(
                    f"preparedness:{pid}", Phase.STOCK, pool=_snap(max(0.0, ddd - floor))
                ),
                kind=ActionKind.PREPAREDNESS,
                text=f"{prod['name']} ({pid}) from {_holders_text(held)}",
                cost_per_ddd=float(prod["price_per_pack"])
                / per_pack
                * (1.0 + p.preparedness_replenishment_premium),
                product_id=pid,
                atc_code=atc,
                ddd_per_pack=per_pack,
                stock_ddd=ddd,
                floor_ddd=floor,
                detail={"name": str(prod["name"]), "holders": _holders(held)},
            )
        )

    lines = {str(r["line_id"]): r for r in _records(ds.lines)}
    caps = ds.capabilities[ds.capabilities["atc_code"] == atc]
    cap_by_line = {str(r["line_id"]): r for r in _records(caps)}
    scope_packs = products[products["product_id"].isin(ctx.scope)]["ddd_per_pack"]
    mean_pack = float(scope_packs.mean()) if len(scope_packs) else None

    # 4. domestic capacity agreements
    agreements = ds.agreements[ds.agreements["atc_code"] == atc].sort_values("agreement_id")
    agreement_lines: set[str] = set()
    domestic: list[_Candidate] = []
    for ag in _records(agreements):
        if not bool(ag["active"]):
            ctx.exclusions.append(
                Exclusion(ActionKind.AGREEMENT, str(ag["agreement_id"]), "agreement_inactive")
            )
            continue
        line_id = str(ag["line_id"])
        key = f"agreement:{ag['agreement_id']}"
        if ctx.declined(key):
            ctx.exclusions.append(
                Exclusion(ActionKind.AGREEMENT, str(ag["agreement_id"]), "declined")
            )
            # the line stays out, unless its producer has since answered a request for an offer
            if f"domestic_unreserved:{line_id}" not in ctx.answers:
                agreement_lines.add(line_id)
            continue
        agreement_lines.add(line_id)
        line = lines[line_id]
        capability = cap_by_line.get(line_id)
        line_cap = float(capability["capacity_ddd_per_day"]) if capability is not None else math.inf
        rate = min(float(ag["reserved_ddd_per_day"]), line_cap)
        start = ctx.lead(int(ag["response_days"]))
        api_limit, api_free, flags = _api(ctx, capability)
        start, rate, flags = ctx.answered(key, start, rate, flags)
        unit = float(capability["unit_cost_per_ddd"]) if capability is not None else 0.0
        domestic.append(
            _Candidate(
                source=Source(
                    key,
                    Phase.FLOW,
                    eta=max(0, start),
                    segments=(Segment(start, rate, int(line["ramp_days"])),),
                    api_limit=api_limit,
                    api_free_from=api_free,
                    line=line_id,
                    line_capacity=line_cap if math.isfinite(line_cap) else rate,
                ),
                kind=ActionKind.AGREEMENT,
                text=f"agreement {ag['agreement_id']}: {line['name']} ({line['company_id']})",
                cost_per_ddd=unit,
                fixed_cost=p.domestic_activation_cost,
                line_id=line_id,
                agreement_id=str(ag["agreement_id"]),
                atc_code=atc,
                ddd_per_pack=mean_pack,
                capacity=rate,
                flags=flags,
                detail={
                    "name": str(line["name"]),
                    "company_id": str(line["company_id"]),
                    "response_days": int(ag["response_days"]),
                    "ramp_days": int(line["ramp_days"]),
                    "api_on_hand_ddd": None
                    if capability is None
                    else float(capability["api_on_hand_ddd"]),
                },
            )
        )
    domestic.sort(key=lambda c: (c.source.eta, c.source.key))
    out.extend(domestic)

    # 5. qualified domestic lines without an agreement for the substance
    offers = ds.valid_offers
    unreserved: list[_Candidate] = []
    for line_id, capability in sorted(cap_by_line.items()):
        if line_id in agreement_lines:
            continue
        line = lines[line_id]
        if not bool(capability["qualified"]):
            ctx.exclusions.append(
                Exclusion(
                    ActionKind.DOMESTIC_UNRESERVED, f"{line['name']} ({line_id})", "unqualified"
                )
            )
            continue
        key = f"domestic_unreserved:{line_id}"
        if ctx.declined(key):
            ctx.exclusions.append(
                Exclusion(ActionKind.DOMESTIC_UNRESERVED, f"{line['name']} ({line_id})", "declined")
            )
            continue
        full = float(capability["capacity_ddd_per_day"])
        rate = _snap(full * p.unreserved_capacity_share)
        response = int(line["response_days"]) + p.unreserved_extra_days
        start = ctx.lead(response)
        api_limit, api_free, flags = _api(ctx, capability)
        answer = ctx.answers.get(key)
        if answer is not None and answer.ddd_per_day is not None:
            rate = min(full, _snap(float(answer.ddd_per_day)))  # a confirmed offer, not a share
        start, rate, flags = ctx.answered(key, start, rate, flags)
        offer = offers[(offers["line_id"] == line_id) & (offers["atc_code"] == atc)]
        unreserved.append(
            _Candidate(
                source=Source(
                    key,
                    Phase.FLOW,
                    eta=max(0, start),
                    segments=(Segment(start, rate, int(line["ramp_days"])),),
                    api_limit=api_limit,
                    api_free_from=api_free,
                    line=line_id,
                    line_capacity=full,
                ),
                kind=ActionKind.DOMESTIC_UNRESERVED,
                text=f"{line['name']} ({line['company_id']}), no agreement",
                cost_per_ddd=float(capability["unit_cost_per_ddd"])
                * (1 + p.unreserved_cost_premium),
                fixed_cost=p.domestic_activation_cost,
                line_id=line_id,
                atc_code=atc,
                ddd_per_pack=mean_pack,
                capacity=rate,
                flags=("no_agreement", *flags),
                detail={
                    "name": str(line["name"]),
                    "company_id": str(line["company_id"]),
                    "response_days": response,
                    "ramp_days": int(line["ramp_days"]),
                    "offers": sorted(str(o) for o in offer["offer_id"]),
                    "api_on_hand_ddd": float(capability["api_on_hand_ddd"]),
                },
            )
        )
    unreserved.sort(key=lambda c: (c.source.eta, c.source.key))
    out.extend(unreserved)

    # 6. exemption import: the dataset's levers.csv where it configures the substance (the
    # simulator and the optimiser use the same lever), else the planner's own defaults
    lever = ds.exemption_import().iloc[ds.substance_idx(atc)]
    configured = lever["scope"] is not None
    share = float(lever["share"]) if configured else p.exemption_import_share
    lead_days = int(lever["lead_days"]) if configured else p.exemption_import_lead_days
    premium = float(lever["price_premium"]) if configured else p.exemption_import_price_premium
    factor = p.global_cause_import_factor if ctx.notice.cause in GLOBAL_CAUSES else 1.0
    rate = _snap(share * factor * mean)
    start = ctx.lead(lead_days)
    out.append(
        _Candidate(
            source=Source(
                "exemption_import", Phase.FLOW, eta=max(0, start), segments=(Segment(start, rate),)
            ),
            kind=ActionKind.EXEMPTION_IMPORT,
            text="exemption import of packs marketed abroad",
            cost_per_ddd=ctx.baseline_price_per_ddd * (1 + premium),
            atc_code=atc,
            ddd_per_pack=mean_pack,
            capacity=rate,
            flags=("global_cause",) if factor != 1.0 else (),
            detail={
                "lead_time_days": lead_days,
                "share_of_demand": share,
                "source": f"levers.csv ({lever['scope']})" if configured else "planner default",
            },
        )
    )

    # 7. therapeutic alternatives in the ATC level-4 group
    subs = ds.substances
    group = subs[(subs["atc4"] == ctx.substance.atc4) & (subs["atc_code"] != atc)]
    for alt in _records(group.sort_values("atc_code")):
        alt_atc = str(alt["atc_code"])
        alt_products = ds.products[ds.products["atc_code"] == alt_atc]
        alt_products = alt_products[[_route_ok(ctx, r) for r in alt_products["route"]]]
        if alt_products.empty:
            continue
        alt_mean = float(alt["demand_ddd_per_day"])
        segments = tuple(
            Segment(
                ctx.lead(int(ap["spare_lead_time_days"])),
                _snap(float(ap["spare_capacity_share"]) * alt_mean),
            )
            for ap in _records(alt_products)
            if float(ap["spare_capacity_share"]) > 0
        )
        alt_stock = ds.stock[
            ds.stock["product_id"].isin(alt_products["product_id"])
            & ds.stock["tier"].isin(_CHAIN_TIERS)
            & (ds.stock["packs"] > 0)
        ]
        alt_held = float(alt_stock["ddd"].sum())
        reserve = _snap(p.alternative_reserve_days * alt_mean)
        if alt_held <= 0 and not segments:
            ctx.exclusions.append(
                Exclusion(
                    ActionKind.THERAPEUTIC_ALTERNATIVE, f"{alt['name']} ({alt_atc})", "no_stock"
                )
            )
            continue
        alt_per_ddd = (alt_products["price_per_pack"] / alt_products["ddd_per_pack"]).to_numpy(
            float
        )
        w = alt_products["market_share"].to_numpy(float)
        price = (
            float((alt_per_ddd * w).sum() / w.sum()) if w.sum() > 0 else float(alt_per_ddd.mean())
        )
        if alt_held > 0:
            by_pack = alt_stock.merge(alt_products[["product_id", "ddd_per_pack"]], on="product_id")
            per_pack = float(by_pack["ddd"].sum() / by_pack["packs"].sum())
        else:
            per_pack = float(alt_products["ddd_per_pack"].mean())
        out.append(
            _Candidate(
                source=Source(
                    f"therapeutic_alternative:{alt_atc}",
                    Phase.ALTERNATIVE,
                    segments=segments,
                    pool=_snap(max(0.0, alt_held - reserve)),
                ),
                kind=ActionKind.THERAPEUTIC_ALTERNATIVE,
                text=f"{alt['name']} ({alt_atc}): stock and extra supply; clinical review",
                cost_per_ddd=price,
                atc_code=alt_atc,
                ddd_per_pack=per_pack,
                stock_ddd=alt_held,
                floor_ddd=reserve,
                flags=("clinical_review",),
                detail={"name": str(alt["name"])},
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def _end_date(ctx: _Context, model: DurationModel) -> tuple[dt.date, str]:
    end = ctx.notice.expected_end_date
    if end is not None and end >= ctx.t0:
        basis = "expected_end"
    else:
        median = model.quantile(0.5)
        end = max(ctx.t0, ctx.notice.start_date + dt.timedelta(days=median - 1))
        basis = "duration_median"
    q = ctx.params.planning_quantile
    if q is not None:
        end_q = ctx.notice.start_date + dt.timedelta(days=model.quantile(q) - 1)
        if end_q > end:
            return end_q, f"duration_quantile_{q:g}"
    return end, basis


def plan_response(
    dataset: Dataset,
    notice: str | ResponseNotice,
    params: ResponseParams | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    answers: Mapping[str, ProducerAnswer] | None = None,
) -> ResponsePlan:
    """Plan the response to a shortage notice (an id in the dataset, or a described notice).

    `answers`: domestic producers' answers to activations, by action source key
    (:class:`ProducerAnswer`); the plan is recomputed with them as they arrive.
    """
    params = params or ResponseParams()
    notice = resolve_notice(dataset, notice)
    ctx = _build_context(dataset, notice, params)
    ctx.answers = dict(answers or {})
    model = duration_model(dataset, notice, params)
    end, end_basis = _end_date(ctx, model)
    horizon = (end - ctx.t0).days + 1
    if horizon < 1:
        raise NoticeError(f"notice {notice.key}: nothing to plan, it ends before {ctx.t0}")
    horizon = min(horizon, params.max_horizon_days)
    end = ctx.t0 + dt.timedelta(days=horizon - 1)

    candidates = _candidates(ctx)
    sources = [c.source for c in candidates]
    gap = ctx.gap(horizon)
    total_gap = float(gap.sum())
    tol = 1e-9 * max(1.0, total_gap)
    mean_gap = total_gap / horizon
    alt_share = params.alternative_cap_share

    def run(active: dict[str, float], days: int = horizon) -> Allocation:
        g = gap if days == horizon else ctx.gap(days)
        return allocate(g, sources, active, alt_share)

    escalating = [c for c in candidates if not c.kind.always_available]
    total_steps = len(escalating) + 2
    active: dict[str, float] = {
        c.source.key: math.inf for c in candidates if c.kind.always_available
    }
    rest = run(active).total_uncovered
    steps: list[EscalationStep] = []
    decisions: dict[str, ActionStatus] = {}
    skipped_small: list[str] = []

    def attempt(key: str, eta: int, min_gain: float) -> None:
        nonlocal rest
        if rest <= tol:
            decisions[key] = ActionStatus.NOT_NEEDED
            steps.append(EscalationStep(key, rest, rest, ActionStatus.NOT_NEEDED, None))
            return
        trial = run({**active, key: math.inf})
        gain = rest - trial.total_uncovered
        if gain <= tol:
            status = ActionStatus.TOO_LATE if eta >= horizon else ActionStatus.NO_CAPACITY
            decisions[key] = status
            steps.append(EscalationStep(key, rest, rest, status, None))
            return
        if gain < min_gain:
            decisions[key] = ActionStatus.TOO_SMALL
            steps.append(EscalationStep(key, rest, rest, ActionStatus.TOO_SMALL, None))
            skipped_small.append(key)
            return
        target = trial.total_uncovered
        quantity = math.inf
        if params.size_to_need and target <= tol:
            quantity = _size_to_need(run, active, key, gain, trial, target, tol)
        active[key] = quantity
        before, rest = rest, run(active).total_uncovered
        decisions[key] = ActionStatus.USED
        cap = None if math.isinf(quantity) else quantity
        steps.append(EscalationStep(key, before, rest, ActionStatus.USED, cap))

    if progress:
        progress(1, total_steps)
    min_gain = params.min_activation_days * mean_gap
    for n, cand in enumerate(escalating, start=2):
        if not cand.kind.same_substance and rest > tol and skipped_small:
            # Before any clinical switch, every same-substance option counts, however small.
            retry, skipped_small[:] = list(skipped_small), []
            for key in retry:
                attempt(key, sources[[s.key for s in sources].index(key)].eta, 0.0)
        attempt(cand.source.key, cand.source.eta, min_gain)
        if progress:
            progress(n, total_steps)

    alloc = run(active)
    uncertainty = unc.evaluate(
        model=model,
        gap_for=ctx.gap,
        sources=sources,
        active=active,
        alternative_cap_share=alt_share,
        timeline_start=ctx.t0,
        notice_start=notice.start_date,
        plan_days=horizon,
        n_samples=params.duration_samples,
        seed=params.seed,
        max_horizon_days=max(params.max_horizon_days, horizon),
        tolerance=tol,
    )
    if progress:
        progress(total_steps, total_steps)
    return _assemble(
        ctx, candidates, alloc, active, decisions, steps, uncertainty, end, end_basis, horizon, tol
    )


def _size_to_need(
    run: Callable[[dict[str, float]], Allocation],
    active: dict[str, float],
    key: str,
    gain: float,
    trial: Allocation,
    target: float,
    tol: float,
) -> float:
    """The smallest total delivery of `key` that still brings the rest down to `target`."""
    if run({**active, key: gain}).total_uncovered <= target + tol:
        return gain
    # Not one-for-one (cannot happen with stocks available from day 0; kept for safety).
    lo, hi = gain, float(trial.row(key).sum())
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if run({**active, key: mid}).total_uncovered <= target + tol:
            hi = mid
        else:
            lo = mid
    return hi


def _assemble(
    ctx: _Context,
    candidates: Sequence[_Candidate],
    alloc: Allocation,
    active: dict[str, float],
    decisions: dict[str, ActionStatus],
    steps: list[EscalationStep],
    uncertainty: unc.Uncertainty,
    end: dt.date,
    end_basis: str,
    horizon: int,
    tol: float,
) -> ResponsePlan:
    ds, p = ctx.dataset, ctx.params
    dates = [ctx.t0 + dt.timedelta(days=d) for d in range(horizon)]
    demand = ctx.demand(horizon)
    gap = ctx.gap(horizon)
    keys = [c.source.key for c in candidates]
    daily = pd.DataFrame(
        {"date": dates, "day": np.arange(horizon), "demand_ddd": demand, "gap_ddd": gap}
    )
    for i, key in enumerate(keys):
        daily[key] = alloc.delivered[i]
    covered = alloc.delivered.sum(axis=0) if len(keys) else np.zeros(horizon)
    daily["covered_ddd"] = covered
    # Round-off below the tolerance is no shortage (exact zeros on integer data anyway).
    uncovered = np.where(alloc.uncovered > tol, alloc.uncovered, 0.0)
    daily["uncovered_ddd"] = uncovered
    available = pd.DataFrame({"date": dates, "day": np.arange(horizon)})
    for i, key in enumerate(keys):
        available[key] = alloc.available[i]
    line_load = pd.DataFrame({"date": dates, "day": np.arange(horizon)})
    for c in candidates:
        if c.line_id and c.line_id in alloc.line_used and c.line_id not in line_load:
            line_load[c.line_id] = alloc.line_used[c.line_id] / c.source.line_capacity

    actions: list[Action] = []
    for i, c in enumerate(candidates):
        x = alloc.delivered[i]
        qty = float(x.sum())
        used_days = np.flatnonzero(x > tol)
        key = c.source.key
        if qty > tol:
            status = ActionStatus.USED
        elif key in decisions:
            status = decisions[key]
        elif c.source.phase is Phase.STOCK and c.source.pool <= 0:
            status = ActionStatus.NO_CAPACITY
        elif c.source.eta >= horizon:
            status = ActionStatus.TOO_LATE
        else:
            status = ActionStatus.NOT_NEEDED
        packs = qty / c.ddd_per_pack if c.ddd_per_pack else None
        cost = qty * c.cost_per_ddd + (c.fixed_cost if qty > 0 else 0.0)
        if packs is not None:
            cost += c.cost_per_pack * packs
        needs_trigger = not c.kind.always_available
        actions.append(
            Action(
                action_id=key,
                kind=c.kind,
                priority=c.kind.priority,
                status=status,
                source=c.text,
                atc_code=c.atc_code,
                product_id=c.product_id,
                line_id=c.line_id,
                agreement_id=c.agreement_id,
                eta_day=c.source.eta,
                eta_date=ctx.t0 + dt.timedelta(days=c.source.eta),
                trigger_date=ds.as_of if needs_trigger and status is ActionStatus.USED else None,
                start_date=dates[int(used_days[0])] if len(used_days) else None,
                end_date=dates[int(used_days[-1])] if len(used_days) else None,
                quantity_ddd=qty,
                packs=packs,
                ddd_per_pack=c.ddd_per_pack,
                cost_per_ddd=c.cost_per_ddd,
                cost=cost,
                extra_cost=cost - qty * ctx.baseline_price_per_ddd,
                capacity_ddd_per_day=c.capacity,
                stock_ddd=c.stock_ddd,
                floor_ddd=c.floor_ddd,
                flags=c.flags,
                detail={
                    **c.detail,
                    "quantity_cap_ddd": None
                    if math.isinf(active.get(key, math.inf))
                    else active[key],
                },
            )
        )

    has_u = np.flatnonzero(uncovered > tol)
    rationing = None
    if len(has_u):
        first, last = int(has_u[0]), int(has_u[-1])
        u_total = float(uncovered.sum())
        rationing = RationingSuggestion(
            weeks_per_patient=p.rationing_weeks,
            first_uncovered_date=dates[first],
            last_uncovered_date=dates[last],
            uncovered_ddd=u_total,
            uncovered_days=len(has_u),
            peak_uncovered_share=float(np.max(uncovered / np.where(demand > 0, demand, 1.0))),
            cut_share_from_first_uncovered=u_total / float(demand[first:].sum()),
            cut_share_from_start=u_total / float(demand.sum()),
        )
    params_dict = p.as_dict()
    return ResponsePlan(
        notice=ctx.notice,
        substance=ctx.substance,
        scope_product_ids=ctx.scope,
        lost_share=ctx.lost_share,
        as_of=ds.as_of,
        start_date=ctx.t0,
        end_date=end,
        end_basis=end_basis,
        horizon_days=horizon,
        currency=ds.currency,
        actions=tuple(actions),
        daily=daily,
        available=available,
        line_load=line_load,
        gap_ddd=float(gap.sum()),
        covered_ddd=float(covered.sum()),
        uncovered_ddd=float(uncovered.sum()),
        cost=float(sum(a.cost for a in actions)),
        extra_cost=float(sum(a.extra_cost for a in actions)),
        first_uncovered_date=dates[int(has_u[0])] if len(has_u) else None,
        last_uncovered_date=dates[int(has_u[-1])] if len(has_u) else None,
        rationing=rationing,
        uncertainty=uncertainty,
        escalation=tuple(steps),
        exclusions=tuple(ctx.exclusions),
        baseline_price_per_ddd=ctx.baseline_price_per_ddd,
        params=p,
        provenance=provenance(
            ds,
            {"notice": ctx.notice.key, **params_dict},
            seed=p.seed,
        ),
    )


def days_of_supply_left(
    dataset: Dataset, notice: str | ResponseNotice, params: ResponseParams | None = None
) -> float:
    """Days from the as-of date until demand goes uncovered with actions 1–3 only (inf: never).

    The runway before patients are affected if nothing is activated: what is in the country
    (other packs, the chain stock, the preparedness stock above its floor) against the gap.
    Fractional: a day partly covered counts as that fraction.
    """
    params = params or ResponseParams()
    notice = resolve_notice(dataset, notice)
    ctx = _build_context(dataset, notice, params)
    candidates = [c for c in _candidates(ctx) if c.kind.always_available]
    horizon = params.max_horizon_days
    gap = ctx.gap(horizon)
    alloc = allocate(gap, [c.source for c in candidates], None, 0.0)
    tol = 1e-9 * max(1.0, float(gap.sum()))
    short = np.flatnonzero(alloc.uncovered > tol)
    if not len(short):
        return math.inf
    k = int(short[0])
    covered_share = 1.0 - float(alloc.uncovered[k]) / float(gap[k]) if gap[k] > 0 else 0.0
    return ctx.lead_offset + k + covered_share
