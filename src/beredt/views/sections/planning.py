"""Sections from the simulator and the optimiser: scenarios, frontier, recommendations, offers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from beredt.views.charts import (
    ACCENT,
    PRIMARY,
    axis_formatter,
    new_figure,
    per_lang_plotly,
    per_lang_png,
    style_axes,
)
from beredt.views.fmt import Num, code_label
from beredt.views.i18n import MESSAGES, Text, plain, same, t
from beredt.views.model import Column, Figure, Kpi, Section, Table, unavailable
from beredt.views.phrases import both

if TYPE_CHECKING:
    from beredt.app.analyses import Analyses

#: Substances listed per scenario in the "worst affected" table.
WORST_PER_SCENARIO = 5


def unmet_per_year(analyses: Analyses) -> tuple[float, float]:
    """National expected patient-days without treatment per year: today's plan, the chosen plan.

    Sums the simulated unmet DDD (1 DDD ≈ one patient-day) of each substance's option in today's
    plan and in the chosen plan, scaled from the simulation horizon to a year.
    """
    model = analyses.plan_model
    result = analyses.plan
    assert model is not None
    assert result is not None
    options = model.option_table()
    per_year = 365.0 / float(model.parameters.horizon_days)
    today = float(options.loc[options["is_today"], "unmet_ddd_mean"].sum()) * per_year
    chosen_labels = dict(
        zip(result.substances["atc_code"], result.substances["chosen"], strict=True)
    )
    is_chosen = [
        chosen_labels.get(a) == lab
        for a, lab in zip(options["atc_code"], options["label"], strict=True)
    ]
    plan = float(options.loc[is_chosen, "unmet_ddd_mean"].sum()) * per_year
    return today, plan


def plan_headline(analyses: Analyses) -> tuple[list[Kpi], Text | None]:
    """Headline figures of the plan: patient-days without treatment and cost, today vs plan."""
    result = analyses.plan
    if result is None or analyses.budget is None:
        return [], None
    currency = analyses.dataset.currency
    unmet_today, unmet_plan = unmet_per_year(analyses)
    kpis = [
        Kpi("unmet_today", t("kpi_unmet_today"), unmet_today, "ddd"),
        Kpi("unmet_plan", t("kpi_unmet_plan"), unmet_plan, "ddd"),
        Kpi("cost_today", t("kpi_cost_today"), result.today.annual_cost, "money"),
        Kpi("cost_plan", t("kpi_cost_plan"), result.chosen.annual_cost, "money"),
        Kpi(
            "loss_today", t("kpi_weighted_loss_today"), result.today.expected_loss_per_year, "money"
        ),
        Kpi(
            "loss_plan", t("kpi_weighted_loss_plan"), result.chosen.expected_loss_per_year, "money"
        ),
    ]
    text = t(
        "headline_plan",
        budget=Num(analyses.budget.amount, "money_compact", currency),
        today_cost=Num(result.today.annual_cost, "money_compact", currency),
        unmet_today=Num(unmet_today, "compact"),
        unmet_plan=Num(unmet_plan, "compact"),
    )
    return kpis, text


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
                "name": outcome.title,
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
            }
        )
    return rows


def _stress_rows(analyses: Analyses) -> list[dict[str, Any]]:
    rows = []
    for outcome in analyses.scenarios or []:
        joint = outcome.stress
        if joint is None:
            continue
        today = joint.today_loss_per_year
        avoided = joint.loss_avoided_vs_today_per_year
        rows.append(
            {
                "scenario": outcome.key,
                "name": outcome.title,
                "loss_today": today,
                "loss_plan": today - avoided,
                "loss_avoided_per_year": avoided,
                "loss_avoided_se": joint.loss_avoided_vs_today_se_per_year,
                "p_vital_today": joint.today_p_any_vital_shortage,
                "p_vital_plan": joint.p_any_vital_shortage,
            }
        )
    return rows


def _stress_chart(rows: list[dict[str, Any]], currency: str) -> dict[str, bytes]:
    names = [r["name"] for r in rows]
    today = np.array([r["loss_today"] for r in rows], dtype=float)
    plan = np.array([r["loss_plan"] for r in rows], dtype=float)

    def build(lang: str) -> Any:
        fig = new_figure(8.0, max(2.4, 0.55 * len(rows) + 1.2))
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        ax.barh(y - 0.2, today, height=0.38, color="#c0392b", label=t("front_today")[lang])
        ax.barh(y + 0.2, plan, height=0.38, color=PRIMARY, label=t("front_chosen")[lang])
        ax.set_yticks(y, [n[lang][:40] for n in names], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(t("front_y", currency=currency)[lang])
        ax.xaxis.set_major_formatter(axis_formatter(lang, money=True, currency=currency))
        style_axes(ax)
        ax.legend(fontsize=8, frameon=False, loc="lower right")
        return fig

    return per_lang_png(build)


def _scenario_chart(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    names = [r["name"] for r in rows]
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
        ax.set_yticks(y, [n[lang][:40] for n in names], fontsize=8)
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
                Column("name", "i18n", plain("Navn", "Name")),
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
            ],
            rows,
        )
    )
    section.tables.append(
        Table(
            "library",
            plain("Scenarioene", "The scenarios"),
            [
                Column("scenario"),
                Column("name", "i18n", plain("Navn", "Name")),
                Column("file"),
                Column("horizon_days", "int"),
                Column("description", "i18n", plain("Beskrivelse", "Description")),
            ],
            [
                {
                    "scenario": o.key,
                    "name": o.title,
                    "file": o.path,
                    "horizon_days": o.result.horizon_days,
                    "description": o.summary,
                }
                for o in analyses.scenarios
            ],
        )
    )
    worst: list[dict[str, Any]] = []
    for outcome in analyses.scenarios:
        table = outcome.result.substance_table(0).head(WORST_PER_SCENARIO)
        for record in table.to_dict(orient="records"):
            if not record["unmet_ddd_mean"] > 0:
                continue
            worst.append({"scenario": outcome.key, **{str(k): v for k, v in record.items()}})
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
    stress = _stress_rows(analyses)
    if stress:
        currency = analyses.dataset.currency
        section.paragraphs.append(t("scen_stress_lead"))
        section.figures.append(
            Figure("plan_vs_today", t("scen_stress_chart"), png=_stress_chart(stress, currency))
        )
        section.tables.append(
            Table(
                "plan_vs_today",
                t("scen_stress_table"),
                [
                    Column("scenario"),
                    Column("name", "i18n", plain("Navn", "Name")),
                    Column("loss_today", "money", plain("Tap i dag per år", "Loss today per year")),
                    Column(
                        "loss_plan",
                        "money",
                        plain("Tap med planen per år", "Loss with the plan per year"),
                    ),
                    Column("loss_avoided_per_year", "money"),
                    Column("loss_avoided_se", "money", plain("Unngått tap SE", "Loss avoided SE")),
                    Column(
                        "p_vital_today",
                        "pct",
                        plain("P(vital mangel) i dag", "P(vital shortage) today"),
                    ),
                    Column(
                        "p_vital_plan",
                        "pct",
                        plain("P(vital mangel) med planen", "P(vital shortage) with the plan"),
                    ),
                ],
                stress,
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


def frontier_spec(analyses: Analyses) -> dict[str, str]:
    """Plotly chart: budget → expected loss (and P(vital shortage)), today and the choice marked."""
    import plotly.graph_objects as go

    frontier = analyses.frontier
    result = analyses.plan
    assert frontier is not None
    assert result is not None
    points = frontier.points[frontier.points["feasible"]]
    currency = analyses.dataset.currency

    def build(lang: str) -> Any:
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=points["annual_cost"].astype(float).tolist(),
                y=points["expected_loss_per_year"].astype(float).tolist(),
                mode="lines+markers",
                name=t("front_line")[lang],
                line={"color": PRIMARY},
                error_y={
                    "type": "data",
                    "array": points["expected_loss_se_per_year"].astype(float).tolist(),
                    "visible": True,
                    "thickness": 1,
                },
            )
        )
        fig.add_trace(
            go.Scatter(
                x=points["annual_cost"].astype(float).tolist(),
                y=points["p_any_vital_shortage"].astype(float).tolist(),
                mode="lines",
                name=t("front_y2")[lang],
                line={"color": ACCENT, "dash": "dot"},
                yaxis="y2",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[frontier.today.annual_cost],
                y=[frontier.today.expected_loss_per_year],
                mode="markers+text",
                name=t("front_today")[lang],
                text=[t("front_today")[lang]],
                textposition="top right",
                marker={"size": 13, "symbol": "x", "color": "#c0392b"},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[result.chosen.annual_cost],
                y=[result.chosen.expected_loss_per_year],
                mode="markers+text",
                name=t("front_chosen")[lang],
                text=[t("front_chosen")[lang]],
                textposition="bottom right",
                marker={"size": 13, "symbol": "star", "color": "#2e7d32"},
            )
        )
        fig.update_layout(
            template="plotly_white",
            height=460,
            margin={"l": 80, "r": 80, "t": 30, "b": 60},
            xaxis={"title": {"text": t("front_x", currency=currency)[lang]}, "rangemode": "tozero"},
            yaxis={"title": {"text": t("front_y", currency=currency)[lang]}, "rangemode": "tozero"},
            yaxis2={
                "title": {"text": t("front_y2")[lang]},
                "overlaying": "y",
                "side": "right",
                "range": [0, 1],
                "dtick": 0.2,
                "tickformat": ".0%",
            },
            legend={"orientation": "h", "y": -0.2},
            separators=", " if lang == "nb" else ".,",
        )
        return fig

    return per_lang_plotly(build)


def frontier_section(analyses: Analyses) -> Section:
    """The budget → expected loss frontier with today's plan and the chosen plan marked."""
    frontier = analyses.frontier
    if frontier is None or analyses.plan is None or analyses.budget is None:
        return unavailable("frontier", analyses.absent.get("frontier", "not computed"))
    currency = analyses.dataset.currency
    section = Section("frontier")
    section.paragraphs.append(
        t("front_lead", budget=Num(analyses.budget.amount, "money_compact", currency))
    )
    section.paragraphs.extend(both(n) for n in frontier.notes)
    section.figures.append(Figure("frontier", t("front_chart"), plotly=frontier_spec(analyses)))
    points = frontier.points.copy()
    budget = analyses.budget
    points["is_today"] = np.isclose(points["budget"].astype(float), budget.today_cost)
    points["is_chosen"] = np.isclose(points["budget"].astype(float), budget.amount)
    section.tables.append(
        Table.from_frame(
            "points",
            t("front_table"),
            points,
            [
                Column("budget", "money"),
                Column("feasible", "bool", plain("Mulig", "Feasible")),
                Column("annual_cost", "money"),
                Column("expected_loss_per_year", "money"),
                Column("expected_loss_se_per_year", "money"),
                Column("p_any_vital_shortage", "pct"),
                Column("is_today", "bool", plain("Dagens budsjett", "Today's cost")),
                Column("is_chosen", "bool", plain("Valgt budsjett", "Chosen budget")),
            ],
        )
    )
    section.kpis.append(Kpi("today_cost", t("kpi_cost_today"), budget.today_cost, "money"))
    section.kpis.append(Kpi("budget", plain("Budsjett", "Budget"), budget.amount, "money"))
    # Solver figures stay in the data (results.json), not in front of readers.
    section.data["solver"] = points[["budget", "status", "gap"]].to_dict(orient="records")
    section.data["budget_source"] = budget.source
    section.data["budget_share"] = budget.share
    return section


def _today_weeks(analyses: Analyses) -> dict[str, float]:
    assert analyses.plan_model is not None
    options = analyses.plan_model.option_table()
    today = options[options["is_today"]]
    return dict(zip(today["atc_code"], today["weeks"].astype(float), strict=True))


def _weeks_chart(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    shown = rows[:25]
    labels = [f"{r['atc_code']} {r['name']}"[:36] for r in shown]
    today = np.array([r["weeks_today"] or 0.0 for r in shown], dtype=float)
    plan = np.array([r["weeks_plan"] or 0.0 for r in shown], dtype=float)
    with_agreement = [bool(r["agreement_plan"]) for r in shown]

    def build(lang: str) -> Any:
        fig = new_figure(8.0, max(2.4, 0.34 * len(shown) + 1.3))
        ax = fig.add_subplot()
        y = np.arange(len(shown))
        ax.barh(
            y - 0.2,
            today,
            height=0.38,
            color="#9dc3e6",
            label=plain("I dag", "Today")[lang],
        )
        ax.barh(
            y + 0.2, plan, height=0.38, color=PRIMARY, label=plain("Anbefalt", "Recommended")[lang]
        )
        for i, agreed in enumerate(with_agreement):
            if agreed:
                ax.text(
                    plan[i] + 0.5,
                    i + 0.2,
                    plain("+ avtale", "+ agreement")[lang],
                    va="center",
                    fontsize=7,
                    color=ACCENT,
                )
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(t("weeks")[lang])
        style_axes(ax)
        ax.legend(fontsize=8, frameon=False, loc="lower right")
        return fig

    return per_lang_png(build)


def _severity_table(section: Section, result: Any) -> None:
    """Today's plan and the recommended one on what an authority answers for, with SEs."""
    rows: list[dict[str, Any]] = []
    for key, label, _kind in (
        (
            "p_vital_shortage_over_7_days",
            plain("P(vitalt virkestoff mangler > 7 dager)", "P(a vital substance short > 7 days)"),
            "pct",
        ),
        (
            "vital_shortage_days",
            plain("Mangeldager, vitale virkestoff per år", "Vital shortage-days a year"),
            "float2",
        ),
    ):
        rows.append(
            {
                "measure": label,
                "today": getattr(result.today, key),
                "today_se": getattr(result.today, f"{key}_se"),
                "plan": getattr(result.chosen, key),
                "plan_se": getattr(result.chosen, f"{key}_se"),
            }
        )
    for crit in ("vital", "essential", "other"):
        a = result.today.untreated_ddd_by_criticality.get(crit, {})
        b = result.chosen.untreated_ddd_by_criticality.get(crit, {})
        rows.append(
            {
                "measure": t("sev_untreated", crit={"nb": code_label(crit, "nb"), "en": crit}),
                "today": a.get("mean"),
                "today_se": a.get("se"),
                "plan": b.get("mean"),
                "plan_se": b.get("se"),
            }
        )
    section.tables.append(
        Table(
            "severity",
            plain(
                "Alvorlighet: dagens plan og den anbefalte",
                "Severity: today's plan and the recommended one",
            ),
            [
                Column("measure", "i18n", plain("Mål", "Measure")),
                Column("today", "float2", plain("I dag", "Today")),
                Column("today_se", "float2", plain("± SE i dag", "± SE today")),
                Column("plan", "float2", plain("Anbefalt", "Recommended")),
                Column("plan_se", "float2", plain("± SE anbefalt", "± SE recommended")),
            ],
            rows,
        )
    )


def _cut_reason(reason: str) -> Text:
    """The optimiser's reason for a cut ("less preparedness stock; agreement dropped: X")."""
    nb = []
    for part in reason.split("; "):
        if part == "less preparedness stock":
            nb.append("mindre beredskapslager")
        elif part.startswith("agreement dropped: "):
            nb.append("avtale sagt opp: " + part.removeprefix("agreement dropped: "))
        else:
            nb.append(part)
    return {"nb": "; ".join(nb), "en": reason}


def _cut_and_floor_tables(section: Section, result: Any) -> None:
    """Every cut against today (vital first) and every policy floor with its shadow price."""
    cuts = result.cuts if result.cuts is not None else None
    if cuts is not None and len(cuts):
        cuts = cuts.assign(reason=[_cut_reason(str(r)) for r in cuts["reason"]])
        section.tables.append(
            Table.from_frame(
                "cuts",
                plain(
                    f"Kutt i forhold til dagens beredskap ({len(cuts)}, vitale først)",
                    f"Cuts against today's preparedness ({len(cuts)}, vital first)",
                ),
                cuts,
                [
                    Column("atc_code"),
                    Column("name"),
                    Column("criticality"),
                    Column("today_weeks", "float1", plain("Uker i dag", "Weeks today")),
                    Column("plan_weeks", "float1", plain("Uker anbefalt", "Weeks recommended")),
                    Column(
                        "today_reservations", "text", plain("Avtaler i dag", "Agreements today")
                    ),
                    Column(
                        "plan_reservations",
                        "text",
                        plain("Avtaler anbefalt", "Agreements recommended"),
                    ),
                    Column("cost_saved_per_year", "money", plain("Spart per år", "Saved a year")),
                    Column(
                        "loss_added_per_year",
                        "money",
                        plain("Tap lagt til per år", "Loss added a year"),
                    ),
                    Column("loss_added_se_per_year", "money", plain("± SE", "± SE")),
                    Column("reason", "i18n", plain("Hva", "What")),
                ],
            )
        )
    floors = result.floors if result.floors is not None else None
    if floors is not None and len(floors):
        floors = floors.assign(
            floor=[
                {"nb": str(nb), "en": str(en)}
                for nb, en in zip(
                    floors.get("floor_nb", floors["floor"]), floors["floor"], strict=True
                )
            ]
        )
        section.tables.append(
            Table.from_frame(
                "floors",
                plain(
                    "Gulv i beredskapspolitikken og hva de koster",
                    "Floors of the preparedness policy and what they cost",
                ),
                floors,
                [
                    Column("floor", "i18n", plain("Gulv", "Floor")),
                    Column("substances", "int", plain("Virkestoff", "Substances")),
                    Column("today_below", "int", plain("Under i dag", "Below today")),
                    Column("plan_below", "int", plain("Under i planen", "Below in the plan")),
                    Column(
                        "shadow_price",
                        "money",
                        plain("Skyggepris (tap per år)", "Shadow price (loss a year)"),
                    ),
                ],
            )
        )


def _action_what(rec: dict[str, Any], currency: str) -> Text:
    """The change of one shortlist row in words, in both languages."""
    weeks = {k: Num(rec[f"{k}_weeks"], "float1") for k in ("today", "plan")}
    parts: list[Text] = []
    extra = float(rec["extra_stock_ddd"])
    if extra < -1e-6:
        parts.append(t("act_cut", today=weeks["today"], plan=weeks["plan"]))
    elif extra > 1e-6:
        parts.append(
            t(
                "act_add_stock",
                today=weeks["today"],
                plan=weeks["plan"],
                extra=Num(extra, "compact2"),
            )
        )
    if rec.get("agreements_added"):
        parts.append(
            t(
                "act_add_agreement",
                ids=rec["agreements_added"],
                reserved=Num(rec["reserved_ddd_per_day_added"], "int"),
            )
        )
    if rec.get("agreements_dropped"):
        parts.append(t("act_dropped", ids=rec["agreements_dropped"]))
    cost = float(rec["cost_change_per_year"])
    if cost < 0:
        parts.append(t("act_saves", saved=Num(-cost, "money_compact", currency)))
    return {lang: "; ".join(p[lang] for p in parts) for lang in ("nb", "en")}


def _action_table(section: Section, analyses: Analyses, result: Any) -> None:
    """Every cut to a vital substance, then the ten changes that avoid the most loss."""
    actions = result.actions
    if actions is None or not len(actions):
        return
    currency = analyses.dataset.currency
    rows = []
    for rec in actions.to_dict(orient="records"):
        row = dict(rec)
        row["what"] = _action_what(rec, currency)
        rows.append(row)
    n_top = int((actions["criticality"].ne("vital") | actions["action"].ne("cut")).sum())
    headroom = getattr(analyses.plan_model, "supply_headroom", 0.1)
    section.tables.append(
        Table(
            "actions",
            t("act_table", n=Num(n_top, "int")),
            [
                Column("rank", "int", plain("Nr.", "No.")),
                Column("atc_code"),
                Column("name"),
                Column("criticality"),
                Column("action", "code", plain("Tiltak", "Action")),
                Column("what", "i18n", plain("Endring", "Change")),
                Column(
                    "cost_change_per_year",
                    "money",
                    plain(f"Kostnad per år ({currency})", f"Cost a year ({currency})"),
                ),
                Column("extra_stock_ddd", "ddd", plain("Ekstra lager (DDD)", "Extra stock (DDD)")),
                Column(
                    "reserved_ddd_per_day_added",
                    "ddd",
                    plain("Reservert (DDD/dag)", "Reserved (DDD/day)"),
                ),
                Column("build_up_days", "days", plain("Oppbygging (dager)", "Build-up (days)")),
                Column("response_days", "days", plain("Responstid (dager)", "Response (days)")),
                Column(
                    "loss_avoided_per_year",
                    "money",
                    plain(f"Unngått tap per år ({currency})", f"Loss avoided a year ({currency})"),
                ),
                Column("loss_avoided_se_per_year", "money", plain("± SE", "± SE")),
                Column(
                    "shortage_days_avoided_per_year",
                    "float1",
                    plain("Unngåtte mangeldager per år", "Shortage-days avoided a year"),
                ),
            ],
            rows,
            note=t("act_note", headroom=Num(headroom, "pct")),
        )
    )


def _objective_text(objective: Any) -> Text | None:
    """What the optimiser minimised, in both languages."""
    if objective is None:
        return None
    if objective.name == "loss-capped":
        return t(
            "rec_objective_capped",
            cap=Num(objective.vital_risk_cap, "pct"),
            achieved=Num(objective.achieved, "pct"),
        )
    if objective.name == "vital-days":
        return t("rec_objective_vital_days")
    return t("rec_objective_loss")


def recommendations_section(analyses: Analyses) -> Section:
    """Recommended stock weeks and agreements per substance, today's plan beside them."""
    result = analyses.plan
    if result is None or analyses.budget is None:
        return unavailable("recommendations", analyses.absent.get("plan", "not computed"))
    currency = analyses.dataset.currency
    subs = result.substances
    section = Section("recommendations")
    changed = int(subs["changed"].sum())
    section.paragraphs.append(
        t(
            "rec_lead",
            budget=Num(analyses.budget.amount, "money_compact", currency),
            changed=Num(changed, "int"),
        )
    )
    section.paragraphs.extend(both(n) for n in result.notes)
    objective = _objective_text(result.objective)
    if objective is not None:
        section.paragraphs.append(objective)
    if analyses.plan_library:
        weights = {
            lang: ", ".join(
                f"{name_nb if lang == 'nb' else name} {Num(p, 'pct').render(lang)}"
                for name, p, name_nb in analyses.plan_library
            )
            for lang in ("nb", "en")
        }
        section.paragraphs.append(t("rec_library", weights=weights))
    _action_table(section, analyses, result)
    _severity_table(section, result)
    _cut_and_floor_tables(section, result)
    weeks_today = _today_weeks(analyses)
    rows = []
    for rec in subs.to_dict(orient="records"):
        rows.append(
            {
                "atc_code": rec["atc_code"],
                "name": rec["name"],
                "criticality": rec["criticality"],
                "demand_ddd_per_day": rec["demand_ddd_per_day"],
                "today": both(str(rec["today"])),
                "chosen": both(str(rec["chosen"])),
                "weeks_today": weeks_today.get(rec["atc_code"]),
                "weeks_plan": rec["chosen_weeks"],
                "agreement_plan": rec["chosen_reservations"],
                "cost_today": rec["today_annual_cost"],
                "cost_plan": rec["chosen_annual_cost"],
                "loss_today": rec["today_loss_per_year"],
                "loss_plan": rec["chosen_loss_per_year"],
                "loss_avoided_per_year": rec["loss_avoided_vs_today"],
                "changed": rec["changed"],
            }
        )
    rows.sort(key=lambda r: (not r["changed"], -(r["loss_avoided_per_year"] or 0.0), r["atc_code"]))
    summary = [
        {
            "plan": "today",
            "annual_cost": result.today.annual_cost,
            "expected_loss_per_year": result.today.expected_loss_per_year,
            "expected_loss_se_per_year": result.today.expected_loss_se_per_year,
            "p_any_vital_shortage": result.today.p_any_vital_shortage,
        },
        {
            "plan": "recommended",
            "annual_cost": result.chosen.annual_cost,
            "expected_loss_per_year": result.chosen.expected_loss_per_year,
            "expected_loss_se_per_year": result.chosen.expected_loss_se_per_year,
            "p_any_vital_shortage": result.chosen.p_any_vital_shortage,
        },
    ]
    from beredt.views.sections.headline import headline_figures

    figures = headline_figures(analyses)
    for name, cost, side in (
        ("today, headline simulation", result.today.annual_cost, "today"),
        ("recommended, headline simulation", result.chosen.annual_cost, "plan"),
    ):
        if figures:
            f = figures[side]
            summary.append(
                {
                    "plan": name,
                    "annual_cost": cost,
                    "expected_loss_per_year": f["weighted_loss"]["mean"],
                    "expected_loss_se_per_year": f["weighted_loss"]["se"],
                    "p_any_vital_shortage": f["p_any_vital_shortage"],
                }
            )
    section.kpis.extend(
        [
            Kpi(
                "changed",
                plain("Virkestoff med endret beredskap", "Substances whose preparedness changes"),
                changed,
                "int",
            ),
            Kpi("cost_plan", t("kpi_cost_plan"), result.chosen.annual_cost, "money"),
            Kpi(
                "vital_cuts",
                plain("Kutt i vitale virkestoff", "Cuts to vital substances"),
                int((result.cuts["criticality"] == "vital").sum())
                if result.cuts is not None
                else 0,
                "int",
            ),
        ]
    )
    section.data["mip_gap"] = result.solve.gap
    section.tables.append(
        Table(
            "summary",
            t("rec_summary"),
            [
                Column("plan", "code", plain("Plan", "Plan")),
                Column("annual_cost", "money"),
                Column("expected_loss_per_year", "money"),
                Column("expected_loss_se_per_year", "money"),
                Column("p_any_vital_shortage", "pct"),
            ],
            summary,
            note=plain(
                "«i dag» og «anbefalt»: optimeringens eget anslag (virkestoff for seg, veid over "
                "stresscenarioene); «…, hovedsimuleringen»: tallene på første side (delte linjer "
                "og alternativer, bakgrunnsrisiko).",
                "“today” and “recommended”: the optimiser's own estimate (substances one by one, "
                "weighed over the stress scenarios); “…, headline simulation”: the figures of the "
                "first page (shared lines and alternatives, background hazards).",
            ),
        )
    )
    changed_rows = [r for r in rows if r["changed"]]
    if changed_rows:
        section.figures.append(Figure("weeks", t("rec_chart"), png=_weeks_chart(changed_rows)))
    section.tables.append(
        Table(
            "by_substance",
            t("rec_table"),
            [
                Column("atc_code"),
                Column("name"),
                Column("criticality"),
                Column("demand_ddd_per_day", "ddd"),
                Column("today", "i18n", plain("I dag", "Today")),
                Column("chosen", "i18n", plain("Anbefalt", "Recommended")),
                Column("weeks_today", "float1"),
                Column("weeks_plan", "float1"),
                Column("agreement_plan"),
                Column("cost_today", "money"),
                Column("cost_plan", "money"),
                Column("loss_today", "money"),
                Column("loss_plan", "money"),
                Column("loss_avoided_per_year", "money"),
                Column("changed", "bool", plain("Endret", "Changed")),
            ],
            rows,
        )
    )
    section.tables.append(
        Table.from_frame(
            "lines",
            t("rec_lines"),
            result.lines,
            [
                Column("line_id"),
                Column("company_id", "text", plain("Selskap", "Company")),
                Column("today_load", "pct", plain("Belastning i dag", "Load today")),
                Column("load", "pct", plain("Belastning anbefalt", "Load recommended")),
            ],
        )
    )
    section.data["solve_status"] = result.solve.status
    return section


def _offers_chart(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    shown = [r for r in rows if r["loss_avoided_per_fee"] is not None][:25]
    labels = [f"{r['reservation_id']} {r['substance']}"[:36] for r in shown]
    values = np.array([r["loss_avoided_per_fee"] for r in shown], dtype=float)
    in_plan = [bool(r["in_plan"]) for r in shown]

    def build(lang: str) -> Any:
        fig = new_figure(8.0, max(2.4, 0.34 * len(shown) + 1.2))
        ax = fig.add_subplot()
        y = np.arange(len(shown))
        colours = [PRIMARY if p else "#9dc3e6" for p in in_plan]
        ax.barh(y, values, color=colours, height=0.65)
        ax.axvline(1.0, color=ACCENT, linestyle=":", linewidth=1)
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(t("offers_chart")[lang])
        style_axes(ax)
        return fig

    return per_lang_png(build)


def _offer_why(rec: dict[str, Any], currency: str) -> Text:
    """Why an offer is or is not in the plan, in both languages (from the optimiser's code)."""
    code = str(rec.get("why_code") or "")
    if f"why_{code}" not in MESSAGES:
        return same(str(rec.get("why", "")))

    def money(key: str) -> Num:
        return Num(rec.get(key), "money_compact", currency)

    return t(
        f"why_{code}",
        floor={"nb": str(rec.get("why_floor_nb") or ""), "en": str(rec.get("why_floor") or "")},
        weeks=Num(rec.get("why_floor_weeks"), "float1"),
        avoided=money("loss_avoided_per_year"),
        fee=money("annual_fee"),
        even=money("break_even_fee"),
        per_fee=Num(rec.get("loss_avoided_per_fee"), "float2"),
        price=Num(rec.get("budget_shadow_price"), "float2"),
    )


def offers_section(analyses: Analyses) -> Section:
    """What each domestic offer and agreement is worth to the country at the chosen budget."""
    result = analyses.plan
    if result is None:
        return unavailable("offers", analyses.absent.get("plan", "not computed"))
    section = Section("offers")
    section.paragraphs.append(t("offers_lead"))
    values = result.offer_values
    rows: list[dict[str, Any]] = (
        [{str(k): v for k, v in r.items()} for r in values.to_dict(orient="records")]
        if len(values)
        else []
    )
    for r in rows:
        r["why_words"] = _offer_why(r, analyses.dataset.currency)
    if rows:
        section.figures.append(Figure("value_per_fee", t("offers_chart"), png=_offers_chart(rows)))
    section.kpis.append(
        Kpi(
            "offers",
            plain("Tilbud og avtaler vurdert", "Offers and agreements assessed"),
            len(rows),
            "int",
        )
    )
    section.kpis.append(
        Kpi(
            "in_plan",
            plain("I anbefalt plan", "In the recommended plan"),
            int(sum(bool(r["in_plan"]) for r in rows)),
            "int",
        )
    )
    section.tables.append(
        Table(
            "values",
            t("offers_table"),
            [
                Column("rank", "int"),
                Column("reservation_id", "text", plain("Tilbud/avtale", "Offer/agreement")),
                Column("kind", "text", plain("Type", "Kind")),
                Column("producer", "text", plain("Produsent", "Producer")),
                Column("line_id"),
                Column("atc_code"),
                Column("substance"),
                Column("criticality"),
                Column("reserved_ddd_per_day", "ddd"),
                Column("response_days", "int"),
                Column("annual_fee", "money"),
                Column("in_plan", "bool", plain("I planen", "In the plan")),
                Column("loss_avoided_per_year", "money"),
                Column(
                    "loss_avoided_per_fee",
                    "float2",
                    plain("Unngått tap per krone", "Loss avoided per unit of fee"),
                ),
                Column(
                    "marginal_value_per_year",
                    "money",
                    plain("Marginalverdi per år", "Marginal value per year"),
                ),
                Column(
                    "marginal_value_per_fee",
                    "float2",
                    plain("Marginalverdi per krone", "Marginal value per unit of fee"),
                ),
                Column("break_even_fee", "money", plain("Break-even-avgift", "Break-even fee")),
                Column("why_words", "i18n", plain("Hvorfor", "Why")),
            ],
            rows,
            note=plain(
                "Unngått tap: tilbudet lagt til planens lager for virkestoffet. Marginalverdi: "
                "optimalt tap uten tilbudet minus med det (kontinuerlig relaksering).",
                "Loss avoided: the offer added to the plan's stock for its substance. Marginal "
                "value: optimal loss without the offer minus with it (continuous relaxation).",
            ),
        )
    )
    excluded = result.excluded_offers
    section.tables.append(
        Table.from_frame(
            "excluded",
            plain("Tilbud som ikke kunne vurderes", "Offers that could not be assessed"),
            excluded,
            [
                Column("reservation_id", "text", plain("Tilbud/avtale", "Offer/agreement")),
                Column("atc_code"),
                Column("reason"),
            ],
        )
    )
    return section
