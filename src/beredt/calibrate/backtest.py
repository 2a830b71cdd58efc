"""Back-test: calibrate on the record as it stood at a cut, simulate the year after it, and score
the forecast against what the record says then happened (rolling origin).

Compared per cut, over the window (cut, cut + horizon]:

* **episodes** starting in the window, a year (record vs simulated mean, SE and 5–95 %), and the
  record's episodes by cause beside the calibrated model's expected episodes by source;
* **durations** of the window's episodes: Kaplan–Meier median and 90th percentile, both sides
  censored at the same date (the record's last day);
* **substance-days down**: Σ market share × days a pack was down inside the window;
* a per-substance **forecast** of P(a notice starts within the horizon), scored with the Brier
  score (Brier 1950) against the baseline of each substance's yearly frequency of at least one
  notice over the calibration window: skill = 1 − Brier / Brier(baseline) (> 0: the model beats
  the baseline), the AUC (Mann–Whitney U / n₀n₁; Hanley & McNeil 1982) and a reliability table
  in ten bins (Murphy & Winkler 1977).

Episodes and durations are supply outages, so they need no stock history.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from beredt.calibrate.availability import OutageDraws, simulate_outages
from beredt.calibrate.fit import Calibration, Priors, calibrate, merged_tables
from beredt.calibrate.record import Episode, episodes, record_as_of
from beredt.calibrate.survival import km_quantiles
from beredt.domain.dataset import Dataset

DEFAULT_HORIZON_DAYS = 365
DEFAULT_SCENARIOS = 1000


def _quantiles(x: np.ndarray) -> dict[str, float]:
    return {
        "mean": float(x.mean()),
        "se": float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan,
        "p5": float(np.quantile(x, 0.05)),
        "median": float(np.median(x)),
        "p95": float(np.quantile(x, 0.95)),
    }


def brier(forecast: np.ndarray, outcome: np.ndarray) -> float:
    """Mean squared difference between probabilities and 0/1 outcomes (Brier 1950)."""
    return float(np.mean((np.asarray(forecast, float) - np.asarray(outcome, float)) ** 2))


def auc(forecast: np.ndarray, outcome: np.ndarray) -> float | None:
    """Area under the ROC curve as Mann–Whitney U / (n₀ n₁); None when one class is empty."""
    y = np.asarray(outcome, dtype=bool)
    if y.all() or (~y).all():
        return None
    u = stats.mannwhitneyu(np.asarray(forecast)[y], np.asarray(forecast)[~y]).statistic
    return float(u / (y.sum() * (~y).sum()))


def reliability(forecast: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Forecasts in `bins` equal-width bins: count, mean forecast, observed frequency."""
    f = np.asarray(forecast, float)
    y = np.asarray(outcome, float)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(f, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = idx == b
        n = int(sel.sum())
        rows.append(
            {
                "bin": f"{edges[b]:.1f}–{edges[b + 1]:.1f}",
                "n": n,
                "mean_forecast": float(f[sel].mean()) if n else None,
                "observed_frequency": float(y[sel].mean()) if n else None,
            }
        )
    return rows


@dataclass(frozen=True)
class CutResult:
    """One cut of the back-test."""

    cut: dt.date
    horizon_days: int
    calibration: Calibration
    recorded: dict[str, Any]
    simulated: dict[str, Any]
    forecast: dict[str, Any]
    per_substance: list[dict[str, Any]]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "cut": self.cut.isoformat(),
            "horizon_days": self.horizon_days,
            "calibration": {
                "provenance": self.calibration.provenance,
                "notices_used": self.calibration.notices_used,
                "events_by_source": self.calibration.source_counts,
                "expected_episodes_per_year": self.calibration.expected_episodes_per_year,
                "priors_used": self.calibration.used_priors,
            },
            "recorded": self.recorded,
            "simulated": self.simulated,
            "forecast": self.forecast,
            "per_substance": self.per_substance,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Backtest:
    """Every cut, and the verdict over all of them."""

    cuts: tuple[CutResult, ...]
    n_scenarios: int
    seed: int
    as_of: dt.date

    def summary(self) -> dict[str, Any]:
        """Mean skill and the ratio of simulated to recorded episodes over the cuts."""
        skills = [c.forecast["brier_skill"] for c in self.cuts]
        ratios = [
            c.simulated["episodes_per_year"]["mean"] / c.recorded["episodes_per_year"]
            for c in self.cuts
            if c.recorded["episodes_per_year"] > 0
        ]
        losing = [c.cut.isoformat() for c in self.cuts if c.forecast["brier_skill"] <= 0]
        return {
            "cuts": len(self.cuts),
            "mean_brier_skill": float(np.mean(skills)) if skills else None,
            "episode_ratio_simulated_to_recorded": ratios,
            "model_loses_to_baseline_at": losing,
            "verdict": (
                "the model beats the historical-frequency baseline at every cut"
                if not losing
                else "the model LOSES to the historical-frequency baseline at " + ", ".join(losing)
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the contract of ``beredt backtest --json``."""
        return {
            "as_of": self.as_of.isoformat(),
            "scenarios": self.n_scenarios,
            "seed": self.seed,
            "summary": self.summary(),
            "cuts": [c.to_dict() for c in self.cuts],
        }


def _recorded(
    eps: Sequence[Episode],
    cut: dt.date,
    horizon: int,
    shares: np.ndarray,
    n_subs: int,
    products_of: dict[int, list[int]],
) -> tuple[dict[str, Any], np.ndarray]:
    """What the record says happened in (cut, cut + horizon]."""
    lo = cut + dt.timedelta(days=1)
    hi = cut + dt.timedelta(days=horizon)
    inside = [e for e in eps if lo <= e.start <= hi]
    by_cause: dict[str, int] = defaultdict(int)
    for e in inside:
        by_cause[e.cause] += 1
    had = np.zeros(n_subs, dtype=bool)
    for e in inside:
        had[e.substance_idx] = True
    # share-weighted days down inside the window: union of each pack's notices
    spans: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for e in eps:
        a, b = max(e.start, lo), min(e.end_exclusive, hi + dt.timedelta(days=1))
        if a < b:
            for p in e.products:
                spans[p].append((a, b))
    down = 0.0
    for p, iv in spans.items():
        iv.sort()
        days = 0
        cur_a, cur_b = iv[0]
        for a, b in iv[1:]:
            if a <= cur_b:
                cur_b = max(cur_b, b)
            else:
                days += (cur_b - cur_a).days
                cur_a, cur_b = a, b
        days += (cur_b - cur_a).days
        down += shares[p] * days
    d = np.array([e.duration_days for e in inside], dtype=float)
    c = np.array([e.censored for e in inside], dtype=bool)
    per_year = 365.0 / horizon
    return (
        {
            "episodes": len(inside),
            "episodes_per_year": len(inside) * per_year,
            "by_cause": dict(sorted(by_cause.items())),
            "substance_level_episodes": sum(1 for e in inside if e.substance_level),
            "duration_days": km_quantiles(d, c) if len(d) else {"median": None, "p90": None},
            "censored": int(c.sum()),
            "substance_days_down_per_year": down * per_year,
            "substances_with_a_notice": int(had.sum()),
        },
        had,
    )


def _baseline(eps: Sequence[Episode], since: dt.date, cut: dt.date, n_subs: int) -> np.ndarray:
    """Each substance's yearly frequency of at least one notice over the calibration window."""
    span = (cut - since).days
    years = max(1, span // 365)
    hits = np.zeros((years, n_subs), dtype=bool)
    for e in eps:
        if since <= e.start <= cut:
            back = (cut - e.start).days // 365
            hits[min(back, years - 1), e.substance_idx] = True
    out: np.ndarray = hits.mean(axis=0)
    return out


def backtest_cut(
    dataset: Dataset,
    cut: dt.date,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    n_scenarios: int = DEFAULT_SCENARIOS,
    seed: int = 1,
    priors: Priors | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CutResult:
    """Calibrate at `cut`, simulate the horizon after it, compare with the record."""
    notes: list[str] = []
    last = dataset.as_of
    if cut >= last:
        raise ValueError(f"cut {cut.isoformat()} is not before the record's end {last.isoformat()}")
    horizon = int(horizon_days)
    if cut + dt.timedelta(days=horizon) > last:
        horizon = (last - cut).days
        notes.append(f"the record ends on {last.isoformat()}: the window is cut to {horizon} days")
    cal = calibrate(dataset, until=cut, priors=priors)
    at_cut = dataset.replace(
        as_of=cut,
        shortages=record_as_of(dataset.bundle.rows("shortages"), cut),
        **merged_tables(dataset.bundle.tables, cal.tables()),
    )
    observed_days = (last - cut).days  # both sides see durations up to the record's last day
    draws: OutageDraws = simulate_outages(
        at_cut,
        window=(1, horizon),
        horizon_days=observed_days + 1,
        n_scenarios=n_scenarios,
        seed=seed,
        progress=progress,
    )
    products = dataset.products.reset_index(drop=True)
    prow = {str(p): i for i, p in enumerate(products["product_id"])}
    psub = products["substance_idx"].to_numpy(dtype=np.int64)
    raw_share = products["market_share"].to_numpy(dtype=float)
    total = np.bincount(psub, weights=raw_share, minlength=dataset.n_substances)
    counts = np.bincount(psub, minlength=dataset.n_substances)
    shares = np.where(
        total[psub] > 0,
        raw_share / np.where(total[psub] > 0, total[psub], 1),
        1.0 / np.maximum(counts[psub], 1),
    )
    products_of: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(psub):
        products_of[int(s)].append(i)
    full, _ = episodes(
        dataset.bundle.rows("shortages"), prow, products_of, dataset.substance_index, last
    )
    recorded, outcome = _recorded(full, cut, horizon, shares, dataset.n_substances, products_of)
    known, _ = episodes(
        record_as_of(dataset.bundle.rows("shortages"), cut),
        prow,
        products_of,
        dataset.substance_index,
        cut,
    )
    base = _baseline(known, cal.since, cut, dataset.n_substances)
    prob = (draws.first_start >= 0).mean(axis=0)
    b_model = brier(prob, outcome)
    b_base = brier(base, outcome)
    skill = 1.0 - b_model / b_base if b_base > 0 else math.nan
    per_year = 365.0 / horizon
    sim_eps = draws.episodes * per_year
    rec_eps = recorded["episodes_per_year"]
    simulated = {
        "episodes_per_year": _quantiles(sim_eps),
        # where the recorded year falls among the simulated ones (0.5: the middle)
        "recorded_percentile": float(
            (sim_eps < rec_eps).mean() + 0.5 * (sim_eps == rec_eps).mean()
        ),
        "duration_days": km_quantiles(draws.durations, draws.censored),
        "substance_days_down_per_year": _quantiles(draws.substance_days_down * per_year),
        "substances_with_a_notice": float((draws.first_start >= 0).sum(axis=1).mean()),
    }
    forecast = {
        "brier": b_model,
        "brier_baseline": b_base,
        "brier_skill": skill,
        "auc": auc(prob, outcome),
        "auc_baseline": auc(base, outcome),
        "reliability": reliability(prob, outcome),
        "substances": int(dataset.n_substances),
        "with_a_notice": int(outcome.sum()),
        "verdict": (
            "the model beats the historical-frequency baseline"
            if skill > 0
            else "the model LOSES to the historical-frequency baseline"
        ),
    }
    per_substance = [
        {
            "atc_code": str(atc),
            "forecast": float(prob[s]),
            "baseline": float(base[s]),
            "notice": bool(outcome[s]),
        }
        for s, atc in enumerate(dataset.substances["atc_code"])
    ]
    return CutResult(
        cut=cut,
        horizon_days=horizon,
        calibration=cal,
        recorded=recorded,
        simulated=simulated,
        forecast=forecast,
        per_substance=per_substance,
        notes=notes,
    )


def default_cuts(dataset: Dataset, years: int = 3) -> list[dt.date]:
    """Yearly cuts 1…`years` years before the as-of date that have half a year of record before
    them (the rolling origins of the back-test)."""
    starts = [r["start_date"] for r in dataset.bundle.rows("shortages")]
    if not starts:
        return []
    first = min(starts)
    as_of = dataset.as_of
    cuts = []
    for k in range(years, 0, -1):
        cut = dt.date(as_of.year - k, as_of.month, min(as_of.day, 28))
        if (cut - first).days >= 182:
            cuts.append(cut)
    return cuts


def backtest(
    dataset: Dataset,
    cuts: Sequence[dt.date],
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    n_scenarios: int = DEFAULT_SCENARIOS,
    seed: int = 1,
    priors: Priors | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Backtest:
    """Rolling-origin back-test over `cuts` (each calibrated only on what was known then).

    The cuts are independent: with an active Dask client (:func:`beredt.sim.distributed.session`)
    each runs as one task on its workers, with the same numbers as here.
    """
    from beredt.sim.distributed import active_client

    if not cuts:
        raise ValueError("give at least one cut date")
    results = []
    done = 0
    total = len(cuts) * n_scenarios
    client = active_client()
    if client is not None:
        [shared] = client.scatter([dataset], broadcast=True)
        futures = [
            client.submit(
                backtest_cut,
                shared,
                cut,
                horizon_days=horizon_days,
                n_scenarios=n_scenarios,
                seed=seed,
                priors=priors,
                pure=False,
            )
            for cut in sorted(cuts)
        ]
        try:
            for future in futures:
                results.append(future.result())
                done += n_scenarios
                if progress:
                    progress(done, total)
        finally:
            for future in futures:
                future.release()
            shared.release()
        return Backtest(tuple(results), n_scenarios, seed, dataset.as_of)

    def step(i: int, _n: int) -> None:
        if progress:
            progress(done + i, total)

    for cut in sorted(cuts):
        results.append(
            backtest_cut(
                dataset,
                cut,
                horizon_days=horizon_days,
                n_scenarios=n_scenarios,
                seed=seed,
                priors=priors,
                progress=step,
            )
        )
        done += n_scenarios
    return Backtest(tuple(results), n_scenarios, seed, dataset.as_of)
