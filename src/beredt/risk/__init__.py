"""Explainable vulnerability score per substance (DESIGN.md §4, docs/risk.md).

``score(dataset, weights=None) -> RiskTable``: a score 0–100 per substance whose factor
contributions sum to it, normalised against fixed, documented anchors, with the top drivers in
words and a data-completeness figure per row. Heat maps by ATC group for reports and the CLI.
"""

from __future__ import annotations

from beredt.risk.groups import heatmap_frame
from beredt.risk.score import RiskTable, score
from beredt.risk.weights import (
    FACTOR_KEYS,
    FACTORS,
    FactorDef,
    FactorWeight,
    RiskWeights,
    WeightsError,
    default_weights,
    load_weights,
    resolve_weights,
)

__all__ = [
    "FACTORS",
    "FACTOR_KEYS",
    "FactorDef",
    "FactorWeight",
    "RiskTable",
    "RiskWeights",
    "WeightsError",
    "default_weights",
    "heatmap_frame",
    "load_weights",
    "resolve_weights",
    "score",
]
