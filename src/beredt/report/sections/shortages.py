"""Open shortages with their response plans and timelines (issue 7, :mod:`beredt.respond`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from beredt.report.analyses import Analyses
from beredt.report.charts import ACTION_COLOURS, UNCOVERED_COLOUR, per_lang_plotly
from beredt.report.fmt import Num
from beredt.report.i18n import plain, t
from beredt.report.model import Column, Figure, Section, Table, unavailable

#: Days after the plan's start at which P(gap closed) is reported.
CLOSED_BY_DAYS: tuple[int, ...] = (30, 60, 90)

#: Response action kinds (beredt.respond.ActionKind values) → (bokmål, English) label.
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "other_products": ("Andre pakninger", "Other packs"),
    "redistribution": ("Omfordeling av lager", "Redistribution of stock"),
    "preparedness": ("Beredskapslager", "Preparedness stock"),
    "agreement": ("Innenlandsk avtale", "Domestic agreement"),
    "domestic_unreserved": ("Innenlandsk uten avtale", "Domestic, no agreement"),
    "exemption_import": ("Godkjenningsfritak (import)", "Exemption import"),
    "therapeutic_alternative": ("Terapeutisk alternativ", "Therapeutic alternative"),
}


def _kind(action_key: str) -> str:
    return action_key.split(":", 1)[0]


def _closed_by(plan: Any, days: int) -> float | None:
    uncertainty = plan.uncertainty
    if uncertainty is None or uncertainty.closed_by is None or uncertainty.closed_by.empty:
        return None
    return float(uncertainty.p_gap_closed_by(plan.start_date + dt.timedelta(days=days)))


def _notice_row(plan: Any) -> dict[str, Any]:
    notice = plan.notice
    uncertainty = plan.uncertainty
    row: dict[str, Any] = {
        "notice_id": notice.key,
        "atc_code": plan.substance.atc_code,
        "name": plan.substance.name,
        "criticality": plan.substance.criticality,
        "product_id": ", ".join(plan.scope_product_ids),
        "cause": notice.cause,
        "start_date": plan.start_date,
        "end_date": plan.end_date,
        "gap_ddd": plan.gap_ddd,
        "covered_ddd": plan.covered_ddd,
        "uncovered_ddd": max(plan.uncovered_ddd, 0.0),
        "covered_share": plan.covered_ddd / plan.gap_ddd if plan.gap_ddd > 0 else None,
        "cost": plan.cost,
        "rationing_weeks": plan.rationing.weeks_per_patient if plan.rationing else None,
        "p_closed_by_end": uncertainty.p_closed_by_planned_end if uncertainty else None,
        "closing_date_p50": uncertainty.closing_date_p50 if uncertainty else None,
        "closing_date_p90": uncertainty.closing_date_p90 if uncertainty else None,
    }
    for days in CLOSED_BY_DAYS:
        row[f"p_closed_{days}"] = _closed_by(plan, days)
    return row


def _timeline_series(plan: Any) -> list[tuple[str, str, np.ndarray]]:
    """(kind, action id, DDD/day) of the remaining deliveries, each used action, the rest."""
    daily = plan.daily
    demand = daily["demand_ddd"].to_numpy(dtype=float)
    remaining = np.clip(demand - daily["gap_ddd"].to_numpy(dtype=float), 0.0, None)
    series = [("remaining", "remaining", remaining)]
    for action in plan.actions:
        if action.used and action.action_id in daily.columns:
            values = np.clip(daily[action.action_id].to_numpy(dtype=float), 0.0, None)
            series.append((str(action.kind), action.action_id, values))
    uncovered = np.clip(daily["uncovered_ddd"].to_numpy(dtype=float), 0.0, None)
    series.append(("uncovered", "uncovered", uncovered))
    return series


def _series_label(kind: str, lang: str) -> str:
    if kind == "remaining":
        return plain("Gjenværende leveranser", "Remaining deliveries")[lang]
    if kind == "uncovered":
        return t("short_uncovered")[lang]
    pair = ACTION_LABELS.get(kind, (kind, kind))
    return pair[0] if lang == "nb" else pair[1]


def timeline_spec(plans: list[Any]) -> dict[str, str]:
    """One interactive chart of every notice's timeline (stacked coverage vs demand), a menu per
    notice: plotly, so dozens of notices cost no image rendering."""
    import plotly.graph_objects as go

    colours = {kind: ACTION_COLOURS[i] for i, kind in enumerate(ACTION_LABELS)}
    colours["remaining"] = "#bdd7ee"
    colours["uncovered"] = UNCOVERED_COLOUR

    def build(lang: str) -> Any:
        fig = go.Figure()
        owners: list[int] = []
        for n, plan in enumerate(plans):
            dates = [d.isoformat() for d in plan.daily["date"]]
            for kind, action_id, values in _timeline_series(plan):
                fig.add_trace(
                    go.Scatter(
                        x=dates,
                        y=np.round(values, 3).tolist(),
                        name=_series_label(kind, lang),
                        legendgroup=kind,
                        stackgroup="supply",
                        mode="lines",
                        line={"width": 0.5, "color": colours.get(kind, "#999999")},
                        fillcolor=colours.get(kind, "#999999"),
                        visible=n == 0,
                        hovertemplate=f"{action_id}: %{{y:,.0f}} DDD<extra></extra>",
                    )
                )
                owners.append(n)
            fig.add_trace(
                go.Scatter(
                    x=dates,
                    y=np.round(plan.daily["demand_ddd"].to_numpy(dtype=float), 3).tolist(),
                    name=t("short_demand")[lang],
                    mode="lines",
                    line={"color": "#000000", "width": 1.5},
                    visible=n == 0,
                )
            )
            owners.append(n)
        buttons = [
            {
                "label": f"{plan.notice.key} {plan.substance.name}"[:48],
                "method": "update",
                "args": [{"visible": [o == n for o in owners]}],
            }
            for n, plan in enumerate(plans)
        ]
        fig.update_layout(
            template="plotly_white",
            height=440,
            margin={"l": 70, "r": 20, "t": 60, "b": 50},
            yaxis={"title": {"text": t("short_ddd_axis")[lang]}},
            updatemenus=[
                {"buttons": buttons, "direction": "down", "x": 0.0, "xanchor": "left", "y": 1.18}
            ]
            if len(plans) > 1
            else [],
            legend={"orientation": "h", "y": -0.15},
        )
        return fig

    return per_lang_plotly(build)


def shortages_section(analyses: Analyses) -> Section:
    """Every open notice: the gap, the actions that fill it, P(gap closed), the timeline chart."""
    plans = analyses.responses
    if plans is None:
        return unavailable("shortages", analyses.absent.get("respond", "not computed"))
    section = Section("shortages")
    if not plans:
        section.paragraphs.append(t("short_none"))
    else:
        section.paragraphs.append(t("short_lead", n=Num(len(plans), "int")))
    for plan in plans:
        row = _notice_row(plan)
        section.paragraphs.append(
            plain(
                f"{row['notice_id']} ({row['name']}): "
                f"{Num(row['covered_share'], 'pct').render('nb')} av gapet på "
                f"{Num(row['gap_ddd'], 'compact').render('nb')} DDD dekkes fram til "
                f"{row['end_date']}; udekket {Num(row['uncovered_ddd'], 'compact').render('nb')}"
                " DDD.",
                f"{row['notice_id']} ({row['name']}): "
                f"{Num(row['covered_share'], 'pct').render('en')} of the gap of "
                f"{Num(row['gap_ddd'], 'compact').render('en')} DDD is covered up to "
                f"{row['end_date']}; uncovered {Num(row['uncovered_ddd'], 'compact').render('en')}"
                " DDD.",
            )
        )
    if plans:
        section.figures.append(
            Figure("timelines", t("short_chart_all"), plotly=timeline_spec(plans))
        )
    section.tables.append(
        Table(
            "notices",
            t("short_table"),
            [
                Column("notice_id"),
                Column("atc_code"),
                Column("name"),
                Column("criticality"),
                Column("product_id"),
                Column("cause"),
                Column("start_date", "date"),
                Column("end_date", "date", plain("Planlagt slutt", "Planned end")),
                Column("gap_ddd", "ddd"),
                Column("covered_ddd", "ddd"),
                Column("uncovered_ddd", "ddd"),
                Column("covered_share", "pct"),
                Column("cost", "money"),
                *[
                    Column(
                        f"p_closed_{d}",
                        "pct",
                        plain(f"P(lukket dag {d})", f"P(closed by day {d})"),
                    )
                    for d in CLOSED_BY_DAYS
                ],
                Column(
                    "p_closed_by_end",
                    "pct",
                    plain("P(lukket ved planlagt slutt)", "P(closed by planned end)"),
                ),
                Column("closing_date_p50", "date", plain("Lukkes P50", "Closes P50")),
                Column("closing_date_p90", "date", plain("Lukkes P90", "Closes P90")),
                Column("rationing_weeks", "int", plain("Rasjonering uker", "Rationing weeks")),
            ],
            [_notice_row(p) for p in plans],
        )
    )
    actions: list[dict[str, Any]] = []
    for plan in plans:
        for action in plan.actions:
            actions.append(
                {
                    "notice_id": plan.notice.key,
                    "priority": action.priority,
                    "action": str(action.kind),
                    "status": str(action.status),
                    "source": action.source,
                    "eta_date": action.eta_date,
                    "start_date": action.start_date,
                    "end_date": action.end_date,
                    "quantity_ddd": action.quantity_ddd,
                    "packs": action.packs,
                    "cost": action.cost,
                    "flag": ", ".join(action.flags),
                }
            )
    section.tables.append(
        Table(
            "actions",
            plain(
                "Tiltak per varsel, i prioritert rekkefølge", "Actions by notice, in priority order"
            ),
            [
                Column("notice_id"),
                Column("priority", "int", plain("Prioritet", "Priority")),
                Column("action"),
                Column("status"),
                Column("source"),
                Column("eta_date", "date"),
                Column("start_date", "date"),
                Column("end_date", "date", plain("Slutt", "End")),
                Column("quantity_ddd", "ddd"),
                Column("packs", "int"),
                Column("cost", "money"),
                Column("flag"),
            ],
            actions,
        )
    )
    return section
