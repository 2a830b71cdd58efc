"""Expected loss of every option: criticality-weighted unmet DDD × value per patient-day.

The numbers come from the Monte-Carlo simulator (DESIGN.md §4) with common random numbers
across the options of a substance, so that differences between options are not noise
(Glasserman, *Monte Carlo Methods in Financial Engineering*, 2004, §4.2; Law, *Simulation
Modeling and Analysis*, 5th ed., §11.2). Loss per year of option o of substance s::

    loss_o = value_per_patient_day × w_s × E[unmet DDD of s under o over the horizon] × 365 / T

with w_s the criticality weight and T the horizon in days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from beredt.plan.options import OptionMenu


@dataclass(frozen=True, eq=False)
class OptionLosses:
    """Simulated outcome of every option (arrays indexed by option).

    ``unmet_ddd_mean``/``unmet_ddd_se``: unmet DDD over the horizon and its standard error;
    ``loss_per_year``/``loss_se_per_year``: the same in currency a year (see module docstring);
    ``shortage_probability``: P(unmet DDD > 0) of the substance under the option;
    ``shortage_bits``: optional per-scenario shortage indicators, packed (options × ⌈N/8⌉
    uint8, ``numpy.packbits`` along scenarios), which give the probability of *any* vital
    shortage of a whole plan with the dependence between substances kept;
    ``diff_vs_today_se_per_year``: optional standard error of (loss of the option − loss of
    today's option of the same substance), paired scenario by scenario (common random numbers).
    """

    unmet_ddd_mean: np.ndarray
    unmet_ddd_se: np.ndarray
    loss_per_year: np.ndarray
    loss_se_per_year: np.ndarray
    shortage_probability: np.ndarray
    n_scenarios: int
    horizon_days: int
    seed: int | None
    mode: str = "decomposed"
    shortage_bits: np.ndarray | None = None
    diff_vs_today_se_per_year: np.ndarray | None = None

    @classmethod
    def from_unmet(
        cls,
        menu: OptionMenu,
        unmet_ddd_mean: np.ndarray,
        unmet_ddd_se: np.ndarray,
        shortage_probability: np.ndarray,
        *,
        weights: np.ndarray,
        value_per_patient_day: float,
        n_scenarios: int,
        horizon_days: int,
        seed: int | None,
        mode: str = "decomposed",
        shortage_bits: np.ndarray | None = None,
    ) -> OptionLosses:
        """Value simulated unmet DDD per option (weights: criticality weight per substance)."""
        per_ddd = value_per_patient_day * np.asarray(weights, dtype=float)[menu.group]
        per_ddd = per_ddd * 365.0 / horizon_days
        mean = np.asarray(unmet_ddd_mean, dtype=float)
        se = np.asarray(unmet_ddd_se, dtype=float)
        return cls(
            unmet_ddd_mean=mean,
            unmet_ddd_se=se,
            loss_per_year=mean * per_ddd,
            loss_se_per_year=se * per_ddd,
            shortage_probability=np.asarray(shortage_probability, dtype=float),
            n_scenarios=n_scenarios,
            horizon_days=horizon_days,
            seed=seed,
            mode=mode,
            shortage_bits=shortage_bits,
        )

    def with_difference_se(self, diff_se_per_year: np.ndarray) -> OptionLosses:
        """A copy carrying the paired standard errors of the differences from today's option."""
        return replace(self, diff_vs_today_se_per_year=np.asarray(diff_se_per_year, dtype=float))

    def any_shortage_probability(self, choice: np.ndarray, substances: np.ndarray) -> float:
        """P(at least one of `substances` is short) under a choice (option index per substance).

        Exact over the simulated scenarios when per-scenario indicators exist; otherwise the
        bound max_s P(short_s) ≤ P(any) is not informative enough, so the union is estimated
        as if substances were independent, 1 − Π(1 − p_s), which overstates it when disruptions
        strike several substances at once (common causes).
        """
        picked = np.asarray(choice)[np.asarray(substances, dtype=np.int64)]
        if len(picked) == 0:
            return 0.0
        if self.shortage_bits is not None:
            rows = self.shortage_bits[picked]
            union = np.bitwise_or.reduce(rows, axis=0)
            bits = np.unpackbits(union, count=self.n_scenarios)
            return float(bits.mean())
        p = np.clip(self.shortage_probability[picked], 0.0, 1.0)
        return float(1.0 - np.prod(1.0 - p))
