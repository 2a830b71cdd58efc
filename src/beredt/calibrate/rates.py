"""Outage rates from counts: Poisson with empirical-Bayes (Gamma–Poisson) shrinkage.

Each unit i (a site, a pack, a substance) had n_i outages in t_i years. Its rate λ_i is given a
Gamma(a, a/m_g) prior with the mean m_g of its group (country × stage for sites) and a shape a
shared by all units of the kind; then n_i | λ_i ~ Poisson(λ_i t_i) and the posterior is
Gamma(a + n_i, a/m_g + t_i), whose mean (a + n_i)/(a/m_g + t_i) is the unit's estimate: a
unit with a long clean history gets a low rate, one with little history its group's.

The shape a and the overall mean m come from the marginal (negative-binomial) likelihood of all
units (Clayton & Kaldor, "Empirical Bayes estimates of age-standardized relative risks for use
in disease mapping", *Biometrics* 43, 1987; Gelman et al., *Bayesian Data Analysis*, 3rd ed.
2013, §2.6). A group's mean is its pooled rate shrunk the same way toward m, so a group of one
quiet site does not get rate 0: m_g = (a + Σ_g n)/(a/m + Σ_g t).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

#: Shape used when the counts show no over-dispersion (the units are alike): strong pooling.
MAX_SHAPE = 1e4
#: With no event at all, the overall rate is taken as half an event over the whole exposure,
#: not zero (the "rule of one half"): zero events in T years does not prove a zero rate.
ZERO_EVENTS = 0.5


@dataclass(frozen=True)
class GroupRate:
    """A group's mean rate (events/year), pooled, with its Poisson standard error."""

    group: Hashable
    units: int
    events: float
    exposure_years: float
    pooled_rate: float
    pooled_se: float
    prior_mean: float  # m_g, the mean its units are shrunk toward


@dataclass(frozen=True)
class RateFit:
    """Posterior rates of every unit and the hyper-parameters behind them."""

    rate: np.ndarray  # posterior mean per unit (events/year)
    se: np.ndarray  # posterior standard deviation per unit
    shape: float  # a
    overall_mean: float  # m
    groups: tuple[GroupRate, ...]


def _marginal_loglik(log_a: float, log_m: float, n: np.ndarray, t: np.ndarray) -> float:
    a = math.exp(log_a)
    m = math.exp(log_m)
    b = a / m
    return float(
        np.sum(
            special.gammaln(a + n)
            - special.gammaln(a)
            + a * math.log(b)
            - (a + n) * np.log(b + t)
            + n * np.log(np.maximum(t, 1e-300))
            - special.gammaln(n + 1)
        )
    )


def fit_shape_and_mean(counts: np.ndarray, exposure_years: np.ndarray) -> tuple[float, float]:
    """Marginal maximum-likelihood (a, m) of the Gamma–Poisson model over all units."""
    n = np.asarray(counts, dtype=float)
    t = np.asarray(exposure_years, dtype=float)
    total_n, total_t = float(n.sum()), float(t.sum())
    if total_t <= 0:
        raise ValueError("no exposure")
    pooled = max(total_n, ZERO_EVENTS) / total_t
    if total_n <= 0 or len(n) < 3:
        return MAX_SHAPE, pooled

    def neg(x: np.ndarray) -> float:
        return -_marginal_loglik(float(x[0]), float(x[1]), n, t)

    best = None
    for start_a in (0.5, 2.0, 20.0):
        res = optimize.minimize(
            neg,
            np.array([math.log(start_a), math.log(pooled)]),
            method="L-BFGS-B",
            bounds=[
                (math.log(1e-3), math.log(MAX_SHAPE)),
                (math.log(pooled) - 10, math.log(pooled) + 10),
            ],
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    return float(math.exp(best.x[0])), float(math.exp(best.x[1]))


def shrink(
    counts: Sequence[float] | np.ndarray,
    exposure_years: Sequence[float] | np.ndarray,
    groups: Sequence[Hashable],
    *,
    shape_and_mean: tuple[float, float] | None = None,
) -> RateFit:
    """Posterior mean rate of every unit, shrunk toward its group's mean (module docstring)."""
    n = np.asarray(counts, dtype=float)
    t = np.asarray(exposure_years, dtype=float)
    if len(n) == 0:
        return RateFit(np.zeros(0), np.zeros(0), MAX_SHAPE, 0.0, ())
    a, m = shape_and_mean or fit_shape_and_mean(n, t)
    keys = list(dict.fromkeys(groups))
    group_of = np.array([keys.index(g) for g in groups])
    rates = np.zeros(len(n))
    ses = np.zeros(len(n))
    out: list[GroupRate] = []
    for k, key in enumerate(keys):
        sel = group_of == k
        gn, gt = float(n[sel].sum()), float(t[sel].sum())
        m_g = (a + gn) / (a / m + gt)
        b_g = a / m_g
        rates[sel] = (a + n[sel]) / (b_g + t[sel])
        ses[sel] = np.sqrt(a + n[sel]) / (b_g + t[sel])
        pooled = gn / gt if gt > 0 else 0.0
        out.append(
            GroupRate(
                group=key,
                units=int(sel.sum()),
                events=gn,
                exposure_years=gt,
                pooled_rate=pooled,
                pooled_se=math.sqrt(max(gn, ZERO_EVENTS)) / gt if gt > 0 else math.nan,
                prior_mean=m_g,
            )
        )
    return RateFit(rates, ses, a, m, tuple(out))
