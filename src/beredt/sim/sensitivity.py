"""One-at-a-time sensitivity of the headline to the model's main assumptions (a tornado).

Each assumption is moved to a low and a high value while the others stay put, and today's plan
is simulated again on the same draws (common random numbers: the same seed gives the same
disruptions and demand, so the differences are the assumption's, not noise). Assumptions that
only value the outcome — the money per patient-day and the criticality weights — re-value the
baseline simulation's untreated patient-days by criticality; they need no new simulation.
Reference for the method: Saltelli et al., *Global Sensitivity Analysis: The Primer* (2008),
§1.2 (one-at-a-time screening) and the tornado diagram of decision analysis (Clemen,
*Making Hard Decisions*, 2nd ed. 1996, ch. 5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from beredt.domain.dataset import Dataset
from beredt.sim.engine import CRITICALITIES, SimResult, simulate
from beredt.sim.model import Policies
from beredt.sim.scenario import Scenario


@dataclass(frozen=True)
class Variant:
    """One end of an assumption's range: how the scenario changes, or how outcomes are valued."""

    assumption: str
    label: str
    scenario: Callable[[Scenario], Scenario] | None = None
    value_factor: float = 1.0
    weights: Mapping[str, float] | None = None


def _bg(**kw: Any) -> Callable[[Scenario], Scenario]:
    return lambda s: replace(s, background=replace(s.background, **kw))


def _model(**kw: Any) -> Callable[[Scenario], Scenario]:
    return lambda s: replace(s, model=replace(s.model, **kw))


def default_variants() -> list[tuple[Variant, Variant]]:
    """The main assumptions, each with a low and a high end (docs/report.md "Sensitivity")."""
    both = ("site_hazard_multiplier", "product_hazard_multiplier", "country_hazard_multiplier")
    return [
        (
            Variant("hazards", "all hazards × 0.5", _bg(**dict.fromkeys(both, 0.5))),
            Variant("hazards", "all hazards × 2", _bg(**dict.fromkeys(both, 2.0))),
        ),
        (
            Variant("export_bans", "no country-wide export bans", _bg(export_restrictions=False)),
            Variant(
                "export_bans", "country-wide export bans × 3", _bg(country_hazard_multiplier=3.0)
            ),
        ),
        (
            Variant("headroom", "supplier headroom 0 %", _model(supply_headroom=0.0)),
            Variant("headroom", "supplier headroom 50 %", _model(supply_headroom=0.5)),
        ),
        (
            Variant(
                "alternatives", "no therapeutic alternatives", _model(alternative_max_share=0.0)
            ),
            Variant("alternatives", "alternatives up to 100 %", _model(alternative_max_share=1.0)),
        ),
        (
            Variant("exemption_import", "no exemption imports", _model(exemption_import=False)),
            Variant(
                "exemption_import",
                "exemption imports: all demand after 7 days",
                _model(exemption_import_share=1.0, exemption_import_lead_days=7),
            ),
        ),
        (
            Variant("value", "value per patient-day × 0.5", value_factor=0.5),
            Variant("value", "value per patient-day × 2", value_factor=2.0),
        ),
        (
            Variant(
                "weights",
                "criticality weights 1 / 1 / 1",
                weights={"vital": 1, "essential": 1, "other": 1},
            ),
            Variant(
                "weights",
                "criticality weights 100 / 10 / 1",
                weights={"vital": 100, "essential": 10, "other": 1},
            ),
        ),
    ]


@dataclass(frozen=True)
class Tornado:
    """The headline under every variant: untreated patient-days and weighted loss a year."""

    baseline: dict[str, float]
    rows: list[dict[str, Any]]  # per assumption: low and high ends, their values and changes
    n_scenarios: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "baseline": self.baseline,
            "rows": self.rows,
            "scenarios": self.n_scenarios,
            "seed": self.seed,
        }


def _outcome(
    result: SimResult, value_per_patient_day: float, weights: Mapping[str, float]
) -> dict[str, float]:
    per_year = 365.0 / result.horizon_days
    by_crit = result.unmet_by_criticality[0] * per_year  # type: ignore[index]
    w = np.array([float(weights[c]) for c in CRITICALITIES])
    loss = by_crit @ w * value_per_patient_day
    n = by_crit.shape[0]
    return {
        "untreated_patient_days": float(by_crit.sum(axis=1).mean()),
        "weighted_loss": float(loss.mean()),
        "weighted_loss_se": float(loss.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
        "p_vital_shortage_over_7_days": float(result.vital_over_7_days[0].mean()),  # type: ignore[index]
    }


def tornado(
    dataset: Dataset,
    *,
    scenario: Scenario | None = None,
    policies: Policies | None = None,
    n_scenarios: int = 1000,
    horizon_days: int = 365,
    seed: int = 1,
    value_per_patient_day: float = 500.0,
    weights: Mapping[str, float] | None = None,
    variants: list[tuple[Variant, Variant]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Tornado:
    """The headline of `policies` (default today's) under each variant, on common draws."""
    base_scenario = scenario or Scenario()
    base_weights = dict(weights or {"vital": 10.0, "essential": 3.0, "other": 1.0})
    pairs = variants or default_variants()
    sims = [v for pair in pairs for v in pair if v.scenario is not None]
    total = (1 + len(sims)) * n_scenarios
    done = 0

    def run(sc: Scenario) -> SimResult:
        nonlocal done
        offset = done

        def step(k: int, _n: int) -> None:
            if progress:
                progress(offset + k, total)

        result = simulate(
            dataset,
            sc,
            n_scenarios=n_scenarios,
            horizon_days=horizon_days,
            seed=seed,
            policies=policies,
            mode="joint",
            progress=step,
            keep_per_scenario=False,
        )
        done += n_scenarios
        return result

    base_result = run(base_scenario)
    baseline = _outcome(base_result, value_per_patient_day, base_weights)
    rows = []
    for low, high in pairs:
        ends = {}
        for name, v in (("low", low), ("high", high)):
            if v.scenario is not None:
                out = _outcome(run(v.scenario(base_scenario)), value_per_patient_day, base_weights)
            else:
                out = _outcome(
                    base_result,
                    value_per_patient_day * v.value_factor,
                    v.weights or base_weights,
                )
            ends[name] = (v, out)
        row: dict[str, Any] = {"assumption": low.assumption}
        for name, (v, out) in ends.items():
            row[f"{name}_label"] = v.label
            for key in ("untreated_patient_days", "weighted_loss", "p_vital_shortage_over_7_days"):
                row[f"{name}_{key}"] = out[key]
                base = baseline[key]
                row[f"{name}_{key}_change"] = (out[key] - base) / base if base else 0.0
        row["swing"] = abs(row["high_weighted_loss"] - row["low_weighted_loss"])
        rows.append(row)
    rows.sort(key=lambda r: -r["swing"])
    return Tornado(baseline, rows, n_scenarios, seed)
