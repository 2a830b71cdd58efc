"""Speed of the shortage response planner (printed; never a timed test).

1. The allocation kernel (`beredt.respond.engine.allocate`) against a plain day-by-day Python
   loop of the same rules, on the same random sources, in the same run: source-days per second
   and the ratio. The loop is the oracle of ``tests/test_respond_engine.py`` (flows and stocks).
2. Whole plans (`plan_response`, 10,000 duration draws) for every open notice of a bundle
   (default ``data/sample-no``), and ``days_of_supply_left`` for the same notices.

Run: ``.venv/bin/python benchmarks/respond_bench.py [BUNDLE]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from beredt.domain.dataset import build_dataset
from beredt.ingest.bundle import read_bundle
from beredt.respond import ResponseParams, days_of_supply_left, plan_response
from beredt.respond.engine import Phase, Segment, Source, allocate


def loop_allocate(gap: np.ndarray, sources: list[Source]) -> np.ndarray:
    """Day by day, source by source (flows then stocks): the reference for the kernel."""
    left = [s.pool for s in sources]
    out = np.zeros((len(sources), len(gap)))
    order = sorted(range(len(sources)), key=lambda i: (int(sources[i].phase), i))
    for d in range(len(gap)):
        r = float(gap[d])
        for i in order:
            s = sources[i]
            if d < s.eta:
                continue
            if s.phase is Phase.FLOW:
                cap = 0.0
                for seg in s.segments:
                    if d >= seg.start:
                        k = d - seg.start + 1
                        cap += min(seg.rate, seg.rate * k / (seg.ramp_days + 1))
                take = min(r, cap)
            else:
                take = min(r, left[i])
                left[i] -= take
            out[i, d] = take
            r -= take
    return out


def random_sources(rng: np.random.Generator, n: int, horizon: int) -> list[Source]:
    """`n` flows and stocks with random timing, rates and pools."""
    out = []
    for k in range(n):
        if k % 2:
            start = int(rng.integers(0, horizon // 2))
            seg = Segment(start, float(rng.integers(100, 2_000)), int(rng.integers(0, 20)))
            out.append(Source(f"f{k}", Phase.FLOW, eta=start, segments=(seg,)))
        else:
            out.append(Source(f"s{k}", Phase.STOCK, pool=float(rng.integers(10_000, 400_000))))
    return out


def bench_kernel() -> None:
    rng = np.random.default_rng(1)
    horizon, n_sources, reps = 730, 12, 200
    gap = rng.integers(2_000, 6_000, size=horizon).astype(float)
    sources = random_sources(rng, n_sources, horizon)
    np.testing.assert_allclose(
        allocate(gap, sources).delivered, loop_allocate(gap, sources), rtol=1e-12, atol=1e-9
    )
    t = time.perf_counter()
    for _ in range(reps):
        allocate(gap, sources)
    kernel = (time.perf_counter() - t) / reps
    loop_reps = 10
    t = time.perf_counter()
    for _ in range(loop_reps):
        loop_allocate(gap, sources)
    loop = (time.perf_counter() - t) / loop_reps
    cells = horizon * n_sources
    print(
        f"kernel: {n_sources} sources × {horizon} days in {kernel * 1e3:.2f} ms "
        f"({cells / kernel / 1e6:.1f} M source-days/s)"
    )
    print(
        f"day-by-day loop: {loop * 1e3:.1f} ms ({cells / loop / 1e6:.2f} M source-days/s); "
        f"kernel is {loop / kernel:.0f}× faster, same results (to 1e-12)"
    )


def bench_plans(bundle: Path) -> None:
    dataset = build_dataset(read_bundle(bundle))
    ids = list(dataset.open_shortages["notice_id"])
    if not ids:
        print(f"{bundle}: no open notices")
        return
    plan_response(dataset, ids[0])  # warm caches and imports
    params = ResponseParams()
    t = time.perf_counter()
    plans = [plan_response(dataset, nid, params) for nid in ids]
    per_plan = (time.perf_counter() - t) / len(ids)
    t = time.perf_counter()
    for nid in ids:
        days_of_supply_left(dataset, nid, params)
    per_dos = (time.perf_counter() - t) / len(ids)
    uncovered = sum(p.uncovered_ddd > 0 for p in plans)
    print(f"{bundle}: {dataset.n_substances} substances, {len(ids)} open notices")
    print(
        f"plan_response ({params.duration_samples:,} duration draws): {per_plan * 1e3:.0f} ms a plan; "
        f"{uncovered} of {len(ids)} plans leave demand uncovered"
    )
    print(f"days_of_supply_left: {per_dos * 1e3:.0f} ms a notice")


def main() -> None:
    bench_kernel()
    bundle = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/sample-no")
    if bundle.exists():
        bench_plans(bundle)


if __name__ == "__main__":
    main()
