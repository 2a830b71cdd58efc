"""Assemble the :class:`~beredt.views.model.Report` and the raw results from the analyses."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import beredt
from beredt.results import to_jsonable
from beredt.views.model import Report, Section
from beredt.views.sections.base import dataset_section, days_of_supply_section, methods_section
from beredt.views.sections.calibration import calibration_section
from beredt.views.sections.headline import headline_section
from beredt.views.sections.industry import industry_section
from beredt.views.sections.measures import measures_section
from beredt.views.sections.planning import (
    frontier_section,
    offers_section,
    recommendations_section,
    scenarios_section,
)
from beredt.views.sections.sensitivity import sensitivity_section
from beredt.views.sections.shortages import shortages_section
from beredt.views.sections.vulnerability import vulnerability_section

if TYPE_CHECKING:
    from beredt.app.analyses import Analyses

#: Section keys in report order (= the keys of :data:`beredt.views.i18n.SECTIONS`).
SECTION_ORDER: tuple[str, ...] = (
    "headline",
    "dataset",
    "calibration",
    "sensitivity",
    "vulnerability",
    "days_of_supply",
    "scenarios",
    "frontier",
    "recommendations",
    "offers",
    "shortages",
    "industry",
    "measures",
    "methods",
)

_BUILDERS = {
    "headline": headline_section,
    "dataset": dataset_section,
    "calibration": calibration_section,
    "sensitivity": sensitivity_section,
    "vulnerability": vulnerability_section,
    "days_of_supply": days_of_supply_section,
    "scenarios": scenarios_section,
    "frontier": frontier_section,
    "recommendations": recommendations_section,
    "offers": offers_section,
    "shortages": shortages_section,
    "industry": industry_section,
    "measures": measures_section,
    "methods": methods_section,
}


def report_meta(analyses: Analyses) -> dict[str, Any]:
    """Run metadata: software version, seed, parameters, dataset identity (no clock values)."""
    ds = analyses.dataset
    meta = ds.bundle.meta
    # the identity of the data as imported; the calibrated hazards are derived from it
    fingerprint = analyses.imported_fingerprint or ds.fingerprint
    parameters = asdict(analyses.parameters)
    if analyses.budget is not None:
        parameters["budget_used"] = analyses.budget.amount
        parameters["budget_source"] = analyses.budget.source
        parameters["today_annual_cost"] = analyses.budget.today_cost
    return {
        "software_version": beredt.__version__,
        "seed": analyses.parameters.seed,
        "parameters": parameters,
        "title": meta.title,
        "title_nb": meta.title_nb or meta.title,
        "country": meta.country,
        "currency": meta.currency,
        "as_of": ds.as_of.isoformat(),
        "illustrative": meta.illustrative,
        "fingerprint": fingerprint,
        "hazards": analyses.hazards_source,
        "analysed_fingerprint": ds.fingerprint,
        "dataset": {
            "fingerprint": fingerprint,
            "as_of": ds.as_of,
            "title": meta.title,
            "country": meta.country,
            "currency": meta.currency,
            "illustrative": meta.illustrative,
            "population": meta.population,
            "schema_version": meta.schema_version,
            "counts": ds.bundle.counts(),
            "sources": [asdict(s) for s in meta.sources],
        },
    }


def build_report(analyses: Analyses) -> Report:
    """Every section, in report order, from the analyses."""
    sections: list[Section] = [_BUILDERS[key](analyses) for key in SECTION_ORDER]
    return Report(meta=report_meta(analyses), sections=sections)


def raw_results(analyses: Analyses) -> dict[str, Any]:
    """The analyses' full results as JSON-ready data (those not computed as None)."""
    risk = analyses.risk
    return {
        "risk": to_jsonable(risk.to_json_dict()) if risk is not None else None,
        # Each simulation's summary (national and per-substance statistics), not its
        # per-scenario arrays: those are N × S numbers per scenario file.
        "scenarios": to_jsonable(
            [
                {
                    "key": s.key,
                    "name": s.name,
                    "file": s.path,
                    "description": s.description,
                    "result": s.result.to_dict(),
                    "plan_vs_today": s.stress,
                }
                for s in analyses.scenarios
            ]
        )
        if analyses.scenarios is not None
        else None,
        "plan": to_jsonable(analyses.plan),
        "frontier": to_jsonable(analyses.frontier),
        "budget": to_jsonable(analyses.budget),
        "responses": to_jsonable(analyses.responses),
        "industry": to_jsonable(analyses.industry),
        "measures": to_jsonable(analyses.measures),
        "investments": to_jsonable(analyses.investments),
        "calibration": analyses.calibration.to_dict() if analyses.calibration else None,
        "backtest": analyses.backtest.to_dict() if analyses.backtest else None,
        "outlook": analyses.outlook.to_dict() if analyses.outlook else None,
        "sensitivity": analyses.sensitivity.to_dict() if analyses.sensitivity else None,
        "hazards": analyses.hazards_source,
        "scenarios_skipped": analyses.scenarios_skipped,
        "absent": dict(sorted(analyses.absent.items())),
    }
