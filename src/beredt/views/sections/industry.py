"""Industry section: exports against the target, trade balance, self-sufficiency (issue 9)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from beredt.views.fmt import LANGS
from beredt.views.i18n import plain, t
from beredt.views.model import Column, Figure, Kpi, Section, Table, unavailable
from beredt.views.phrases import both

if TYPE_CHECKING:
    from beredt.app.analyses import Analyses

#: Target series shown first in the chart (the trade statistics' pharmaceutical group, else all).
PREFERRED_SERIES = ("trade:pharmaceuticals", "trade:total", "industry")


def _chart_series(result: Any) -> str | None:
    available = {tp.series: tp for tp in result.targets}
    for series in PREFERRED_SERIES:
        tp = available.get(series)
        if tp is not None and not tp.path.empty and tp.path["actual"].notna().any():
            return series
    return None


def industry_section(analyses: Analyses) -> Section:
    """Tables and charts of :func:`beredt.industry.industry_indicators`."""
    result = analyses.industry
    if result is None:
        return unavailable("industry", analyses.absent.get("industry", "industry not computed"))
    from beredt.industry import report_tables
    from beredt.views.charts import png_bytes
    from beredt.views.charts.industry import exports_target_figure, self_sufficiency_figure

    currency = analyses.dataset.currency
    section = Section("industry")
    section.paragraphs.append(t("ind_lead"))
    section.paragraphs.extend(both(note) for note in result.notes)
    tables = report_tables(result)
    series = _chart_series(result)
    if series is not None:
        target = result.target(series)
        if target.latest_year is not None:
            section.kpis.append(
                Kpi(
                    "exports_latest",
                    plain(
                        f"Eksport {target.latest_year} ({series})",
                        f"Exports {target.latest_year} ({series})",
                    ),
                    target.latest_value,
                    "money",
                )
            )
            section.kpis.append(
                Kpi(
                    "achieved_cagr",
                    plain("Oppnådd årlig vekst", "Achieved annual growth"),
                    target.achieved_cagr,
                    "pct",
                )
            )
        section.kpis.append(
            Kpi(
                "required_cagr",
                plain("Nødvendig årlig vekst", "Required annual growth"),
                target.required_cagr,
                "pct",
            )
        )
    ss = result.self_sufficiency
    if ss.total:
        section.kpis.append(
            Kpi(
                "qualified_ratio",
                plain(
                    "Selvforsyning, kvalifisert kapasitet", "Self-sufficiency, qualified capacity"
                ),
                ss.total.get("qualified_ratio"),
                "pct",
            )
        )
    section.kpis.append(
        Kpi(
            "vital_no_domestic_option",
            plain(
                "Vitale virkestoff uten innenlandsk alternativ",
                "Vital substances with no domestic option",
            ),
            len(ss.vital_without_domestic_option),
            "int",
        )
    )
    if series is not None:
        section.figures.append(
            Figure(
                "exports_target",
                plain(f"Eksport mot målet ({series})", f"Exports against the target ({series})"),
                png={
                    lang: png_bytes(exports_target_figure(result.target(series), currency, lang))
                    for lang in LANGS
                },
            )
        )
    if len(result.self_sufficiency.by_group):
        section.figures.append(
            Figure(
                "self_sufficiency",
                plain(
                    "Selvforsyning av viktige legemidler etter ATC-gruppe",
                    "Self-sufficiency in essential medicines by ATC group",
                ),
                png={lang: png_bytes(self_sufficiency_figure(result, lang)) for lang in LANGS},
            )
        )
    specs: list[tuple[str, Any, list[Column]]] = [
        (
            "targets",
            plain("Vekst mot målet", "Growth against the target"),
            [
                Column("series"),
                Column("base_year", "year"),
                Column("base_value", "money"),
                Column("target_year", "year"),
                Column("factor", "float"),
                Column("target_value", "money"),
                Column("required_cagr", "pct"),
                Column("latest_year", "year"),
                Column("latest_value", "money"),
                Column("achieved_cagr", "pct"),
                Column("gap_at_latest", "money"),
                Column("on_track", "bool"),
                Column("note"),
            ],
        ),
        (
            "trade_by_group",
            plain("Eksport, import og balanse etter varegruppe", "Exports, imports and balance"),
            [
                Column("group"),
                Column("year", "year"),
                Column("exports", "money"),
                Column("imports", "money"),
                Column("balance", "money"),
                Column("export_import_ratio", "pct", plain("Eksport/import", "Exports/imports")),
                Column("months", "int", plain("Måneder", "Months")),
            ],
        ),
        (
            "exports_by_destination",
            plain("Eksport etter mottakerland", "Exports by destination"),
            [
                Column("year", "year"),
                Column("partner_country", "text", plain("Land", "Country")),
                Column("exports", "money"),
                Column("share", "pct"),
            ],
        ),
        (
            "self_sufficiency_groups",
            plain("Selvforsyning etter ATC-gruppe", "Self-sufficiency by ATC group"),
            [
                Column("atc_group"),
                Column("atc_group_name", "i18n", plain("Gruppenavn", "Group name")),
                Column("substances", "int", plain("Virkestoff", "Substances")),
                Column("demand_ddd_per_day", "ddd"),
                Column("qualified_ratio", "pct", plain("Kvalifisert dekning", "Qualified cover")),
                Column(
                    "qualified_joint_ratio",
                    "pct",
                    plain("Kvalifisert, delte linjer", "Qualified, shared lines"),
                ),
                Column("agreed_ratio", "pct", plain("Dekning under avtale", "Cover by agreement")),
                Column(
                    "substances_without_domestic_option",
                    "int",
                    plain("Uten innenlandsk alternativ", "No domestic option"),
                ),
            ],
        ),
        (
            "vital_no_domestic_option",
            plain(
                "Vitale virkestoff uten innenlandsk alternativ",
                "Vital substances with no domestic option",
            ),
            [
                Column("atc_code"),
                Column("name"),
                Column("atc_group"),
                Column("demand_ddd_per_day", "ddd"),
                Column("who_essential", "bool", plain("WHO essensiell", "WHO essential")),
            ],
        ),
        (
            "industry",
            plain("Industritall", "Industry figures"),
            [
                Column("year", "year"),
                Column("companies", "int"),
                Column("employees", "int"),
                Column("exports_value", "money", plain("Eksportinntekter", "Export revenue")),
                Column(
                    "exports_per_employee",
                    "money",
                    plain("Eksport per ansatt", "Exports per employee"),
                ),
                Column("source", "text", plain("Kilde (sitert)", "Source (cited)")),
            ],
        ),
    ]
    for key, title, columns in specs:
        frame = tables.get(key, pd.DataFrame())
        if "atc_group_name" in frame:
            names = [both(str(v)) for v in frame["atc_group_name"]]
            frame = frame.assign(atc_group_name=pd.Series(names, index=frame.index))
        section.tables.append(Table.from_frame(key, title, frame, columns))
    section.data["chart_series"] = series
    section.data["currency"] = currency
    return section
