"""Sections from the simulator and the optimiser: scenarios, frontier, recommendations, offers."""

from __future__ import annotations

from typing import Any

import numpy as np

from beredt.report.analyses import Analyses
from beredt.report.charts import (
    ACCENT,
    PRIMARY,
    axis_formatter,
    new_figure,
    per_lang_png,
    style_axes,
)
from beredt.report.fmt import Num
from beredt.report.i18n import Text, plain, t
from beredt.report.model import Column, Figure, Kpi, Section, Table, unavailable

#: Substances listed per scenario in the "worst affected" table.
WORST_PER_SCENARIO = 5


def plan_headline(analyses: Analyses) -> tuple[list[Kpi], Text | None]:
    """Headline figures of the plan: patient-days without treatment and cost, today vs plan."""
    if analyses.plan is None:
        return [], None
    raise NotImplementedError


def _scenario_rows(analyses: Analyses) -> list[dict[str, Any]]:
    rows = []
    for outcome in analyses.scenarios or []:
        result = outcome.result
        national = result.national_summary(0)
        weighted = national["weighted_unmet_ddd"]
        unmet = national["unmet_ddd"]
        rows.append(
            {
                "scenario": outcome.key,
                "name": outcome.name,
                "n_scenarios": result.n_scenarios,
                "horizon_days": result.horizon_days,
                "unmet_ddd_mean": unmet["mean"],
                "unmet_ddd_se": unmet["se"],
                "unmet_ddd_p95": unmet["p95"],
                "weighted_unmet_mean": weighted["mean"],
                "weighted_unmet_se": weighted["se"],
                "weighted_unmet_p5": weighted["p5"],
                "weighted_unmet_p95": weighted["p95"],
                "p_any_shortage": national["prob_any_shortage"],
                "p_any_vital_shortage": national["prob_any_vital_shortage"],
                "description": outcome.description,
            }
        )
    return rows


def _scenario_chart(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    labels = [str(r["name"])[:40] for r in rows]
    mean = np.array([r["weighted_unmet_mean"] or 0.0 for r in rows], dtype=float)
    low = np.array([r["weighted_unmet_p5"] or 0.0 for r in rows], dtype=float)
    high = np.array([r["weighted_unmet_p95"] or 0.0 for r in rows], dtype=float)

    def build(lang: str) -> Any:
        fig = new_figure(8.0, max(2.4, 0.45 * len(rows) + 1.2))
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        ax.barh(y, mean, color=PRIMARY, height=0.6)
        err = np.vstack([np.clip(mean - low, 0, None), np.clip(high - mean, 0, None)])
        ax.errorbar(mean, y, xerr=err, fmt="none", ecolor=ACCENT, capsize=3, linewidth=1)
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(t("scen_axis")[lang])
        ax.xaxis.set_major_formatter(axis_formatter(lang))
        style_axes(ax)
        return fig

    return per_lang_png(build)


def scenarios_section(analyses: Analyses) -> Section:
    """Outcome of every scenario of the library: national totals, worst substances, chart."""
    if analyses.scenarios is None:
        return unavailable("scenarios", analyses.absent.get("scenarios", "not computed"))
    params = analyses.parameters
    section = Section("scenarios")
    rows = _scenario_rows(analyses)
    horizons = sorted({r["horizon_days"] for r in rows}) or [params.horizon_days or 365]
    section.paragraphs.append(
        t(
            "scen_lead",
            n=Num(params.scenarios, "int"),
            horizon="/".join(str(h) for h in horizons),
            seed=params.seed,
        )
    )
    if rows:
        section.figures.append(Figure("outcomes", t("scen_chart"), png=_scenario_chart(rows)))
    section.tables.append(
        Table(
            "outcomes",
            t("scen_table"),
            [
                Column("scenario"),
                Column("name"),
                Column("n_scenarios", "int"),
                Column("horizon_days", "int"),
                Column("unmet_ddd_mean", "ddd"),
                Column("unmet_ddd_se", "ddd"),
                Column("unmet_ddd_p95", "ddd"),
                Column("weighted_unmet_mean", "ddd"),
                Column("weighted_unmet_se", "ddd"),
                Column("weighted_unmet_p5", "ddd"),
                Column("weighted_unmet_p95", "ddd"),
                Column("p_any_shortage", "pct"),
                Column("p_any_vital_shortage", "pct"),
                Column("description"),
            ],
            rows,
        )
    )
    worst: list[dict[str, Any]] = []
    for outcome in analyses.scenarios:
        table = outcome.result.substance_table(0).head(WORST_PER_SCENARIO)
        for record in table.to_dict(orient="records"):
            if not record["unmet_ddd_mean"] > 0:
                continue
            worst.append({"scenario": outcome.key, **record})
    section.tables.append(
        Table(
            "worst",
            t("scen_worst"),
            [
                Column("scenario"),
                Column("atc_code"),
                Column("name"),
                Column("criticality"),
                Column("unmet_ddd_mean", "ddd"),
                Column("unmet_ddd_p95", "ddd"),
                Column("weighted_unmet_mean", "ddd"),
                Column("shortage_days_mean", "days"),
                Column("stockout_prob", "pct", plain("P(tomt lager)", "P(stock-out)")),
                Column("first_stockout_day_mean", "days"),
            ],
            worst,
        )
    )
    if analyses.scenarios_skipped:
        section.tables.append(
            Table(
                "skipped",
                plain(
                    "Scenariofiler som ikke passer dette datasettet",
                    "Scenario files that do not fit this dataset",
                ),
                [
                    Column("key", "text", plain("Scenario", "Scenario")),
                    Column("file"),
                    Column("reason"),
                ],
                analyses.scenarios_skipped,
            )
        )
    return section


def frontier_section(analyses: Analyses) -> Section:
    """The budget → expected loss frontier with today's plan marked."""
    if analyses.frontier is None:
        return unavailable("frontier", analyses.absent.get("frontier", "not computed"))
    raise NotImplementedError


def recommendations_section(analyses: Analyses) -> Section:
    """Recommended stock weeks and agreements per substance."""
    if analyses.plan is None:
        return unavailable("recommendations", analyses.absent.get("plan", "not computed"))
    raise NotImplementedError


def offers_section(analyses: Analyses) -> Section:
    """What each domestic offer is worth."""
    if analyses.plan is None:
        return unavailable("offers", analyses.absent.get("plan", "not computed"))
    raise NotImplementedError
