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
    #: expected shortage days per year of the option's substance, and its standard error
    shortage_days_mean: np.ndarray | None = None
    shortage_days_se: np.ndarray | None = None
    #: P(the substance is short on more than 7 days of the horizon) under the option, and the
    #: per-scenario indicators packed like ``shortage_bits``
    over7_probability: np.ndarray | None = None
    over7_bits: np.ndarray | None = None
    #: for a mixture of scenarios (the background and a weighted stress library): per scenario
    #: its weight, name, the per-option losses and the packed indicators behind the mixture
    parts: tuple[OptionLosses, ...] = ()
    part_weights: tuple[float, ...] = ()
    part_names: tuple[str, ...] = ()

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

    @classmethod
    def mixture(
        cls, parts: list[OptionLosses], weights: list[float], names: list[str]
    ) -> OptionLosses:
        """The expectation over scenarios that happen with the given yearly weights (Σ = 1):
        every per-option mean is the weighted mean of the parts' (losses are per year)."""
        w = np.asarray(weights, dtype=float)
        if len(parts) != len(w) or not np.isclose(w.sum(), 1.0) or (w < 0).any():
            raise ValueError("one weight ≥ 0 per part, summing to 1")

        def mix(name: str) -> np.ndarray | None:
            values = [getattr(p, name) for p in parts]
            if any(v is None for v in values):
                return None
            return np.tensordot(w, np.stack(values), axes=1)

        def mix_se(name: str) -> np.ndarray | None:
            values = [getattr(p, name) for p in parts]
            if any(v is None for v in values):
                return None
            return np.sqrt(np.tensordot(w**2, np.stack(values) ** 2, axes=1))

        first = parts[0]
        return cls(
            unmet_ddd_mean=mix("unmet_ddd_mean"),  # type: ignore[arg-type]
            unmet_ddd_se=mix_se("unmet_ddd_se"),  # type: ignore[arg-type]
            loss_per_year=mix("loss_per_year"),  # type: ignore[arg-type]
            loss_se_per_year=mix_se("loss_se_per_year"),  # type: ignore[arg-type]
            shortage_probability=mix("shortage_probability"),  # type: ignore[arg-type]
            n_scenarios=first.n_scenarios,
            horizon_days=first.horizon_days,
            seed=first.seed,
            mode=first.mode,
            diff_vs_today_se_per_year=mix_se("diff_vs_today_se_per_year"),
            shortage_days_mean=mix("shortage_days_mean"),
            shortage_days_se=mix_se("shortage_days_se"),
            over7_probability=mix("over7_probability"),
            parts=tuple(parts),
            part_weights=tuple(float(x) for x in w),
            part_names=tuple(names),
        )

    def _union(self, bits: np.ndarray | None, choice: np.ndarray, substances: np.ndarray) -> float:
        picked = np.asarray(choice)[np.asarray(substances, dtype=np.int64)]
        if len(picked) == 0 or bits is None:
            return 0.0
        union = np.bitwise_or.reduce(bits[picked], axis=0)
        return float(np.unpackbits(union, count=self.n_scenarios).mean())

    def p_over7(self, choice: np.ndarray, substances: np.ndarray) -> tuple[float, float]:
        """P(some of `substances` is short on more than 7 days) under a choice, with its SE:
        exact over the simulated scenarios (a weighted mixture for a stress library)."""
        if self.parts:
            ps = [p.p_over7(choice, substances) for p in self.parts]
            w = np.asarray(self.part_weights)
            mean = float(sum(wi * m for wi, (m, _) in zip(w, ps, strict=True)))
            se = float(np.sqrt(sum((wi * s) ** 2 for wi, (_, s) in zip(w, ps, strict=True))))
            return mean, se
        p = self._union(self.over7_bits, choice, substances)
        return p, float(np.sqrt(p * (1 - p) / max(self.n_scenarios, 1)))

    def any_shortage_probability(self, choice: np.ndarray, substances: np.ndarray) -> float:
        """P(at least one of `substances` is short) under a choice (option index per substance).

        Exact over the simulated scenarios when per-scenario indicators exist; otherwise the
        bound max_s P(short_s) ≤ P(any) is not informative enough, so the union is estimated
        as if substances were independent, 1 − Π(1 − p_s), which overstates it when disruptions
        strike several substances at once (common causes).
        """
        if self.parts:
            return float(
                sum(
                    w * p.any_shortage_probability(choice, substances)
                    for w, p in zip(self.part_weights, self.parts, strict=True)
                )
            )
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
