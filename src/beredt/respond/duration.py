"""How long the shortage lasts: a distribution of durations, conditioned on what has passed.

Durations are whole days counted from the notice's start day inclusive (a shortage from 1 to 10
November lasts 10 days). Two sources of a distribution:

* **around the expected end** when the notice (or the user) gives one: a lognormal with median
  ``overrun_median_ratio × announced duration`` and log-sd ``duration_log_sd``. Announced ends
  are estimates, and a shortage more often lasts longer than announced than much shorter; the
  lognormal is the usual model for such positive, right-skewed durations. The median ratio and
  log-sd are estimated from the dataset's resolved notices with both an expected and an actual
  end (mean and sd of log(actual / announced)) when there are at least
  ``min_calibration_notices`` of them; otherwise the defaults (1.0 and 0.4: a 16 % chance of
  lasting over 1.5 times the announced duration, 4 % over twice) are assumptions.
* **empirical** without an expected end: the durations of the dataset's resolved notices with the
  same cause, when there are at least ``min_history_notices``; else those of all causes; else a
  lognormal with median ``default_duration_days`` and log-sd ``default_duration_log_sd``.

A notice that started before the as-of date and is still open has lasted at least ``elapsed``
days: the distribution is conditioned on D > elapsed (inverse-CDF sampling on the truncated
lognormal; for empirical durations those longer than elapsed, or — when the notice has outlasted
them all — elapsed plus a past duration, i.e. assuming it lasts as long again as a past one).
A continuous lognormal draw X becomes ⌈X⌉ days, so P(D ≤ k) = F(k) for whole k.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from beredt.domain.dataset import Dataset
from beredt.respond.notice import ResponseNotice
from beredt.respond.params import ResponseParams


@dataclass(frozen=True)
class DurationModel:
    """A distribution of shortage durations in days (from the start day, inclusive)."""

    kind: str  # "lognormal" | "empirical" | "fixed"
    method: str  # what the distribution was built from, in words (English)
    median_days: float | None = None
    log_sd: float | None = None
    values: tuple[int, ...] = ()
    elapsed_days: int = 0  # the shortage has lasted more than this many days already
    n_history: int = 0  # notices the distribution or its calibration came from
    basis: str = "default"  # announced | announced_calibrated | same_cause | all_causes | default
    announced_days: int | None = None
    cause: str | None = None

    def _lognormal(self) -> tuple[float, float]:
        if self.median_days is None or self.log_sd is None:
            raise ValueError(f"a {self.kind} duration model needs median_days and log_sd")
        return self.median_days, self.log_sd

    def _lognormal_cdf(self, x: np.ndarray) -> np.ndarray:
        median, sd = self._lognormal()
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 0.0)) - math.log(median)) / sd
        return np.asarray(ndtr(z), dtype=float)

    def cdf(self, days: np.ndarray | float) -> np.ndarray:
        """P(D ≤ days | D > elapsed), for whole numbers of days."""
        k = np.floor(np.asarray(days, dtype=float))
        e = float(self.elapsed_days)
        if self.kind == "fixed":
            d = max(math.ceil(self.median_days or 1.0), self.elapsed_days + 1)
            return (k >= d).astype(float)
        if self.kind == "lognormal":
            f_e = float(self._lognormal_cdf(np.array(e)))
            if f_e >= 1.0:
                return (k > e).astype(float)
            return np.clip((self._lognormal_cdf(k) - f_e) / (1.0 - f_e), 0.0, 1.0) * (k > e)
        values = np.asarray(self._conditional_values(), dtype=float)
        return np.asarray([(values <= kk).mean() for kk in np.atleast_1d(k)]).reshape(k.shape)

    def _conditional_values(self) -> np.ndarray:
        values = np.asarray(self.values, dtype=np.int64)
        longer = values[values > self.elapsed_days]
        return longer if len(longer) else values + self.elapsed_days

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` durations in whole days, each longer than `elapsed_days`."""
        if self.kind == "fixed":
            return np.full(n, max(math.ceil(self.median_days or 1.0), self.elapsed_days + 1))
        if self.kind == "empirical":
            values = self._conditional_values()
            return values[rng.integers(0, len(values), size=n)]
        median, sd = self._lognormal()
        f_e = float(self._lognormal_cdf(np.array(float(self.elapsed_days))))
        u = f_e + (1.0 - f_e) * rng.random(n)
        u = np.clip(u, 1e-300, 1.0 - 1e-16)
        x = np.exp(math.log(median) + sd * ndtri(u))
        return np.maximum(np.ceil(x - 1e-9), self.elapsed_days + 1).astype(np.int64)

    def quantile(self, q: float) -> int:
        """The smallest whole duration d with P(D ≤ d | D > elapsed) ≥ q."""
        if self.kind == "fixed":
            return max(math.ceil(self.median_days or 1.0), self.elapsed_days + 1)
        if self.kind == "empirical":
            values = np.sort(self._conditional_values())
            idx = min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))
            return int(values[idx])
        median, sd = self._lognormal()
        f_e = float(self._lognormal_cdf(np.array(float(self.elapsed_days))))
        u = min(f_e + (1.0 - f_e) * q, 1.0 - 1e-16)
        x = math.exp(math.log(median) + sd * float(ndtri(u)))
        return max(math.ceil(x - 1e-9), self.elapsed_days + 1)


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
                kind="fixed",
                method=f"fixed at the announced {announced} days",
                median_days=announced * ratio,
                elapsed_days=elapsed,
                basis="announced",
                announced_days=announced,
            )
        return DurationModel(
            kind="lognormal",
            method=(
                f"lognormal around the announced {announced} days "
                f"(median × {ratio:.2f}, log-sd {log_sd:.2f}; {how})"
            ),
            median_days=announced * ratio,
            log_sd=log_sd,
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
            kind="empirical",
            method=f"empirical: {len(values)} resolved notices with cause {notice.cause}",
            values=values,
            elapsed_days=elapsed,
            n_history=len(values),
            basis="same_cause",
            cause=notice.cause,
        )
    if len(durations) >= params.min_history_notices:
        values = tuple(int(v) for v in durations["duration_days"])
        return DurationModel(
            kind="empirical",
            method=(
                f"empirical: {len(values)} resolved notices of all causes "
                f"(fewer than {params.min_history_notices} with cause {notice.cause})"
            ),
            values=values,
            elapsed_days=elapsed,
            n_history=len(values),
            basis="all_causes",
            cause=notice.cause,
        )
    return DurationModel(
        kind="lognormal",
        method=(
            f"lognormal with median {params.default_duration_days:g} days, log-sd "
            f"{params.default_duration_log_sd:g} (fewer than {params.min_history_notices} "
            "resolved notices in the dataset)"
        ),
        median_days=params.default_duration_days,
        log_sd=params.default_duration_log_sd,
        elapsed_days=elapsed,
        n_history=len(durations),
        basis="default",
        cause=notice.cause,
    )
