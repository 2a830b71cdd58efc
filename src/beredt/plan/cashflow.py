"""Discounted cash flows of a production line: after-tax cash flow, NPV and IRR, vectorised.

The textbook model (Brealey, Myers & Allen, *Principles of Corporate Finance*, ch. 2, 5 and 6):
the net present value of cash flows C₀ … C_T at the discount rate r is
NPV = Σ_t C_t / (1 + r)^t; the internal rate of return is the rate at which NPV = 0. Cash flows
are after tax (ch. 6): C_t = EBITDA_t − tax_t (+ salvage), with tax_t = τ · (EBITDA_t − D_t) on
the year's operating result less the tax depreciation D_t.

Conventions, all stated and configurable in :class:`FinanceParameters`:

* **real terms**: prices and costs in today's money, so the discount rate is a real rate;
* **timing**: the capital expenditure is paid at t = 0 (the decision); every other flow at the
  end of its year t = 1 … T;
* **depreciation** for tax: ``declining`` balance at ``depreciation_rate`` a year (Norway's
  *saldo* system, skatteloven § 14-43: group d, machinery and equipment, 20 %), or
  ``straight_line`` over the operating life; it starts in the first year the line operates.
  At the end of its life the line's remaining tax value less its salvage value is deducted
  (a simplification of the gain-and-loss rules);
* **tax** at ``tax_rate`` (22 %, Norway's rate on company income since 2019) on the year's
  result; a loss ``offset`` against the group's other income in the same year (an established
  producer), or ``carry_forward`` against later profits of the line alone.

Every function works on arrays whose last axis is the year, so one call values thousands of
simulated futures at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Bracket of the IRR search (a rate per year): −99 % to +1,000 %.
IRR_LOW, IRR_HIGH = -0.99, 10.0
DEPRECIATION_METHODS = ("declining", "straight_line")
TAX_LOSS_RULES = ("offset", "carry_forward")


@dataclass(frozen=True)
class FinanceParameters:
    """Discounting, tax and depreciation of the investment case (see the module docstring).

    * ``discount_rate`` = 0.07: the producer's real cost of capital after tax, an assumption
      (a pharmaceutical manufacturer's nominal WACC of about 9 % less 2 % inflation).
    * ``state_discount_rate`` = 0.04: the state's side, Norway's real discount rate for public
      projects (Ministry of Finance circular R-109/2021), as the optimiser's holding cost.
    * ``tax_rate`` = 0.22, ``depreciation`` = ``declining`` at ``depreciation_rate`` = 0.20,
      ``tax_losses`` = ``offset``.
    """

    discount_rate: float = 0.07
    state_discount_rate: float = 0.04
    tax_rate: float = 0.22
    depreciation: str = "declining"
    depreciation_rate: float = 0.20
    tax_losses: str = "offset"

    def __post_init__(self) -> None:
        for name in ("discount_rate", "state_discount_rate"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= -1:
                raise ValueError(f"{name} must be a rate above −100 %, is {value}")
        if not 0 <= self.tax_rate < 1:
            raise ValueError(f"tax_rate must be in [0, 1), is {self.tax_rate}")
        if self.depreciation not in DEPRECIATION_METHODS:
            raise ValueError(f"depreciation must be one of {', '.join(DEPRECIATION_METHODS)}")
        if not 0 < self.depreciation_rate <= 1:
            raise ValueError(f"depreciation_rate must be in (0, 1], is {self.depreciation_rate}")
        if self.tax_losses not in TAX_LOSS_RULES:
            raise ValueError(f"tax_losses must be one of {', '.join(TAX_LOSS_RULES)}")


def operating_fractions(build_days: int, life_years: int) -> np.ndarray:
    """Share of each year t = 1 … T the line operates: it starts after `build_days` and runs
    `life_years` × 365 days; T is the last year it runs in."""
    if build_days < 0 or life_years <= 0:
        raise ValueError("build_days must be ≥ 0 and life_years > 0")
    start = float(build_days)
    end = start + 365.0 * life_years
    n_years = math.ceil(end / 365.0)
    lo = 365.0 * np.arange(n_years)
    hi = lo + 365.0
    overlap = np.clip(np.minimum(hi, end) - np.maximum(lo, start), 0.0, 365.0)
    return overlap / 365.0


def depreciation_schedule(
    capex: float, fractions: np.ndarray, params: FinanceParameters
) -> tuple[np.ndarray, float]:
    """Tax depreciation per year t = 1 … T and the tax value left after year T.

    Declining balance: D_t = rate × balance at the start of year t, from the first operating
    year; straight line: capex / life spread over the operating years in proportion to the
    share of each year the line runs.
    """
    n = len(fractions)
    dep = np.zeros(n)
    operating = np.flatnonzero(fractions > 0)
    if capex <= 0 or not len(operating):
        return dep, max(capex, 0.0)
    if params.depreciation == "straight_line":
        dep[operating] = capex * fractions[operating] / fractions.sum()
        return dep, capex - float(dep.sum())
    balance = capex
    for t in range(operating[0], n):
        dep[t] = params.depreciation_rate * balance
        balance -= dep[t]
    return dep, balance


def after_tax_cash_flows(
    ebitda: np.ndarray,
    depreciation: np.ndarray,
    remaining_tax_value: float,
    capex: float,
    salvage_value: float,
    params: FinanceParameters,
) -> np.ndarray:
    """Cash flows C_0 … C_T (last axis) from EBITDA per year 1 … T (…, T).

    C_0 = −capex; C_t = EBITDA_t − tax_t, plus the salvage value in year T, where
    tax_t = τ × (EBITDA_t − D_t) and in year T also τ × (salvage − remaining tax value).
    With ``carry_forward`` a loss is kept and set against later profits (never refunded).
    """
    ebitda = np.asarray(ebitda, dtype=float)
    taxable = ebitda - depreciation
    taxable = taxable.copy()
    taxable[..., -1] += salvage_value - remaining_tax_value
    if params.tax_losses == "offset":
        tax = params.tax_rate * taxable
    else:
        tax = np.zeros_like(taxable)
        carried = np.zeros(taxable.shape[:-1])
        for t in range(taxable.shape[-1]):
            base = taxable[..., t] + carried
            tax[..., t] = params.tax_rate * np.maximum(base, 0.0)
            carried = np.minimum(base, 0.0)
    flows = ebitda - tax
    flows[..., -1] += salvage_value
    start = np.full((*flows.shape[:-1], 1), -float(capex))
    return np.concatenate([start, flows], axis=-1)


def npv(flows: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Net present value Σ_t C_t / (1 + r)^t of cash flows C_0 … C_T on the last axis."""
    flows = np.asarray(flows, dtype=float)
    r = np.asarray(rate, dtype=float)
    t = np.arange(flows.shape[-1])
    factors = (1.0 + r[..., None]) ** -t
    out: np.ndarray = (flows * factors).sum(axis=-1)
    return out


def discount_factors(n_years: int, rate: float) -> np.ndarray:
    """1 / (1 + r)^t for t = 1 … n_years (the end of each year)."""
    return (1.0 + rate) ** -np.arange(1, n_years + 1, dtype=float)


def irr(flows: np.ndarray, tol: float = 1e-10, max_iter: int = 200) -> np.ndarray:
    """Internal rate of return of each row of cash flows (last axis), by bisection.

    The rate in [−99 %, 1,000 %] where the NPV changes sign, found for all rows at once; NaN
    where the NPV has the same sign at both ends (no return in the bracket, e.g. flows that
    never pay the investment back, or all positive). For conventional flows (an outlay, then
    returns) the NPV falls with the rate and the root is unique (Brealey–Myers–Allen, ch. 5).
    """
    flows = np.atleast_2d(np.asarray(flows, dtype=float))
    shape = flows.shape[:-1]
    rows = flows.reshape(-1, flows.shape[-1])
    lo = np.full(len(rows), IRR_LOW)
    hi = np.full(len(rows), IRR_HIGH)
    f_lo = npv(rows, lo)
    f_hi = npv(rows, hi)
    ok = np.sign(f_lo) * np.sign(f_hi) < 0
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        f_mid = npv(rows, mid)
        left = np.sign(f_mid) == np.sign(f_lo)
        lo = np.where(left, mid, lo)
        f_lo = np.where(left, f_mid, f_lo)
        hi = np.where(left, hi, mid)
        if np.all(hi - lo < tol):
            break
    out = np.where(ok, 0.5 * (lo + hi), np.nan)
    result: np.ndarray = out.reshape(shape)
    return result
