"""The allocation kernel: fill a day-by-day gap from flows, stocks and alternatives, vectorised.

Each source is processed once over all days (never a Python loop over days): a source's use on a
day depends only on the residual gap that day (after the sources processed before it) and on its
own use on earlier days (a finite stock, the API on hand, an order size). Such a cumulative limit
is applied exactly with ``X = min(cumsum(y), limit)``, ``x = diff(X)``: since ``x(d) = min(y(d),
limit − X(d−1))``, the running total of ``x`` is the running total of ``y`` capped at the limit.
All arithmetic is additions, subtractions and minima, so on integer data every figure is exact
and Σ sources + uncovered = gap holds to the last digit.

Order within a day (:class:`Phase`): the renewable output of same-substance flows first (spare
supply, domestic production, exemption import: capacity not used today is lost), then
same-substance stocks in priority order (stock not used today is still there tomorrow, so drawing
it last never loses coverage), then therapeutic alternatives (only for what the substance itself
cannot cover that day). The planner (:mod:`beredt.respond.planner`) decides which sources are
active and how much each may deliver; the plain day-by-day reference implementation in
``tests/test_respond_engine.py`` is the oracle for this module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class Phase(IntEnum):
    """When in a day a source is drawn on."""

    FLOW = 0  # renewable daily capacity of the same substance
    STOCK = 1  # finite stock of the same substance
    ALTERNATIVE = 2  # therapeutic alternative: capped share of the gap, own supply and stock


@dataclass(frozen=True)
class Segment:
    """A rate of supply from day `start` (timeline index), ramping linearly over `ramp_days`.

    Output on day d ≥ start is ``rate × min(1, (d − start + 1) / (ramp_days + 1))``.
    """

    start: int
    rate: float
    ramp_days: int = 0

    def profile(self, horizon_days: int) -> np.ndarray:
        """Daily capacity of this segment over `horizon_days` days."""
        out = np.zeros(horizon_days)
        if self.start >= horizon_days or self.rate <= 0:
            return out
        k = np.arange(horizon_days - max(self.start, 0), dtype=float)
        if self.start < 0:
            k += -self.start
        if self.ramp_days > 0:
            # Multiply before dividing so that rates divisible by ramp + 1 stay exact integers.
            out[max(self.start, 0) :] = np.minimum(
                self.rate, self.rate * (k + 1.0) / (self.ramp_days + 1)
            )
        else:
            out[max(self.start, 0) :] = self.rate
        return out


@dataclass(frozen=True)
class Source:
    """One action's source as the kernel sees it.

    FLOW: daily capacity from `segments`; output before day `api_free_from` limited in total to
    `api_limit` (API on hand); `line` couples sources sharing a production line of capacity
    `line_capacity` DDD/day. STOCK: a finite `pool` (stock above its floor) from day `eta`.
    ALTERNATIVE: the alternative's spare supply (`segments`) plus its `pool`, within the joint cap
    of all alternatives. Any source: `quantity_cap` bounds its total use (an order's size).
    """

    key: str
    phase: Phase
    eta: int = 0
    segments: tuple[Segment, ...] = ()
    pool: float = 0.0
    api_limit: float = math.inf
    api_free_from: int | None = None
    line: str | None = None
    line_capacity: float = math.inf
    quantity_cap: float = math.inf

    def capacity(self, horizon_days: int) -> np.ndarray:
        """Daily capacity of the source's flow part (zeros for a pure stock)."""
        cap = np.zeros(horizon_days)
        for seg in self.segments:
            cap += seg.profile(horizon_days)
        return cap


@dataclass
class Allocation:
    """What each source delivered each day, what it could have given, and the uncovered rest."""

    keys: list[str]
    delivered: np.ndarray  # sources × days, DDD
    available: np.ndarray  # sources × days: the most the source could give that day, DDD
    uncovered: np.ndarray  # days, DDD
    line_used: dict[str, np.ndarray] = field(default_factory=dict)  # line → DDD/day produced

    @property
    def total_uncovered(self) -> float:
        """Σ uncovered DDD over the horizon."""
        return float(self.uncovered.sum())

    def row(self, key: str) -> np.ndarray:
        """Daily deliveries of one source."""
        return self.delivered[self.keys.index(key)]


def _capped_cumulative(y: np.ndarray, limit: float, until: int | None = None) -> np.ndarray:
    """Daily uses whose running total (over days before `until`) never exceeds `limit`."""
    if math.isinf(limit):
        return y
    n = len(y) if until is None else max(0, min(until, len(y)))
    out = y.copy()
    if n == 0:
        return out
    limit = max(limit, 0.0)
    running = np.cumsum(y[:n])
    over = np.flatnonzero(running > limit)
    if len(over):
        # Days before the limit binds keep their values exactly (no cumsum/diff round-off); the
        # binding day gets what is left, and nothing after it.
        b = int(over[0])
        left = limit - (running[b - 1] if b > 0 else 0.0)
        out[b] = min(y[b], max(left, 0.0))
        out[b + 1 : n] = 0.0
    return out


def _left_before(used: np.ndarray, limit: float) -> np.ndarray:
    """What is left of `limit` at the start of each day, given the daily `used` amounts."""
    before = np.concatenate(([0.0], np.cumsum(used)[:-1])) if len(used) else used
    return np.maximum(limit - before, 0.0)


def allocate(
    gap: np.ndarray,
    sources: Sequence[Source],
    active: Mapping[str, float] | None = None,
    alternative_cap_share: float = 0.0,
) -> Allocation:
    """Fill `gap` (DDD per day) from the `active` sources (key → quantity cap, ``inf`` = none).

    Inactive sources deliver nothing but still report what they could have given. Sources are
    drawn on in the order of their :class:`Phase`, and within a phase in the given order.
    Alternatives together take at most ``alternative_cap_share × gap`` a day.
    """
    gap = np.asarray(gap, dtype=float)
    horizon = len(gap)
    active = {s.key: s.quantity_cap for s in sources} if active is None else dict(active)
    order = sorted(range(len(sources)), key=lambda i: (int(sources[i].phase), i))
    delivered = np.zeros((len(sources), horizon))
    available = np.zeros((len(sources), horizon))
    residual = gap.copy()
    line_used: dict[str, np.ndarray] = {}
    alt_room = alternative_cap_share * gap
    days = np.arange(horizon)
    for i in order:
        src = sources[i]
        is_active = src.key in active
        cap_q = min(active.get(src.key, math.inf), src.quantity_cap)
        if src.phase is Phase.FLOW:
            cap = src.capacity(horizon)
            cap[days < src.eta] = 0.0
            if src.line is not None:
                used = line_used.setdefault(src.line, np.zeros(horizon))
                cap = np.minimum(cap, np.maximum(src.line_capacity - used, 0.0))
            api_until = horizon if src.api_free_from is None else src.api_free_from
            if is_active:
                y = np.minimum(residual, cap)
                x = _capped_cumulative(y, src.api_limit, until=api_until)
                x = _capped_cumulative(x, cap_q)
            else:
                x = np.zeros(horizon)
            api_left = _left_before(x, src.api_limit)
            api_left[api_until:] = math.inf
            available[i] = np.minimum(cap, api_left)
            if src.line is not None:
                line_used[src.line] = line_used[src.line] + x
        elif src.phase is Phase.STOCK:
            pool = max(src.pool, 0.0)
            if is_active:
                y = np.where(days >= src.eta, residual, 0.0)
                x = _capped_cumulative(y, min(pool, cap_q))
            else:
                x = np.zeros(horizon)
            available[i] = np.where(days >= src.eta, _left_before(x, pool), 0.0)
        else:
            spare = src.capacity(horizon)
            spare[days < src.eta] = 0.0
            pool = max(src.pool, 0.0)
            if is_active:
                flow = np.minimum(np.minimum(residual, alt_room), spare)
                y = np.where(days >= src.eta, np.minimum(residual - flow, alt_room - flow), 0.0)
                from_pool = _capped_cumulative(np.maximum(y, 0.0), pool)
                x = _capped_cumulative(flow + from_pool, cap_q)
                pool_used = np.minimum(from_pool, np.maximum(x - flow, 0.0))
            else:
                x = np.zeros(horizon)
                pool_used = x
            pool_left = np.where(days >= src.eta, _left_before(pool_used, pool), 0.0)
            available[i] = np.minimum(alt_room, spare + pool_left)
            alt_room = alt_room - x
        delivered[i] = x
        residual = residual - x
    return Allocation(
        keys=[s.key for s in sources],
        delivered=delivered,
        available=available,
        uncovered=residual,
        line_used=line_used,
    )
