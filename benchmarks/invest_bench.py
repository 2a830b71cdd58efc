"""Benchmark of the investment case (issue 20).

Part 1, the IRR: the vectorised bisection of :func:`beredt.plan.cashflow.irr` on N futures ×
16 yearly cash flows against the reference, SciPy's ``brentq`` called once per future (the
textbook root finder). Prints both times, the speed-up and the largest difference in the rate.

Part 2, the investment cases of ``data/sample-no/`` (every investment behind a valid offer, the
shipped stress library): the simulated years (decomposed, every investment in one or two option
slots) and the valuation (cash flows, NPV, IRR, break-even fee, the state's side) timed apart.

Run: ``.venv/bin/python benchmarks/invest_bench.py [--futures 2000] [--scenarios 1000]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from beredt.plan.cashflow import IRR_HIGH, IRR_LOW, irr, npv

ROOT = Path(__file__).resolve().parents[1]


def bench_irr(n: int, years: int = 16, seed: int = 1) -> None:
    """Vectorised bisection against brentq per row on conventional cash flows."""
    rng = np.random.default_rng(seed)
    flows = np.zeros((n, years + 1))
    flows[:, 0] = -rng.uniform(5e6, 50e6, n)
    flows[:, 1:] = rng.uniform(0.3, 1.5, (n, 1)) * -flows[:, :1] / years * 1.6
    started = time.perf_counter()
    fast = irr(flows)
    t_fast = time.perf_counter() - started
    started = time.perf_counter()
    slow = np.array(
        [
            brentq(lambda r, row=row: float(npv(row, r)), IRR_LOW, IRR_HIGH, xtol=1e-12)
            for row in flows
        ]
    )
    t_slow = time.perf_counter() - started
    diff = float(np.nanmax(np.abs(fast - slow)))
    print(
        f"IRR of {n:,} futures × {years + 1} flows: bisection {t_fast:.3f} s, brentq per future "
        f"{t_slow:.3f} s ({t_slow / t_fast:.0f}×), largest difference {diff:.1e}"
    )


def bench_sample(futures: int, scenarios: int) -> None:
    """The sample's investment cases, simulation and valuation timed apart."""
    from beredt.domain.dataset import build_dataset
    from beredt.ingest.bundle import read_bundle
    from beredt.plan.invest import InvestParameters, invest
    from beredt.sim import check_scenario, load_scenario

    dataset = build_dataset(read_bundle(ROOT / "data" / "sample-no"))
    library = [load_scenario(p) for p in sorted((ROOT / "src/beredt/scenarios").glob("*.toml"))]
    library = [s for s in library if s.probability_per_year and not check_scenario(s, dataset)]
    invest(dataset, None, InvestParameters(paths=100, pool_years=64), library=library)  # warm-up
    started = time.perf_counter()
    result = invest(
        dataset,
        None,
        InvestParameters(paths=futures, pool_years=scenarios),
        library=library,
        seed=1,
    )
    total = time.perf_counter() - started
    years = sum(result.pool_years.values())
    print(
        f"sample: {len(result.cases)} investments, {years:,} simulated years "
        f"({result.wall_seconds:.1f} s), {futures:,} futures valued "
        f"({total - result.wall_seconds:.1f} s); total {total:.1f} s"
    )


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", type=int, default=2000)
    parser.add_argument("--scenarios", type=int, default=1000)
    args = parser.parse_args()
    bench_irr(args.futures)
    bench_sample(args.futures, args.scenarios)


if __name__ == "__main__":
    main()
