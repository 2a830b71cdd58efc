"""How long the shortage lasts: a distribution of durations, conditioned on what has passed.

Durations are whole days counted from the notice's start day inclusive (a shortage from 1 to 10
November lasts 10 days). The distributions themselves are the simulator's
(:mod:`beredt.sim.durations`: ``Fixed``, ``Lognormal``, ``Empirical``, sampled by their inverse
CDF ``from_uniform``), so a response plan and a simulated disruption use the same laws. Which
distribution, in order:

* **around the expected end** when the notice (or the user) gives one: a lognormal with median
  ``overrun_median_ratio × announced duration`` and log-sd ``duration_log_sd``. Announced ends
  are estimates, and a shortage more often lasts longer than announced than much shorter; the
  lognormal is the usual model for such positive, right-skewed durations. The median ratio and
  log-sd are estimated from the dataset's resolved notices with both an expected and an actual
  end (mean and sd of log(actual / announced)) when there are at least
  ``min_calibration_notices`` of them; otherwise the defaults (1.0 and 0.4: a 16 % chance of
  lasting over 1.5 times the announced duration, 4 % over twice) are assumptions. A log-sd of 0
  gives a fixed duration.
* **empirical** without an expected end: the durations of the dataset's resolved notices with the
  same cause, when there are at least ``min_history_notices``; else those of all causes; else a
  lognormal with median ``default_duration_days`` and log-sd ``default_duration_log_sd``.
  (Resolved means status ``resolved`` with an end on or before the as-of date; the notice being
  planned is left out — stricter than ``beredt.sim.durations.empirical_from_shortages``, so that
  a what-if on an earlier as-of date does not see the future.)

A notice that started before the as-of date and is still open has lasted ``elapsed`` days: the
distribution is conditioned on D > elapsed by inverse-CDF sampling on the truncated law,
u ~ U(F(elapsed), 1), D = F⁻¹(u), so P(D ≤ k | D > e) = (F(k) − F(e)) / (1 − F(e)). When an
empirical law has no duration longer than elapsed, elapsed is added to a past duration (it is
assumed to last as long again as a past one). The lognormal is rounded to the nearest day, as in
the simulator: P(D ≤ k) = Φ((ln(k + ½) − ln median) / σ).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.respond.notice import ResponseNotice
from beredt.respond.params import ResponseParams
from beredt.sim.durations import Duration, Empirical, Fixed, Lognormal


@dataclass(frozen=True)
class DurationModel:
    """A distribution of a shortage's duration in days (from its start day), given its age."""

    distribution: Duration  # unconditional law (beredt.sim.durations)
    method: str  # what the distribution was built from, in words (English)
    basis: str = "default"  # announced | announced_calibrated | same_cause | all_causes | default
    elapsed_days: int = 0  # the shortage has lasted this many days already (D > elapsed)
    n_history: int = 0  # notices the distribution or its calibration came from
    announced_days: int | None = None
    cause: str | None = None

    @property
    def kind(self) -> str:
        """The family: fixed, lognormal or empirical."""
        return str(self.distribution.to_spec()["dist"])

    @property
    def median_days(self) -> float | None:
        """Median of the continuous lognormal (or the fixed days); None for empirical laws."""
        if isinstance(self.distribution, Lognormal):
            return math.exp(self.distribution.mu)
        if isinstance(self.distribution, Fixed):
            return float(self.distribution.days)
        return None

    @property
    def log_sd(self) -> float | None:
        """Log-sd of a lognormal law."""
        return self.distribution.sigma if isinstance(self.distribution, Lognormal) else None

    @property
    def values(self) -> tuple[int, ...]:
        """Past durations of an empirical law."""
        return self.distribution.days if isinstance(self.distribution, Empirical) else ()

    def _truncated(self) -> tuple[Duration, float]:
        """The law to sample and F(elapsed) to truncate at (0 when nothing is to truncate)."""
        e = self.elapsed_days
        f_e = float(np.asarray(self.distribution.cdf(e))) if e > 0 else 0.0
        if f_e < 1.0 - 1e-12:
            return self.distribution, f_e
        if isinstance(self.distribution, Empirical):
            return Empirical(tuple(d + e for d in self.distribution.days)), 0.0
        return Fixed(e + 1), 0.0

    def cdf(self, days: np.ndarray | float) -> np.ndarray:
        """P(D ≤ days | D > elapsed), for whole numbers of days."""
        law, f_e = self._truncated()
        k = np.asarray(days, dtype=float)
        raw = (np.asarray(law.cdf(k), dtype=float) - f_e) / (1.0 - f_e)
        return np.where(k > self.elapsed_days, np.clip(raw, 0.0, 1.0), 0.0)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` durations in whole days, each longer than `elapsed_days`."""
        law, f_e = self._truncated()
        u = f_e + (1.0 - f_e) * rng.random(n)
        u = np.clip(u, np.nextafter(f_e, 1.0), 1.0 - 2.0**-53)
        return np.maximum(law.from_uniform(u).astype(np.int64), self.elapsed_days + 1)

    def quantile(self, q: float) -> int:
        """The smallest whole duration d with P(D ≤ d | D > elapsed) ≥ q."""
        law, f_e = self._truncated()
        u = min(max(f_e + (1.0 - f_e) * q, np.nextafter(f_e, 1.0)), 1.0 - 2.0**-53)
        return max(int(law.from_uniform(np.array([u]))[0]), self.elapsed_days + 1)


def _days(start: object, end: object) -> int | None:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        return None
    return (end - start).days + 1


def resolved_durations(dataset: Dataset, exclude: str | None = None) -> pd.DataFrame:
    """Past notices resolved by the as-of date: cause, duration and announced duration (days)."""
    s = dataset.shortages
    rows = []
    for nid, status, cause, start, end, expected in zip(
        s["notice_id"],
        s["status"],
        s["cause"],
        s["start_date"],
        s["end_date"],
        s["expected_end_date"],
        strict=True,
    ):
        if nid == exclude or status != "resolved":
            continue
        if not isinstance(end, dt.date) or end > dataset.as_of:
            continue
        rows.append(
            {
                "notice_id": nid,
                "cause": cause,
                "duration_days": _days(start, end),
                "announced_days": _days(start, expected),
            }
        )
    return pd.DataFrame(rows, columns=["notice_id", "cause", "duration_days", "announced_days"])


def duration_model(
    dataset: Dataset, notice: ResponseNotice, params: ResponseParams
) -> DurationModel:
    """The distribution of the notice's duration (see the module docstring for the rules)."""
    elapsed = max(0, (dataset.as_of - notice.start_date).days)
    history = resolved_durations(dataset, exclude=notice.notice_id)
    if notice.expected_end_date is not None:
        announced = (notice.expected_end_date - notice.start_date).days + 1
        pairs = history.dropna(subset=["announced_days"])
        pairs = pairs[(pairs["announced_days"] > 0) & (pairs["duration_days"] > 0)]
        ratio, log_sd, n = params.overrun_median_ratio, params.duration_log_sd, 0
        how = "default spread"
        if len(pairs) >= params.min_calibration_notices:
            logs = np.log(
                pairs["duration_days"].to_numpy(float) / pairs["announced_days"].to_numpy(float)
            )
            ratio, log_sd, n = (
                float(math.exp(logs.mean())),
                float(max(logs.std(ddof=1), 0.05)),
                len(pairs),
            )
            how = f"spread estimated from {n} resolved notices"
        if log_sd == 0:
            return DurationModel(
                distribution=Fixed(max(1, round(announced * ratio))),
                method=f"fixed at the announced {announced} days",
                elapsed_days=elapsed,
                basis="announced",
                announced_days=announced,
            )
        return DurationModel(
            distribution=Lognormal.from_median(announced * ratio, log_sd),
            method=(
                f"lognormal around the announced {announced} days "
                f"(median × {ratio:.2f}, log-sd {log_sd:.2f}; {how})"
            ),
            elapsed_days=elapsed,
            n_history=n,
            basis="announced_calibrated" if n else "announced",
            announced_days=announced,
        )
    durations = history.dropna(subset=["duration_days"])
    same = durations[durations["cause"] == notice.cause]
    if len(same) >= params.min_history_notices:
        values = tuple(int(v) for v in same["duration_days"])
        return DurationModel(
            distribution=Empirical(values),
            method=f"empirical: {len(values)} resolved notices with cause {notice.cause}",
            elapsed_days=elapsed,
            n_history=len(values),
            basis="same_cause",
            cause=notice.cause,
        )
    if len(durations) >= params.min_history_notices:
        values = tuple(int(v) for v in durations["duration_days"])
        return DurationModel(
            distribution=Empirical(values),
            method=(
                f"empirical: {len(values)} resolved notices of all causes "
                f"(fewer than {params.min_history_notices} with cause {notice.cause})"
            ),
            elapsed_days=elapsed,
            n_history=len(values),
            basis="all_causes",
            cause=notice.cause,
        )
    return DurationModel(
        distribution=Lognormal.from_median(
            params.default_duration_days, params.default_duration_log_sd
        ),
        method=(
            f"lognormal with median {params.default_duration_days:g} days, log-sd "
            f"{params.default_duration_log_sd:g} (fewer than {params.min_history_notices} "
            "resolved notices in the dataset)"
        ),
        elapsed_days=elapsed,
        n_history=len(durations),
        basis="default",
        cause=notice.cause,
    )
