"""Static charts of the industry indicators (matplotlib, PNG), reusable by the main report.

Figures are built with matplotlib's object API (no pyplot state), so they are safe in threads
and servers; :func:`png_bytes` renders one to PNG bytes with fixed metadata.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from beredt.industry.indicators import IndustryIndicators, TargetProgress

_TEXT = {
    "en": {
        "actual": "Exports",
        "path": "Target path (×{factor:g} from {base} to {target})",
        "target": "Target {target}",
        "exports_title": "Exports against the target: {series}",
        "currency_axis": "{currency} billion a year",
        "ss_title": "Self-sufficiency in essential medicines by ATC group",
        "qualified": "Qualified domestic capacity",
        "joint": "… with lines shared in the group",
        "agreed": "Capacity under agreement",
        "share_axis": "Share of national demand covered",
        "no_data": "No data",
        "all": "All",
        "trade:total": "all health-industry groups (trade statistics)",
        "industry": "the industry's export revenue (industry figures)",
    },
    "nb": {
        "actual": "Eksport",
        "path": "Målbane (×{factor:g} fra {base} til {target})",
        "target": "Mål {target}",
        "exports_title": "Eksport mot målet: {series}",
        "currency_axis": "Mrd. {currency} per år",
        "ss_title": "Selvforsyning av viktige legemidler etter ATC-gruppe",
        "qualified": "Kvalifisert innenlandsk kapasitet",
        "joint": "… med delte linjer i gruppen",
        "agreed": "Kapasitet under avtale",
        "share_axis": "Andel av nasjonalt behov dekket",
        "no_data": "Ingen data",
        "all": "Alle",
        "trade:total": "alle helseindustrigrupper (handelsstatistikk)",
        "industry": "industriens eksportinntekter (industritall)",
    },
}


def _t(lang: str) -> dict[str, str]:
    return _TEXT.get(lang, _TEXT["en"])


def series_label(series: str, result: IndustryIndicators | None = None, lang: str = "en") -> str:
    """Readable name of a target series (``trade:total``, ``trade:<group>``, ``industry``)."""
    text = _t(lang)
    if series in text:
        return text[series]
    if series.startswith("trade:") and result is not None:
        gid = series.removeprefix("trade:")
        for g in result.groups:
            if g["group"] == gid:
                return str((g.get("name_nb") or g["name"]) if lang == "nb" else g["name"])
    return series


def exports_target_figure(
    target: TargetProgress, currency: str = "NOK", lang: str = "en", label: str | None = None
) -> Figure:
    """Line chart: yearly exports of one series against the compound target path."""
    text = _t(lang)
    fig = Figure(figsize=(7.5, 4.2), dpi=100)
    ax = fig.add_subplot()
    path = target.path
    scale = 1e9
    if path.empty or path["actual"].isna().all():
        ax.text(0.5, 0.5, text["no_data"], ha="center", va="center", transform=ax.transAxes)
    else:
        actual = path.dropna(subset=["actual"])
        ax.plot(
            actual["year"],
            actual["actual"].astype(float) / scale,
            marker="o",
            color="#1f4e79",
            label=text["actual"],
        )
        on_path = path.dropna(subset=["target_path"])
        if not on_path.empty:
            ax.plot(
                on_path["year"],
                on_path["target_path"].astype(float) / scale,
                linestyle="--",
                color="#c55a11",
                label=text["path"].format(
                    factor=target.factor, base=target.base_year, target=target.target_year
                ),
            )
        if target.target_value is not None:
            ax.scatter(
                [target.target_year],
                [target.target_value / scale],
                marker="*",
                s=160,
                color="#c55a11",
                zorder=3,
                label=text["target"].format(target=target.target_year),
            )
        ax.legend(loc="upper left", frameon=False, fontsize=8)
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}" if v == int(v) else ""))
    title = text["exports_title"].format(series=label or series_label(target.series, lang=lang))
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(text["currency_axis"].format(currency=currency))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def self_sufficiency_figure(result: IndustryIndicators, lang: str = "en") -> Figure:
    """Grouped bars: qualified, joint and agreed coverage of national demand per ATC group."""
    text = _t(lang)
    ss = result.self_sufficiency
    groups = ss.by_group
    fig = Figure(figsize=(7.5, 4.6), dpi=100)
    ax = fig.add_subplot()
    if groups.empty:
        ax.text(0.5, 0.5, text["no_data"], ha="center", va="center", transform=ax.transAxes)
    else:
        x = np.arange(len(groups))
        width = 0.27
        series = (
            ("qualified_ratio", text["qualified"], "#1f4e79"),
            ("qualified_joint_ratio", text["joint"], "#7aa6d6"),
            ("agreed_ratio", text["agreed"], "#c55a11"),
        )
        for k, (column, label, color) in enumerate(series):
            values = [0.0 if math.isnan(v) else v for v in groups[column].astype(float)]
            ax.bar(x + (k - 1) * width, values, width, label=label, color=color)
        ax.set_xticks(x, list(groups["atc_group"]))
        if ss.total:
            # The national figure as a last bar group, set apart by a gap.
            xt = len(groups) + 0.4
            for k, (column, _, color) in enumerate(series):
                v = float(ss.total[column])
                ax.bar(xt + (k - 1) * width, 0.0 if math.isnan(v) else v, width, color=color)
            ax.set_xticks([*x, xt], [*groups["atc_group"], text["all"]])
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False, fontsize=8)
    ax.set_title(text["ss_title"], fontsize=10)
    ax.set_ylabel(text["share_axis"])
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes (no timestamp in the metadata, so output is reproducible)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def industry_figures(
    result: IndustryIndicators, series: str = "trade:total", lang: str = "en"
) -> dict[str, Figure]:
    """The standard charts by file stem: exports vs target path, self-sufficiency by group."""
    target = result.target(series)
    return {
        "industry_exports_target": exports_target_figure(
            target, result.currency, lang, series_label(series, result, lang)
        ),
        "industry_self_sufficiency": self_sufficiency_figure(result, lang),
    }


def write_pngs(
    result: IndustryIndicators, folder: str | Path, series: str = "trade:total", lang: str = "en"
) -> list[Path]:
    """Write the standard charts as PNG files into `folder`; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, fig in industry_figures(result, series, lang).items():
        path = folder / f"{stem}.png"
        path.write_bytes(png_bytes(fig))
        paths.append(path)
    return paths
