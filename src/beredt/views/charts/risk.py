"""Heat map of the vulnerability factors by ATC group (rows) and factor (columns).

Each cell is the mean exposure (0–1) of the factor over the group's substances; the last
column is the group's mean score (0–100, coloured on the same scale as score/100). PNG through
matplotlib (no pyplot, so it is safe in servers and threads), HTML through plotly with
plotly.js inlined (never a CDN), so reports work offline.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from beredt.risk.groups import SCORE_COLUMN, heatmap_frame
from beredt.risk.weights import FACTOR_KEYS, factor_def

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from beredt.risk.score import RiskTable

__all__ = ["SCORE_COLUMN", "heatmap_figure", "heatmap_frame", "heatmap_html", "heatmap_png"]


def _labels(frame: pd.DataFrame) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    rows = [f"{g} ({int(n)})" for g, n in zip(frame.index, frame["n_substances"], strict=True)]
    cols = [factor_def(k).label for k in FACTOR_KEYS] + ["Score (mean)"]
    values = np.column_stack(
        [frame[list(FACTOR_KEYS)].to_numpy(dtype=float), frame[SCORE_COLUMN].to_numpy(float) / 100]
    )
    text = (
        np.column_stack(
            [
                np.vectorize(lambda v: f"{v:.2f}")(frame[list(FACTOR_KEYS)].to_numpy(dtype=float)),
                np.vectorize(lambda v: f"{v:.0f}")(frame[SCORE_COLUMN].to_numpy(dtype=float)),
            ]
        )
        if len(frame)
        else np.empty((0, len(cols)), dtype=object)
    )
    return rows, cols, values, text


def _title(table: RiskTable, level: int) -> str:
    p = table.provenance
    return (
        f"Vulnerability by ATC level-{level} group: mean exposure per factor "
        f"(as of {p.as_of.isoformat()}, data {p.fingerprint[:12]})"
    )


def heatmap_figure(table: RiskTable, level: int = 2) -> Figure:
    """A matplotlib figure of the heat map (ATC groups × factors)."""
    from matplotlib.figure import Figure

    frame = heatmap_frame(table, level)
    rows, cols, values, text = _labels(frame)
    height = max(3.0, 0.32 * len(rows) + 2.6)
    fig = Figure(figsize=(13, height), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(
        values if len(rows) else np.zeros((1, len(cols))),
        aspect="auto",
        cmap="YlOrRd",
        vmin=0.0,
        vmax=1.0,
        interpolation="nearest",
    )
    ax.set_xticks(range(len(cols)), labels=cols, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), labels=rows, fontsize=8)
    ax.axvline(len(cols) - 1.5, color="black", linewidth=1.2)
    if len(rows) <= 60:
        for (r, c), label in np.ndenumerate(text):
            dark = values[r, c] > 0.6
            ax.text(
                c,
                r,
                label,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else "black",
            )
    ax.set_title(_title(table, level), fontsize=10)
    fig.colorbar(image, ax=ax, label="exposure (0 none … 1 full); last column: score / 100")
    return fig


def heatmap_png(table: RiskTable, level: int = 2, dpi: int = 150) -> bytes:
    """The heat map as PNG bytes."""
    buffer = io.BytesIO()
    heatmap_figure(table, level).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def heatmap_html(table: RiskTable, level: int = 2, full_html: bool = True) -> str:
    """The heat map as interactive HTML (plotly, with plotly.js inlined: works offline)."""
    import plotly.graph_objects as go

    frame = heatmap_frame(table, level)
    rows, cols, values, text = _labels(frame)
    hover = [
        [
            f"{rows[r]} · {cols[c]}: {text[r, c]}"
            + (f" (max score {frame['score_max'].iloc[r]:.0f})" if c == len(cols) - 1 else "")
            for c in range(len(cols))
        ]
        for r in range(len(rows))
    ]
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=cols,
            y=rows,
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale="YlOrRd",
            zmin=0.0,
            zmax=1.0,
            colorbar={"title": {"text": "exposure"}},
        )
    )
    fig.update_layout(
        title=_title(table, level),
        yaxis={"autorange": "reversed"},
        height=max(360, 26 * len(rows) + 220),
        margin={"l": 120, "r": 40, "t": 70, "b": 160},
    )
    html: str = fig.to_html(include_plotlyjs=True, full_html=full_html)
    return html
