"""P(gap closed by day X): the plan evaluated over sampled shortage durations, vectorised.

The allocation kernel is forward-only (a day's allocation never depends on later days), so one run
of the final plan over the longest sampled horizon answers every sample at once: a shortage that
ends on day e sees exactly the first e days of that run. For each sampled end e (timeline index
of the first day with normal supply again):

* the *closing day* is one past the last day before e with uncovered demand (0 when none): from
  that day on every patient is served, by the response or because the shortage is over;
* the uncovered DDD are Σ uncovered over days < e.

P(gap closed by day x) = P(closing ≤ x) and P(shortage over by day x) = P(e ≤ x), both as empirical
CDFs of the samples (binomial standard error √(p(1−p)/n)). Samples ending beyond
``max_horizon_days`` are cut there; if demand is still uncovered on the last day their closing day
is unknown and counted as not closed within the horizon.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from beredt.respond.duration import DurationModel
from beredt.respond.engine import Source, allocate


@dataclass(frozen=True)
class Uncertainty:
    """How the plan fares over the distribution of the shortage's duration."""

    method: str
    distribution: DurationModel
    n_samples: int
    seed: int
    horizon_days: int
    duration_days_p10: int
    duration_days_p50: int
    duration_days_p90: int
    end_date_p10: dt.date
    end_date_p50: dt.date
    end_date_p90: dt.date
    p_uncovered: float  # P(some demand uncovered before the shortage ends)
    p_closed_by_planned_end: float  # P(gap closed by the day after the planned end)
    uncovered_ddd_mean: float
    uncovered_ddd_se: float
    uncovered_ddd_p50: float
    uncovered_ddd_p90: float
    closing_date_p50: dt.date | None  # None: not closed within the horizon
    closing_date_p90: dt.date | None
    censored_share: float  # samples ending beyond the horizon
    closed_by: pd.DataFrame  # date, day, p_shortage_over, p_gap_closed
    #: the plan's uncovered DDD on each day of the evaluated horizon (from the timeline start)
    uncovered_by_day: np.ndarray | None = None
    start_offset_days: int = 0

    def uncovered_for(self, durations: np.ndarray) -> np.ndarray:
        """Uncovered DDD of the plan if the shortage lasts each of `durations` days (counted
        from the notice's start; cut at the evaluated horizon)."""
        if self.uncovered_by_day is None:
            raise ValueError("this evaluation kept no daily uncovered demand")
        cum = np.concatenate([[0.0], np.cumsum(self.uncovered_by_day)])
        end = np.clip(np.asarray(durations) + self.start_offset_days, 0, len(cum) - 1)
        out: np.ndarray = cum[end]
        return out

    def p_gap_closed_by(self, date: dt.date) -> float:
        """P(no uncovered demand from `date` on)."""
        frame = self.closed_by
        if date < frame["date"].iloc[0]:
            return 0.0
        hit = frame[frame["date"] <= date]
        return float(hit["p_gap_closed"].iloc[-1])


def evaluate(
    *,
    model: DurationModel,
    gap_for: Callable[[int], np.ndarray],
    sources: Sequence[Source],
    active: Mapping[str, float],
    alternative_cap_share: float,
    timeline_start: dt.date,
    notice_start: dt.date,
    plan_days: int,
    n_samples: int,
    seed: int,
    max_horizon_days: int,
    tolerance: float,
) -> Uncertainty:
    """Sample durations from `model` and evaluate the plan (`sources`, `active`) on each."""
    rng = np.random.default_rng(seed)
    durations = model.sample(n_samples, rng)
    start_offset = (notice_start - timeline_start).days  # ≤ 0: the shortage may have begun
    end_idx = np.maximum(durations + start_offset, 1)
    horizon = int(max(plan_days, min(int(end_idx.max()), max_horizon_days)))
    censored = end_idx > horizon
    end_cut = np.minimum(end_idx, horizon)

    alloc = allocate(gap_for(horizon), sources, active, alternative_cap_share)
    uncovered = alloc.uncovered
    has_u = uncovered > tolerance
    days = np.arange(horizon)
    last_u = np.maximum.accumulate(np.where(has_u, days, -1))
    closing = last_u[end_cut - 1] + 1
    open_at_cut = censored & has_u[horizon - 1]
    closing = np.where(open_at_cut, horizon + 1, closing)
    cum_u = np.cumsum(uncovered)
    total_u = cum_u[end_cut - 1]

    x = np.arange(horizon + 1)
    sorted_closing = np.sort(closing)
    sorted_end = np.sort(end_idx)
    p_closed = np.searchsorted(sorted_closing, x, side="right") / n_samples
    p_over = np.searchsorted(sorted_end, x, side="right") / n_samples
    dates = [timeline_start + dt.timedelta(days=int(d)) for d in x]
    closed_by = pd.DataFrame(
        {"date": dates, "day": x, "p_shortage_over": p_over, "p_gap_closed": p_closed}
    )

    def q_closing(q: float) -> dt.date | None:
        v = int(np.quantile(closing, q, method="inverted_cdf"))
        return None if v > horizon else timeline_start + dt.timedelta(days=v)

    def q_duration(q: float) -> int:
        return int(np.quantile(durations, q, method="inverted_cdf"))

    return Uncertainty(
        method=model.method,
        distribution=model,
        n_samples=n_samples,
        seed=seed,
        horizon_days=horizon,
        duration_days_p10=q_duration(0.1),
        duration_days_p50=q_duration(0.5),
        duration_days_p90=q_duration(0.9),
        end_date_p10=notice_start + dt.timedelta(days=q_duration(0.1) - 1),
        end_date_p50=notice_start + dt.timedelta(days=q_duration(0.5) - 1),
        end_date_p90=notice_start + dt.timedelta(days=q_duration(0.9) - 1),
        p_uncovered=float((total_u > tolerance).mean()),
        p_closed_by_planned_end=float((closing <= plan_days).mean()),
        uncovered_ddd_mean=float(total_u.mean()),
        uncovered_ddd_se=float(total_u.std(ddof=1) / math.sqrt(n_samples))
        if n_samples > 1
        else 0.0,
        uncovered_ddd_p50=float(np.quantile(total_u, 0.5)),
        uncovered_ddd_p90=float(np.quantile(total_u, 0.9)),
        closing_date_p50=q_closing(0.5),
        closing_date_p90=q_closing(0.9),
        censored_share=float(censored.mean()),
        closed_by=closed_by,
        uncovered_by_day=np.asarray(uncovered, dtype=float).copy(),
        start_offset_days=start_offset,
    )


def binomial_se(p: float, n: int) -> float:
    """Standard error of a proportion estimated from `n` independent samples."""
    return math.sqrt(max(p * (1.0 - p), 0.0) / n)
