"""Benchmark of the disruption simulator at national size (issue 5).

Generates a synthetic national dataset (2,000 substances, ≈ 5,000 products, ≈ 1,500 sites in 12
countries, 20 production lines with agreements) in this script, then prints

* wall and CPU time, substance-scenario-days per second and peak RSS of the national run
  (2,000 substances × 10,000 scenarios × 365 days, today's plan, joint and decomposed mode),
  with the load average of the machine beside each run (``--repeat`` runs each mode again:
  the minimum and the median are printed);
* in the same run, the ratio against the NumPy day-stepping reference (tests/sim_reference.py)
  and against a SimPy discrete-event model of the same supply chain, both run scaled down and
  extrapolated per substance-scenario-day (the unit of work of all three).

Usage: ``python benchmarks/sim_bench.py [--scenarios N] [--substances S] [--repeat R] [--quick]
[--alternative-max-share X] [--parquet DIR]``.
Numba threads follow ``NUMBA_NUM_THREADS`` (default: all cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from beredt.domain.bundle import Bundle, BundleMeta  # noqa: E402
from beredt.domain.dataset import Dataset, build_dataset  # noqa: E402
from beredt.sim import ModelParameters, Scenario, simulate  # noqa: E402

AS_OF = dt.date(2026, 11, 1)
LETTERS = "ABCDGHJLMNPRSV"
COUNTRIES = [
    # code, hazard/yr, mean days, share of API sites, of FDF sites, of pack sites
    ("CN", 0.15, 90.0, 0.40, 0.10, 0.00),
    ("IN", 0.10, 120.0, 0.30, 0.25, 0.00),
    ("DE", 0.02, 30.0, 0.06, 0.14, 0.15),
    ("FR", 0.02, 30.0, 0.04, 0.10, 0.10),
    ("IT", 0.02, 30.0, 0.06, 0.10, 0.05),
    ("ES", 0.02, 30.0, 0.03, 0.06, 0.05),
    ("US", 0.03, 60.0, 0.04, 0.05, 0.00),
    ("CH", 0.01, 30.0, 0.03, 0.05, 0.05),
    ("GB", 0.02, 30.0, 0.02, 0.05, 0.10),
    ("SE", 0.01, 30.0, 0.01, 0.04, 0.15),
    ("PL", 0.02, 30.0, 0.01, 0.04, 0.15),
    ("NO", 0.00, 30.0, 0.00, 0.02, 0.20),
]


def national_dataset(n_subs: int = 2000, seed: int = 7) -> Dataset:
    """A synthetic national dataset with realistic proportions (illustrative, not real data)."""
    rng = np.random.default_rng(seed)
    countries = [
        {
            "country": c,
            "name": c,
            "export_restriction_hazard_per_year": h,
            "export_restriction_mean_days": d,
        }
        for c, h, d, *_ in COUNTRIES
    ]
    companies = [{"company_id": f"co-{c.lower()}", "name": c, "country": c} for c, *_ in COUNTRIES]
    sites: list[dict[str, Any]] = []
    by_stage: dict[str, list[str]] = {"api": [], "fdf": [], "pack": []}
    n_sites = {"api": n_subs * 2 // 5, "fdf": n_subs * 3 // 10, "pack": n_subs // 13}
    for col, stage in ((3, "api"), (4, "fdf"), (5, "pack")):
        shares = np.array([c[col] for c in COUNTRIES])
        which = rng.choice(len(COUNTRIES), size=n_sites[stage], p=shares / shares.sum())
        for i, ci in enumerate(which):
            sid = f"{stage}-{i}"
            by_stage[stage].append(sid)
            sites.append(
                {
                    "site_id": sid,
                    "company_id": f"co-{COUNTRIES[ci][0].lower()}",
                    "name": sid,
                    "country": COUNTRIES[ci][0],
                    "stage": stage,
                    "outage_hazard_per_year": float(rng.gamma(2.0, 0.075)),
                    "outage_mean_days": float(np.clip(rng.lognormal(np.log(30), 0.5), 5, 180)),
                }
            )
    substances, demand, products, supply, stock = [], [], [], [], []
    codes: list[str] = []
    g = 0
    while len(codes) < n_subs:
        letter = LETTERS[g % len(LETTERS)]
        group = f"{letter}{(g // 14) % 100:02d}{chr(65 + (g // 1400) % 26)}{chr(65 + g % 26)}"
        for j in range(int(rng.integers(1, 7))):
            codes.append(f"{group}{j + 1:02d}")
        g += 1
    codes = sorted(set(codes[:n_subs]))
    for atc in codes:
        crit = rng.choice(["vital", "essential", "other"], p=[0.15, 0.35, 0.5])
        substances.append(
            {"atc_code": atc, "name": atc, "ddd": 1.0, "ddd_unit": "g", "criticality": crit}
        )
        rate = float(np.clip(rng.lognormal(np.log(2000), 1.5), 5, 500_000))
        demand.append(
            {
                "atc_code": atc,
                "ddd_per_day": rate,
                "seasonal_amplitude": float(rng.uniform(0, 0.3)),
                "seasonal_peak_day": int(rng.integers(1, 366)),
                "daily_cv": float(rng.uniform(0.05, 0.2)),
            }
        )
        k = int(rng.choice([1, 2, 3, 4], p=[0.3, 0.35, 0.25, 0.1]))
        shares = rng.dirichlet(np.ones(k))
        days_of_stock = float(np.clip(rng.lognormal(np.log(45), 0.6), 7, 200))
        for j in range(k):
            pid = f"{atc}-{j}"
            products.append(
                {
                    "product_id": pid,
                    "atc_code": atc,
                    "name": pid,
                    "ma_holder_id": "co-de",
                    "form": "tablet",
                    "ddd_per_pack": 10.0,
                    "price_per_pack": float(rng.uniform(20, 500)),
                    "market_share": float(shares[j]),
                    "spare_capacity_share": float(rng.choice([0.0, 0.05, 0.1, 0.2])),
                    "spare_lead_time_days": int(rng.integers(7, 60)),
                }
            )
            for stage, p_two in (("api", 0.3), ("fdf", 0.2)):
                for s in rng.choice(
                    by_stage[stage], size=1 + int(rng.random() < p_two), replace=False
                ):
                    supply.append({"product_id": pid, "site_id": str(s)})
            if rng.random() < 0.5:
                supply.append({"product_id": pid, "site_id": str(rng.choice(by_stage["pack"]))})
            packs = int(days_of_stock * rate * shares[j] / 10.0)
            for holder, tier, part in (
                ("Grossist A", "wholesale", 0.45),
                ("Grossist B", "wholesale", 0.25),
                ("Apotek", "pharmacy", 0.2),
                ("Sykehus", "hospital", 0.1),
            ):
                if int(packs * part) > 0:
                    stock.append(
                        {
                            "date": AS_OF,
                            "product_id": pid,
                            "holder": holder,
                            "tier": tier,
                            "packs": int(packs * part),
                        }
                    )
        if crit == "vital" and rng.random() < 0.3:
            stock.append(
                {
                    "date": AS_OF,
                    "product_id": f"{atc}-0",
                    "holder": "Beredskapslager",
                    "tier": "preparedness",
                    "packs": int(rng.uniform(30, 90) * rate / 10.0),
                }
            )
    lines = [
        {
            "line_id": f"line-{i}",
            "company_id": "co-no",
            "name": f"line {i}",
            "dosage_forms": ("tablet",),
            "response_days": int(rng.integers(7, 60)),
            "ramp_days": int(rng.integers(0, 30)),
        }
        for i in range(20)
    ]
    capabilities, agreements = [], []
    rates = {d["atc_code"]: d["ddd_per_day"] for d in demand}
    chosen = rng.choice(codes, size=150, replace=False)
    for i, atc in enumerate(chosen):
        line = f"line-{i % 20}"
        cap = rates[atc] * float(rng.uniform(0.5, 2.0))
        capabilities.append(
            {
                "line_id": line,
                "atc_code": str(atc),
                "capacity_ddd_per_day": cap,
                "api_on_hand_ddd": rates[atc] * float(rng.uniform(0, 90)),
                "api_source_country": str(rng.choice(["CN", "IN", "DE"])),
            }
        )
        if i < 60:
            agreements.append(
                {
                    "agreement_id": f"AG-{i}",
                    "line_id": line,
                    "atc_code": str(atc),
                    "reserved_ddd_per_day": cap * float(rng.uniform(0.2, 0.6)),
                    "response_days": int(rng.integers(7, 60)),
                    "annual_fee": 1e6,
                }
            )
    tables = {
        "countries": countries,
        "companies": companies,
        "substances": substances,
        "sites": sites,
        "products": products,
        "supply": supply,
        "demand": demand,
        "stock": stock,
        "lines": lines,
        "capabilities": capabilities,
        "agreements": agreements,
    }
    meta = BundleMeta(country="NO", currency="NOK", as_of=AS_OF, title="synthetic national")
    return build_dataset(Bundle(meta, tables), AS_OF)


def peak_rss_mb() -> float:
    """Peak resident set size of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reference_rate(
    dataset: Dataset, mode: str, scenarios: int, horizon: int, scenario: Scenario | None = None
) -> float:
    """Substance-scenario-days per second of the NumPy day-stepping reference on a slice."""
    from sim_reference import run_reference

    from beredt.sim import Policies
    from beredt.sim.model import compile_model

    scen = scenario or Scenario()
    model = compile_model(dataset, scen, Policies.today(dataset), horizon, mode).kernel
    t0 = time.perf_counter()
    run_reference(model, 1, 0, scenarios)
    return dataset.n_substances * scenarios * horizon / (time.perf_counter() - t0)


def simpy_rate(runs: int) -> float:
    """Substance-scenario-days per second of the SimPy model (one substance, two products)."""
    from sim_simpy_model import run_many
    from test_sim_simpy import CASE

    t0 = time.perf_counter()
    run_many(CASE, runs, seed=1)
    return runs * CASE.horizon_days / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--substances", type=int, default=2_000)
    parser.add_argument("--horizon-days", type=int, default=365)
    parser.add_argument("--reference-scenarios", type=int, default=32)
    parser.add_argument("--simpy-runs", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each mode")
    parser.add_argument(
        "--parquet", type=Path, default=None, help="also write the joint run's values here"
    )
    parser.add_argument("--quick", action="store_true", help="small run for a smoke test")
    parser.add_argument(
        "--alternative-max-share",
        type=float,
        default=None,
        help="the model's alternative_max_share (0: no substitution, which leaves joint mode "
        "without its coupling; default: the model's)",
    )
    args = parser.parse_args(argv)
    scenario = (
        Scenario()
        if args.alternative_max_share is None
        else Scenario(model=ModelParameters(alternative_max_share=args.alternative_max_share))
    )
    if args.quick:
        args.scenarios, args.substances = 256, 200
        args.reference_scenarios, args.simpy_runs = 8, 50
    threads = os.environ.get("NUMBA_NUM_THREADS", str(os.cpu_count()))
    t0 = time.perf_counter()
    dataset = national_dataset(args.substances)
    print(
        f"dataset: {dataset.n_substances} substances, {len(dataset.products)} products, "
        f"{len(dataset.sites)} sites, {len(dataset.active_agreements)} agreements "
        f"(built in {time.perf_counter() - t0:.1f} s); {threads} Numba threads; "
        f"alternative_max_share {scenario.model.alternative_max_share}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    t0 = time.perf_counter()
    simulate(dataset, n_scenarios=64, horizon_days=args.horizon_days)  # compile or load cache
    print(f"first call (compile or load the cached kernel): {time.perf_counter() - t0:.1f} s")
    ssd = dataset.n_substances * args.scenarios * args.horizon_days
    rates: dict[str, float] = {}
    for mode in ("joint", "decomposed"):
        walls = []
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            result = simulate(
                dataset,
                scenario,
                n_scenarios=args.scenarios,
                horizon_days=args.horizon_days,
                seed=1,
                mode=mode,
            )
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            walls.append(wall)
            print(
                f"{mode:>10}: {wall:6.2f} s wall, {cpu:6.1f} s CPU for {args.substances} × "
                f"{args.scenarios} × {args.horizon_days}, {ssd / wall / 1e6:7.1f} M "
                f"substance-scenario-days/s, E[weighted unmet] {result.national_loss_mean()[0]:.6g}, "
                f"P(any vital shortage) {result.prob_any_vital_shortage()[0]:.3f}, "
                f"load average {load:.1f} → {os.getloadavg()[0]:.1f}, peak RSS so far "
                f"{peak_rss_mb():.0f} MB",
                flush=True,
            )
        rates[mode] = ssd / statistics.median(walls)
        if args.repeat > 1:
            print(
                f"{mode:>10}: min {min(walls):.2f} s, median {statistics.median(walls):.2f} s "
                f"over {args.repeat} runs"
            )
    for mode in ("joint", "decomposed"):
        ref = reference_rate(dataset, mode, args.reference_scenarios, args.horizon_days, scenario)
        print(
            f"NumPy day-stepping reference ({mode}, {args.reference_scenarios} scenarios of the "
            f"same dataset): {ref / 1e6:.3f} M/s → engine {rates[mode] / ref:,.0f}× faster "
            f"(median run)"
        )
    sp = simpy_rate(args.simpy_runs)
    print(
        f"SimPy model (1 substance × {args.simpy_runs} runs × 365 days, per substance-scenario-"
        f"day): {sp / 1e6:.4f} M/s → engine {rates['joint'] / sp:,.0f}× faster (joint), "
        f"{rates['decomposed'] / sp:,.0f}× (decomposed)"
    )
    if args.parquet is not None:
        parquet_figures(dataset, args, rates["joint"])
    print(f"peak RSS of the whole benchmark: {peak_rss_mb():.0f} MB")


def parquet_figures(dataset: Dataset, args: argparse.Namespace, joint_rate: float) -> None:
    """The joint run again with every per-scenario value written as Parquet; DuckDB queries."""
    import duckdb

    ssd = dataset.n_substances * args.scenarios * args.horizon_days
    t0 = time.perf_counter()
    result = simulate(
        dataset,
        Scenario(),
        n_scenarios=args.scenarios,
        horizon_days=args.horizon_days,
        seed=1,
        parquet=args.parquet,
    )
    wall = time.perf_counter() - t0
    files = list(args.parquet.rglob("*.parquet"))
    size = sum(f.stat().st_size for f in files)
    print(
        f"Parquet: {args.scenarios * dataset.n_substances:,} scenario × substance rows in "
        f"{len(files)} files, {size / 1e6:.0f} MB; joint run with Parquet {wall:.2f} s wall "
        f"(without {ssd / joint_rate:.2f} s, median above)"
    )
    rows = f"read_parquet('{args.parquet}/substances/*.parquet')"
    con = duckdb.connect()
    for label, sql in (
        (
            "worst 10 substances (mean, p95 of unmet DDD)",
            f"SELECT atc_code, avg(unmet_ddd) AS mean, quantile_cont(unmet_ddd, 0.95) AS p95 "
            f"FROM {rows} WHERE option = 0 GROUP BY atc_code ORDER BY mean DESC LIMIT 10",
        ),
        (
            "national loss per scenario, 5/50/95 %",
            f"SELECT quantile_cont(national_loss, [0.05, 0.5, 0.95]) FROM "
            f"read_parquet('{args.parquet}/national/*.parquet')",
        ),
    ):
        t0 = time.perf_counter()
        answer = con.execute(sql).fetchall()
        print(f"DuckDB, {label}: {time.perf_counter() - t0:.2f} s ({len(answer)} rows)")
    total = con.execute(f"SELECT sum(unmet_ddd) FROM {rows}").fetchone()
    expected = float(result.unmet_ddd.mean[0].sum() * args.scenarios)
    print(f"DuckDB total unmet DDD {total[0] if total else 0:.6g} vs in memory {expected:.6g}")


if __name__ == "__main__":
    main()
