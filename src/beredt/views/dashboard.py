"""Views of the web dashboard: tables, key figures and charts for its pages, in both languages.

Builders here turn what the use cases return (rows of the dataset, a saved response plan, a
simulation's JSON result) into the report's own model (:class:`~beredt.views.model.Table`,
:class:`~beredt.views.model.Kpi`, plotly figures per language), so a page formats numbers, dates
and codes exactly as the report does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from beredt.domain.dataset import TIERS
from beredt.views.charts import TIER_COLOURS
from beredt.views.fmt import LANGS, code_label, format_value
from beredt.views.i18n import Text, plain, same
from beredt.views.model import Column, Kpi, Table
from beredt.views.respond import COLOURS as ACTION_COLOURS
from beredt.views.respond_text import action_source, action_title
from beredt.views.web_text import web_code, web_column

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", "size": 12}


def _layout(**extra: Any) -> dict[str, Any]:
    layout = {
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "font": _FONT,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.2},
        "height": 380,
    }
    layout.update(extra)
    return layout


def _spec(data: list[dict[str, Any]], layout: dict[str, Any]) -> str:
    return json.dumps({"data": data, "layout": layout}, ensure_ascii=False, allow_nan=False)


#: Date ticks of time axes: numeric in bokmål (plotly.js names months in English only).
DATE_TICKS = {"nb": "%d.%m.%Y", "en": "%d %b %Y"}


def _separators(lang: str) -> str:
    # plotly's decimal and thousands separators: "1 234,5" in bokmål, "1,234.5" in English
    return ", " if lang == "nb" else ".,"


# --- substance ------------------------------------------------------------------------------
def supply_map_figure(bundle: Any, atc_code: str) -> dict[str, str] | None:
    """A Sankey diagram: the substance's packs → their manufacturing sites → the sites'
    countries, weighted by each pack's market share (None when the substance has no packs)."""
    products = [r for r in bundle.rows("products") if r["atc_code"] == atc_code]
    if not products:
        return None
    sites = {r["site_id"]: r for r in bundle.rows("sites")}
    links_of: dict[str, list[str]] = {}
    for row in bundle.rows("supply"):
        links_of.setdefault(row["product_id"], []).append(row["site_id"])
    from babel import Locale

    out = {}
    for lang in LANGS:
        territories = Locale(lang).territories
        nodes: list[str] = []
        index: dict[tuple[str, str], int] = {}

        def node(
            kind: str,
            key: str,
            label: str,
            nodes: list[str] = nodes,
            index: dict[tuple[str, str], int] = index,
        ) -> int:
            if (kind, key) not in index:
                index[(kind, key)] = len(nodes)
                nodes.append(label)
            return index[(kind, key)]

        source, target, value = [], [], []
        for p in products:
            share = float(p["market_share"] or 0.0) or 1.0 / len(products)
            pi = node("p", p["product_id"], f"{p['name']} ({p['product_id']})")
            chosen = [sites[s] for s in links_of.get(p["product_id"], []) if s in sites]
            for site in chosen:
                stage = code_label(site["stage"], lang)
                si = node("s", site["site_id"], f"{site['name']} ({stage})")
                country = str(territories.get(site["country"], site["country"]))
                ci = node("c", site["country"], country)
                weight = share / len(chosen)
                source += [pi, si]
                target += [si, ci]
                value += [weight, weight]
        if not value:
            return None
        data = [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {"label": nodes, "pad": 14, "thickness": 14, "color": "#1f4e79"},
                "link": {"source": source, "target": target, "value": value},
                "valueformat": ".0%",
            }
        ]
        out[lang] = _spec(data, _layout(height=max(260, 34 * len(nodes) // 2)))
    return out


def stock_figure(history: Sequence[Mapping[str, Any]]) -> dict[str, str] | None:
    """Stock of a substance by tier over time (DDD), one line per tier (None without stock)."""
    if not history:
        return None
    dates = [str(r["date"]) for r in history]
    out = {}
    for lang in LANGS:
        data = [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "stackgroup": "stock",
                "name": code_label(tier, lang),
                "x": dates,
                "y": [float(r.get(tier) or 0.0) for r in history],
                "line": {"color": TIER_COLOURS.get(tier, "#888888"), "shape": "hv"},
            }
            for tier in TIERS
            if any(r.get(tier) for r in history)
        ]
        out[lang] = _spec(
            data,
            _layout(
                separators=_separators(lang),
                yaxis={"title": {"text": "DDD"}, "tickformat": ",.0f"},
                xaxis={"tickformat": DATE_TICKS[lang]},
            ),
        )
    return out


def days_left_figure(rows: Sequence[Mapping[str, Any]], top: int = 20) -> dict[str, str] | None:
    """Bars: the open notices with the fewest days of supply left (supply that lasts the
    horizon is left out)."""
    shown = [r for r in rows if r.get("days_left") is not None][:top]
    if not shown:
        return None
    return _bars(
        [f"{r['name']} ({r['notice_id']})" for r in shown],
        [float(r["days_left"]) for r in shown],
        colour="#9c2a00",
        title={"nb": "dager med lager igjen", "en": "days of supply left"},
        left_margin=260,
        min_height=240,
        row_height=24,
    )


def _bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colour: str,
    title: Mapping[str, str],
    left_margin: int,
    min_height: int,
    row_height: int,
    series: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Horizontal bars, the first label on top, in each language (title and series name)."""
    out = {}
    for lang in LANGS:
        bar: dict[str, Any] = {
            "type": "bar",
            "orientation": "h",
            "y": list(labels)[::-1],
            "x": list(values)[::-1],
            "marker": {"color": colour},
        }
        if series is not None:
            bar["name"] = series[lang]
        out[lang] = _spec(
            [bar],
            _layout(
                separators=_separators(lang),
                margin={"l": left_margin, "r": 20, "t": 20, "b": 50},
                xaxis={"title": {"text": title[lang]}},
                height=max(min_height, row_height * len(labels) + 80),
                showlegend=False,
            ),
        )
    return out


# --- a response plan (the saved JSON document) ----------------------------------------------
def _action(d: Mapping[str, Any]) -> Any:
    from beredt.respond.planner import Action, ActionKind, ActionStatus

    fields = set(Action.__dataclass_fields__)
    values = {k: v for k, v in d.items() if k in fields}
    values["kind"] = ActionKind(d["kind"])
    values["status"] = ActionStatus(d["status"])
    values["flags"] = tuple(d.get("flags") or ())
    values["detail"] = dict(d.get("detail") or {})
    for key in ("eta_date", "trigger_date", "start_date", "end_date"):
        if isinstance(values.get(key), str):
            values[key] = dt.date.fromisoformat(values[key])
    return Action(**values)


def plan_actions_table(plan: Mapping[str, Any], redacted: bool) -> Table:
    """Every action of a response plan in priority order, in words, with its ETA and size."""
    rows = []
    for d in plan.get("actions", []):
        action = _action(d)
        rows.append(
            {
                "priority": d["priority"],
                "action": d["kind"],
                "what": {lang: action_title(action, lang) for lang in LANGS},
                "source": {lang: action_source(action, lang) for lang in LANGS}
                if not (redacted and d["kind"] in ("agreement", "domestic_unreserved"))
                else None,
                "status": d["status"],
                "eta_date": d.get("eta_date"),
                "quantity_ddd": d.get("quantity_ddd"),
                "cost": d.get("cost"),
            }
        )
    columns = [
        Column("priority", "int", plain("Prioritet", "Priority")),
        Column("action", "code", plain("Tiltak", "Action")),
        Column("what", "i18n", plain("Hva", "What")),
        Column("source", "i18n", plain("Kilde", "Source")),
        Column("status", "code", plain("Status", "Status")),
        Column("eta_date", "date", plain("Tidligst", "ETA")),
        Column("quantity_ddd", "ddd", plain("Mengde (DDD)", "Quantity (DDD)")),
        Column("cost", "money", plain("Kostnad", "Cost")),
    ]
    return Table("actions", plain("Tiltak", "Actions"), columns, rows)


def plan_kpis(plan: Mapping[str, Any]) -> list[Kpi]:
    """The plan's gap and cover, and from the duration uncertainty the chance that no patient
    goes without and the dates the shortage is over (median, 9 of 10 outcomes)."""
    u = plan.get("uncertainty") or {}
    kpis = [
        Kpi("gap", plain("Behov (DDD)", "Need (DDD)"), plan.get("gap_ddd"), "ddd"),
        Kpi("covered", plain("Dekket (DDD)", "Covered (DDD)"), plan.get("covered_ddd"), "ddd"),
        Kpi(
            "uncovered",
            plain("Udekket (DDD)", "Uncovered (DDD)"),
            max(float(plan.get("uncovered_ddd") or 0.0), 0.0),
            "ddd",
        ),
    ]
    if u:
        p = u.get("p_uncovered")
        kpis += [
            Kpi(
                "p_none_without",
                plain(
                    "Sannsynlighet for at ingen står uten", "Chance that no patient goes without"
                ),
                None if p is None else 1.0 - float(p),
                "pct",
            ),
            Kpi("end_p50", plain("Over (median)", "Over (median)"), u.get("end_date_p50"), "date"),
            Kpi(
                "end_p90",
                plain("Over i 9 av 10 utfall", "Over in 9 of 10 outcomes"),
                u.get("end_date_p90"),
                "date",
            ),
        ]
    return kpis


def timeline_figure(plan: Mapping[str, Any]) -> dict[str, str] | None:
    """Daily coverage by kind of action, stacked, the uncovered rest on top, against demand."""
    daily = plan.get("daily") or []
    if not daily:
        return None
    dates = [r["date"] for r in daily]
    kinds: dict[str, list[float]] = {}
    for d in plan.get("actions", []):
        if d["status"] != "used":
            continue
        series = kinds.setdefault(d["kind"], [0.0] * len(daily))
        for i, r in enumerate(daily):
            series[i] += float(r.get(d["action_id"]) or 0.0)
    out = {}
    for lang in LANGS:
        data = [
            {
                "type": "scatter",
                "mode": "lines",
                "stackgroup": "cover",
                "name": code_label(kind, lang),
                "x": dates,
                "y": values,
                "line": {"width": 0.5, "color": ACTION_COLOURS.get(kind, "#888888")},
            }
            for kind, values in kinds.items()
        ]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "stackgroup": "cover",
                "name": "udekket" if lang == "nb" else "uncovered",
                "x": dates,
                "y": [max(float(r.get("uncovered_ddd") or 0.0), 0.0) for r in daily],
                "line": {"width": 0.5, "color": ACTION_COLOURS["uncovered"]},
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "behov" if lang == "nb" else "need",
                "x": dates,
                "y": [float(r.get("gap_ddd") or 0.0) for r in daily],
                "line": {"color": "#1d2733", "dash": "dot"},
            }
        )
        out[lang] = _spec(
            data,
            _layout(
                separators=_separators(lang),
                yaxis={
                    "title": {"text": "DDD/dag" if lang == "nb" else "DDD/day"},
                    "tickformat": ",.0f",
                },
                xaxis={"tickformat": DATE_TICKS[lang]},
            ),
        )
    return out


# --- a simulation's result -------------------------------------------------------------------
def simulation_tables(result: Mapping[str, Any], top: int = 20) -> tuple[list[Kpi], Table]:
    """A simulation's national figures and its most affected substances."""
    option = result["options"][0]
    national = option["national"]
    kpis = [
        Kpi(
            "unmet",
            plain("Pasientdager uten behandling (snitt)", "Patient-days without treatment (mean)"),
            national["unmet_ddd"]["mean"],
            "ddd",
        ),
        Kpi(
            "unmet_p95",
            plain("… i verste 5 % (P95)", "… in the worst 5 % (P95)"),
            national["unmet_ddd"]["p95"],
            "ddd",
        ),
        Kpi(
            "p_any",
            plain("Sannsynlighet for mangel", "Probability of a shortage"),
            national["prob_any_shortage"],
            "pct",
        ),
        Kpi(
            "p_vital",
            plain("… av et vitalt virkestoff", "… of a vital substance"),
            national["prob_any_vital_shortage"],
            "pct",
        ),
    ]
    rows = sorted(option["substances"], key=lambda r: -(r.get("weighted_unmet_mean") or 0.0))
    table = Table(
        "worst",
        plain("Mest berørte virkestoffer", "Most affected substances"),
        [
            web_column("atc_code"),
            web_column("name"),
            web_column("criticality"),
            web_column("unmet_ddd_mean", "ddd"),
            web_column("unmet_ddd_p95", "ddd"),
            web_column("shortage_days_mean", "days"),
            web_column("shortage_prob", "pct"),
            web_column("stockout_prob", "pct"),
        ],
        rows[:top],
    )
    return kpis, table


def simulation_figure(result: Mapping[str, Any], top: int = 15) -> dict[str, str] | None:
    """Bars: the substances with the most patient-days without treatment (mean over scenarios)."""
    rows = sorted(
        result["options"][0]["substances"], key=lambda r: -(r.get("unmet_ddd_mean") or 0.0)
    )[:top]
    rows = [r for r in rows if (r.get("unmet_ddd_mean") or 0) > 0]
    if not rows:
        return None
    return _bars(
        [f"{r['name']} ({r['atc_code']})" for r in rows],
        [float(r["unmet_ddd_mean"]) for r in rows],
        colour="#1f4e79",
        title={"nb": "pasientdager uten behandling", "en": "patient-days without treatment"},
        left_margin=240,
        min_height=260,
        row_height=26,
        series={"nb": "snitt", "en": "mean"},
    )


def simulation_csv(result: Mapping[str, Any]) -> str:
    """A simulation's per-substance statistics as CSV (machine values, one row a substance)."""
    import csv
    import io

    rows = result["options"][0]["substances"]
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: _csv_safe(v) for k, v in row.items()}  # text from data stays text
            )
    return buffer.getvalue()


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


# --- small tables -----------------------------------------------------------------------------
def rows_table(
    key: str, title: Text, rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]
) -> Table:
    """A table of plain rows with the named columns."""
    return Table(key, title, list(columns), [dict(r) for r in rows])


def label(text: Text | str) -> Text:
    """A text in both languages (a plain string reads the same in both)."""
    return same(text) if isinstance(text, str) else text


def cell(value: Any, kind: str, lang: str, currency: str = "NOK") -> str:
    """A value as a page shows it in `lang`: numbers by CLDR, dates in words ("1. des. 2026")."""
    if kind == "date" and value is not None and value != "":
        from beredt.views.fmt import date_text

        date = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        return date_text(date, lang)
    if kind == "code" and value is not None:
        return web_code(value, lang)
    return format_value(value, kind, lang, currency)
