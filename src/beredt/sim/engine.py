"""Run the Monte-Carlo simulation and summarise it: :func:`simulate` → :class:`SimResult`.

Scenarios are simulated in chunks whose boundaries are multiples of :data:`REDUCTION_BLOCK`;
statistics are reduced block by block in scenario order (Chan, Golub & LeVeque's pairwise
update of mean and sum of squared deviations), so every number is bit-identical for a seed
whatever the chunk size or the number of threads.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.results import Provenance, provenance
from beredt.sim.kernel import run_rows
from beredt.sim.model import CompiledModel, Policies, compile_model
from beredt.sim.reduce import percentiles
from beredt.sim.scenario import Scenario, load_scenario

#: Statistics are reduced over blocks of this many scenarios, in order.
REDUCTION_BLOCK = 64
DEFAULT_N_SCENARIOS = 10_000
DEFAULT_HORIZON_DAYS = 365
DEFAULT_SEED = 1
#: Per-scenario × substance values are kept by default up to this many cells (options × N × S).
KEEP_LIMIT = 25_000_000
_CHUNK_CELLS = 4_000_000
PERCENTILES = (5.0, 50.0, 95.0)


@dataclass(frozen=True)
class Stat:
    """Mean, standard error and 5/50/95 percentiles over scenarios; arrays (options × substances).

    Percentiles are None when per-scenario values were not kept. For a conditional quantity
    (a first day given that it happens) `count` is the number of scenarios it happened in and
    the statistics are over those; NaN where it never happened.
    """

    mean: np.ndarray
    se: np.ndarray
    p5: np.ndarray | None = None
    p50: np.ndarray | None = None
    p95: np.ndarray | None = None
    count: np.ndarray | None = None


class _Welford:
    """Block-wise mean and squared deviations, merged in a fixed order (Chan et al. 1979)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.n = np.zeros(shape)
        self.mean = np.zeros(shape)
        self.m2 = np.zeros(shape)

    def add(self, x: np.ndarray, mask: np.ndarray | None = None) -> None:
        """Merge one block; `x` has the scenario axis at position 1 (options, rows, …)."""
        if mask is None:
            nb = np.full(self.n.shape, float(x.shape[1]))
            mb = x.mean(axis=1)
            m2b = ((x - mb[:, None]) ** 2).sum(axis=1)
        else:
            nb = mask.sum(axis=1).astype(float)
            xs = np.where(mask, x, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                mb = np.where(nb > 0, xs.sum(axis=1) / np.maximum(nb, 1.0), 0.0)
            m2b = (np.where(mask, x - mb[:, None], 0.0) ** 2).sum(axis=1)
        n_new = self.n + nb
        safe = np.maximum(n_new, 1.0)
        delta = mb - self.mean
        self.mean = np.where(n_new > 0, self.mean + delta * nb / safe, 0.0)
        self.m2 = self.m2 + m2b + delta * delta * self.n * nb / safe
        self.n = n_new

    def result(self, conditional: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(mean, standard error of the mean); NaN where a conditional quantity never occurred."""
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(self.n > 1, self.m2 / np.maximum(self.n - 1.0, 1.0), 0.0)
            se = np.sqrt(np.maximum(var, 0.0) / np.maximum(self.n, 1.0))
        mean = self.mean.copy()
        if conditional:
            mean = np.where(self.n > 0, mean, np.nan)
            se = np.where(self.n > 0, se, np.nan)
        return mean, se


@dataclass(frozen=True, eq=False)
class SimResult:
    """What a simulation found, per option (K) and substance (S), and per scenario (N) nationally.

    Units: DDD (≈ patient-days) for unmet, surge, preparedness, alternatives and exemption
    imports; days for the
    others. `national_loss` is Σ criticality weight × unmet DDD per scenario.
    """

    provenance: Provenance
    scenario: str
    mode: str
    n_scenarios: int
    horizon_days: int
    seed: int
    option_labels: tuple[str, ...]
    atc_codes: tuple[str, ...]
    names: tuple[str, ...]
    criticality: tuple[str, ...]
    weights: np.ndarray
    unmet_ddd: Stat
    shortage_days: Stat
    shortage_prob: np.ndarray
    first_shortage_day: Stat
    stockout_prob: np.ndarray
    first_stockout_day: Stat
    surge_ddd_mean: np.ndarray
    preparedness_used_ddd_mean: np.ndarray
    alternatives_ddd_mean: np.ndarray
    national_loss: np.ndarray
    national_unmet_ddd: np.ndarray
    any_shortage: np.ndarray
    any_vital_shortage: np.ndarray
    unmet_per_scenario: np.ndarray | None = None
    shortage_days_per_scenario: np.ndarray | None = None
    wall_seconds: float = 0.0
    imports_ddd_mean: np.ndarray | None = None
    #: Per option and scenario (K × N): days short of the vital substances summed, whether a
    #: vital substance was short on more than 7 days, how many substances were short, and
    #: (K × N × 3) unmet DDD by criticality (vital, essential, other).
    vital_shortage_days: np.ndarray | None = None
    vital_over_7_days: np.ndarray | None = None
    substances_short: np.ndarray | None = None
    unmet_by_criticality: np.ndarray | None = None

    @property
    def n_options(self) -> int:
        """Number of options K evaluated."""
        return len(self.option_labels)

    def national_loss_mean(self) -> np.ndarray:
        """Expected criticality-weighted unmet DDD per option (K)."""
        out: np.ndarray = self.national_loss.mean(axis=1)
        return out

    def national_loss_se(self) -> np.ndarray:
        """Standard error of :meth:`national_loss_mean` per option (K)."""
        n = self.national_loss.shape[1]
        out: np.ndarray = (
            self.national_loss.std(axis=1, ddof=1) / np.sqrt(n)
            if n > 1
            else np.zeros(self.n_options)
        )
        return out

    def prob_any_shortage(self) -> np.ndarray:
        """P(at least one substance has a shortage day) per option (K)."""
        out: np.ndarray = self.any_shortage.mean(axis=1)
        return out

    def prob_any_vital_shortage(self) -> np.ndarray:
        """P(at least one vital substance has a shortage day) per option (K)."""
        out: np.ndarray = self.any_vital_shortage.mean(axis=1)
        return out

    def loss_difference(self, a: int, b: int) -> tuple[float, float]:
        """Mean and standard error of national loss(option a) − loss(option b), paired by scenario.

        With common random numbers the pairing removes the shared scenario noise.
        """
        d = self.national_loss[a] - self.national_loss[b]
        se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0
        return float(d.mean()), se

    def substance_table(self, option: int = 0) -> pd.DataFrame:
        """One row per substance for `option`, worst (highest weighted unmet) first."""
        k = option
        frame = pd.DataFrame(
            {
                "atc_code": self.atc_codes,
                "name": self.names,
                "criticality": self.criticality,
                "weight": self.weights,
                "unmet_ddd_mean": self.unmet_ddd.mean[k],
                "unmet_ddd_se": self.unmet_ddd.se[k],
                "unmet_ddd_p5": _pick(self.unmet_ddd.p5, k),
                "unmet_ddd_p50": _pick(self.unmet_ddd.p50, k),
                "unmet_ddd_p95": _pick(self.unmet_ddd.p95, k),
                "weighted_unmet_mean": self.weights * self.unmet_ddd.mean[k],
                "shortage_days_mean": self.shortage_days.mean[k],
                "shortage_days_se": self.shortage_days.se[k],
                "shortage_days_p5": _pick(self.shortage_days.p5, k),
                "shortage_days_p50": _pick(self.shortage_days.p50, k),
                "shortage_days_p95": _pick(self.shortage_days.p95, k),
                "shortage_prob": self.shortage_prob[k],
                "first_shortage_day_mean": self.first_shortage_day.mean[k],
                "stockout_prob": self.stockout_prob[k],
                "first_stockout_day_mean": self.first_stockout_day.mean[k],
                "first_stockout_day_se": self.first_stockout_day.se[k],
                "first_stockout_day_p5": _pick(self.first_stockout_day.p5, k),
                "first_stockout_day_p50": _pick(self.first_stockout_day.p50, k),
                "first_stockout_day_p95": _pick(self.first_stockout_day.p95, k),
                "surge_ddd_mean": self.surge_ddd_mean[k],
                "preparedness_used_ddd_mean": self.preparedness_used_ddd_mean[k],
                "alternatives_ddd_mean": self.alternatives_ddd_mean[k],
                "imports_ddd_mean": (
                    self.imports_ddd_mean[k]
                    if self.imports_ddd_mean is not None
                    else np.zeros(len(self.atc_codes))
                ),
            }
        )
        return frame.sort_values(
            ["weighted_unmet_mean", "atc_code"], ascending=[False, True], ignore_index=True
        )

    def national_summary(self, option: int = 0) -> dict[str, Any]:
        """National totals for `option`: weighted and plain unmet DDD (mean, SE, percentiles)."""
        k = option
        loss = self.national_loss[k]
        unmet = self.national_unmet_ddd[k]
        n = len(loss)

        def stat(x: np.ndarray) -> dict[str, float]:
            p5, p50, p95 = np.percentile(x, PERCENTILES)
            return {
                "mean": float(x.mean()),
                "se": float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
                "p5": float(p5),
                "p50": float(p50),
                "p95": float(p95),
            }

        p_any = float(self.any_shortage[k].mean())
        p_vital = float(self.any_vital_shortage[k].mean())
        out: dict[str, Any] = {
            "weighted_unmet_ddd": stat(loss),
            "unmet_ddd": stat(unmet),
            "prob_any_shortage": p_any,
            "prob_any_shortage_se": float(np.sqrt(p_any * (1 - p_any) / n)),
            "prob_any_vital_shortage": p_vital,
            "prob_any_vital_shortage_se": float(np.sqrt(p_vital * (1 - p_vital) / n)),
        }
        out.update(self.severity(k))
        return out

    def severity(self, option: int = 0) -> dict[str, Any]:
        """What an authority is accountable for, with standard errors over the scenarios:
        P(a vital substance short on more than 7 days), expected vital shortage-days, untreated
        patient-days by criticality and the expected number of substances short."""
        if self.vital_over_7_days is None:
            return {}
        k = option
        n = self.vital_over_7_days.shape[1]

        def mean_se(x: np.ndarray) -> tuple[float, float]:
            x = np.asarray(x, dtype=float)
            return float(x.mean()), float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0

        p7, p7_se = mean_se(self.vital_over_7_days[k])
        vd, vd_se = mean_se(self.vital_shortage_days[k])  # type: ignore[index]
        ns, ns_se = mean_se(self.substances_short[k])  # type: ignore[index]
        by_crit = {}
        for i, c in enumerate(CRITICALITIES):
            m, se = mean_se(self.unmet_by_criticality[k, :, i])  # type: ignore[index]
            by_crit[c] = {"mean": m, "se": se}
        return {
            "p_vital_shortage_over_7_days": p7,
            "p_vital_shortage_over_7_days_se": p7_se,
            "vital_shortage_days": vd,
            "vital_shortage_days_se": vd_se,
            "untreated_ddd_by_criticality": by_crit,
            "substances_short": ns,
            "substances_short_se": ns_se,
        }

    def to_dict(self, option: int | None = None) -> dict[str, Any]:
        """A JSON-ready summary (no per-scenario arrays): one entry per option, or just `option`."""
        options = range(self.n_options) if option is None else [option]
        return {
            "provenance": self.provenance,
            "scenario": self.scenario,
            "mode": self.mode,
            "n_scenarios": self.n_scenarios,
            "horizon_days": self.horizon_days,
            "seed": self.seed,
            "wall_seconds": round(self.wall_seconds, 3),
            "options": [
                {
                    "label": self.option_labels[k],
                    "national": self.national_summary(k),
                    "substances": self.substance_table(k),
                }
                for k in options
            ],
        }


#: Criticality classes in the order of the by-criticality arrays.
CRITICALITIES: tuple[str, ...] = ("vital", "essential", "other")
#: A vital substance short on more than this many days of the horizon is a severe shortage.
SEVERE_SHORTAGE_DAYS = 7


def _pick(a: np.ndarray | None, k: int) -> np.ndarray | float:
    return float("nan") if a is None else a[k]


def _as_scenario(scenario: Scenario | str | Path | None) -> Scenario:
    if scenario is None:
        return Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario)


@dataclass
class ChunkOutput:
    """Raw per-scenario outputs of one chunk: arrays (options, rows, substances)."""

    unmet: np.ndarray
    sdays: np.ndarray
    first_short: np.ndarray
    first_stockout: np.ndarray
    surge: np.ndarray
    prep: np.ndarray
    alt: np.ndarray
    imports: np.ndarray
    national: np.ndarray


def worker_threads() -> int:
    """Threads used by the kernel: ``NUMBA_NUM_THREADS`` if set, else the CPUs available."""
    import os

    env = os.environ.get("NUMBA_NUM_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _run_threaded(
    k: Any,
    seed: int,
    first: int,
    count: int,
    out_f: np.ndarray,
    out_i: np.ndarray,
    national: np.ndarray,
    threads: int | None = None,
) -> None:
    """Run the kernel over the chunk's rows on several threads (it releases the GIL); every
    row is one scenario written to its own slots, so the split never changes a number."""
    threads = min(threads or worker_threads(), count)
    if threads <= 1:
        run_rows(k, seed, first, 0, count, out_f, out_i, national)
        return
    from concurrent.futures import ThreadPoolExecutor

    pieces = min(count, threads * 8)
    bounds = [count * i // pieces for i in range(pieces + 1)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        jobs = [
            pool.submit(run_rows, k, seed, first, lo, hi, out_f, out_i, national)
            for lo, hi in itertools.pairwise(bounds)
            if hi > lo
        ]
        for job in jobs:
            job.result()


def run_scenarios(
    model: CompiledModel, seed: int, first: int, count: int, *, threads: int | None = None
) -> ChunkOutput:
    """Simulate scenarios first … first + count − 1 (the chunk kernel; any order, any worker).

    `threads` kernel threads (default :func:`worker_threads`); the numbers do not depend on it.
    """
    k = model.kernel
    n_subs = k.sub_prod_ptr.shape[0] - 1
    out_f = np.zeros((k.n_options, count, 5, n_subs))
    out_i = np.zeros((k.n_options, count, 3, n_subs), dtype=np.int32)
    national = np.zeros((k.n_options, count, 4))
    if count > 0:
        _run_threaded(k, int(seed), int(first), count, out_f, out_i, national, threads)
    return ChunkOutput(
        unmet=out_f[:, :, 0],
        sdays=out_i[:, :, 0],
        first_short=out_i[:, :, 1],
        first_stockout=out_i[:, :, 2],
        surge=out_f[:, :, 1],
        prep=out_f[:, :, 2],
        alt=out_f[:, :, 3],
        imports=out_f[:, :, 4],
        national=national,
    )


def simulate(
    dataset: Dataset,
    scenario: Scenario | str | Path | None = None,
    *,
    n_scenarios: int | None = None,
    horizon_days: int | None = None,
    seed: int | None = None,
    policies: Policies | None = None,
    mode: str = "joint",
    progress: Callable[[int, int], None] | None = None,
    keep_per_scenario: bool | None = None,
    chunk_scenarios: int | None = None,
    criticality_weights: Mapping[str, float] | None = None,
    client: Any = None,
    parquet: str | Path | None = None,
) -> SimResult:
    """Monte-Carlo disruption simulation of `dataset` under `scenario` (DESIGN.md §4).

    `policies` (default: today's plan — the dataset's preparedness-tier stock and active
    agreements) may hold K options, all evaluated on the same draws (common random numbers).
    `mode` ``joint`` uses the dataset's real lines (shared lines split pro rata) and therapeutic
    alternatives; ``decomposed`` gives every agreement its own capacity and no substitution
    between substances, so substances are independent (for the preparedness optimiser).
    Values not given come from the scenario file, else 10,000 scenarios, 365 days, seed 1.

    Chunks of scenarios run on `client`'s Dask workers (default: the client made active by
    :func:`beredt.sim.distributed.session`, else here on threads) with the same numbers.
    `parquet` writes every per-scenario value into that folder as it is simulated
    (:mod:`beredt.sim.parquet`), for runs too large to keep them in memory.
    """
    from beredt.sim.distributed import scenario_chunks

    started = time.perf_counter()
    scen = _as_scenario(scenario)
    n = int(n_scenarios or scen.n_scenarios or DEFAULT_N_SCENARIOS)
    horizon = int(horizon_days or scen.horizon_days or DEFAULT_HORIZON_DAYS)
    the_seed = int(
        seed if seed is not None else (scen.seed if scen.seed is not None else DEFAULT_SEED)
    )
    if n < 1:
        raise ValueError("n_scenarios must be ≥ 1")
    if the_seed < 0:
        raise ValueError("seed must be ≥ 0")
    pol = policies if policies is not None else Policies.today(dataset)
    model = compile_model(dataset, scen, pol, horizon, mode, criticality_weights)
    k_opts = pol.n_options
    n_subs = dataset.n_substances
    keep = keep_per_scenario if keep_per_scenario is not None else k_opts * n * n_subs <= KEEP_LIMIT

    if chunk_scenarios is None:
        rows = max(REDUCTION_BLOCK, _CHUNK_CELLS // max(1, k_opts * n_subs))
    else:
        rows = max(1, int(chunk_scenarios))
    rows = int(-(-rows // REDUCTION_BLOCK) * REDUCTION_BLOCK)

    unmet = _Welford((k_opts, n_subs))
    sdays = _Welford((k_opts, n_subs))
    fshort = _Welford((k_opts, n_subs))
    fso = _Welford((k_opts, n_subs))
    sums = {
        name: np.zeros((k_opts, n_subs))
        for name in ("surge", "prep", "alt", "imports", "short", "so")
    }
    national = np.zeros((k_opts, n, 4))
    crit = np.asarray(model.criticality)
    crit_masks = np.stack([crit == c for c in CRITICALITIES]).astype(float)  # (3, S)
    vital_mask = crit == "vital"
    vital_days = np.zeros((k_opts, n))
    vital_over_7 = np.zeros((k_opts, n), dtype=bool)
    n_short = np.zeros((k_opts, n), dtype=np.int32)
    unmet_by_crit = np.zeros((k_opts, n, 3))
    day_type = np.int16 if horizon < 32767 else np.int32
    kept_unmet = np.zeros((k_opts, n, n_subs)) if keep else None
    kept_sdays = np.zeros((k_opts, n, n_subs), dtype=day_type) if keep else None
    kept_fshort = np.zeros((k_opts, n, n_subs), dtype=day_type) if keep else None
    kept_fso = np.zeros((k_opts, n, n_subs), dtype=day_type) if keep else None

    sink = None
    if parquet is not None:
        from beredt.sim.parquet import ParquetSink

        sink = ParquetSink(parquet, model)
    if progress:
        progress(0, n)
    for done, out in scenario_chunks(model, the_seed, n, rows, client):
        count = out.unmet.shape[1]
        if sink is not None:
            sink.write(done, out)
        for b0 in range(0, count, REDUCTION_BLOCK):
            b1 = min(count, b0 + REDUCTION_BLOCK)
            sl = slice(b0, b1)
            unmet.add(out.unmet[:, sl])
            sdays.add(out.sdays[:, sl].astype(float))
            fs = out.first_short[:, sl]
            fshort.add(fs.astype(float), fs >= 0)
            fo = out.first_stockout[:, sl]
            fso.add(fo.astype(float), fo >= 0)
            sums["surge"] += out.surge[:, sl].sum(axis=1)
            sums["prep"] += out.prep[:, sl].sum(axis=1)
            sums["alt"] += out.alt[:, sl].sum(axis=1)
            sums["imports"] += out.imports[:, sl].sum(axis=1)
            sums["short"] += (fs >= 0).sum(axis=1)
            sums["so"] += (fo >= 0).sum(axis=1)
        national[:, done : done + count] = out.national
        rows_sl = slice(done, done + count)
        vital_sdays = out.sdays[:, :, vital_mask]
        vital_days[:, rows_sl] = vital_sdays.sum(axis=2)
        vital_over_7[:, rows_sl] = (vital_sdays > SEVERE_SHORTAGE_DAYS).any(axis=2)
        n_short[:, rows_sl] = (out.sdays > 0).sum(axis=2)
        unmet_by_crit[:, rows_sl] = out.unmet @ crit_masks.T
        if keep:
            assert kept_unmet is not None
            assert kept_sdays is not None
            assert kept_fshort is not None
            assert kept_fso is not None
            kept_unmet[:, done : done + count] = out.unmet
            kept_sdays[:, done : done + count] = out.sdays
            kept_fshort[:, done : done + count] = out.first_short
            kept_fso[:, done : done + count] = out.first_stockout
        if progress:
            progress(done + count, n)

    def stat(w: _Welford, kept: np.ndarray | None, conditional: bool = False) -> Stat:
        mean, se = w.result(conditional)
        if kept is None:
            return Stat(mean, se, count=w.n.astype(np.int64) if conditional else None)
        p = percentiles(kept, PERCENTILES, conditional=conditional, threads=worker_threads())
        return Stat(mean, se, p[0], p[1], p[2], w.n.astype(np.int64) if conditional else None)

    result = SimResult(
        provenance=provenance(
            dataset,
            {
                "scenario": scen.name,
                "scenario_source": scen.source,
                "n_scenarios": n,
                "horizon_days": horizon,
                "mode": mode,
                "options": list(pol.labels),
                "events": list(model.event_labels),
                "background": scen.background,
                "model": scen.model,
            },
            the_seed,
        ),
        scenario=scen.name,
        mode=mode,
        n_scenarios=n,
        horizon_days=horizon,
        seed=the_seed,
        option_labels=pol.labels,
        atc_codes=model.atc_codes,
        names=model.names,
        criticality=model.criticality,
        weights=model.kernel.weight.copy(),
        unmet_ddd=stat(unmet, kept_unmet),
        shortage_days=stat(sdays, kept_sdays),
        shortage_prob=sums["short"] / n,
        first_shortage_day=stat(fshort, kept_fshort, conditional=True),
        stockout_prob=sums["so"] / n,
        first_stockout_day=stat(fso, kept_fso, conditional=True),
        surge_ddd_mean=sums["surge"] / n,
        preparedness_used_ddd_mean=sums["prep"] / n,
        alternatives_ddd_mean=sums["alt"] / n,
        imports_ddd_mean=sums["imports"] / n,
        national_loss=national[:, :, 0].copy(),
        national_unmet_ddd=national[:, :, 1].copy(),
        any_shortage=national[:, :, 2] > 0.5,
        any_vital_shortage=national[:, :, 3] > 0.5,
        unmet_per_scenario=kept_unmet,
        shortage_days_per_scenario=kept_sdays,
        wall_seconds=time.perf_counter() - started,
        vital_shortage_days=vital_days,
        vital_over_7_days=vital_over_7,
        substances_short=n_short,
        unmet_by_criticality=unmet_by_crit,
    )
    if sink is not None:
        sink.close(
            result.provenance,
            {"scenario": scen.name, "n_scenarios": n, "seed": the_seed, "weights": result.weights},
        )
    return result
