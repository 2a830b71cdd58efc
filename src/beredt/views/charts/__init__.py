"""Charts of the report: matplotlib PNGs (static) and plotly specs (interactive, offline).

Matplotlib figures are built with the object API (no pyplot state). Plotly figures are kept as
JSON specs; the HTML page draws them with the plotly.js bundled in the installed ``plotly``
package, inlined into the page, so viewing the report needs no network.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import FuncFormatter

from beredt.views.fmt import LANGS, format_compact, format_money, group_digits

#: Colours of the stock tiers, upstream (dark) to the patient (light).
TIER_COLOURS: dict[str, str] = {
    "producer": "#1b3a5c",
    "preparedness": "#c0392b",
    "wholesale": "#2e75b6",
    "hospital": "#70ad47",
    "pharmacy": "#a9d18e",
}
#: Colours of the shortage-response actions, in their priority order and the uncovered rest.
ACTION_COLOURS: Sequence[str] = (
    "#2e75b6",
    "#5b9bd5",
    "#c0392b",
    "#70ad47",
    "#a9d18e",
    "#ffc000",
    "#8064a2",
    "#7f7f7f",
)
UNCOVERED_COLOUR = "#d9d9d9"
ACCENT = "#c55a11"
PRIMARY = "#1f4e79"


def png_bytes(fig: MplFigure) -> bytes:
    """The figure as PNG bytes, without the software stamp (so the bytes depend on data only)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def per_lang_png(build: Callable[[str], MplFigure]) -> dict[str, bytes]:
    """PNG bytes of `build(lang)` for each report language."""
    return {lang: png_bytes(build(lang)) for lang in LANGS}


def per_lang_plotly(build: Callable[[str], Any]) -> dict[str, str]:
    """Plotly JSON text of `build(lang)` (a ``plotly.graph_objects.Figure``) per language."""
    return {lang: build(lang).to_json(engine="json") for lang in LANGS}


def axis_formatter(lang: str, money: bool = False, currency: str = "NOK") -> FuncFormatter:
    """Tick labels in `lang`'s number style (compact for large values)."""

    def fmt(value: float, _pos: int) -> str:
        if money:
            return format_money(value, lang, currency)
        if abs(value) >= 1e6:
            return format_compact(value, lang)
        return group_digits(value, 0 if abs(value) >= 10 or value == int(value) else 1, lang)

    return FuncFormatter(fmt)


def new_figure(width: float, height: float) -> MplFigure:
    """A matplotlib figure with the report's default style."""
    fig = MplFigure(figsize=(width, height), dpi=100)
    fig.patch.set_facecolor("white")
    return fig


def style_axes(ax: Any) -> None:
    """Light grid, no top/right spines."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)


def stacked_barh(
    labels: Sequence[str],
    segments: Sequence[tuple[str, np.ndarray, str]],
    xlabel: str,
    lang: str,
    reference_lines: Sequence[float] = (),
    cap: float | None = None,
) -> MplFigure:
    """Horizontal stacked bars: one bar per label, segments (name, values, colour) left to right.

    With `cap`, bars longer than the cap are cut at it and their total written at the end.
    """
    n = len(labels)
    fig = new_figure(8.0, max(2.2, 0.32 * n + 1.2))
    ax = fig.add_subplot()
    left = np.zeros(n)
    y = np.arange(n)
    totals = np.sum([v for _, v, _ in segments], axis=0) if segments else np.zeros(n)
    for name, values, colour in segments:
        shown = values.astype(float)
        if cap is not None:
            shown = np.clip(np.minimum(shown, cap - left), 0.0, None)
        ax.barh(y, shown, left=left, color=colour, label=name, height=0.7)
        left = left + shown
    if cap is not None:
        for i, total in enumerate(totals):
            if total > cap:
                ax.text(cap, i, f" {group_digits(total, 0, lang)}", va="center", fontsize=7)
        ax.set_xlim(0, cap * 1.08)
    for x in reference_lines:
        ax.axvline(x, color="#444444", linestyle=":", linewidth=1)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(axis_formatter(lang))
    style_axes(ax)
    ax.legend(
        fontsize=8,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=len(segments),
        frameon=False,
    )
    return fig


def nice_cap(values: np.ndarray, quantile: float = 0.9) -> float:
    """An axis cap at about the `quantile` of finite values, rounded up to a readable number."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or float(finite.max()) <= 0:
        return 1.0
    q = float(np.quantile(finite, quantile))
    q = max(q, float(finite.max()) if finite.size < 5 else q, 1.0)
    power = 10 ** math.floor(math.log10(q))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= q:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns
