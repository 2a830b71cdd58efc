"""The response allocation kernel against a plain day-by-day reference implementation (the oracle).

All generated quantities are integers (alternative cap shares dyadic), so every comparison is exact.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from beredt.respond.engine import Phase, Segment, Source, allocate


def _segment_rate(seg: Segment, day: int) -> float:
    """Capacity of a segment on `day`, written out from its definition."""
    if day < seg.start:
        return 0.0
    if seg.ramp_days == 0:
        return seg.rate
    return min(seg.rate, seg.rate * (day - seg.start + 1) / (seg.ramp_days + 1))


def reference_allocate(
    gap: list[float], sources: list[Source], active: dict[str, float], alt_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Day by day, source by source: what the kernel must compute (deliveries, uncovered)."""
    horizon, n = len(gap), len(sources)
    delivered = np.zeros((n, horizon))
    uncovered = np.zeros(horizon)
    pool_left = [max(s.pool, 0.0) for s in sources]
    api_used = [0.0] * n
    used_total = [0.0] * n
    line_used: dict[str, list[float]] = defaultdict(lambda: [0.0] * horizon)
    order = sorted(range(n), key=lambda i: (int(sources[i].phase), i))
    for day in range(horizon):
        residual = gap[day]
        alt_room = alt_share * gap[day]
        for i in order:
            s = sources[i]
            if s.key not in active or day < s.eta:
                continue
            order_left = min(active[s.key], s.quantity_cap) - used_total[i]
            spare = sum(_segment_rate(seg, day) for seg in s.segments)
            if s.phase is Phase.FLOW:
                cap = spare
                if s.line is not None:
                    cap = min(cap, s.line_capacity - line_used[s.line][day])
                api_binds = s.api_free_from is None or day < s.api_free_from
                if api_binds:
                    cap = min(cap, s.api_limit - api_used[i])
                take = max(0.0, min(residual, cap, order_left))
                if api_binds:
                    api_used[i] += take
                if s.line is not None:
                    line_used[s.line][day] += take
            elif s.phase is Phase.STOCK:
                take = max(0.0, min(residual, pool_left[i], order_left))
                pool_left[i] -= take
            else:
                from_flow = min(residual, alt_room, spare)
                from_pool = min(residual - from_flow, alt_room - from_flow, pool_left[i])
                take = max(0.0, min(from_flow + from_pool, order_left))
                pool_left[i] -= max(0.0, min(from_pool, take - from_flow))
                alt_room -= take
            delivered[i, day] = take
            used_total[i] += take
            residual -= take
        uncovered[day] = residual
    return delivered, uncovered


def _maybe_inf(draw: st.DrawFn, low: int, high: int) -> float:
    return math.inf if draw(st.booleans()) else float(draw(st.integers(low, high)))


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[float], list[Source], dict[str, float], float]:
    horizon = draw(st.integers(1, 40))
    gap = [float(draw(st.integers(0, 60))) for _ in range(horizon)]
    sources: list[Source] = []
    line_capacity = float(draw(st.integers(1, 40)))
    for k in range(draw(st.integers(0, 3))):
        ramp = draw(st.integers(0, 4))
        start = draw(st.integers(-3, horizon + 1))
        sources.append(
            Source(
                f"flow{k}",
                Phase.FLOW,
                eta=max(0, start),
                segments=(Segment(start, float((ramp + 1) * draw(st.integers(0, 12))), ramp),),
                api_limit=_maybe_inf(draw, 0, 300),
                api_free_from=draw(st.one_of(st.none(), st.integers(0, horizon))),
                line=draw(st.sampled_from([None, "line-a"])),
                line_capacity=line_capacity,
            )
        )
    for k in range(draw(st.integers(0, 3))):
        sources.append(
            Source(
                f"stock{k}",
                Phase.STOCK,
                eta=draw(st.integers(0, 3)),
                pool=float(draw(st.integers(0, 400))),
            )
        )
    for k in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, horizon))
        sources.append(
            Source(
                f"alt{k}",
                Phase.ALTERNATIVE,
                eta=draw(st.integers(0, 3)),
                segments=(Segment(start, float(draw(st.integers(0, 20)))),),
                pool=float(draw(st.integers(0, 200))),
            )
        )
    active = {s.key: _maybe_inf(draw, 0, 500) for s in sources if draw(st.integers(0, 4)) > 0}
    alt_share = draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]))
    return gap, sources, active, alt_share


@given(cases())
def test_kernel_equals_day_by_day_reference_exactly(case) -> None:
    gap, sources, active, alt_share = case
    alloc = allocate(np.array(gap), sources, active, alt_share)
    want_delivered, want_uncovered = reference_allocate(gap, sources, active, alt_share)
    np.testing.assert_array_equal(alloc.delivered, want_delivered)
    np.testing.assert_array_equal(alloc.uncovered, want_uncovered)


@given(cases())
def test_conservation_and_limits_exact(case) -> None:
    gap, sources, active, alt_share = case
    alloc = allocate(np.array(gap), sources, active, alt_share)
    # Σ actions + uncovered = gap, day by day, exactly (integer data).
    np.testing.assert_array_equal(alloc.delivered.sum(axis=0) + alloc.uncovered, np.array(gap))
    assert (alloc.uncovered >= 0).all()
    assert (alloc.delivered >= 0).all()
    assert (alloc.delivered <= alloc.available).all()
    days = np.arange(len(gap))
    alt_total = np.zeros(len(gap))
    for i, s in enumerate(sources):
        x = alloc.delivered[i]
        assert (x[days < s.eta] == 0).all(), "delivery before the ETA"
        if s.key not in active:
            assert (x == 0).all()
            continue
        assert x.sum() <= active[s.key]
        if s.phase is not Phase.FLOW:
            flow = sum(
                np.array([_segment_rate(seg, d) for d in days], dtype=float) for seg in s.segments
            )
            assert (x - np.minimum(x, flow)).sum() <= s.pool
        if s.phase is Phase.FLOW:
            free = len(gap) if s.api_free_from is None else s.api_free_from
            assert x[:free].sum() <= s.api_limit
        if s.phase is Phase.ALTERNATIVE:
            alt_total += x
    assert (alt_total <= alt_share * np.array(gap)).all()
    on_line = [i for i, s in enumerate(sources) if s.line == "line-a"]
    if on_line:
        produced = alloc.delivered[on_line].sum(axis=0)
        np.testing.assert_array_equal(alloc.line_used["line-a"], produced)
        assert (produced <= sources[on_line[0]].line_capacity).all()


def test_segment_ramp_by_hand() -> None:
    # 60,000 DDD/day reached over a 14-day ramp from day 30: 4,000 more each day.
    seg = Segment(30, 60_000.0, 14)
    profile = seg.profile(50)
    assert (profile[:30] == 0).all()
    assert profile[30] == 4_000
    assert profile[31] == 8_000
    assert profile[43] == 56_000
    assert (profile[44:] == 60_000).all()
    # Begun before day 0 (triggered before the timeline starts): two days into the ramp.
    assert Segment(-2, 30.0, 2).profile(2).tolist() == [30.0, 30.0]
    assert Segment(-1, 30.0, 2).profile(2).tolist() == [20.0, 30.0]


def test_flows_before_stock_keeps_stock_for_later() -> None:
    # Gap 100/day for 100 days, stock 5,000, a 60/day flow from day 30: drawing the flow first
    # leaves 100·30 + 40·70 = 5,800 for the stock, so 800 go uncovered (stock first: 2,000).
    gap = np.full(100, 100.0)
    sources = [
        Source("stock", Phase.STOCK, pool=5_000.0),
        Source("flow", Phase.FLOW, eta=30, segments=(Segment(30, 60.0),)),
    ]
    alloc = allocate(gap, sources)
    assert alloc.total_uncovered == 800
    assert alloc.row("stock").sum() == 5_000
    assert alloc.row("flow").sum() == 60 * 70


def test_inactive_sources_report_availability_only() -> None:
    gap = np.full(5, 10.0)
    sources = [Source("stock", Phase.STOCK, pool=25.0)]
    alloc = allocate(gap, sources, active={})
    assert alloc.delivered.sum() == 0
    assert alloc.available[0].tolist() == [25.0] * 5
    assert alloc.total_uncovered == 50


@pytest.mark.parametrize("limit", [0.0, 35.0, 1e9])
def test_api_limit_then_resupply(limit: float) -> None:
    gap = np.full(10, 10.0)
    src = Source("flow", Phase.FLOW, segments=(Segment(0, 10.0),), api_limit=limit, api_free_from=6)
    x = allocate(gap, [src]).row("flow")
    assert x[:6].sum() == min(limit, 60.0)
    assert (x[6:] == 10).all()
