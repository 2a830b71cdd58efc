"""Renderings of a response plan: timeline chart (PNG, interactive HTML), Markdown and HTML pages.

The chart stacks the daily coverage by kind of action, with the uncovered rest on top, against
the gap and the national demand; a second panel shows P(gap closed by day X) and P(shortage over
by day X) from the duration uncertainty. The HTML page is standalone: plotly.js is inlined, no
CDN, so it opens offline.
"""

from __future__ import annotations

import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from beredt.views.respond_text import (
    action_line,
    action_source,
    action_title,
    date,
    duration_text,
    money,
    number,
    percent,
    summary,
    word,
)

if TYPE_CHECKING:
    from beredt.respond.planner import ResponsePlan

#: Colour per kind of action (colour-blind-safe Okabe–Ito palette), uncovered in red.
COLOURS = {
    "other_products": "#56B4E9",
    "redistribution": "#0072B2",
    "preparedness": "#009E73",
    "agreement": "#E69F00",
    "domestic_unreserved": "#F0E442",
    "exemption_import": "#CC79A7",
    "therapeutic_alternative": "#999999",
    "uncovered": "#D55E00",
}


def coverage_by_kind(plan: ResponsePlan) -> pd.DataFrame:
    """Daily DDD by kind of action (used kinds only, priority order) plus the uncovered rest."""
    daily = plan.daily
    out = pd.DataFrame({"date": pd.to_datetime(daily["date"])})
    for a in plan.actions:
        if not a.used:
            continue
        kind = a.kind.value
        out[kind] = out.get(kind, 0.0) + daily[a.action_id].to_numpy()
    out["uncovered"] = daily["uncovered_ddd"].to_numpy()
    return out


def probability_curve(plan: ResponsePlan) -> pd.DataFrame:
    """P(gap closed) and P(shortage over) by date, up to where the shortage is 99 % surely over."""
    cb = plan.uncertainty.closed_by
    done = cb.index[cb["p_shortage_over"] >= 0.99]
    last = max(int(done[0]) if len(done) else len(cb) - 1, plan.horizon_days)
    out = cb.iloc[: last + 1].copy()
    out["date"] = pd.to_datetime(out["date"])
    return out


def _labels(lang: str) -> dict[str, str]:
    nb = lang == "nb"
    return {
        "title": "Dekning av gapet per dag" if nb else "Coverage of the gap by day",
        "ddd": "DDD per dag" if nb else "DDD per day",
        "prob": "Sannsynlighet" if nb else "Probability",
        "closed": "P(gapet lukket innen dato)" if nb else "P(gap closed by date)",
        "over": "P(mangelen over innen dato)" if nb else "P(shortage over by date)",
        "planned_end": "planlagt slutt" if nb else "planned end",
    }


def timeline_png(plan: ResponsePlan, path: str | Path | None = None, lang: str = "en") -> bytes:
    """The timeline chart as PNG (matplotlib); written to `path` when given, bytes returned."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cov = coverage_by_kind(plan)
    lab = _labels(lang)
    fig = Figure(figsize=(10, 6.5), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax, ax2 = fig.subplots(2, 1, height_ratios=[3, 1.3])
    kinds = [c for c in cov.columns if c != "date"]
    ax.stackplot(
        cov["date"],
        *[cov[k].to_numpy() for k in kinds],
        labels=[word(k, lang) for k in kinds],
        colors=[COLOURS[k] for k in kinds],
        alpha=0.9,
        step=None,
    )
    dates = pd.to_datetime(plan.daily["date"])
    ax.plot(dates, plan.daily["gap_ddd"], color="black", lw=1.6, label=word("gap", lang))
    ax.plot(
        dates, plan.daily["demand_ddd"], color="black", lw=1, ls="--", label=word("demand", lang)
    )
    ax.set_ylabel(lab["ddd"])
    ax.set_title(
        f"{plan.substance.name} ({plan.substance.atc_code}) – {plan.notice.key}: {lab['title']}"
    )
    ax.legend(loc="upper left", fontsize=8, ncols=2)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    cb = probability_curve(plan)
    x = cb["date"]
    ax2.step(x, cb["p_gap_closed"], where="post", color="#0072B2", label=lab["closed"])
    ax2.step(x, cb["p_shortage_over"], where="post", color="#999999", ls="--", label=lab["over"])
    ax2.axvline(
        pd.Timestamp(plan.end_date), color="black", lw=0.8, ls=":", label=lab["planned_end"]
    )
    ax2.set_ylim(0, 1.02)
    ax2.set_ylabel(lab["prob"])
    ax2.legend(loc="lower right", fontsize=8)
    ax2.grid(alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    data = buffer.getvalue()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
    return data


def timeline_figure(plan: ResponsePlan, lang: str = "en") -> Any:
    """The timeline chart as a plotly figure (two panels, shared time axis)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cov = coverage_by_kind(plan)
    lab = _labels(lang)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=False, row_heights=[0.7, 0.3], vertical_spacing=0.08
    )
    for kind in [c for c in cov.columns if c != "date"]:
        fig.add_trace(
            go.Scatter(
                x=cov["date"],
                y=cov[kind],
                name=word(kind, lang),
                stackgroup="coverage",
                mode="lines",
                line={"width": 0.5, "color": COLOURS[kind]},
                hovertemplate="%{x|%Y-%m-%d}: %{y:,.0f} DDD",
            ),
            row=1,
            col=1,
        )
    dates = pd.to_datetime(plan.daily["date"])
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=plan.daily["gap_ddd"],
            name=word("gap", lang),
            line={"color": "black", "width": 2},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=plan.daily["demand_ddd"],
            name=word("demand", lang),
            line={"color": "black", "dash": "dash", "width": 1},
        ),
        row=1,
        col=1,
    )
    cb = probability_curve(plan)
    x = cb["date"]
    fig.add_trace(
        go.Scatter(
            x=x, y=cb["p_gap_closed"], name=lab["closed"], line={"shape": "hv", "color": "#0072B2"}
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=cb["p_shortage_over"],
            name=lab["over"],
            line={"shape": "hv", "color": "#999999", "dash": "dash"},
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text=lab["ddd"], rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text=lab["prob"], range=[0, 1.02], row=2, col=1)
    fig.update_layout(
        title=f"{plan.substance.name} ({plan.substance.atc_code}) – {plan.notice.key}: {lab['title']}",
        template="plotly_white",
        height=650,
        legend={"orientation": "h", "y": -0.12},
    )
    return fig


def timeline_html(plan: ResponsePlan, lang: str = "en", full_html: bool = True) -> str:
    """The interactive chart as HTML with plotly.js inlined (no CDN)."""
    fig = timeline_figure(plan, lang)
    return str(fig.to_html(include_plotlyjs=True, full_html=full_html))


def weekly_table(plan: ResponsePlan) -> pd.DataFrame:
    """Weeks from day 0: gap, coverage by kind of action and uncovered rest (DDD)."""
    cov = coverage_by_kind(plan)
    cov["week"] = plan.daily["day"].to_numpy() // 7
    cov["gap"] = plan.daily["gap_ddd"].to_numpy()
    grouped = cov.drop(columns=["date"]).groupby("week").sum()
    grouped.insert(0, "from", cov.groupby("week")["date"].min().dt.date)
    cols = ["from", "gap", *[c for c in grouped.columns if c not in ("from", "gap")]]
    return grouped[cols].reset_index(drop=True)


def _heads(lang: str) -> dict[str, str]:
    nb = lang == "nb"
    return {
        "plan": "Responsplan" if nb else "Response plan",
        "summary": "Sammendrag" if nb else "Summary",
        "actions": "Tiltak" if nb else "Actions",
        "prio": "Prioritet" if nb else "Priority",
        "action": "Tiltak" if nb else "Action",
        "status": "Status",
        "eta": "Tidligst" if nb else "ETA",
        "period": "Periode" if nb else "Period",
        "packs": "Pakninger" if nb else "Packs",
        "cost": "Kostnad" if nb else "Cost",
        "extra": "Merkostnad" if nb else "Extra cost",
        "source": "Kilde" if nb else "Source",
        "weekly": "Uke for uke (DDD)" if nb else "Week by week (DDD)",
        "from": "Fra" if nb else "From",
        "gap": "Gap",
        "uncertainty": "Usikkerhet" if nb else "Uncertainty",
        "measure": "Mål" if nb else "Measure",
        "value": "Verdi" if nb else "Value",
        "provenance": "Opphav" if nb else "Provenance",
        "chart": "Tidslinje" if nb else "Timeline",
    }


def _uncertainty_rows(plan: ResponsePlan, lang: str) -> list[tuple[str, str]]:
    u = plan.uncertainty
    nb = lang == "nb"
    rows = [
        (
            "Fordeling av varigheten" if nb else "Duration distribution",
            duration_text(u.distribution, lang),
        ),
        (
            "Varighet P10 / P50 / P90 (dager)" if nb else "Duration P10 / P50 / P90 (days)",
            f"{u.duration_days_p10} / {u.duration_days_p50} / {u.duration_days_p90}",
        ),
        (
            "Slutt P50 / P90" if nb else "End P50 / P90",
            f"{date(u.end_date_p50, lang)} / {date(u.end_date_p90, lang)}",
        ),
        ("P(noe udekket)" if nb else "P(some demand uncovered)", percent(u.p_uncovered, lang)),
        (
            "P(gapet lukket dagen etter planlagt slutt)"
            if nb
            else "P(gap closed the day after the planned end)",
            percent(u.p_closed_by_planned_end, lang),
        ),
        (
            "Gapet lukket innen (P50 / P90)" if nb else "Gap closed by (P50 / P90)",
            f"{date(u.closing_date_p50, lang)} / {date(u.closing_date_p90, lang)}",
        ),
        (
            "Udekket DDD: snitt / P50 / P90" if nb else "Uncovered DDD: mean / P50 / P90",
            f"{number(u.uncovered_ddd_mean, lang)} / {number(u.uncovered_ddd_p50, lang)} / {number(u.uncovered_ddd_p90, lang)}",
        ),
        ("Trekk, frø" if nb else "Draws, seed", f"{number(u.n_samples, lang)}, {u.seed}"),
    ]
    return rows


def _action_rows(plan: ResponsePlan, lang: str) -> list[list[str]]:
    rows = []
    for a in plan.actions:
        period = (
            "–"
            if a.start_date is None
            else f"{date(a.start_date, lang)} – {date(a.end_date, lang)}"
        )
        packs = "–" if a.packs is None else number(math.ceil(a.packs - 1e-9), lang)
        title = action_title(a, lang)
        if a.flags:
            title += f" [{', '.join(word(f, lang) for f in a.flags)}]"
        rows.append(
            [
                str(a.priority),
                title,
                word(a.status.value, lang),
                date(a.eta_date, lang),
                period,
                number(a.quantity_ddd, lang),
                packs,
                money(a.cost, plan.currency, lang),
                money(a.extra_cost, plan.currency, lang),
                action_source(a, lang),
            ]
        )
    return rows


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(v: str) -> str:
        return v.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _weekly_rows(plan: ResponsePlan, lang: str) -> tuple[list[str], list[list[str]]]:
    table = weekly_table(plan)
    head = [_heads(lang)["from"], _heads(lang)["gap"], *[word(c, lang) for c in table.columns[2:]]]
    rows = [
        [date(r["from"], lang), *[number(float(r[c]), lang) for c in table.columns[1:]]]
        for _, r in table.iterrows()
    ]
    return head, rows


def _provenance(plan: ResponsePlan) -> str:
    p = plan.provenance
    return (
        f"fingerprint {p.fingerprint[:16]}…, as-of {p.as_of.isoformat()}, beredt "
        f"{p.software_version}, seed {p.seed}"
    )


def to_markdown(plan: ResponsePlan, lang: str = "en") -> str:
    """The plan as Markdown: summary, actions, uncertainty, week-by-week table, provenance."""
    h = _heads(lang)
    head = [
        h["prio"],
        h["action"],
        h["status"],
        h["eta"],
        h["period"],
        "DDD",
        h["packs"],
        h["cost"],
        h["extra"],
        h["source"],
    ]
    parts = [
        f"# {h['plan']}: {plan.substance.name} ({plan.substance.atc_code}) – {plan.notice.key}",
        f"## {h['summary']}",
        summary(plan, lang),
        f"## {h['actions']}",
        _md_table(head, _action_rows(plan, lang)),
        f"## {h['uncertainty']}",
        _md_table([h["measure"], h["value"]], [list(r) for r in _uncertainty_rows(plan, lang)]),
        f"## {h['weekly']}",
        _md_table(*_weekly_rows(plan, lang)),
        f"_{h['provenance']}: {_provenance(plan)}_",
    ]
    return "\n\n".join(parts) + "\n"


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(v)}</th>" for v in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1150px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.summary p{margin:.6em 0}
.provenance{color:#666;font-size:.85em}
"""


def to_html(plan: ResponsePlan, lang: str = "en") -> str:
    """The plan as one standalone HTML page with the interactive chart (plotly.js inlined)."""
    h = _heads(lang)
    title = f"{h['plan']}: {plan.substance.name} ({plan.substance.atc_code}) – {plan.notice.key}"
    paragraphs = "".join(
        "<p>" + html.escape(p).replace("\n", "<br>") + "</p>"
        for p in summary(plan, lang).split("\n\n")
    )
    head = [
        h["prio"],
        h["action"],
        h["status"],
        h["eta"],
        h["period"],
        "DDD",
        h["packs"],
        h["cost"],
        h["extra"],
        h["source"],
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{"nb" if lang == "nb" else "en"}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<h2>{h["summary"]}</h2><div class="summary">{paragraphs}</div>'
        f"<h2>{h['chart']}</h2>{timeline_html(plan, lang, full_html=False)}"
        f"<h2>{h['actions']}</h2>{_html_table(head, _action_rows(plan, lang))}"
        f"<h2>{h['uncertainty']}</h2>"
        f"{_html_table([h['measure'], h['value']], [list(r) for r in _uncertainty_rows(plan, lang)])}"
        f"<h2>{h['weekly']}</h2>{_html_table(*_weekly_rows(plan, lang))}"
        f'<p class="provenance">{h["provenance"]}: {html.escape(_provenance(plan))}</p>'
        "</body></html>\n"
    )


__all__ = [
    "COLOURS",
    "action_line",
    "coverage_by_kind",
    "timeline_figure",
    "timeline_html",
    "timeline_png",
    "to_html",
    "to_markdown",
    "weekly_table",
]
