"""Charts of the four measures and of the investment cases (matplotlib, PNG, both languages)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from beredt.industry.measures import Indicator, Measures
from beredt.plan.invest import InvestmentCase, InvestResult
from beredt.views.charts import ACCENT, PRIMARY, new_figure, style_axes
from beredt.views.fmt import group_digits
from beredt.views.i18n import CASE_LABELS, INDICATOR_LABELS, MEASURE_LABELS

_TEXT = {
    "nb": {
        "complete": "hele år",
        "partial": "året så langt",
        "target_path": "målbane",
        "million": "mill. {currency}",
        "employees": "ansatte",
        "share": "andel",
        "npv_axis": "Nåverdi, mill. {currency}",
        "median": "median, 5–95 %",
        "zero": "nåverdi 0",
        "fee_axis": "Årlig avgift, mill. {currency}",
        "p_axis": "P(nåverdi > 0)",
        "level": "ønsket sikkerhet {level}",
        "break_even": "likevektsavgift",
        "offered": "tilbudt avgift",
        "offered_axis": "Tilbudt årlig avgift, mill. {currency}",
        "needed_axis": "Likevektsavgift, mill. {currency}",
        "diagonal": "likevekt = tilbudt",
        "below": "under linjen: tilbudet gir mer enn nødvendig",
        "no_data": "Ingen data",
        "loss_per_fee": "unngått tap per krone avgift: {value}",
    },
    "en": {
        "complete": "complete years",
        "partial": "year so far",
        "target_path": "target path",
        "million": "{currency} million",
        "employees": "employees",
        "share": "share",
        "npv_axis": "Net present value, {currency} million",
        "median": "median, 5–95 %",
        "zero": "NPV 0",
        "fee_axis": "Annual fee, {currency} million",
        "p_axis": "P(NPV > 0)",
        "level": "chosen level {level}",
        "break_even": "break-even fee",
        "offered": "offered fee",
        "offered_axis": "Offered annual fee, {currency} million",
        "needed_axis": "Break-even fee, {currency} million",
        "diagonal": "break-even = offered",
        "below": "below the line: the offer pays more than needed",
        "no_data": "No data",
        "loss_per_fee": "loss avoided per unit of fee: {value}",
    },
}


def _t(lang: str) -> dict[str, str]:
    return _TEXT["nb" if lang == "nb" else "en"]


def _years(ax: Any) -> None:
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}" if v == int(v) else ""))


def _line(ax: Any, ind: Indicator, colour: str, label: str, scale: float = 1.0) -> None:
    series = ind.series
    if series.empty:
        return
    done = series[series["complete"]]
    part = series[~series["complete"]]
    ax.plot(done["year"], done["value"] / scale, marker="o", color=colour, label=label)
    if len(part):
        ax.plot(
            part["year"],
            part["value"] / scale,
            marker="o",
            linestyle="none",
            markerfacecolor="white",
            color=colour,
        )


def measures_figure(result: Measures, lang: str = "en") -> Figure:
    """Four small panels, one per measure: each indicator by year, its target path where one
    is set; hollow markers for a year not yet complete."""
    text = _t(lang)
    nb = lang == "nb"
    fig = new_figure(10.0, 6.8)
    axes = fig.subplots(2, 2)

    def label(key: str) -> str:
        return INDICATOR_LABELS[key][0 if nb else 1]

    def title(ax: Any, measure: str) -> None:
        ax.set_title(MEASURE_LABELS[measure][0 if nb else 1], fontsize=10)

    ax = axes[0, 0]
    title(ax, "trials")
    trials = result.indicator("trials_started")
    _line(ax, trials, PRIMARY, label("trials_started"))
    _line(ax, result.indicator("industry_trials_started"), ACCENT, label("industry_trials_started"))
    status = trials.target
    if status is not None and status.progress is not None and not status.progress.path.empty:
        path = status.progress.path.dropna(subset=["target_path"])
        ax.plot(
            path["year"],
            path["target_path"],
            linestyle="--",
            color=PRIMARY,
            alpha=0.6,
            label=text["target_path"],
        )
    ax.set_ylim(bottom=0)

    ax = axes[0, 1]
    title(ax, "home_market")
    _line(
        ax,
        result.indicator("domestic_procurement_share"),
        PRIMARY,
        label("domestic_procurement_share"),
    )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set_ylim(bottom=0)

    ax = axes[1, 0]
    title(ax, "competence")
    _line(ax, result.indicator("employees"), PRIMARY, label("employees"))
    ax.set_ylabel(text["employees"], fontsize=8)
    twin = ax.twinx()
    _line(twin, result.indicator("higher_education_share"), ACCENT, label("higher_education_share"))
    twin.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    twin.set_ylim(0, 1)
    twin.spines["top"].set_visible(False)
    handles = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(
        handles[0] + more[0], handles[1] + more[1], fontsize=7, frameon=False, loc="lower right"
    )

    ax = axes[1, 1]
    title(ax, "risk_relief")
    fees = result.indicator("agreement_fees")
    if len(fees.series):
        ax.bar(
            fees.series["year"],
            fees.series["value"] / 1e6,
            color=PRIMARY,
            label=label("agreement_fees"),
        )
        ax.set_ylabel(text["million"].format(currency=result.currency), fontsize=8)
    per_fee = result.indicator("agreement_loss_avoided_per_fee")
    if per_fee.latest_value is not None:
        value = group_digits(per_fee.latest_value, 2, lang)
        ax.text(
            0.98,
            1.0,
            text["loss_per_fee"].format(value=value),
            transform=ax.transAxes,
            fontsize=8,
            va="bottom",
            ha="right",
        )
    for axis in axes.flat:
        _years(axis)
        style_axes(axis)
        if axis is not axes[1, 0] and axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=7, frameon=False, loc="upper left")
        if not axis.get_legend_handles_labels()[0] and not axis.patches:
            axis.text(0.5, 0.5, text["no_data"], ha="center", va="center", transform=axis.transAxes)
    fig.tight_layout()
    return fig


def npv_ranges_figure(result: InvestResult, lang: str = "en") -> Figure:
    """Per investment, the NPV's median and 5–95 % range without an agreement and with it at the
    offered fee (currency million); zero marked."""
    text = _t(lang)
    nb = lang == "nb"
    cases = result.cases
    n = len(cases)
    fig = new_figure(8.5, max(2.5, 0.34 * n + 1.4))
    ax = fig.add_subplot()
    y = np.arange(n)
    for offset, key, colour in ((-0.17, "market", "#7f7f7f"), (0.17, "agreement", PRIMARY)):
        lo, mid, hi = [], [], []
        for case in cases:
            stats = case.cases.get(key)
            lo.append(stats.npv_p5 / 1e6 if stats else math.nan)
            mid.append(stats.npv_p50 / 1e6 if stats else math.nan)
            hi.append(stats.npv_p95 / 1e6 if stats else math.nan)
        ax.hlines(y + offset, lo, hi, color=colour, linewidth=3, alpha=0.6)
        ax.plot(mid, y + offset, "o", color=colour, label=CASE_LABELS[key][0 if nb else 1])
    ax.axvline(0, color="#444444", linestyle=":", linewidth=1)
    ax.set_yticks(y, [c.spec.investment_id for c in cases], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(text["npv_axis"].format(currency=result.currency))
    style_axes(ax)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def break_even_figure(result: InvestResult, lang: str = "en") -> Figure:
    """Break-even fee against the offered fee per investment (currency million, log scales):
    below the diagonal the offer pays more than the producer needs at the chosen level."""
    text = _t(lang)
    fig = new_figure(6.5, 5.0)
    ax = fig.add_subplot()
    points = [
        (c.spec.agreement.annual_fee / 1e6, c.break_even_fee / 1e6, c.spec.investment_id)
        for c in result.cases
        if c.spec.agreement is not None and math.isfinite(c.break_even_fee)
    ]
    if not points:
        ax.text(0.5, 0.5, text["no_data"], ha="center", va="center", transform=ax.transAxes)
        return fig
    floor = 0.01
    xs = np.array([max(p[0], floor) for p in points])
    ys = np.array([max(p[1], floor) for p in points])
    below = ys <= xs
    ax.scatter(xs[below], ys[below], color=PRIMARY, zorder=3)
    ax.scatter(xs[~below], ys[~below], color=ACCENT, zorder=3)
    for x, yv, (_, _, name) in zip(xs, ys, points, strict=True):
        ax.annotate(name.removeprefix("INV-"), (x, yv), fontsize=6, xytext=(3, 2),
                    textcoords="offset points")  # fmt: skip
    low = min(xs.min(), ys.min()) * 0.7
    high = max(xs.max(), ys.max()) * 1.4
    ax.plot([low, high], [low, high], linestyle="--", color="#444444", label=text["diagonal"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = FuncFormatter(lambda v, _: group_digits(v, 1 if v < 1 else 0, lang))
    ax.xaxis.set_major_formatter(ticks)
    ax.yaxis.set_major_formatter(ticks)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel(text["offered_axis"].format(currency=result.currency))
    ax.set_ylabel(text["needed_axis"].format(currency=result.currency))
    ax.text(0.98, 0.02, text["below"], transform=ax.transAxes, ha="right", fontsize=8)
    style_axes(ax)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def fee_curve_figure(case: InvestmentCase, currency: str, lang: str = "en") -> Figure:
    """P(NPV > 0) against the annual fee for one investment, with the chosen level, the
    break-even fee and the offered fee."""
    text = _t(lang)
    fig = new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    curve = case.fee_curve
    if curve.empty:
        ax.text(0.5, 0.5, text["no_data"], ha="center", va="center", transform=ax.transAxes)
        return fig
    ax.plot(curve["annual_fee"] / 1e6, curve["p_npv_positive"], color=PRIMARY)
    level = group_digits(100 * case.level, 0, lang) + " %"
    ax.axhline(case.level, color="#444444", linestyle=":", label=text["level"].format(level=level))
    if math.isfinite(case.break_even_fee):
        ax.axvline(case.break_even_fee / 1e6, color=ACCENT, label=text["break_even"])
    if case.spec.agreement is not None:
        ax.axvline(
            case.spec.agreement.annual_fee / 1e6,
            color=PRIMARY,
            linestyle="--",
            label=text["offered"],
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(text["fee_axis"].format(currency=currency))
    ax.set_ylabel(text["p_axis"])
    ax.set_title(case.spec.investment_id, fontsize=10)
    style_axes(ax)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def npv_histogram_figure(case: InvestmentCase, currency: str, lang: str = "en") -> Figure:
    """The NPV over the futures for each case of one investment (currency million)."""
    text = _t(lang)
    nb = lang == "nb"
    fig = new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    draws = case.npv_draws
    if not draws:
        ax.text(0.5, 0.5, text["no_data"], ha="center", va="center", transform=ax.transAxes)
        return fig
    values = np.concatenate(list(draws.values())) / 1e6
    bins = np.linspace(float(values.min()), float(values.max()) + 1e-9, 50).tolist()
    colours = {"market": "#7f7f7f", "agreement_no_fee": ACCENT, "agreement": PRIMARY}
    for key, draw in draws.items():
        ax.hist(
            draw / 1e6,
            bins=bins,
            histtype="step",
            linewidth=1.6,
            color=colours.get(key, PRIMARY),
            label=CASE_LABELS[key][0 if nb else 1],
        )
    ax.axvline(0, color="#444444", linestyle=":", linewidth=1, label=text["zero"])
    ax.set_xlabel(text["npv_axis"].format(currency=currency))
    ax.set_title(case.spec.investment_id, fontsize=10)
    style_axes(ax)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
