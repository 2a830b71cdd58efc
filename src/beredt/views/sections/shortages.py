"""Open shortages with their response plans and timelines (issue 7, :mod:`beredt.respond`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from beredt.views.charts import ACTION_COLOURS, UNCOVERED_COLOUR, per_lang_plotly
from beredt.views.fmt import Num
from beredt.views.i18n import Text, join, plain, t
from beredt.views.model import Column, Figure, Kpi, Section, Table, unavailable
from beredt.views.respond_text import action_source, action_title, word

if TYPE_CHECKING:
    from beredt.app.analyses import Analyses

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


def _notice_row(plan: Any, as_of: dt.date) -> dict[str, Any]:
    notice = plan.notice
    u = plan.uncertainty
    expected_end = notice.expected_end_date
    overdue_days = (as_of - expected_end).days if expected_end is not None else None
    row: dict[str, Any] = {
        "notice_id": notice.key,
        "atc_code": plan.substance.atc_code,
        "name": plan.substance.name,
        "criticality": plan.substance.criticality,
        "product_id": ", ".join(plan.scope_product_ids),
        "cause": notice.cause,
        "start_date": plan.start_date,
        "expected_end_date": expected_end,
        "overdue": bool(overdue_days is not None and overdue_days > 0),
        "overdue_days": overdue_days if overdue_days is not None and overdue_days > 0 else None,
        "end_date": plan.end_date,
        "gap_ddd": plan.gap_ddd,
        "covered_ddd": plan.covered_ddd,
        "uncovered_ddd": max(plan.uncovered_ddd, 0.0),
        "covered_share": plan.covered_ddd / plan.gap_ddd if plan.gap_ddd > 0 else None,
        "cost": plan.cost,
        "rationing_weeks": plan.rationing.weeks_per_patient if plan.rationing else None,
        # from the distribution of the shortage's duration (the planner's uncertainty)
        "p_no_patient_without": 1.0 - u.p_uncovered if u else None,
        "uncovered_ddd_mean": u.uncovered_ddd_mean if u else None,
        "uncovered_ddd_se": u.uncovered_ddd_se if u else None,
        "uncovered_ddd_p90": u.uncovered_ddd_p90 if u else None,
        "end_date_p50": u.end_date_p50 if u else None,
        "end_date_p90": u.end_date_p90 if u else None,
        "p_closed_by_end": u.p_closed_by_planned_end if u else None,
        "closing_date_p50": u.closing_date_p50 if u else None,
        "closing_date_p90": u.closing_date_p90 if u else None,
    }
    for days in CLOSED_BY_DAYS:
        row[f"p_closed_{days}"] = _closed_by(plan, days)
    return row


def _notice_sentence(row: dict[str, Any]) -> Text:
    """One notice in a sentence: the chance nobody goes without, what may not be covered, when."""
    values = {
        "notice": row["notice_id"],
        "name": row["name"],
        "p_ok": Num(row["p_no_patient_without"], "pct"),
        "uncovered": Num(row["uncovered_ddd_mean"], "compact2"),
        "p90": Num(row["uncovered_ddd_p90"], "compact2"),
        "end90": Num(row["end_date_p90"], "date"),
    }
    text = t("short_notice", **values)
    if row["overdue"]:
        text = join(text, t("short_overdue", days=Num(row["overdue_days"], "int")))
    return text


def _timeline_series(plan: Any) -> list[tuple[str, Text, np.ndarray]]:
    """(kind, what in words, DDD/day) of the remaining deliveries, each used action, the rest."""
    daily = plan.daily
    demand = daily["demand_ddd"].to_numpy(dtype=float)
    remaining = np.clip(demand - daily["gap_ddd"].to_numpy(dtype=float), 0.0, None)
    series: list[tuple[str, Text, np.ndarray]] = [("remaining", _REMAINING, remaining)]
    for action in plan.actions:
        if action.used and action.action_id in daily.columns:
            values = np.clip(daily[action.action_id].to_numpy(dtype=float), 0.0, None)
            title = {lang: action_title(action, lang) for lang in ("nb", "en")}
            series.append((str(action.kind), title, values))
    uncovered = np.clip(daily["uncovered_ddd"].to_numpy(dtype=float), 0.0, None)
    series.append(("uncovered", t("short_uncovered"), uncovered))
    return series


_REMAINING = plain("Gjenværende leveranser", "Remaining deliveries")


def _series_label(kind: str, lang: str) -> str:
    if kind == "remaining":
        return _REMAINING[lang]
    if kind == "uncovered":
        return t("short_uncovered")[lang]
    pair = ACTION_LABELS.get(kind, (kind, kind))
    return pair[0] if lang == "nb" else pair[1]


def day_step(days: int) -> int:
    """Whole days between ticks of a day axis: 1, 2, 5, 7, 14, 30 or 60, at most 12 ticks."""
    for step in (1, 2, 5, 7, 14, 30, 60):
        if days / step <= 12:
            return step
    return 90


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
            # Days from the plan's start on the axis (whole days, never hours); the date on hover.
            days = list(range(len(dates)))
            for kind, what, values in _timeline_series(plan):
                fig.add_trace(
                    go.Scatter(
                        x=days,
                        customdata=dates,
                        y=np.round(values, 3).tolist(),
                        name=_series_label(kind, lang),
                        legendgroup=kind,
                        stackgroup="supply",
                        mode="lines",
                        line={"width": 0.5, "color": colours.get(kind, "#999999")},
                        fillcolor=colours.get(kind, "#999999"),
                        visible=n == 0,
                        hovertemplate=(
                            f"%{{customdata}}: {what[lang]} %{{y:,.0f}} DDD<extra></extra>"
                        ),
                    )
                )
                owners.append(n)
            fig.add_trace(
                go.Scatter(
                    x=days,
                    customdata=dates,
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
                "args": [
                    {"visible": [o == n for o in owners]},
                    {"xaxis.dtick": day_step(len(plan.daily))},
                ],
            }
            for n, plan in enumerate(plans)
        ]
        fig.update_layout(
            template="plotly_white",
            height=440,
            margin={"l": 70, "r": 20, "t": 60, "b": 50},
            yaxis={"title": {"text": t("short_ddd_axis")[lang]}},
            xaxis={
                "title": {"text": t("short_day_axis")[lang]},
                "tickformat": "d",
                "tick0": 0,
                "dtick": day_step(len(plans[0].daily)) if plans else 1,
                "rangemode": "tozero",
            },
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
    as_of = analyses.dataset.as_of
    rows = [_notice_row(p, as_of) for p in plans]
    if not plans:
        section.paragraphs.append(t("short_none"))
    else:
        at_risk = [r for r in rows if (r["p_no_patient_without"] or 1.0) < 0.95]
        overdue = [r for r in rows if r["overdue"]]
        section.paragraphs.append(
            t(
                "short_lead",
                n=Num(len(plans), "int"),
                at_risk=Num(len(at_risk), "int"),
                overdue=Num(len(overdue), "int"),
            )
        )
        section.kpis.extend(
            [
                Kpi("open_notices", plain("Åpne varsler", "Open notices"), len(plans), "int"),
                Kpi(
                    "notices_at_risk",
                    plain(
                        "Varsler der pasienter kan bli uten (P > 5 %)",
                        "Notices where patients may go without (P > 5 %)",
                    ),
                    len(at_risk),
                    "int",
                ),
                Kpi(
                    "notices_overdue",
                    plain("Varsler forbi forventet slutt", "Notices past their expected end"),
                    len(overdue),
                    "int",
                ),
            ]
        )
        shown = sorted(
            at_risk + [r for r in overdue if r not in at_risk],
            key=lambda r: (r["p_no_patient_without"] or 1.0, r["notice_id"]),
        )
        section.paragraphs.extend(_notice_sentence(r) for r in shown)
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
                Column("expected_end_date", "date", plain("Forventet slutt", "Expected end")),
                Column("overdue", "bool", plain("Forbi forventet slutt", "Overdue")),
                Column("overdue_days", "int", plain("Dager over", "Days overdue")),
                Column("gap_ddd", "ddd"),
                Column("covered_ddd", "ddd"),
                Column(
                    "p_no_patient_without",
                    "pct",
                    plain("P(ingen pasient uten)", "P(no patient without)"),
                ),
                Column(
                    "uncovered_ddd_mean",
                    "ddd",
                    plain("Forventet udekket (DDD)", "Expected uncovered (DDD)"),
                ),
                Column("uncovered_ddd_se", "ddd", plain("± SE (DDD)", "± SE (DDD)")),
                Column(
                    "uncovered_ddd_p90", "ddd", plain("Udekket P90 (DDD)", "Uncovered P90 (DDD)")
                ),
                Column("end_date_p50", "date", plain("Mangelen slutter P50", "Shortage ends P50")),
                Column("end_date_p90", "date", plain("Mangelen slutter P90", "Shortage ends P90")),
                *[
                    Column(
                        f"p_closed_{d}",
                        "pct",
                        plain(f"P(gapet lukket dag {d})", f"P(gap closed by day {d})"),
                    )
                    for d in CLOSED_BY_DAYS
                ],
                Column("closing_date_p90", "date", plain("Gapet lukket P90", "Gap closed P90")),
                Column(
                    "uncovered_ddd",
                    "ddd",
                    plain("Udekket ved planlagt slutt (DDD)", "Uncovered at the planned end (DDD)"),
                ),
                Column("end_date", "date", plain("Planlagt slutt", "Planned end")),
                Column("cost", "money"),
                Column("rationing_weeks", "int", plain("Rasjonering uker", "Rationing weeks")),
            ],
            rows,
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
                    "title": {lang: action_title(action, lang) for lang in ("nb", "en")},
                    "source": {lang: action_source(action, lang) for lang in ("nb", "en")},
                    "eta_date": action.eta_date,
                    "start_date": action.start_date,
                    "end_date": action.end_date,
                    "quantity_ddd": action.quantity_ddd,
                    "packs": action.packs,
                    "cost": action.cost,
                    "flag": {
                        lang: ", ".join(word(f, lang) for f in action.flags)
                        for lang in ("nb", "en")
                    },
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
                Column("action", "code", plain("Type tiltak", "Kind of action")),
                Column("status"),
                Column("title", "i18n", plain("Tiltak", "Action")),
                Column("source", "i18n", plain("Kilde", "Source")),
                Column("eta_date", "date"),
                Column("start_date", "date"),
                Column("end_date", "date", plain("Slutt", "End")),
                Column("quantity_ddd", "ddd"),
                Column("packs", "int"),
                Column("cost", "money"),
                Column("flag", "i18n", plain("Merknad", "Flag")),
            ],
            actions,
        )
    )
    return section
