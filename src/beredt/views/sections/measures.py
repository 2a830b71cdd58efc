"""The four measures at a glance and the investment cases of the sample's offers (issue 20)."""

from __future__ import annotations

import math
from typing import Any

from beredt.app.analyses import Analyses
from beredt.views.charts import per_lang_png
from beredt.views.fmt import LANGS, Num, format_value
from beredt.views.i18n import (
    INDICATOR_LABELS,
    MEASURE_LABELS,
    TRIAL_LABELS,
    Text,
    pair_text,
    plain,
    t,
)
from beredt.views.model import Column, Figure, Kpi, Section, Table, unavailable
from beredt.views.phrases import both

#: Value kind of each indicator in the tables (views.fmt kinds).
_KINDS = {"int": "int", "pct": "pct", "money": "money", "ddd": "ddd", "ratio": "float2"}


def _num_text(value: Any, kind: str, currency: str) -> Text:
    """A value of an indicator as text in both languages ("–" when missing)."""
    view_kind = _KINDS.get(kind, "float")
    return {lang: format_value(value, view_kind, lang, currency) for lang in LANGS}


def _trend_text(value: Any, kind: str, currency: str) -> Text:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return dict.fromkeys(LANGS, "–")
    view_kind = {"pct": "float3", "int": "float1"}.get(kind, _KINDS.get(kind, "float"))
    out = {}
    for lang in LANGS:
        if kind == "pct":
            points = format_value(100 * value, "float1", lang, currency)
            out[lang] = (
                f"{'+' if value >= 0 else ''}{points} {'prosentpoeng' if lang == 'nb' else 'points'}"
            )
        else:
            text = format_value(value, view_kind, lang, currency)
            out[lang] = f"+{text}" if value >= 0 else text
    return out


def _glance_rows(result: Any) -> list[dict[str, Any]]:
    rows = []
    cur = result.currency
    for ind in result.indicators:
        status = ind.target
        target_text: Text = t("meas_no_target")
        standing: Text = dict.fromkeys(LANGS, "–")
        if status is not None:
            tgt = status.target
            target_text = {"nb": tgt.name_nb or tgt.name, "en": tgt.name}
            if status.on_track is True:
                standing = t("meas_on_track")
            elif status.on_track is False:
                standing = t("meas_off_track")
        latest: Text = dict.fromkeys(LANGS, "–")
        if ind.latest_year is not None:
            value = _num_text(ind.latest_value, ind.kind, cur)
            latest = {lang: f"{value[lang]} ({ind.latest_year})" for lang in LANGS}
        rows.append(
            {
                "measure": pair_text(MEASURE_LABELS, ind.measure),
                "indicator": pair_text(INDICATOR_LABELS, ind.key),
                "latest": latest,
                "trend": _trend_text(ind.trend_per_year, ind.kind, cur),
                "target": target_text,
                "standing": standing,
                "source": ind.source,
                "key": ind.key,
            }
        )
    return rows


def _series_table(result: Any) -> Table:
    """Every indicator by year, one column each (raw numbers, formatted by kind)."""
    years = sorted({int(y) for ind in result.indicators for y in ind.series["year"]})
    rows = [{"year": y} for y in years]
    by_year = dict(zip(years, rows, strict=True))
    columns = [Column("year", "year")]
    for ind in result.indicators:
        columns.append(
            Column(ind.key, _KINDS.get(ind.kind, "float"), pair_text(INDICATOR_LABELS, ind.key))
        )
        for y, v in zip(ind.series["year"], ind.series["value"], strict=True):
            by_year[int(y)][ind.key] = v
    return Table(
        "series",
        plain("Indikatorene år for år", "The indicators by year"),
        columns,
        rows,
    )


def _measures_part(section: Section, analyses: Analyses) -> None:
    result = analyses.measures
    if result is None:
        return
    from beredt.views.charts.invest import measures_figure

    cur = result.currency
    section.paragraphs.append(t("meas_lead"))
    section.paragraphs.append(
        t("meas_trend", years=Num(result.provenance.parameters["trend_years"], "int"))
    )
    section.paragraphs.extend(both(note) for note in result.notes)
    for key, label in (
        ("trials_started", None),
        ("domestic_procurement_share", None),
        ("higher_education_share", None),
        ("agreement_loss_avoided_per_fee", None),
    ):
        ind = result.indicator(key)
        if ind.latest_value is None:
            continue
        section.kpis.append(
            Kpi(
                key,
                label or pair_text(INDICATOR_LABELS, key),
                ind.latest_value,
                _KINDS.get(ind.kind, "float"),
                detail=plain(str(ind.latest_year), str(ind.latest_year)),
            )
        )
    section.figures.append(
        Figure(
            "measures",
            plain("De fire tiltakene år for år", "The four measures by year"),
            png=per_lang_png(lambda lang: measures_figure(result, lang)),
        )
    )
    section.tables.append(
        Table(
            "at_a_glance",
            plain("De fire tiltakene i korte trekk", "The four measures at a glance"),
            [
                Column("measure", "i18n"),
                Column("indicator", "i18n"),
                Column("latest", "i18n"),
                Column("trend", "i18n"),
                Column("target", "i18n"),
                Column("standing", "i18n"),
                Column("source", "text"),
                Column("key", "text", plain("Nøkkel", "Key")),
            ],
            _glance_rows(result),
        )
    )
    section.tables.append(_series_table(result))
    trial_rows = [
        {
            **{str(k): v for k, v in row.items()},
            "phase": pair_text(TRIAL_LABELS, row["phase"]),
            "sponsor_type": pair_text(TRIAL_LABELS, row["sponsor_type"]),
        }
        for row in result.trials_by_phase_sponsor.to_dict("records")
    ]
    section.tables.append(
        Table(
            "trials",
            plain(
                "Kliniske studier startet etter fase og sponsortype",
                "Clinical trials started by phase and sponsor type",
            ),
            [
                Column("year", "year"),
                Column("phase", "i18n"),
                Column("sponsor_type", "i18n"),
                Column("trials", "int"),
                Column("sites_in_country", "int"),
            ],
            trial_rows,
        )
    )
    section.tables.append(
        Table.from_frame(
            "procurement",
            plain(
                "Offentlige innkjøp etter ATC-gruppe: innenlandsk andel",
                "Public procurement by ATC group: the domestic share",
            ),
            result.procurement_by_group,
            [
                Column("year", "year"),
                Column("atc_group"),
                Column("value", "money", plain(f"Verdi ({cur})", f"Value ({cur})")),
                Column("domestic_value", "money"),
                Column("domestic_share", "pct"),
                Column("awards", "int"),
            ],
        )
    )
    section.tables.append(
        Table.from_frame(
            "agreements_by_year",
            plain("Avtaler i kraft år for år", "Agreements in force by year"),
            result.agreements_by_year,
            [
                Column("year", "year"),
                Column("agreements", "int"),
                Column("annual_fees", "money"),
                Column("reserved_ddd_per_day", "ddd"),
            ],
        )
    )
    if len(result.agreement_values):
        section.tables.append(
            Table.from_frame(
                "agreement_values",
                plain(
                    "Dagens avtaler: unngått tap per krone avgift (optimeringen)",
                    "Today's agreements: loss avoided per unit of fee (the optimiser)",
                ),
                result.agreement_values,
                [
                    Column("agreement_id"),
                    Column("atc_code"),
                    Column("reserved_ddd_per_day", "ddd"),
                    Column("annual_fee", "money"),
                    Column("loss_avoided_per_year", "money"),
                    Column("loss_avoided_per_fee", "float2"),
                ],
            )
        )
    targets = [
        {
            "indicator": pair_text(INDICATOR_LABELS, row["indicator"]),
            "kind_label": pair_text(TRIAL_LABELS, row["kind"]),
            "name_label": {"nb": row["name_nb"], "en": row["name"]},
            "base_year": row["base_year"],
            "target_year": row["target_year"],
            "factor": row["factor"],
            "value": row["value"],
            "source_label": {"nb": row["source_nb"], "en": row["source"]},
        }
        for row in result.targets
    ]
    section.tables.append(
        Table(
            "targets",
            plain(f"Målene ({result.targets_source})", f"The targets ({result.targets_source})"),
            [
                Column("indicator", "i18n"),
                Column("kind_label", "i18n"),
                Column("name_label", "i18n"),
                Column("base_year", "year"),
                Column("target_year", "year"),
                Column("factor", "float"),
                Column("value", "float"),
                Column("source_label", "i18n"),
            ],
            targets,
        )
    )


def _invest_part(section: Section, analyses: Analyses) -> None:
    result = analyses.investments
    if result is None:
        return
    from beredt.views.charts.invest import break_even_figure, npv_ranges_figure

    cur = result.currency
    params = result.parameters
    fin = params.finance
    section.paragraphs.append(
        t("inv_lead", paths=Num(params.paths, "int"), level=Num(params.level, "pct"))
    )
    depreciation = (
        t("inv_declining", rate=Num(fin.depreciation_rate, "pct"))
        if fin.depreciation == "declining"
        else t("inv_straight")
    )
    section.paragraphs.append(
        t(
            "inv_finance",
            rate=Num(fin.discount_rate, "pct"),
            state_rate=Num(fin.state_discount_rate, "pct"),
            tax=Num(fin.tax_rate, "pct"),
            depreciation=depreciation,
            cv=Num(params.sales_cv, "float2"),
            value=Num(params.value_per_patient_day, "money_compact", cur),
        )
    )
    section.paragraphs.extend(both(note) for note in result.notes)
    table = result.table()
    with_offer = table.dropna(subset=["annual_fee"])
    finite = with_offer[with_offer["break_even_fee"].map(lambda v: math.isfinite(float(v)))]
    if len(finite):
        below = int((finite["break_even_fee"] <= finite["annual_fee"]).sum())
        section.paragraphs.append(
            t(
                "inv_summary",
                below=Num(below, "int"),
                n=Num(len(finite), "int"),
                above=Num(len(finite) - below, "int"),
                offered=Num(float(finite["annual_fee"].sum()), "money_compact", cur),
                needed=Num(float(finite["break_even_fee"].sum()), "money_compact", cur),
            )
        )
        section.paragraphs.append(
            t(
                "inv_state",
                state_rate=Num(fin.state_discount_rate, "pct"),
                avoided=Num(float(with_offer["state_loss_avoided_pv"].sum()), "money_compact", cur),
                fees=Num(float(with_offer["state_fees_pv"].sum()), "money_compact", cur),
            )
        )
        section.kpis.append(
            Kpi(
                "offers_paying_enough",
                plain(
                    "Tilbud der avgiften dekker likevektsavgiften",
                    "Offers whose fee covers the break-even fee",
                ),
                below,
                "int",
            )
        )
        section.kpis.append(
            Kpi(
                "break_even_fees",
                plain("Samlet likevektsavgift per år", "Break-even fees a year in total"),
                float(finite["break_even_fee"].sum()),
                "money",
            )
        )
    if len(table):
        section.figures.append(
            Figure(
                "npv_ranges",
                plain(
                    "Nåverdi per investering uten og med avtale (median, 5–95 %)",
                    "NPV of each investment without and with the agreement (median, 5–95 %)",
                ),
                png=per_lang_png(lambda lang: npv_ranges_figure(result, lang)),
            )
        )
    if len(finite):
        section.figures.append(
            Figure(
                "break_even",
                plain(
                    "Likevektsavgift mot tilbudt avgift",
                    "Break-even fee against the offered fee",
                ),
                png=per_lang_png(lambda lang: break_even_figure(result, lang)),
            )
        )
    names = analyses.dataset.companies.set_index("company_id")["name"]
    substances = analyses.dataset.substances.set_index("atc_code")["name"]
    frame = table.assign(
        producer=[names.get(c, c) for c in table["company_id"]] if len(table) else [],
        substance=[substances.get(a, a) for a in table["atc_code"]] if len(table) else [],
    )
    section.tables.append(
        Table.from_frame(
            "investments",
            plain("Investeringene bak tilbudene", "The investments behind the offers"),
            frame,
            [
                Column("investment_id"),
                Column("offer_id"),
                Column("producer"),
                Column("atc_code"),
                Column("substance"),
                Column("capex", "money"),
                Column("annual_fee", "money"),
                Column("npv_market_mean", "money"),
                Column("p_npv_positive_market", "pct"),
                Column("npv_agreement_mean", "money"),
                Column("npv_agreement_p5", "money"),
                Column("npv_agreement_p95", "money"),
                Column("p_npv_positive_agreement", "pct"),
                Column("irr_agreement_p50", "pct"),
                Column("break_even_fee", "money"),
                Column("surge_ddd_per_year", "ddd"),
                Column("state_loss_avoided_pv", "money"),
                Column("state_fees_pv", "money"),
                Column("state_loss_avoided_per_fee", "float2"),
            ],
        )
    )


def measures_section(analyses: Analyses) -> Section:
    """The four measures' indicators against their targets, and the investment cases."""
    if analyses.measures is None and analyses.investments is None:
        return unavailable("measures", analyses.absent.get("measures", "measures not computed"))
    section = Section("measures")
    _measures_part(section, analyses)
    _invest_part(section, analyses)
    section.data["currency"] = analyses.dataset.currency
    return section
