"""Early-warning outlook: each substance's chance of a shortage notice and of patients without
treatment within the next months, from the calibrated model, today's stock and open notices.

Both come from the same draws: the calibrated background hazards, started from today's observed
state (the open notices are what is down; announced notices start when announced), simulated
over the longest window. **P(notice)** is the share of scenarios in which a new outage episode
of the substance starts within the window (the record's definition, as in the back-test);
**P(untreated)** the share in which demand goes unmet on some day of the window after stock,
other packs, preparedness stock, surge production and alternatives (the full simulator, joint
mode, today's plan). The drivers are the vulnerability score's (docs/risk.md). The skill of the
notice forecast is what the back-test measures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from beredt.calibrate.availability import simulate_outages
from beredt.calibrate.fit import Calibration, calibrate
from beredt.domain.dataset import Dataset
from beredt.sim.distributed import scenario_chunks
from beredt.sim.model import Policies, compile_model
from beredt.sim.scenario import Background, Scenario

DEFAULT_MONTHS = (3, 6, 12)
DAYS_PER_MONTH = 365.25 / 12


def window_days(months: int) -> int:
    """Days in a window of `months` months (30.44 days a month, rounded)."""
    return max(1, round(months * DAYS_PER_MONTH))


@dataclass(frozen=True)
class Outlook:
    """Per substance and window: P(a new notice) and P(patients without treatment)."""

    months: tuple[int, ...]
    rows: list[dict[str, Any]]  # ranked
    calibration: Calibration
    n_scenarios: int
    seed: int
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the contract of ``beredt outlook --json``."""
        return {
            "months": list(self.months),
            "scenarios": self.n_scenarios,
            "seed": self.seed,
            "model": self.model,
            "as_of": self.calibration.as_of.isoformat(),
            "definitions": {
                "p_notice": "share of simulated futures in which a new supply outage "
                "(a shortage notice) of the substance starts within the window",
                "p_untreated": "share of simulated futures in which some patients go without "
                "the substance on at least one day of the window",
            },
            "substances": self.rows,
        }


def outlook(
    dataset: Dataset,
    *,
    months: Sequence[int] = DEFAULT_MONTHS,
    n_scenarios: int = 2000,
    seed: int = 1,
    calibration: Calibration | None = None,
    drivers: dict[str, list[str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    hazards: str = "calibrated",
) -> Outlook:
    """The outlook of every substance of `dataset` over the windows of `months`.

    `hazards` ``calibrated`` (default) fits them to the record first (or takes `calibration`);
    ``dataset`` keeps the dataset's own hazards (for what-if hazards and tests).
    """
    windows = sorted({int(m) for m in months})
    if not windows or windows[0] < 1:
        raise ValueError("months must be whole numbers ≥ 1")
    if hazards not in ("calibrated", "dataset"):
        raise ValueError(f"hazards must be 'calibrated' or 'dataset', not {hazards!r}")
    cal = calibration or calibrate(dataset)
    ds = cal.apply_to(dataset) if hazards == "calibrated" else dataset
    horizon = window_days(windows[-1])
    total = 2 * n_scenarios
    notices = simulate_outages(
        ds,
        window=(1, horizon),
        horizon_days=horizon + 1,
        n_scenarios=n_scenarios,
        seed=seed,
        progress=(lambda i, _n: progress(i, total)) if progress else None,
    )
    scenario = Scenario(
        name="outlook (calibrated background, observed start)",
        background=Background(stationary_start=False),
    )
    model = compile_model(ds, scenario, Policies.today(ds), horizon, mode="joint")
    first_short = np.empty((n_scenarios, ds.n_substances), dtype=np.int64)
    for lo, out in scenario_chunks(model, seed, n_scenarios, 256):  # here or on Dask workers
        count = out.first_short.shape[1]
        first_short[lo : lo + count] = out.first_short[0]
        if progress:
            progress(n_scenarios + lo + count, total)
    subs = ds.substances
    open_now = set(ds.open_shortages["atc_code"])
    dos = ds.days_of_supply()
    rows: list[dict[str, Any]] = []
    for s in range(ds.n_substances):
        atc = str(subs["atc_code"].iloc[s])
        row: dict[str, Any] = {
            "atc_code": atc,
            "name": str(subs["name"].iloc[s]),
            "criticality": str(subs["criticality"].iloc[s]),
            "open_notice": atc in open_now,
            "days_of_supply": float(dos[s]) if math.isfinite(dos[s]) else None,
            "windows": {},
            "drivers": (drivers or {}).get(atc, []),
        }
        for m in windows:
            d = window_days(m)
            fs = notices.first_start[:, s]
            p_notice = float(((fs >= 1) & (fs <= d)).mean())
            sh = first_short[:, s]
            p_untreated = float(((sh >= 0) & (sh < d)).mean())
            row["windows"][str(m)] = {
                "days": d,
                "p_notice": p_notice,
                "p_notice_se": math.sqrt(p_notice * (1 - p_notice) / n_scenarios),
                "p_untreated": p_untreated,
                "p_untreated_se": math.sqrt(p_untreated * (1 - p_untreated) / n_scenarios),
            }
        rows.append(row)
    last = str(windows[-1])
    weight = dict(zip(("vital", "essential", "other"), (10.0, 3.0, 1.0), strict=True))
    rows.sort(
        key=lambda r: (
            -r["windows"][last]["p_untreated"] * weight.get(r["criticality"], 1.0),
            -r["windows"][last]["p_notice"],
            r["atc_code"],
        )
    )
    for rank, r in enumerate(rows, 1):
        r["rank"] = rank
    model_text = cal.provenance if hazards == "calibrated" else "the dataset's own hazards"
    return Outlook(tuple(windows), rows, cal, n_scenarios, seed, model_text)
