"""Sections that need only the dataset: dataset overview, days of supply, methods and sources."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.dataset import TIERS
from beredt.report.analyses import Analyses
from beredt.report.charts import TIER_COLOURS, nice_cap, per_lang_png, stacked_barh
from beredt.report.fmt import Num
from beredt.report.i18n import plain, t
from beredt.report.model import Column, Figure, Kpi, Section, Table

#: Order of criticality classes in tables (most critical first).
CRITICALITY_ORDER = ("vital", "essential", "other")


def days_by_tier(analyses: Analyses) -> pd.DataFrame:
    """Per substance: demand and days of supply at each tier and in total (NaN without demand)."""
    ds = analyses.dataset
    subs = ds.substances
    stock = ds.stock_ddd_by_tier()
    demand = ds.demand_ddd_per_day
    frame = pd.DataFrame(
        {
            "atc_code": subs["atc_code"].to_numpy(),
            "name": subs["name"].to_numpy(),
            "criticality": subs["criticality"].to_numpy(),
            "demand_ddd_per_day": demand,
            "stock_ddd": stock.sum(axis=1).to_numpy(dtype=float),
        }
    )
    has_demand = demand > 0
    safe = np.where(has_demand, demand, 1.0)
    for tier in TIERS:
        days = stock[tier].to_numpy(dtype=float) / safe
        frame[f"days_{tier}"] = np.where(has_demand, days, np.nan)
    frame["days_total"] = np.where(has_demand, frame["stock_ddd"].to_numpy() / safe, np.nan)
    order = np.lexsort(
        (frame["atc_code"].to_numpy(), np.nan_to_num(frame["days_total"].to_numpy(), nan=np.inf))
    )
    return frame.iloc[order].reset_index(drop=True)


def dataset_section(analyses: Analyses) -> Section:
    """Dataset overview: what the data are, how many rows each table has, criticality mix."""
    ds = analyses.dataset
    meta = ds.bundle.meta
    section = Section("dataset")
    section.paragraphs.append(
        t(
            "dataset_lead",
            title=meta.title or "",
            country=meta.country,
            as_of=ds.as_of.isoformat(),
            currency=meta.currency,
        )
    )
    if meta.illustrative:
        section.paragraphs.append(t("illustrative"))
    info: list[dict[str, Any]] = [
        {"item": "title", "value": meta.title},
        {"item": "country", "value": meta.country},
        {"item": "currency", "value": meta.currency},
        {"item": "as_of", "value": ds.as_of.isoformat()},
        {"item": "schema_version", "value": str(meta.schema_version)},
        {"item": "population", "value": "" if meta.population is None else str(meta.population)},
        {"item": "illustrative", "value": "true" if meta.illustrative else "false"},
        {"item": "fingerprint", "value": ds.fingerprint},
    ]
    section.tables.append(
        Table(
            "about",
            plain("Om datasettet", "About the dataset"),
            [Column("item"), Column("value")],
            info,
        )
    )
    counts = [{"entity": stem, "rows": n} for stem, n in ds.bundle.counts().items()]
    section.tables.append(
        Table("counts", t("table_counts"), [Column("entity"), Column("rows", "int")], counts)
    )
    subs = ds.substances
    crit_rows = []
    for crit in CRITICALITY_ORDER:
        mask = subs["criticality"] == crit
        crit_rows.append(
            {
                "criticality": crit,
                "n_substances": int(mask.sum()),
                "demand_ddd_per_day": float(subs.loc[mask, "demand_ddd_per_day"].sum()),
            }
        )
    section.tables.append(
        Table(
            "criticality",
            t("table_criticality"),
            [
                Column("criticality"),
                Column("n_substances", "int"),
                Column("demand_ddd_per_day", "ddd"),
            ],
            crit_rows,
        )
    )
    section.kpis.extend(
        [
            Kpi("substances", t("kpi_substances"), ds.n_substances, "int"),
            Kpi("products", plain("Pakninger", "Packs"), len(ds.products), "int"),
            Kpi("open_shortages", t("kpi_open_shortages"), len(ds.open_shortages), "int"),
        ]
    )
    return section


def _tier_label(tier: str) -> dict[str, str]:
    return dict(t(f"tier_{tier}"))


def days_of_supply_section(analyses: Analyses) -> Section:
    """Days of supply by tier per substance: table (lowest first) and a stacked bar chart."""
    params = analyses.parameters
    frame = days_by_tier(analyses)
    section = Section("days_of_supply")
    vital = frame["criticality"] == "vital"
    low = int((vital & (frame["days_total"] < params.low_cover_days)).sum())
    section.paragraphs.append(
        t("dos_lead", low=Num(low, "int"), days=Num(params.low_cover_days, "days"))
    )
    section.kpis.append(
        Kpi(
            "vital_low_cover",
            t("kpi_low_cover", days=Num(params.low_cover_days, "days")),
            low,
            "int",
        )
    )
    columns = [
        Column("atc_code"),
        Column("name"),
        Column("criticality"),
        Column("demand_ddd_per_day", "ddd"),
        *[Column(f"days_{tier}", "days") for tier in TIERS],
        Column("days_total", "days"),
    ]
    section.tables.append(Table.from_frame("by_substance", t("dos_table"), frame, columns))
    summary = []
    for crit in CRITICALITY_ORDER:
        part = frame[(frame["criticality"] == crit) & frame["days_total"].notna()]
        totals = part["days_total"].to_numpy(dtype=float)
        summary.append(
            {
                "criticality": crit,
                "n_substances": len(part),
                "days_median": float(np.median(totals)) if len(totals) else None,
                "n_below_30": int((totals < 30).sum()),
                "n_below_60": int((totals < 60).sum()),
            }
        )
    section.tables.append(
        Table(
            "by_criticality",
            plain("Dekning etter kritikalitet", "Cover by criticality"),
            [
                Column("criticality"),
                Column("n_substances", "int"),
                Column("days_median", "days", plain("Median dager", "Median days")),
                Column("n_below_30", "int", plain("Under 30 dager", "Below 30 days")),
                Column("n_below_60", "int", plain("Under 60 dager", "Below 60 days")),
            ],
            summary,
        )
    )
    shown = frame[frame["criticality"].isin(["vital", "essential"]) & frame["days_total"].notna()]
    shown = shown.head(30)
    if len(shown):
        labels = [f"{a} {n}"[:38] for a, n in zip(shown["atc_code"], shown["name"], strict=True)]
        cap = max(nice_cap(shown["days_total"].to_numpy(dtype=float), 0.8), 60.0)

        def build(lang: str) -> Any:
            segments = [
                (
                    _tier_label(tier)[lang],
                    shown[f"days_{tier}"].to_numpy(dtype=float),
                    TIER_COLOURS[tier],
                )
                for tier in TIERS
            ]
            return stacked_barh(
                labels, segments, t("dos_axis")[lang], lang, reference_lines=(30, 60), cap=cap
            )

        section.figures.append(
            Figure("by_tier", t("dos_chart", n=Num(len(shown), "int")), png=per_lang_png(build))
        )
    section.data["low_cover_days"] = params.low_cover_days
    return section


def flatten(mapping: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested parameters as sorted (dotted key, JSON text) pairs, for a two-column table."""
    import json

    from beredt.results import to_jsonable

    pairs: list[tuple[str, str]] = []
    for key, value in sorted(dict(mapping).items()):
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            pairs.extend(flatten(value, f"{name}."))
        else:
            pairs.append((name, json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=True)))
    return pairs


def methods_section(analyses: Analyses) -> Section:
    """Methods, parameters of the run and the sources the bundle cites."""
    ds = analyses.dataset
    params = analyses.parameters
    section = Section("methods")
    section.paragraphs.append(t("methods_lead"))
    models = ["method_dos", "method_risk", "method_sim", "method_plan", "method_respond"]
    models.append("method_industry")
    section.paragraphs.extend(t(key) for key in models)
    budget = analyses.budget
    if budget is not None and budget.source == "default" and budget.share is not None:
        section.paragraphs.append(
            t(
                "method_budget",
                share=Num(budget.share, "pct"),
                budget=Num(budget.amount, "money_compact", ds.currency),
            )
        )
    sources = [
        {"source": s.name, "url": s.url or "", "note": s.note or ""} for s in ds.bundle.meta.sources
    ]
    section.tables.append(
        Table(
            "sources",
            t("methods_sources"),
            [Column("source"), Column("url"), Column("note")],
            sources,
        )
    )
    parameter_rows = [
        {"key": k, "value": "" if v is None else str(v)} for k, v in sorted(vars(params).items())
    ]
    if budget is not None:
        parameter_rows.append({"key": "budget_used", "value": f"{budget.amount:.2f}"})
        parameter_rows.append({"key": "today_cost", "value": f"{budget.today_cost:.2f}"})
    section.tables.append(
        Table(
            "parameters",
            t("methods_parameters"),
            [Column("key"), Column("value")],
            parameter_rows,
        )
    )
    if analyses.plan is not None:
        plan_parameters = dict(analyses.plan.provenance.parameters)
        value = plan_parameters.get("value_per_patient_day")
        if value is not None:
            section.paragraphs.append(
                t("method_loss", value=Num(value, "money_compact", ds.currency))
            )
        section.tables.append(
            Table(
                "optimiser",
                plain("Parametere for optimeringen", "Parameters of the optimiser"),
                [Column("key"), Column("value")],
                [{"key": k, "value": v} for k, v in flatten(plan_parameters)],
            )
        )
    if analyses.absent:
        section.tables.append(
            Table(
                "absent",
                plain("Kapabiliteter som mangler", "Capabilities not present"),
                [Column("key"), Column("note")],
                [{"key": k, "note": v} for k, v in sorted(analyses.absent.items())],
            )
        )
    return section
