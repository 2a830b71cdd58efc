"""The explainable vulnerability score (DESIGN.md §4, docs/risk.md).

score = Σ_f contribution_f, contribution_f = 100 · w_f · exposure_f / Σ_g w_g, where exposure_f
is the factor's raw value read off fixed anchors (:mod:`beredt.risk.weights`). Where a factor's
inputs are unknown its exposure is the documented ``missing_value`` and the row's
``completeness`` (Σ w_f · known_f / Σ w_f) falls. The factors follow the EU vulnerability
assessment of critical medicines (EC/HMA/EMA Union list methodology 2023; HERA supply-chain
vulnerability report 2024) and public supply-risk indices (USP Medicine Supply Map).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.atc import matches_prefix
from beredt.domain.dataset import Dataset
from beredt.results import Provenance, provenance
from beredt.risk.factors import compute_factors
from beredt.risk.weights import FACTOR_KEYS, RiskWeights, factor_def, resolve_weights

#: Columns of :attr:`RiskTable.substances`, in order.
SUBSTANCE_COLUMNS = [
    "rank",
    "atc_code",
    "name",
    "atc4",
    "criticality",
    "score",
    "completeness",
    "driver_1",
    "driver_2",
    "driver_3",
    "substance_idx",
]
#: Columns of :attr:`RiskTable.factors` (long format: one row per substance and factor).
FACTOR_COLUMNS = [
    "atc_code",
    "factor",
    "label",
    "raw",
    "unit",
    "exposure",
    "weight",
    "points",
    "contribution",
    "known",
    "imputed",
    "detail",
]


@dataclass(frozen=True)
class RiskTable:
    """Scores of every substance with each factor's raw value, exposure, weight and contribution.

    `substances`: one row per substance, ranked (highest score first; ties by ATC code).
    `factors`: one row per substance × factor; per substance the contributions sum to the score.
    """

    substances: pd.DataFrame
    factors: pd.DataFrame
    weights: RiskWeights
    provenance: Provenance

    def __len__(self) -> int:
        return len(self.substances)

    def select(self, atc: str | Sequence[str] | None = None, top: int | None = None) -> RiskTable:
        """The rows whose ATC code starts with `atc` (one prefix or several), then the first `top`."""
        subs = self.substances
        if atc:
            prefixes = [atc] if isinstance(atc, str) else list(atc)
            subs = subs[[matches_prefix(c, prefixes) for c in subs["atc_code"]]]
        if top is not None:
            subs = subs.head(max(top, 0))
        keep = set(subs["atc_code"])
        factors = self.factors[self.factors["atc_code"].isin(keep)]
        return RiskTable(
            subs.reset_index(drop=True),
            factors.reset_index(drop=True),
            self.weights,
            self.provenance,
        )

    def row(self, atc_code: str) -> pd.Series:
        """The score row of one substance (KeyError if absent)."""
        hit = self.substances[self.substances["atc_code"] == atc_code]
        if hit.empty:
            raise KeyError(f"{atc_code} is not in the risk table")
        return hit.iloc[0]

    def explain(self, atc_code: str) -> pd.DataFrame:
        """Every factor of one substance, largest contribution first."""
        self.row(atc_code)
        f = self.factors[self.factors["atc_code"] == atc_code]
        order = {k: i for i, k in enumerate(FACTOR_KEYS)}
        f = f.assign(_o=f["factor"].map(order))
        return (
            f.sort_values(["contribution", "_o"], ascending=[False, True], kind="stable")
            .drop(columns="_o")
            .reset_index(drop=True)
        )

    def to_frame(self) -> pd.DataFrame:
        """Wide table: the score columns plus `<factor>_raw`, `_exposure`, `_points` per factor."""
        wide = self.substances.drop(columns="substance_idx").copy()
        pivot = self.factors.pivot(index="atc_code", columns="factor")
        for key in FACTOR_KEYS:
            for col, name in (("raw", "raw"), ("exposure", "exposure"), ("contribution", "points")):
                wide[f"{key}_{name}"] = wide["atc_code"].map(pivot[(col, key)]).to_numpy()
        return wide

    def records(self) -> list[dict[str, Any]]:
        """One plain dict per substance with its factors nested (the JSON shape)."""
        by_atc: dict[str, list[dict[str, Any]]] = {}
        for rec in self.factors.to_dict("records"):
            by_atc.setdefault(str(rec["atc_code"]), []).append({str(k): v for k, v in rec.items()})
        out = []
        for row in self.substances.to_dict("records"):
            factors = {
                str(f["factor"]): {
                    "raw": _finite_or_none(float(f["raw"])),
                    "unit": f["unit"],
                    "exposure": float(f["exposure"]),
                    "weight": float(f["weight"]),
                    "points": float(f["points"]),
                    "contribution": float(f["contribution"]),
                    "known": float(f["known"]),
                    "imputed": bool(f["imputed"]),
                    "detail": f["detail"],
                }
                for f in by_atc.get(str(row["atc_code"]), [])
            }
            drivers = [row[c] for c in ("driver_1", "driver_2", "driver_3") if row[c]]
            out.append(
                {
                    "rank": int(row["rank"]),
                    "atc_code": row["atc_code"],
                    "name": row["name"],
                    "atc4": row["atc4"],
                    "criticality": row["criticality"],
                    "score": float(row["score"]),
                    "completeness": float(row["completeness"]),
                    "drivers": drivers,
                    "factors": factors,
                }
            )
        return out

    def to_json_dict(self) -> dict[str, Any]:
        """The whole table as a JSON-ready mapping: provenance, weights and substances."""
        return {
            "provenance": self.provenance,
            "weights": self.weights.as_dict(),
            "substances": self.records(),
        }


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _driver_words(fkey: str, detail: str, imputed: bool) -> str:
    if imputed:
        return f"{factor_def(fkey).label.lower()} unknown ({detail})"
    return detail


def score(
    dataset: Dataset,
    weights: RiskWeights | str | Path | Mapping[str, float] | None = None,
) -> RiskTable:
    """Vulnerability score 0–100 of every substance with its factor breakdown (DESIGN.md §4).

    `weights`: None for the documented defaults (``beredt/risk/weights.toml``), a TOML file that
    overrides any part of them, a :class:`RiskWeights`, or a mapping factor → weight.
    """
    w = resolve_weights(weights)
    values = compute_factors(dataset, w)
    S = dataset.n_substances
    F = len(w.factors)
    total = w.total_weight
    raw = np.zeros((F, S))
    exposure = np.zeros((F, S))
    imputed = np.zeros((F, S), dtype=bool)
    known = np.zeros((F, S))
    points = np.array([100.0 * fw.weight / total for fw in w.factors])
    details: list[list[str]] = []  # full description per factor and substance
    shorts: list[list[str]] = []  # the short form used for drivers
    for j, fw in enumerate(w.factors):
        v = values[fw.key]
        raw[j] = np.asarray(v.raw, dtype=float)
        # Criticality's level table is its anchor; every other factor reads its anchors.
        e = raw[j].copy() if fw.definition.increasing is None else fw.normalise(raw[j])
        imputed[j] = np.isnan(e)
        exposure[j] = np.where(imputed[j], w.missing_for(fw.key), e)
        known[j] = np.where(imputed[j], 0.0, np.clip(v.known, 0.0, 1.0))
        details.append([v.detail(i) for i in range(S)])
        shorts.append(v.text)
    contributions = points[:, None] * exposure
    scores = contributions.sum(axis=0)
    weight = np.array([fw.weight for fw in w.factors])
    completeness = (weight[:, None] * known).sum(axis=0) / total
    # Drivers: the three largest contributions (ties in factor order), in words.
    top3 = np.argsort(-contributions, axis=0, kind="stable")[:3]
    drivers: list[list[str]] = []
    for i in range(S):
        words = [
            _driver_words(w.factors[j].key, shorts[j][i], bool(imputed[j, i]))
            for j in top3[:, i]
            if contributions[j, i] > 0
        ]
        drivers.append(words + [""] * (3 - len(words)))
    subs = dataset.substances
    atc = subs["atc_code"].astype(str).to_numpy()
    table = pd.DataFrame(
        {
            "atc_code": atc,
            "name": subs["name"].astype(str).to_numpy(),
            "atc4": subs["atc4"].astype(str).to_numpy(),
            "criticality": subs["criticality"].astype(str).to_numpy(),
            "score": scores,
            "completeness": completeness,
            "driver_1": [d[0] for d in drivers],
            "driver_2": [d[1] for d in drivers],
            "driver_3": [d[2] for d in drivers],
            "substance_idx": np.arange(S, dtype=np.int64),
        }
    )
    table = table.sort_values(["score", "atc_code"], ascending=[False, True], kind="stable")
    table.insert(0, "rank", np.arange(1, S + 1, dtype=np.int64))
    table = table[SUBSTANCE_COLUMNS].reset_index(drop=True)
    # Long table in rank order, factors in declaration order within each substance.
    ranked = table["substance_idx"].to_numpy(dtype=np.int64)
    keys = [fw.key for fw in w.factors]
    factors = pd.DataFrame(
        {
            "atc_code": np.repeat(atc[ranked], F),
            "factor": np.tile(np.array(keys, dtype=object), S),
            "label": np.tile(np.array([fw.definition.label for fw in w.factors], dtype=object), S),
            "raw": raw[:, ranked].T.ravel(),
            "unit": np.tile(
                np.array([fw.definition.raw_unit for fw in w.factors], dtype=object), S
            ),
            "exposure": exposure[:, ranked].T.ravel(),
            "weight": np.tile(weight, S),
            "points": np.tile(points, S),
            "contribution": contributions[:, ranked].T.ravel(),
            "known": known[:, ranked].T.ravel(),
            "imputed": imputed[:, ranked].T.ravel(),
            "detail": [details[j][i] for i in ranked for j in range(F)],
        },
        columns=FACTOR_COLUMNS,
    )
    prov = provenance(dataset, {"weights": w.as_dict()})
    return RiskTable(table, factors, w, prov)
