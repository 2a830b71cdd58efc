"""Figures of a simulation result: the distribution of national loss and the worst substances.

Builders return figure objects or bytes/text; callers decide where they go. PNG with
matplotlib (Agg backend), HTML with plotly with plotly.js inlined so the file works offline.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from beredt.sim.engine import SimResult

TOP_DEFAULT = 15


def _worst(result: SimResult, option: int, top: int) -> pd.DataFrame:
    table = result.substance_table(option)
    return table[table["weighted_unmet_mean"] > 0].head(top).iloc[::-1]


def _weighted(worst: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, 5th and 95th percentile of unmet DDD × the substance's criticality weight."""
    w = worst["weight"].to_numpy(dtype=float)
    return (
        worst["unmet_ddd_mean"].to_numpy(dtype=float) * w,
        worst["unmet_ddd_p5"].to_numpy(dtype=float) * w,
        worst["unmet_ddd_p95"].to_numpy(dtype=float) * w,
    )


def figure_png(result: SimResult, option: int = 0, top: int = TOP_DEFAULT) -> bytes:
    """Two panels as PNG: histogram of national weighted unmet DDD; the worst substances."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loss = result.national_loss[option]
    worst = _worst(result, option, top)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5), dpi=110)
    bins = min(60, max(10, int(np.sqrt(len(loss)))))
    left.hist(loss, bins=bins, color="#4C72B0")
    for q, style in ((50, "-"), (95, "--")):
        v = float(np.percentile(loss, q))
        left.axvline(v, color="#C44E52", linestyle=style, label=f"{q}th percentile {v:,.0f}")
    left.axvline(float(loss.mean()), color="black", linestyle=":", label=f"mean {loss.mean():,.0f}")
    left.set_xlabel("criticality-weighted unmet DDD (patient-days) per scenario")
    left.set_ylabel("scenarios")
    left.set_title(
        f"National loss over {result.horizon_days} days, {result.n_scenarios:,} scenarios"
    )
    left.legend(fontsize=8)
    labels = [
        f"{a} {n[:26]} ({c[0]})"
        for a, n, c in zip(worst["atc_code"], worst["name"], worst["criticality"], strict=True)
    ]
    mean, lo, hi = _weighted(worst)
    y = np.arange(len(worst))
    right.barh(y, mean, color="#DD8452")
    if np.all(np.isfinite(hi)):
        right.errorbar(
            mean,
            y,
            xerr=[np.maximum(mean - lo, 0), np.maximum(hi - mean, 0)],
            fmt="none",
            ecolor="black",
            capsize=2,
            lw=0.8,
        )
    right.set_yticks(y, labels, fontsize=8)
    right.set_xlabel("criticality-weighted unmet DDD: mean, 5–95th percentile")
    right.set_title(f"Worst {len(worst)} substances (by criticality-weighted loss)")
    fig.suptitle(f"{result.scenario} — {result.option_labels[option]} ({result.mode})")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def figure_html(result: SimResult, option: int = 0, top: int = TOP_DEFAULT) -> str:
    """The same two panels as a self-contained interactive HTML page (plotly.js inlined)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    loss = result.national_loss[option]
    worst = _worst(result, option, top)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            f"National loss over {result.horizon_days} days ({result.n_scenarios:,} scenarios)",
            f"Worst {len(worst)} substances",
        ),
        column_widths=[0.5, 0.5],
    )
    fig.add_trace(go.Histogram(x=loss, name="scenarios", marker_color="#4C72B0"), row=1, col=1)
    mean, lo, hi = _weighted(worst)
    error = (
        {"type": "data", "array": np.maximum(hi - mean, 0), "arrayminus": np.maximum(mean - lo, 0)}
        if np.all(np.isfinite(hi))
        else None
    )
    fig.add_trace(
        go.Bar(
            x=mean,
            y=[f"{a} {n}" for a, n in zip(worst["atc_code"], worst["name"], strict=True)],
            orientation="h",
            error_x=error,
            marker_color="#DD8452",
            name="weighted unmet DDD",
            customdata=np.stack(
                [worst["shortage_prob"], worst["shortage_days_mean"], worst["criticality"]], axis=1
            ),
            hovertemplate="%{y}<br>weighted unmet %{x:,.0f}<br>P(shortage) %{customdata[0]:.2f}"
            "<br>shortage days %{customdata[1]:.1f}<br>%{customdata[2]}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="criticality-weighted unmet DDD per scenario", row=1, col=1)
    fig.update_yaxes(title_text="scenarios", row=1, col=1)
    fig.update_xaxes(
        title_text="criticality-weighted unmet DDD (mean, 5–95th percentile)", row=1, col=2
    )
    fig.update_layout(
        title=f"{result.scenario} — {result.option_labels[option]} ({result.mode})",
        showlegend=False,
        height=600,
        template="plotly_white",
    )
    html: str = fig.to_html(include_plotlyjs=True, full_html=True)
    return html
