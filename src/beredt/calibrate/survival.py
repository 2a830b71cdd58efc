"""Outage durations from the record: right-censored survival fits.

Durations are whole days ≥ 1 (``end − start + 1``); notices still open are right-censored. Two
parametric laws, both exactly the laws the simulator draws (``beredt.sim.durations``):

* **geometric** on {1, 2, …}, P(D = k) = p (1 − p)^(k−1) — the memoryless outage of the two-state
  Markov chain (Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. 2019, ch. 9). With
  censoring the maximum-likelihood estimate is closed-form: p̂ = events / (events + Σ (d − 1)).
* **discretised lognormal**, D = max(1, round(X)), ln X ~ N(μ, σ²): P(D = k) = F(k + ½) − F(k − ½)
  (F(1½) for k = 1), P(D ≥ c) = 1 − F(c − ½). Started from SciPy's continuous censored fit
  (``scipy.stats.lognorm.fit`` on ``CensoredData``) and refined on the exact discrete likelihood.

The law with the lower AIC is chosen (Akaike 1974; Burnham & Anderson, *Model Selection and
Multimodel Inference*, 2nd ed. 2002). Intervals are Wald intervals from the observed
information (the numerical Hessian of the log-likelihood). The Kaplan–Meier estimate
(``scipy.stats.ecdf``; Kaplan & Meier, *JASA* 53, 1958) is reported beside the fit.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

#: Two-sided normal quantile of the 90 % intervals reported throughout.
Z90 = 1.6448536269514722


@dataclass(frozen=True)
class Interval:
    """A point estimate with its standard error and 90 % interval."""

    value: float
    se: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready."""
        return {"value": self.value, "se": self.se, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class DurationFit:
    """The duration law fitted to one set of outages (one cause, or one source)."""

    n: int
    n_censored: int
    law: str  # "geometric" or "lognormal"
    mean_days: Interval
    median_days: Interval
    sigma: float | None  # lognormal σ of ln days, None for geometric
    mu: float | None
    geometric_p: float
    log_likelihood: dict[str, float]
    aic: dict[str, float]
    km_median_days: float | None
    km_p90_days: float | None
    km_median_interval: tuple[float | None, float | None]
    prior: bool = False
    note: str = ""
    km_curve: list[tuple[int, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "n": self.n,
            "n_censored": self.n_censored,
            "law": self.law,
            "parameters": (
                {"mu": self.mu, "sigma": self.sigma}
                if self.law == "lognormal"
                else {"p": self.geometric_p}
            ),
            "mean_days": self.mean_days.to_dict(),
            "median_days": self.median_days.to_dict(),
            "interval": [self.median_days.low, self.median_days.high],
            "log_likelihood": self.log_likelihood,
            "aic": self.aic,
            "kaplan_meier": {
                "median_days": self.km_median_days,
                "median_interval": list(self.km_median_interval),
                "p90_days": self.km_p90_days,
            },
            "prior": self.prior,
            "note": self.note,
        }


def _lognormal_cdf(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        z = (np.log(np.maximum(x, 1e-300)) - mu) / sigma
    out: np.ndarray = stats.norm.cdf(z)
    return out


def _lognormal_loglik(params: np.ndarray, events: np.ndarray, censored: np.ndarray) -> float:
    """Log-likelihood of the discretised lognormal, parameters (μ, ln σ)."""
    mu, log_sigma = float(params[0]), float(params[1])
    sigma = math.exp(log_sigma)
    hi = _lognormal_cdf(events + 0.5, mu, sigma)
    lo = np.where(events <= 1, 0.0, _lognormal_cdf(events - 0.5, mu, sigma))
    pmf = np.maximum(hi - lo, 1e-300)
    surv = np.where(censored <= 1, 1.0, 1.0 - _lognormal_cdf(censored - 0.5, mu, sigma))
    return float(np.log(pmf).sum() + np.log(np.maximum(surv, 1e-300)).sum())


def _hessian(f: Any, x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function."""
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.eye(n)[i] * step
            ej = np.eye(n)[j] * step
            h[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * step * step
            )
    return h


def _interval(value: float, se: float, *, log: bool = False) -> Interval:
    if not math.isfinite(se):
        return Interval(value, se, math.nan, math.nan)
    if log and value > 0:
        # a positive quantity: symmetric on the log scale (delta method)
        rel = se / value
        return Interval(value, se, value * math.exp(-Z90 * rel), value * math.exp(Z90 * rel))
    return Interval(value, se, value - Z90 * se, value + Z90 * se)


def _kaplan_meier(
    events: np.ndarray, censored: np.ndarray
) -> tuple[float | None, float | None, tuple[float | None, float | None], list[tuple[int, float]]]:
    if len(events) == 0:
        return None, None, (None, None), []
    data = stats.CensoredData(uncensored=events.astype(float), right=censored.astype(float))
    result = stats.ecdf(data)
    sf = result.sf

    def first_below(level: float, values: np.ndarray) -> float | None:
        idx = np.nonzero(values <= level)[0]
        return float(sf.quantiles[idx[0]]) if len(idx) else None

    median = first_below(0.5, sf.probabilities)
    p90 = first_below(0.1, sf.probabilities)
    try:
        with warnings.catch_warnings():
            # undefined at the tail of the curve; the median's bounds are what is used
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = sf.confidence_interval(confidence_level=0.90, method="log-log")
        low = first_below(0.5, ci.low.probabilities)
        high = first_below(0.5, ci.high.probabilities)
    except (ValueError, FloatingPointError):
        low, high = None, None
    curve = [(int(q), float(p)) for q, p in zip(sf.quantiles, sf.probabilities, strict=True)]
    return median, p90, (low, high), curve


def fit_durations(days: np.ndarray, censored_mask: np.ndarray) -> DurationFit:
    """Fit the geometric and the discretised lognormal law to censored durations; pick by AIC.

    `days` are whole days ≥ 1; `censored_mask` marks outages still open (observed so far).
    Needs at least one completed outage.
    """
    d = np.maximum(np.asarray(days, dtype=float), 1.0)
    cens = np.asarray(censored_mask, dtype=bool)
    events, censored = d[~cens], d[cens]
    n_ev = len(events)
    if n_ev == 0:
        raise ValueError("no completed outage to fit a duration law to")

    # geometric, closed form
    p = n_ev / (n_ev + float((events - 1).sum() + (censored - 1).sum()))
    p = min(max(p, 1e-9), 1.0)
    ll_geo = n_ev * math.log(p) + float((events - 1).sum() + (censored - 1).sum()) * (
        math.log1p(-p) if p < 1 else 0.0
    )
    # observed information of p: n/p² + Σ(d−1)/(1−p)²
    info_p = n_ev / p**2 + float((events - 1).sum() + (censored - 1).sum()) / max(1 - p, 1e-12) ** 2
    se_p = 1.0 / math.sqrt(info_p)
    geo_mean = 1.0 / p
    geo_median = max(1.0, math.ceil(math.log(0.5) / math.log1p(-p))) if p < 1 else 1.0

    # lognormal: SciPy's continuous censored fit, then the exact discrete likelihood
    if n_ev >= 2 and float(np.std(np.log(events))) > 0:
        cont = stats.CensoredData(uncensored=events, right=censored)
        shape, _, scale = stats.lognorm.fit(cont, floc=0)
        start = np.array([math.log(scale), math.log(max(shape, 0.05))])
    else:
        start = np.array([math.log(float(np.mean(d))), math.log(0.5)])

    def neg(x: np.ndarray) -> float:
        return -_lognormal_loglik(x, events, censored)

    res = optimize.minimize(
        neg, start, method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000}
    )
    mu, log_sigma = float(res.x[0]), float(res.x[1])
    sigma = math.exp(log_sigma)
    ll_ln = -float(res.fun)
    try:
        cov = np.linalg.inv(-_hessian(lambda x: _lognormal_loglik(x, events, censored), res.x))
        se_mu = math.sqrt(max(cov[0, 0], 0.0))
        var_mean = (
            cov[0, 0] + 2 * sigma**2 * cov[0, 1] + sigma**4 * cov[1, 1]
        )  # d(μ + σ²/2) with σ = e^s: (1, σ²)
        se_logmean = math.sqrt(max(var_mean, 0.0))
    except np.linalg.LinAlgError:
        se_mu = se_logmean = math.nan
    ln_median = math.exp(mu)
    ln_mean = math.exp(mu + sigma**2 / 2)

    aic = {"geometric": 2 - 2 * ll_geo, "lognormal": 4 - 2 * ll_ln}
    law = "lognormal" if aic["lognormal"] < aic["geometric"] else "geometric"
    km_median, km_p90, km_ci, curve = _kaplan_meier(events, censored)
    if law == "lognormal":
        mean_iv = _interval(ln_mean, ln_mean * se_logmean, log=True)
        median_iv = _interval(ln_median, ln_median * se_mu, log=True)
    else:
        se_mean = se_p / p**2
        mean_iv = _interval(geo_mean, se_mean, log=True)
        se_median = se_mean * math.log(2)  # median ≈ mean · ln 2 for small p
        median_iv = _interval(geo_median, se_median, log=True)
    return DurationFit(
        n=len(d),
        n_censored=len(censored),
        law=law,
        mean_days=mean_iv,
        median_days=median_iv,
        sigma=sigma if law == "lognormal" else None,
        mu=mu if law == "lognormal" else None,
        geometric_p=p,
        log_likelihood={"geometric": ll_geo, "lognormal": ll_ln},
        aic=aic,
        km_median_days=km_median,
        km_p90_days=km_p90,
        km_median_interval=km_ci,
        km_curve=curve,
    )


def prior_durations(mean_days: float, sigma: float, note: str) -> DurationFit:
    """A documented prior duration law (lognormal with this mean and σ), marked as such."""
    mu = math.log(mean_days) - sigma**2 / 2
    median = math.exp(mu)
    nan = math.nan
    return DurationFit(
        n=0,
        n_censored=0,
        law="lognormal",
        mean_days=Interval(mean_days, nan, nan, nan),
        median_days=Interval(median, nan, nan, nan),
        sigma=sigma,
        mu=mu,
        geometric_p=1.0 / mean_days,
        log_likelihood={},
        aic={},
        km_median_days=None,
        km_p90_days=None,
        km_median_interval=(None, None),
        prior=True,
        note=note,
    )


def km_quantiles(days: np.ndarray, censored_mask: np.ndarray) -> dict[str, float | None]:
    """Kaplan–Meier median and 90th percentile of censored durations (None where not reached)."""
    d = np.maximum(np.asarray(days, dtype=float), 1.0)
    cens = np.asarray(censored_mask, dtype=bool)
    if (~cens).sum() == 0:
        return {"median": None, "p90": None}
    median, p90, _, _ = _kaplan_meier(d[~cens], d[cens])
    return {"median": median, "p90": p90}
