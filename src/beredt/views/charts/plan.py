"""Plots of plans and budget frontiers: PNG with matplotlib, interactive HTML with plotly.

HTML files carry plotly.js inline (no CDN), so they open offline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from beredt.plan.optimise import FrontierResult, PlanResult


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _money(currency: str) -> str:
    return f"million {currency} / year"


def save_frontier_png(result: FrontierResult, path: str | Path) -> Path:
    """Budget → expected loss and → P(any vital shortage), today's plan marked, as a PNG."""
    plt = _pyplot()
    pts = result.points[result.points["feasible"]]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    budget = pts["budget"].to_numpy(float) / 1e6
    loss = pts["expected_loss_per_year"].to_numpy(float) / 1e6
    se = pts["expected_loss_se_per_year"].to_numpy(float) / 1e6
    ax1.plot(budget, loss, "o-", color="#1f5f8b", label="optimal plan")
    ax1.fill_between(budget, loss - 2 * se, loss + 2 * se, color="#1f5f8b", alpha=0.15, lw=0)
    today = result.today
    ax1.plot(
        today.annual_cost / 1e6,
        today.expected_loss_per_year / 1e6,
        "*",
        ms=14,
        color="#c0392b",
        label="today's plan",
    )
    positive = loss[loss > 0]
    if len(positive) and positive.max() > 100 * positive.min():
        ax1.set_yscale("log")  # losses fall over orders of magnitude along the frontier
    ax1.set_xlabel(f"budget ({_money(result.currency)})")
    ax1.set_ylabel(f"expected loss ({_money(result.currency)})")
    ax1.set_title("Budget → expected loss")
    ax1.grid(alpha=0.3)
    ax1.legend()
    ax2.plot(budget, pts["p_any_vital_shortage"].to_numpy(float), "o-", color="#1f5f8b")
    ax2.plot(today.annual_cost / 1e6, today.p_any_vital_shortage, "*", ms=14, color="#c0392b")
    ax2.set_xlabel(f"budget ({_money(result.currency)})")
    ax2.set_ylabel("P(any vital substance short)")
    ax2.set_ylim(0, 1.02)
    ax2.set_title("Budget → probability of any vital shortage")
    ax2.grid(alpha=0.3)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def save_frontier_html(result: FrontierResult, path: str | Path) -> Path:
    """The frontier as an interactive plotly page (plotly.js inlined)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    pts = result.points[result.points["feasible"]]
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Budget → expected loss", "Budget → P(any vital shortage)"),
    )
    budget = pts["budget"].to_numpy(float)
    fig.add_trace(
        go.Scatter(
            x=budget,
            y=pts["expected_loss_per_year"],
            mode="lines+markers",
            name="optimal plan",
            error_y={"type": "data", "array": 2 * pts["expected_loss_se_per_year"]},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=budget, y=pts["p_any_vital_shortage"], mode="lines+markers", name="P(any vital)"
        ),
        row=1,
        col=2,
    )
    today = result.today
    for col, y in ((1, today.expected_loss_per_year), (2, today.p_any_vital_shortage)):
        fig.add_trace(
            go.Scatter(
                x=[today.annual_cost],
                y=[y],
                mode="markers",
                marker={"symbol": "star", "size": 16, "color": "#c0392b"},
                name="today's plan",
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
    losses = pts["expected_loss_per_year"].to_numpy(float)
    positive = losses[losses > 0]
    if len(positive) and positive.max() > 100 * positive.min():
        fig.update_yaxes(type="log", row=1, col=1)
    fig.update_xaxes(title_text=f"budget ({result.currency}/year)")
    fig.update_yaxes(title_text=f"expected loss ({result.currency}/year)", row=1, col=1)
    fig.update_yaxes(title_text="probability", range=[0, 1.02], row=1, col=2)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(out, include_plotlyjs=True, full_html=True)
    return out


def save_plan_png(result: PlanResult, path: str | Path, top: int = 15) -> Path:
    """Expected loss by substance, today vs the plan (largest first), and offer values ranked."""
    plt = _pyplot()
    subs = result.substances.copy()
    subs["worst"] = subs[["today_loss_per_year", "chosen_loss_per_year"]].max(axis=1)
    subs = subs.sort_values("worst", ascending=False).head(top).iloc[::-1]
    offers = result.offer_values.head(top).iloc[::-1]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 0.35 * max(len(subs), 6) + 1.5))
    y = np.arange(len(subs))
    ax1.barh(y + 0.2, subs["today_loss_per_year"] / 1e6, 0.4, color="#c0392b", label="today")
    ax1.barh(y - 0.2, subs["chosen_loss_per_year"] / 1e6, 0.4, color="#1f5f8b", label="plan")
    ax1.set_yticks(
        y, [f"{a} {n}"[:28] for a, n in zip(subs["atc_code"], subs["name"], strict=True)]
    )
    ax1.set_xlabel(f"expected loss ({_money(result.currency)})")
    ax1.set_title(f"Plan at {result.budget / 1e6:,.1f} M{result.currency}/year")
    ax1.legend()
    ax1.grid(axis="x", alpha=0.3)
    if len(offers):
        y2 = np.arange(len(offers))
        value = offers["marginal_value_per_fee"].to_numpy(float)
        colors = ["#1f5f8b" if v else "#95a5a6" for v in offers["in_plan"]]
        ax2.barh(y2, np.nan_to_num(value, posinf=0, neginf=0), color=colors)
        ax2.axvline(0, color="black", lw=0.8)
        labels = [
            f"{r} {a}"[:28]
            for r, a in zip(offers["reservation_id"], offers["atc_code"], strict=True)
        ]
        ax2.set_yticks(y2, labels)
        ax2.set_xlabel(f"marginal loss avoided per {result.currency} of fee")
        ax2.set_title("Offers and agreements (blue: in the plan)")
        ax2.grid(axis="x", alpha=0.3)
    else:
        ax2.axis("off")
        ax2.text(0.5, 0.5, "no offers or agreements", ha="center", va="center")
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
