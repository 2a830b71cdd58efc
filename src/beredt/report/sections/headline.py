"""Headline section: the key figures of the whole report on one row of tiles."""

from __future__ import annotations

from beredt.report.analyses import Analyses
from beredt.report.fmt import Num
from beredt.report.i18n import t
from beredt.report.model import Kpi, Section
from beredt.report.sections.base import days_by_tier


def headline_section(analyses: Analyses) -> Section:
    """Substances at risk, cover, expected patient-days without treatment today vs the plan, cost."""
    ds = analyses.dataset
    params = analyses.parameters
    section = Section("headline")
    kpis: list[Kpi] = [Kpi("substances", t("kpi_substances"), ds.n_substances, "int")]
    at_risk = None
    if analyses.risk is not None:
        at_risk = int((analyses.risk.substances["score"] >= params.risk_threshold).sum())
        kpis.append(Kpi("at_risk", t("kpi_at_risk"), at_risk, "int"))
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
    n_open = len(ds.open_shortages)
    kpis.append(Kpi("open_shortages", t("kpi_open_shortages"), n_open, "int"))
    from beredt.report.sections.planning import plan_headline

    plan_kpis, plan_text = plan_headline(analyses)
    kpis.extend(plan_kpis)
    section.kpis = kpis
    section.paragraphs.append(
        t(
            "headline_lead",
            n=Num(ds.n_substances, "int"),
            country=ds.country,
            as_of=ds.as_of.isoformat(),
            at_risk=Num(at_risk, "int") if at_risk is not None else "–",
            threshold=Num(params.risk_threshold, "int"),
            open=Num(n_open, "int"),
        )
    )
    if plan_text is not None:
        section.paragraphs.append(plan_text)
    if analyses.calibration is not None and analyses.hazards_source == "calibrated":
        section.paragraphs.append(
            t("headline_calibrated", provenance=analyses.calibration.provenance)
        )
    return section
