"""Headline section: one set of key figures, each defined, with its uncertainty.

Every figure on this page that speaks of the future comes from **one simulation, the headline
simulation**: the calibrated hazards (fitted to the shortage record), today's open notices and
stock, twelve months, joint mode (shared production lines, therapeutic alternatives), today's
plan and the recommended plan on the same draws (common random numbers). It is the optimiser's
joint re-evaluation. Other numbers in the report are labelled as what they are: the
optimiser's own estimate (substances one by one, over the weighted stress library), and the
scenario library's what-ifs (conditional on each scenario happening).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from beredt.views.fmt import Num, round_sig, round_to_uncertainty
from beredt.views.i18n import plain, t
from beredt.views.model import Column, Kpi, Section, Table
from beredt.views.phrases import calibration_provenance
from beredt.views.sections.base import days_by_tier

if TYPE_CHECKING:
    from beredt.app.analyses import Analyses

#: Share of substances in the top vulnerability band shown on the first screen.
TOP_BAND_SHARE = 0.10
#: The interval shown with every headline figure.
INTERVAL = (5.0, 95.0)


def value_per_patient_day(analyses: Analyses) -> float | None:
    """The money a patient-day without treatment is valued at in the plan (None: no plan)."""
    model = analyses.plan_model
    return None if model is None else float(model.parameters.value_per_patient_day)


def headline_simulation(analyses: Analyses) -> Any:
    """The joint simulation of the recommended plan (option 0) and today's (option 1)."""
    plan = analyses.plan
    if plan is None or plan.reevaluation is None:
        return None
    return plan.reevaluation.result


def _interval(values: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, standard error and 90 % interval (5th and 95th percentiles) over scenarios."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    lo, hi = np.percentile(x, INTERVAL)
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return float(x.mean()), se, float(lo), float(hi)


def headline_figures(analyses: Analyses) -> dict[str, Any]:
    """The headline figures (today, plan) as numbers with SE and 90 % interval (results.json)."""
    sim = headline_simulation(analyses)
    if sim is None:
        return {}
    out: dict[str, Any] = {
        "definition": "calibrated hazards, today's open notices and stock, "
        f"{sim.horizon_days} days, joint mode, {sim.n_scenarios} scenarios, seed {sim.seed}",
    }
    assert analyses.plan_model is not None  # the headline simulation is the plan's
    value = float(analyses.plan_model.parameters.value_per_patient_day)
    per_year = 365.0 / sim.horizon_days
    for name, k in (("plan", 0), ("today", 1)):
        sev = sim.severity(k)
        unmet = _interval(sim.national_unmet_ddd[k] * per_year)
        loss = _interval(sim.national_loss[k] * per_year * value)
        crit = {}
        for i, c in enumerate(("vital", "essential", "other")):
            crit[c] = dict(
                zip(
                    ("mean", "se", "p5", "p95"),
                    _interval(sim.unmet_by_criticality[k, :, i] * per_year),
                    strict=True,
                )
            )
        out[name] = {
            "untreated_patient_days": dict(zip(("mean", "se", "p5", "p95"), unmet, strict=True)),
            "weighted_loss": dict(zip(("mean", "se", "p5", "p95"), loss, strict=True)),
            "currency": analyses.dataset.currency,
            "p_vital_shortage_over_7_days": sev["p_vital_shortage_over_7_days"],
            "p_vital_shortage_over_7_days_se": sev["p_vital_shortage_over_7_days_se"],
            "vital_shortage_days": sev["vital_shortage_days"] * per_year,
            "vital_shortage_days_se": sev["vital_shortage_days_se"] * per_year,
            "substances_short": sev["substances_short"],
            "substances_short_se": sev["substances_short_se"],
            "untreated_ddd_by_criticality": crit,
            "p_any_vital_shortage": float(sim.any_vital_shortage[k].mean()),
        }
    return out


def _pct_detail(figure: dict[str, Any], other: dict[str, Any]) -> Any:
    return t(
        "kpi_detail_pct",
        se=Num(figure["p_vital_shortage_over_7_days_se"], "pct"),
        plan=Num(other["p_vital_shortage_over_7_days"], "pct"),
    )


def headline_section(analyses: Analyses) -> Section:
    """The key figures an authority asks for first, defined, each with its uncertainty."""
    ds = analyses.dataset
    params = analyses.parameters
    section = Section("headline")
    figures = headline_figures(analyses)
    kpis: list[Kpi] = []
    if figures:
        today, plan = figures["today"], figures["plan"]
        kpis.append(
            Kpi(
                "p_vital_over_7_days",
                t("kpi_p_vital_over_7"),
                today["p_vital_shortage_over_7_days"],
                "pct",
                detail=_pct_detail(today, plan),
            )
        )
        vd = round_to_uncertainty(today["vital_shortage_days"], today["vital_shortage_days_se"])
        kpis.append(
            Kpi(
                "vital_shortage_days",
                t("kpi_vital_days"),
                vd,
                "float1",
                detail=t(
                    "kpi_detail_se_plan",
                    se=Num(today["vital_shortage_days_se"], "float1"),
                    plan=Num(plan["vital_shortage_days"], "float1"),
                ),
            )
        )
        for key, side, label in (
            ("unmet_today", today, "kpi_unmet_today"),
            ("unmet_plan", plan, "kpi_unmet_plan"),
        ):
            u = side["untreated_patient_days"]
            kpis.append(
                Kpi(
                    key,
                    t(label),
                    round_to_uncertainty(u["mean"], u["se"]),
                    "ddd",
                    detail=t(
                        "kpi_detail_interval",
                        lo=Num(u["p5"], "compact2"),
                        hi=Num(u["p95"], "compact2"),
                    ),
                )
            )
        kpis.append(
            Kpi(
                "substances_short",
                t("kpi_substances_short"),
                round_to_uncertainty(today["substances_short"], today["substances_short_se"]),
                "float1",
                detail=t(
                    "kpi_detail_se_plan",
                    se=Num(today["substances_short_se"], "float1"),
                    plan=Num(plan["substances_short"], "float1"),
                ),
            )
        )
    if analyses.plan is not None:
        result = analyses.plan
        kpis.append(Kpi("cost_today", t("kpi_cost_today"), result.today.annual_cost, "money"))
        kpis.append(Kpi("cost_plan", t("kpi_cost_plan"), result.chosen.annual_cost, "money"))
        if figures:
            for key, side, label in (
                ("loss_today", figures["today"], "kpi_weighted_loss_today"),
                ("loss_plan", figures["plan"], "kpi_weighted_loss_plan"),
            ):
                w = side["weighted_loss"]
                kpis.append(
                    Kpi(
                        key,
                        t(label),
                        round_to_uncertainty(w["mean"], w["se"]),
                        "money",
                        detail=t(
                            "kpi_detail_interval_money",
                            lo=Num(round_sig(w["p5"], 2), "money_compact", ds.currency),
                            hi=Num(round_sig(w["p95"], 2), "money_compact", ds.currency),
                        ),
                    )
                )
    top_n = top_band = None
    if analyses.risk is not None:
        scores = analyses.risk.substances["score"].to_numpy(dtype=float)
        top_n = max(1, round(TOP_BAND_SHARE * len(scores)))
        top_band = float(np.sort(scores)[::-1][top_n - 1])
        top = analyses.risk.substances.sort_values("score", ascending=False).head(top_n)
        vital_top = int((top["criticality"] == "vital").sum())
        kpis.append(
            Kpi(
                "top_decile",
                t("kpi_top_decile", score=Num(top_band, "score")),
                top_n,
                "int",
                detail=t("kpi_top_decile_detail", vital=Num(vital_top, "int")),
            )
        )
    open_now = ds.open_shortages
    overdue = int(
        sum(
            1
            for end in open_now["expected_end_date"]
            if end is not None
            and not (isinstance(end, float) and math.isnan(end))
            and end < ds.as_of
        )
    )
    kpis.append(
        Kpi(
            "open_shortages",
            t("kpi_open_shortages"),
            len(open_now),
            "int",
            detail=t("kpi_overdue", n=Num(overdue, "int")),
        )
    )
    frame = days_by_tier(analyses)
    low = int(
        ((frame["criticality"] == "vital") & (frame["days_total"] < params.low_cover_days)).sum()
    )
    kpis.append(
        Kpi(
            "vital_low_cover",
            t("kpi_low_cover", days=Num(params.low_cover_days, "days")),
            low,
            "int",
        )
    )
    if analyses.backtest is not None and analyses.backtest.cuts:
        kpis.append(
            Kpi(
                "brier_skill",
                t("kpi_cal_skill"),
                analyses.backtest.summary()["mean_brier_skill"],
                "float2",
            )
        )
    kpis.append(Kpi("substances", t("kpi_substances"), ds.n_substances, "int"))
    section.kpis = kpis
    section.paragraphs.append(
        t(
            "headline_lead2",
            n=Num(ds.n_substances, "int"),
            country=ds.country,
            as_of=ds.as_of.isoformat(),
            open=Num(len(open_now), "int"),
        )
    )
    if figures:
        sim = headline_simulation(analyses)
        section.paragraphs.append(
            t(
                "headline_definitions",
                n=Num(sim.n_scenarios, "int"),
                days=Num(sim.horizon_days, "int"),
                value=Num(value_per_patient_day(analyses), "money_compact", ds.currency),
            )
        )
    if analyses.calibration is not None and analyses.hazards_source == "calibrated":
        section.paragraphs.append(
            t("headline_calibrated", provenance=calibration_provenance(analyses.calibration))
        )
    section.paragraphs.append(t("headline_other_numbers"))
    if figures:
        rows = []
        for c in ("vital", "essential", "other"):
            a = figures["today"]["untreated_ddd_by_criticality"][c]
            b = figures["plan"]["untreated_ddd_by_criticality"][c]
            rows.append(
                {
                    "criticality": c,
                    "today": round_to_uncertainty(a["mean"], a["se"]),
                    "today_p5": round_sig(a["p5"], 2),
                    "today_p95": round_sig(a["p95"], 2),
                    "today_se": round_sig(a["se"], 2),
                    "plan": round_to_uncertainty(b["mean"], b["se"]),
                    "plan_p5": round_sig(b["p5"], 2),
                    "plan_p95": round_sig(b["p95"], 2),
                    "plan_se": round_sig(b["se"], 2),
                }
            )
        section.tables.append(
            Table(
                "by_criticality",
                t("headline_by_criticality"),
                [
                    Column("criticality", "code"),
                    Column("today", "ddd", plain("I dag, forventet", "Today, expected")),
                    Column("today_p5", "ddd", plain("I dag, 5 %", "Today, 5 %")),
                    Column("today_p95", "ddd", plain("I dag, 95 %", "Today, 95 %")),
                    Column("today_se", "ddd", plain("I dag, ± SE", "Today, ± SE")),
                    Column(
                        "plan", "ddd", plain("Med planen, forventet", "With the plan, expected")
                    ),
                    Column("plan_p5", "ddd", plain("Med planen, 5 %", "With the plan, 5 %")),
                    Column("plan_p95", "ddd", plain("Med planen, 95 %", "With the plan, 95 %")),
                    Column("plan_se", "ddd", plain("Med planen, ± SE", "With the plan, ± SE")),
                ],
                rows,
                note=t("headline_by_criticality_note"),
            )
        )
    section.data["headline"] = figures
    if top_band is not None:
        section.data["top_band"] = {
            "share": TOP_BAND_SHARE,
            "substances": top_n,
            "score_at_least": top_band,
        }
    return section
