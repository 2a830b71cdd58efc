"""Vulnerability by ATC group: the mean exposure of each factor over a group's substances.

The rows of the heat map (:mod:`beredt.views.charts.risk`) and of the report's group table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from beredt.risk.weights import FACTOR_KEYS

if TYPE_CHECKING:
    from beredt.risk.score import RiskTable

#: ATC level → code length (WHO ATC: N, N02, N02B, N02BE, N02BE01).
_LEVEL_LENGTH = {1: 1, 2: 3, 3: 4, 4: 5}
SCORE_COLUMN = "score_mean"


def heatmap_frame(table: RiskTable, level: int = 2) -> pd.DataFrame:
    """Mean exposure per ATC group (level 1–4) and factor, plus n, mean and max score.

    Index: group code, sorted; columns: the factor keys, ``n_substances``, ``score_mean``,
    ``score_max``.
    """
    if level not in _LEVEL_LENGTH:
        raise ValueError(f"ATC level must be 1, 2, 3 or 4, got {level}")
    length = _LEVEL_LENGTH[level]
    if table.substances.empty:
        return pd.DataFrame(columns=[*FACTOR_KEYS, "n_substances", SCORE_COLUMN, "score_max"])
    f = table.factors.assign(group=table.factors["atc_code"].str[:length])
    exposure = f.pivot_table(index="group", columns="factor", values="exposure", aggfunc="mean")
    exposure = exposure.reindex(columns=list(FACTOR_KEYS))
    subs = table.substances.assign(group=table.substances["atc_code"].str[:length])
    stats = subs.groupby("group")["score"].agg(
        n_substances="size", score_mean="mean", score_max="max"
    )
    out = exposure.join(stats).sort_index()
    out.index.name = "atc_group"
    out.columns.name = None
    return out
