"""Sections that need only the dataset: dataset overview, days of supply, methods and sources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from beredt.domain.dataset import TIERS
from beredt.views.charts import TIER_COLOURS, nice_cap, per_lang_png, stacked_barh
from beredt.views.fmt import CODE_LABELS, Num
from beredt.views.i18n import ENTITY_NAMES, PARAMETERS, Text, plain, same, t
from beredt.views.model import Column, Figure, Kpi, Section, Table

if TYPE_CHECKING:
    from beredt.app.analyses import Analyses

#: Codes that can be parameter values, in both languages.
CODE_LABELS_TEXT: dict[str, Text] = {k: {"nb": nb, "en": en} for k, (nb, en) in CODE_LABELS.items()}

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
            title={"nb": meta.title_nb or meta.title, "en": meta.title},
            country=meta.country,
            as_of=ds.as_of.isoformat(),
            currency=meta.currency,
        )
    )
    if meta.illustrative:
        section.paragraphs.append(t("illustrative"))
    from babel import Locale

    country = {
        lang: str(Locale(lang).territories.get(meta.country, meta.country)) for lang in ("nb", "en")
    }
    population = Num(meta.population, "int") if meta.population is not None else None
    info: list[dict[str, Any]] = [
        {"item": "title", "value": {"nb": meta.title_nb or meta.title, "en": meta.title}},
        {"item": "country", "value": country},
        {"item": "currency", "value": same(meta.currency)},
        {"item": "as_of", "value": same(ds.as_of.isoformat())},
        {"item": "schema_version", "value": same(str(meta.schema_version))},
        {
            "item": "population",
            "value": {
                lang: population.render(lang) if population else "–" for lang in ("nb", "en")
            },
        },
        {
            "item": "illustrative",
            "value": plain("ja", "yes") if meta.illustrative else plain("nei", "no"),
        },
        {"item": "fingerprint", "value": same(ds.fingerprint)},
    ]
    for row in info:
        pair = ABOUT[row["item"]]
        row["label"] = {"nb": pair[0], "en": pair[1]}
    section.tables.append(
        Table(
            "about",
            plain("Om datasettet", "About the dataset"),
            [
                Column("label", "i18n", plain("Opplysning", "Item")),
                Column("value", "i18n", plain("Verdi", "Value")),
                Column("item", "text", plain("Nøkkel", "Key")),
            ],
            info,
        )
    )
    counts = [
        {
            "label": dict(zip(("nb", "en"), ENTITY_NAMES.get(stem, (stem, stem)), strict=True)),
            "file": f"{stem}.csv",
            "rows": n,
        }
        for stem, n in ds.bundle.counts().items()
    ]
    section.tables.append(
        Table(
            "counts",
            t("table_counts"),
            [
                Column("label", "i18n", plain("Tabell", "Table")),
                Column("file", "text", plain("Fil", "File")),
                Column("rows", "int"),
            ],
            counts,
        )
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


#: The dataset's facts (bundle.toml keys) → (bokmål, English) label.
ABOUT: dict[str, tuple[str, str]] = {
    "title": ("Tittel", "Title"),
    "country": ("Land", "Country"),
    "currency": ("Valuta", "Currency"),
    "as_of": ("Per dato", "As of"),
    "schema_version": ("Formatversjon", "Schema version"),
    "population": ("Befolkning", "Population"),
    "illustrative": ("Illustrative data", "Illustrative data"),
    "fingerprint": ("Fingeravtrykk", "Fingerprint"),
}

_PARAMETER_COLUMNS = [
    Column("label", "i18n", plain("Parameter", "Parameter")),
    Column("value", "i18n", plain("Verdi", "Value")),
    Column("key", "text", plain("Nøkkel", "Key")),
]

_MONEY_PARAMETERS = {"budget", "budget_used", "today_cost", "value_per_patient_day"}


def _flat(mapping: Any, prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in sorted(dict(mapping).items()):
        if isinstance(value, dict) and value:
            pairs.extend(_flat(value, f"{prefix}{key}."))
        else:
            pairs.append((f"{prefix}{key}", value))
    return pairs


def _parameter_value(key: str, value: Any, analyses: Analyses) -> Text:
    """A parameter's value as a reader would write it, in both languages."""
    from beredt.plan.parameters import CoverRule

    currency = analyses.dataset.currency
    if value is None or value == {}:
        return plain("standard", "default")
    if isinstance(value, bool):
        return plain("ja" if value else "nei", "yes" if value else "no")
    if key == "cover_rules" and isinstance(value, list):
        rules = [CoverRule(**{**r, "atc": tuple(r.get("atc", ()))}) for r in value]
        return {
            "nb": "; ".join(r.label_nb for r in rules),
            "en": "; ".join(r.label for r in rules),
        }
    if key == "policy" and analyses.plan is not None and analyses.plan.policy:
        policy = analyses.plan.policy
        return {"nb": str(policy.get("name_nb") or value), "en": str(value)}
    if key == "library" and isinstance(value, list):
        names_nb = {name: nb for name, _p, nb in analyses.plan_library}
        return {
            lang: "; ".join(
                f"{names_nb.get(e['scenario'], e['scenario']) if lang == 'nb' else e['scenario']}"
                f" {Num(e['weight'], 'pct').render(lang)}"
                for e in value
            )
            for lang in ("nb", "en")
        }
    if isinstance(value, (list, tuple)):
        return {
            lang: ", ".join(
                Num(v, "float").render(lang) if isinstance(v, (int, float)) else str(v)
                for v in value
            )
            for lang in ("nb", "en")
        }
    if isinstance(value, (int, float)):
        kind = "money" if key.rsplit(".", 1)[-1] in _MONEY_PARAMETERS else "float"
        if kind == "float" and float(value).is_integer():
            kind = "int"
        number = Num(value, kind, currency)
        return {lang: number.render(lang) for lang in ("nb", "en")}
    return CODE_LABELS_TEXT.get(str(value)) or same(str(value))


def _parameter_row(key: str, value: Any, analyses: Analyses) -> dict[str, Any]:
    label = PARAMETERS.get(key) or PARAMETERS.get(key.rsplit(".", 1)[-1])
    return {
        "label": {"nb": label[0], "en": label[1]} if label else same(key),
        "value": _parameter_value(key, value, analyses),
        "key": key,
    }


def methods_section(analyses: Analyses) -> Section:
    """Methods, parameters of the run and the sources the bundle cites."""
    ds = analyses.dataset
    params = analyses.parameters
    section = Section("methods")
    section.paragraphs.append(t("methods_lead"))
    models = ["method_dos", "method_risk", "method_sim", "method_plan", "method_respond"]
    models.append("method_industry")
    if analyses.measures is not None:
        models.append("method_measures")
    if analyses.investments is not None:
        models.append("method_invest")
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
        {
            "source": s.name,
            "url": s.url or "",
            "note": {"nb": s.note_nb or s.note or "", "en": s.note or ""},
        }
        for s in ds.bundle.meta.sources
    ]
    section.tables.append(
        Table(
            "sources",
            t("methods_sources"),
            [Column("source"), Column("url"), Column("note", "i18n")],
            sources,
        )
    )
    run_values = dict(vars(params))
    if budget is not None:
        run_values["budget_used"] = budget.amount
        run_values["today_cost"] = budget.today_cost
    section.tables.append(
        Table(
            "parameters",
            t("methods_parameters"),
            _PARAMETER_COLUMNS,
            [_parameter_row(k, v, analyses) for k, v in sorted(run_values.items())],
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
                _PARAMETER_COLUMNS,
                [_parameter_row(k, v, analyses) for k, v in _flat(plan_parameters)],
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
