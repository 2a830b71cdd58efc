"""Duration distributions of disruptions, in whole days ≥ 1: fixed, geometric, lognormal, empirical.

Public API (also used by the shortage-response planner): each distribution is a frozen
dataclass with ``sample(rng, size)`` (a NumPy ``Generator``), ``from_uniform(u)`` (inverse CDF,
the same mapping the simulation kernel uses), ``mean_days()``, ``cdf(days)``, ``survival(days)``,
``quantile(q)``, ``residual_from_uniform(u1, u2)`` (the stationary *remaining* duration of a
spell already under way) and ``to_spec()``; :func:`parse_duration` reads the TOML form.

Definitions (days are integers ≥ 1):

* ``fixed``: D = days.
* ``geometric``: P(D = k) = p (1 − p)^(k−1), k ≥ 1, p = 1 / mean_days — the duration of the
  two-state Markov chain used for background outages (memoryless).
* ``lognormal``: D = max(1, ⌊X + ½⌋), ln X ~ N(μ, σ²); given ``mean_days`` M, μ = ln M − σ²/2
  (E[X] = M); given ``median_days``, μ = ln median.
* ``empirical``: D takes the listed values with the given weights (default equal), e.g. the
  durations of past shortage notices (:func:`empirical_from_shortages`).

The stationary remaining duration R of a spell observed at a random day has
P(R = r) = P(D ≥ r) / E[D] (renewal theory: the equilibrium distribution; Ross, *Stochastic
Processes*, 2nd ed., §3.4). It is exact for fixed (uniform on 1..d), geometric (itself) and
empirical (pick a value with probability ∝ weight × value, then a uniform position in it); for
lognormal it uses the continuous length-biased law X* = exp(μ + σ² + σZ), R = max(1, ⌈U X*⌉),
an approximation within a day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numba import njit

from beredt.errors import InvalidInput

if TYPE_CHECKING:
    from beredt.domain.dataset import Dataset

FIXED = 0
GEOMETRIC = 1
LOGNORMAL = 2
EMPIRICAL = 3

_FAMILIES = {"fixed": FIXED, "geometric": GEOMETRIC, "lognormal": LOGNORMAL, "empirical": EMPIRICAL}


class DurationError(InvalidInput, ValueError):
    """A duration specification is invalid; the message names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@njit(cache=True)
def norm_ppf(u: float) -> float:
    """Standard normal quantile Φ⁻¹(u), Acklam's rational approximation (relative error < 1.2e-9)."""
    a1, a2, a3 = -3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02
    a4, a5, a6 = 1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00
    b1, b2, b3 = -5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02
    b4, b5 = 6.680131188771972e01, -1.328068155288572e01
    c1, c2, c3 = -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00
    c4, c5, c6 = -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00
    d1, d2, d3, d4 = (
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e00,
        (3.754408661907416e00),
    )
    if u <= 0.0:
        return -np.inf
    if u >= 1.0:
        return np.inf
    if u < 0.02425:
        q = math.sqrt(-2.0 * math.log(u))
        return (((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) / (
            (((d1 * q + d2) * q + d3) * q + d4) * q + 1.0
        )
    if u > 1.0 - 0.02425:
        q = math.sqrt(-2.0 * math.log(1.0 - u))
        return -(((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) / (
            (((d1 * q + d2) * q + d3) * q + d4) * q + 1.0
        )
    q = u - 0.5
    r = q * q
    return (
        (((((a1 * r + a2) * r + a3) * r + a4) * r + a5) * r + a6)
        * q
        / (((((b1 * r + b2) * r + b3) * r + b4) * r + b5) * r + 1.0)
    )


@njit(cache=True)
def geometric_from_uniform(p: float, u: float) -> int:
    """Inverse-CDF geometric on {1, 2, …} with success probability p, from u in (0, 1)."""
    if p >= 1.0:
        return 1
    if p <= 0.0:
        return 2**62
    k = 1.0 + math.floor(math.log(u) / math.log1p(-p))
    return int(min(k, 4.0e18))


@njit(cache=True)
def duration_from_uniform(
    code: int, a: float, b: float, values: np.ndarray, cdf: np.ndarray, u: float
) -> int:
    """A duration in days (≥ 1) from one uniform u by the inverse CDF of the family `code`.

    fixed: a = days; geometric: a = p; lognormal: a = μ, b = σ; empirical: `values` with
    cumulative probabilities `cdf` (last entry 1).
    """
    if code == FIXED:
        return max(1, int(a))
    if code == GEOMETRIC:
        return geometric_from_uniform(a, u)
    if code == LOGNORMAL:
        x = math.exp(a + b * norm_ppf(u))
        return max(1, math.floor(min(x, 4.0e18) + 0.5))
    k = int(np.searchsorted(cdf, u, side="right"))
    if k >= values.shape[0]:
        k = values.shape[0] - 1
    return int(values[k])


@njit(cache=True)
def residual_from_uniform(
    code: int,
    a: float,
    b: float,
    values: np.ndarray,
    residual_cdf: np.ndarray,
    u1: float,
    u2: float,
) -> int:
    """The stationary remaining duration (≥ 1) of a spell under way, from two uniforms.

    `residual_cdf` are the cumulative probabilities ∝ weight × value of an empirical law.
    """
    if code == FIXED:
        d = max(1, int(a))
        return 1 + min(d - 1, int(u2 * d))
    if code == GEOMETRIC:
        return geometric_from_uniform(a, u1)
    if code == LOGNORMAL:
        x = math.exp(a + b * b + b * norm_ppf(u1))
        return max(1, math.ceil(min(u2 * x, 4.0e18)))
    k = int(np.searchsorted(residual_cdf, u1, side="right"))
    if k >= values.shape[0]:
        k = values.shape[0] - 1
    d = int(values[k])
    return 1 + min(d - 1, int(u2 * d))


@njit(cache=True)
def _map_uniforms(code, a, b, values, cdf, u):
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        out[i] = duration_from_uniform(code, a, b, values, cdf, u[i])
    return out


@njit(cache=True)
def _map_residuals(code, a, b, values, rcdf, u1, u2):
    out = np.empty(u1.shape[0], dtype=np.int64)
    for i in range(u1.shape[0]):
        out[i] = residual_from_uniform(code, a, b, values, rcdf, u1[i], u2[i])
    return out


_EMPTY_F = np.zeros(0, dtype=np.float64)


class Duration(Protocol):
    """A distribution of durations in whole days ≥ 1."""

    def from_uniform(self, u: np.ndarray | float) -> np.ndarray:
        """Durations from uniforms in (0, 1) by the inverse CDF."""
        ...

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        """Draw `size` durations (an int when size is None) with a NumPy generator."""
        ...

    def mean_days(self) -> float:
        """Expected duration in days."""
        ...

    def cdf(self, days: np.ndarray | float) -> np.ndarray:
        """P(D ≤ days)."""
        ...

    def to_spec(self) -> dict[str, Any]:
        """The TOML/JSON form, e.g. ``{"dist": "geometric", "mean_days": 30}``."""
        ...

    def encode(self) -> tuple[int, float, float, np.ndarray, np.ndarray, np.ndarray]:
        """Kernel form: (family code, a, b, values, cdf, residual cdf)."""
        ...


class _Base:
    def from_uniform(self, u: np.ndarray | float) -> np.ndarray:
        """Durations (days) from uniforms in (0, 1) by the inverse CDF, as the kernel maps them."""
        code, a, b, values, cdf, _ = self.encode()
        flat = np.atleast_1d(np.asarray(u, dtype=float)).ravel()
        out: np.ndarray = _map_uniforms(code, a, b, values, cdf, flat)
        return out.reshape(np.shape(u))

    def residual_from_uniform(self, u1: np.ndarray | float, u2: np.ndarray | float) -> np.ndarray:
        """Stationary remaining durations (days) of spells under way, from two uniforms."""
        code, a, b, values, _, rcdf = self.encode()
        x1 = np.atleast_1d(np.asarray(u1, dtype=float)).ravel()
        x2 = np.atleast_1d(np.asarray(u2, dtype=float)).ravel()
        if x1.shape != x2.shape:
            raise ValueError("u1 and u2 must have the same shape")
        out: np.ndarray = _map_residuals(code, a, b, values, rcdf, x1, x2)
        return out.reshape(np.shape(u1))

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        """Draw `size` durations in days (an int when size is None) with a NumPy generator."""
        u = rng.random(size if size is not None else 1)
        u = np.where(u <= 0.0, 2.0**-54, u)
        out = self.from_uniform(u)
        return int(out[0]) if size is None else out

    def encode(self) -> tuple[int, float, float, np.ndarray, np.ndarray, np.ndarray]:
        """Kernel form: (family code, a, b, values, cdf, residual cdf)."""
        raise NotImplementedError

    def survival(self, days: np.ndarray | float) -> np.ndarray:
        """P(D > days)."""
        return 1.0 - self.cdf(days)

    def cdf(self, days: np.ndarray | float) -> np.ndarray:
        """P(D ≤ days)."""
        raise NotImplementedError

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        """The smallest d with P(D ≤ d) ≥ q."""
        return self.from_uniform(np.clip(np.asarray(q, dtype=float), 1e-12, 1 - 1e-12))


@dataclass(frozen=True)
class Fixed(_Base):
    """A fixed duration of `days` days."""

    days: int

    def __post_init__(self) -> None:
        if int(self.days) != self.days or self.days < 1:
            raise DurationError("days", f"must be a whole number ≥ 1, got {self.days!r}")

    def mean_days(self) -> float:
        """Expected duration in days."""
        return float(self.days)

    def cdf(self, days: np.ndarray | float) -> np.ndarray:
        """P(D ≤ days)."""
        return np.where(np.floor(np.asarray(days, dtype=float)) >= self.days, 1.0, 0.0)

    def encode(self) -> tuple[int, float, float, np.ndarray, np.ndarray, np.ndarray]:
        """Kernel form: (family code, a, b, values, cdf, residual cdf)."""
        return FIXED, float(self.days), 0.0, _EMPTY_F, _EMPTY_F, _EMPTY_F

    def to_spec(self) -> dict[str, Any]:
        """The TOML/JSON form."""
        return {"dist": "fixed", "days": int(self.days)}


@dataclass(frozen=True)
class Geometric(_Base):
    """Geometric on {1, 2, …} with mean `mean_days` (p = 1/mean): the Markov outage duration."""

    mean_days_: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.mean_days_) or self.mean_days_ < 1:
            raise DurationError("mean_days", f"must be ≥ 1, got {self.mean_days_!r}")

    @property
    def p(self) -> float:
        """Daily probability that a spell under way ends."""
        return 1.0 / self.mean_days_

    def mean_days(self) -> float:
        """Expected duration in days."""
        return float(self.mean_days_)

    def cdf(self, days: np.ndarray | float) -> np.ndarray:
        """P(D ≤ days) = 1 − (1 − p)^⌊days⌋."""
        k = np.floor(np.maximum(np.asarray(days, dtype=float), 0.0))
        return 1.0 - (1.0 - self.p) ** k

    def encode(self) -> tuple[int, float, float, np.ndarray, np.ndarray, np.ndarray]:
        """Kernel form: (family code, a, b, values, cdf, residual cdf)."""
        return GEOMETRIC, self.p, 0.0, _EMPTY_F, _EMPTY_F, _EMPTY_F

    def to_spec(self) -> dict[str, Any]:
        """The TOML/JSON form."""
        return {"dist": "geometric", "mean_days": float(self.mean_days_)}


@dataclass(frozen=True)
class Lognormal(_Base):
    """D = max(1, round(X)) with ln X ~ N(mu, sigma²); build with :meth:`from_mean`/:meth:`from_median`."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.sigma) or self.sigma <= 0:
            raise DurationError("sigma", f"must be > 0, got {self.sigma!r}")
        if not math.isfinite(self.mu):
            raise DurationError("mean_days", "must be finite")

    @classmethod
    def from_mean(cls, mean_days: float, sigma: float) -> Lognormal:
        """The lognormal whose continuous X has mean `mean_days` and log-sd `sigma`."""
        if not math.isfinite(mean_days) or mean_days <= 0:
            raise DurationError("mean_days", f"must be > 0, got {mean_days!r}")
        if not math.isfinite(sigma) or sigma <= 0:
            raise DurationError("sigma", f"must be > 0, got {sigma!r}")
        return cls(math.log(mean_days) - sigma * sigma / 2.0, sigma)

    @classmethod
    def from_median(cls, median_days: float, sigma: float) -> Lognormal:
        """The lognormal with median `median_days` and log-sd `sigma`."""
        if not math.isfinite(median_days) or median_days <= 0:
            raise DurationError("median_days", f"must be > 0, got {median_days!r}")
        return cls(math.log(median_days), sigma)

    def mean_days(self) -> float:
        """Expected duration in days (of the rounded law, by summation)."""
        k = np.arange(1, int(self.quantile(1 - 1e-9)) + 2)
        return float(np.sum(self.survival(k - 1)))

    def cdf(self, days: np.ndarray | float) -> np.ndarray:
        """P(D ≤ days) = P(X < ⌊days⌋ + ½) for days ≥ 1."""
        from scipy.special import ndtr

        k = np.floor(np.asarray(days, dtype=float))
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(k + 0.5, 1e-300)) - self.mu) / self.sigma
        return np.where(k < 1, 0.0, ndtr(z))

    def encode(self) -> tuple[int, float, float, np.ndarray, np.ndarray, np.ndarray]:
        """Kernel form: (family code, a, b, values, cdf, residual cdf)."""
        return LOGNORMAL, self.mu, self.sigma, _EMPTY_F, _EMPTY_F, _EMPTY_F

    def to_spec(self) -> dict[str, Any]:
        """The TOML/JSON form (by median)."""
        return {"dist": "lognormal", "median_days": math.exp(self.mu), "sigma": self.sigma}


@dataclass(frozen=True)
class Empirical(_Base):
    """Durations taking the listed `days` with `weights` (default equal)."""

    days: tuple[int, ...]
    weights: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.days:
            raise DurationError("days", "needs at least one value")
        if any(int(d) != d or d < 1 for d in self.days):
            raise DurationError("days", "every value must be a whole number ≥ 1")
        if self.weights:
            if len(self.weights) != len(self.days):
                raise DurationError(
                    "weights", f"has {len(self.weights)} values for {len(self.days)} days"
                )
            if any(not math.isfinite(w) or w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise DurationError("weights", "must be ≥ 0 and not all zero")

    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        values = np.asarray(self.days, dtype=np.float64)
        w = np.asarray(self.weights or [1.0] * len(self.days), dtype=np.float64)
        order = np.argsort(values, kind="stable")
        return values[order], w[order] / w.sum()

    def mean_days(self) -> float:
        """Expected duration in days."""
        values, p = self._table()
        return float(np.dot(values, p))

    def cdf(self, days: np.ndarray | float) -> np.ndarray:
        """P(D ≤ days)."""
        values, p = self._table()
        cum = np.concatenate([[0.0], np.cumsum(p)])
        idx = np.searchsorted(values, np.floor(np.asarray(days, dtype=float)), side="right")
        return np.minimum(cum[idx], 1.0)

    def encode(self) -> tuple[int, float, float, np.ndarray, np.ndarray, np.ndarray]:
        """Kernel form: (family code, a, b, values, cdf, residual cdf)."""
        values, p = self._table()
        cdf = np.cumsum(p)
        cdf[-1] = 1.0
        rw = p * values
        rcdf = np.cumsum(rw / rw.sum())
        rcdf[-1] = 1.0
        return EMPIRICAL, 0.0, 0.0, values, cdf, rcdf

    def to_spec(self) -> dict[str, Any]:
        """The TOML/JSON form."""
        spec: dict[str, Any] = {"dist": "empirical", "days": [int(d) for d in self.days]}
        if self.weights:
            spec["weights"] = [float(w) for w in self.weights]
        return spec


@dataclass(frozen=True)
class ShortageHistory:
    """An empirical duration taken from the dataset's resolved shortage notices (of one cause).

    Resolved by :meth:`resolve` once a dataset is at hand; falls back to all causes, then to
    `fallback` when fewer than `min_notices` notices are resolved.
    """

    cause: str | None = None
    min_notices: int = 3
    fallback_mean_days: float = 60.0

    def resolve(self, dataset: Dataset) -> Duration:
        """The empirical distribution of past notices' durations, or the geometric fallback."""
        found = empirical_from_shortages(dataset, self.cause, self.min_notices)
        if found is None and self.cause is not None:
            found = empirical_from_shortages(dataset, None, self.min_notices)
        return found if found is not None else Geometric(self.fallback_mean_days)

    def to_spec(self) -> dict[str, Any]:
        """The TOML/JSON form."""
        spec: dict[str, Any] = {"dist": "empirical", "source": "shortages"}
        if self.cause:
            spec["cause"] = self.cause
        return spec


def empirical_from_shortages(
    dataset: Dataset, cause: str | None = None, min_notices: int = 1
) -> Empirical | None:
    """Durations (end − start + 1 days) of the dataset's resolved notices, optionally of one cause.

    None when fewer than `min_notices` resolved notices have both dates.
    """
    frame = dataset.shortages
    if frame.empty:
        return None
    days: list[int] = []
    for _, row in frame.iterrows():
        if cause is not None and str(row["cause"]) != cause:
            continue
        start, end = row["start_date"], row["end_date"]
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end >= start:
            days.append((end - start).days + 1)
    if len(days) < max(1, min_notices):
        return None
    return Empirical(tuple(sorted(days)))


def _number(spec: Mapping[str, Any], key: str, *, integer: bool = False) -> float:
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DurationError(key, f"must be a number, got {value!r}")
    if integer and int(value) != value:
        raise DurationError(key, f"must be a whole number of days, got {value!r}")
    return float(value)


def parse_duration(spec: Any) -> Duration | ShortageHistory:
    """Parse the TOML form of a duration; raises :class:`DurationError` naming the bad field.

    Forms: ``30`` (fixed days), ``{dist = "fixed", days = 30}``,
    ``{dist = "geometric", mean_days = 30}``, ``{dist = "lognormal", mean_days = 60, sigma = 0.8}``
    (or ``median_days``), ``{dist = "empirical", days = [10, 30, 90], weights = [1, 2, 1]}``,
    ``{dist = "empirical", source = "shortages", cause = "api_supply"}``.
    """
    if isinstance(spec, bool):
        raise DurationError("duration", f"expected days or a table, got {spec!r}")
    if isinstance(spec, (int, float)):
        if int(spec) != spec:
            raise DurationError("duration", f"must be a whole number of days, got {spec!r}")
        return Fixed(int(spec))
    if not isinstance(spec, Mapping):
        raise DurationError("duration", f"expected days or a table, got {spec!r}")
    dist = spec.get("dist")
    if dist not in _FAMILIES:
        raise DurationError("dist", f"must be one of {', '.join(sorted(_FAMILIES))}, got {dist!r}")
    allowed = {
        "fixed": {"days"},
        "geometric": {"mean_days"},
        "lognormal": {"mean_days", "median_days", "sigma"},
        "empirical": {"days", "weights", "source", "cause", "min_notices"},
    }[dist]
    unknown = set(spec) - allowed - {"dist"}
    if unknown:
        raise DurationError(
            sorted(unknown)[0], f"not a parameter of {dist} (allowed: {', '.join(sorted(allowed))})"
        )

    def need(key: str) -> None:
        if key not in spec:
            raise DurationError(key, f"required for dist = {dist!r}")

    if dist == "fixed":
        need("days")
        return Fixed(int(_number(spec, "days", integer=True)))
    if dist == "geometric":
        need("mean_days")
        return Geometric(_number(spec, "mean_days"))
    if dist == "lognormal":
        need("sigma")
        sigma = _number(spec, "sigma")
        if ("mean_days" in spec) == ("median_days" in spec):
            raise DurationError("mean_days", "give exactly one of mean_days and median_days")
        if "mean_days" in spec:
            return Lognormal.from_mean(_number(spec, "mean_days"), sigma)
        return Lognormal.from_median(_number(spec, "median_days"), sigma)
    if "source" in spec:
        if spec["source"] != "shortages":
            raise DurationError("source", f"only 'shortages' is known, got {spec['source']!r}")
        if "days" in spec or "weights" in spec:
            raise DurationError("days", "give either days or source, not both")
        cause = spec.get("cause")
        if cause is not None and not isinstance(cause, str):
            raise DurationError("cause", f"must be text, got {cause!r}")
        return ShortageHistory(cause=cause, min_notices=int(spec.get("min_notices", 3)))
    need("days")
    days = spec["days"]
    if not isinstance(days, Sequence) or isinstance(days, str):
        raise DurationError("days", "must be a list of whole numbers of days")
    weights = spec.get("weights", ())
    if not isinstance(weights, Sequence) or isinstance(weights, str):
        raise DurationError("weights", "must be a list of numbers")
    for v in days:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or int(v) != v:
            raise DurationError("days", f"every value must be a whole number, got {v!r}")
    return Empirical(tuple(int(d) for d in days), tuple(float(w) for w in weights))
