"""``beredt industry`` (indicators, charts, spreadsheet), ``beredt industry query`` (the Statistics
Norway API request to run) and ``beredt import ssb FILE`` (a saved trade response → the store).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.text import Text

from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    after_commit,
    check_json_target,
    console_for,
    emit_json,
    fail,
    import_app,
    load_dataset,
    note_line,
    open_store,
    styled,
)
from beredt.ingest.errors import ImportRejected
from beredt.report.xlsx import about_sheet, write_tables
from beredt.views.fmt import number, percent
from beredt.views.terminal import Col, data_table, show

industry_app = typer.Typer(
    help="Health-industry indicators: trade against the export target, self-sufficiency.",
    invoke_without_command=True,
)

GroupsOption = Annotated[
    Path | None,
    typer.Option(
        "--groups",
        help="Commodity-group TOML (default: the documented file shipped with Beredt).",
        exists=True,
        dir_okay=False,
    ),
]


def _rejected(exc: ImportRejected) -> None:
    fail(f"{exc.summary()}\n{exc.report()}", code=2)


def _load_groups(path: Path | None) -> Any:
    from beredt.industry.groups import load_groups

    try:
        return load_groups(path)
    except ImportRejected as exc:
        _rejected(exc)


@industry_app.callback()
def industry(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    base_year: Annotated[
        int, typer.Option("--base-year", help="Year the target's growth is measured from.")
    ] = 2020,
    target_year: Annotated[
        int, typer.Option("--target-year", help="Year by which the target should be met.")
    ] = 2025,
    factor: Annotated[
        float, typer.Option("--factor", help="Target multiple of the base-year exports.", min=0.01)
    ] = 2.0,
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            help="Substances for self-sufficiency: critical (vital+essential), vital, "
            "who_essential, all.",
        ),
    ] = "critical",
    atc_level: Annotated[
        int, typer.Option("--atc-level", help="ATC level of the self-sufficiency groups (1–4).")
    ] = 1,
    groups_file: GroupsOption = None,
    series: Annotated[
        str,
        typer.Option(
            "--series",
            help="Series in the target chart: trade:total, trade:<group> or industry.",
        ),
    ] = "trade:total",
    png: Annotated[
        Path | None, typer.Option("--png", help="Folder to write the charts into (PNG).")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Write every table to this Excel workbook.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Chart language: en or nb.")] = "en",
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Exports, imports and balance by commodity group; growth against the target; exports by
    destination; self-sufficiency in essential medicines; the industry's own figures.
    """
    if ctx.invoked_subcommand is not None:
        return
    from beredt.industry.indicators import SCOPES, industry_indicators

    if target_year <= base_year:
        fail(f"--target-year ({target_year}) must come after --base-year ({base_year})")
    if scope not in SCOPES:
        fail(f"--scope {scope!r} is not one of {', '.join(SCOPES)}")
    if atc_level not in (1, 2, 3, 4):
        fail(f"--atc-level must be 1–4, not {atc_level}")
    if lang not in ("en", "nb"):
        fail(f"--lang must be en or nb, not {lang!r}")
    groups = _load_groups(groups_file)
    dataset = load_dataset(as_of, db)
    result = industry_indicators(
        dataset,
        groups=groups,
        base_year=base_year,
        target_year=target_year,
        factor=factor,
        scope=scope,
        atc_level=atc_level,
    )
    try:
        result.target(series)
    except KeyError:
        names = ", ".join(t.series for t in result.targets)
        fail(f"--series {series!r} has no figures (series: {names})")
    console = console_for(json_target)
    _print(console, result, series)
    if png is not None:
        from beredt.views.charts.industry import write_pngs

        for path in write_pngs(result, png, series=series, lang=lang):
            console.print(f"chart: {path}")
    if xlsx is not None:
        _write_xlsx(result, xlsx)
        console.print(f"workbook: {xlsx}")
    emit_json(result, json_target)


def _money(value: Any, scale: float = 1e6) -> str:
    """An amount in millions (or thousands) of the currency, for a column whose header says so."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return number(value / scale, "en")


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return percent(value, "en", 1)


def _print(console: Console, result: Any, series: str) -> None:
    cur = result.currency
    for note in result.notes:
        console.print(note_line(note))
    trade = result.trade_by_group
    if not trade.empty:
        table = data_table(
            ("group", "name"),
            ("year", "number"),
            ("exports", "number"),
            ("imports", "number"),
            ("balance", "number"),
            ("exports/imports", "number"),
            title=f"Trade by commodity group ({cur} million)",
            show_edge=False,
        )
        for row in trade.itertuples(index=False):
            partial = "" if row.months == 12 else f" ({row.months} mo)"
            table.add_row(
                row.group,
                f"{row.year}{partial}",
                _money(row.exports),
                _money(row.imports),
                _money(row.balance),
                _pct(row.export_import_ratio),
            )
        show(console, table)
    first = result.targets[0]
    targets = data_table(
        ("series", "name"),
        (f"base {first.base_year}", "number"),
        ("latest", "number"),
        (f"target {first.target_year}", "number"),
        ("CAGR needed", "number"),
        ("CAGR so far", "number"),
        ("gap to path", "number"),
        Col("ok", "text", justify="right"),
        title=f"Exports against ×{first.factor:g} by {first.target_year} "
        f"({cur} million; CAGR = compound annual growth)",
        show_edge=False,
    )
    for t in result.targets:
        mark = " *" if t.series == series else ""
        latest = "–" if t.latest_year is None else f"{_money(t.latest_value)}\n({t.latest_year})"
        shown = "industry.csv" if t.series == "industry" else t.series.removeprefix("trade:")
        targets.add_row(
            shown + mark,
            _money(t.base_value),
            latest,
            _money(t.target_value),
            _pct(t.required_cagr),
            _pct(t.achieved_cagr),
            _money(t.gap_at_latest),
            {True: Text("yes"), False: Text("no", "red"), None: Text("–")}[t.on_track],
        )
    show(console, targets)
    for t in result.targets:
        if t.note:
            console.print(f"  {t.series}: {t.note}")
    dest = result.exports_by_destination
    if not dest.empty:
        last = int(dest["year"].max())
        top = dest[dest["year"] == last].head(10)
        table = data_table(
            ("country", "id"),
            ("exports", "number"),
            ("share", "number"),
            title=f"Exports by destination {last}, top 10 ({cur} million)",
        )
        for row in top.itertuples(index=False):
            table.add_row(row.partner_country, _money(row.exports), _pct(row.share))
        show(console, table)
    ss = result.self_sufficiency
    table = data_table(
        ("group", "id"),
        ("name", "name"),
        ("n", "number"),
        ("DDD/day", "number"),
        ("qualified", "number"),
        ("shared", "number"),
        ("agreed", "number"),
        ("no option", "number"),
        title=f"Self-sufficiency ({ss.scope}) by ATC level-{ss.atc_level} group: "
        "share of national demand (DDD/day) covered",
        show_edge=False,
    )
    for row in ss.by_group.itertuples(index=False):
        table.add_row(
            row.atc_group,
            row.atc_group_name,
            str(row.substances),
            f"{row.demand_ddd_per_day:,.0f}",
            _pct(row.qualified_ratio),
            _pct(row.qualified_joint_ratio),
            _pct(row.agreed_ratio),
            str(row.substances_without_domestic_option),
        )
    if ss.total:
        t = ss.total
        table.add_row(
            Text("total", "bold"),
            "",
            str(t["substances"]),
            f"{t['demand_ddd_per_day']:,.0f}",
            _pct(t["qualified_ratio"]),
            _pct(t["qualified_joint_ratio"]),
            _pct(t["agreed_ratio"]),
            str(t["substances_without_domestic_option"]),
        )
    show(console, table)
    vital = ss.vital_without_domestic_option
    if vital.empty:
        console.print("Every vital substance has a domestic option.")
    else:
        table = data_table(
            ("ATC", "id"),
            ("substance", "name"),
            ("demand DDD/day", "number"),
            ("made here today (share)", "number"),
            title="Vital substances with no domestic option",
            show_edge=False,
        )
        for row in vital.itertuples(index=False):
            table.add_row(
                row.atc_code,
                row.name,
                f"{row.demand_ddd_per_day:,.0f}",
                _pct(row.domestic_fdf_share),
            )
        show(console, table)
    ind = result.industry
    if not ind.empty:
        table = data_table(
            ("year", "number"),
            ("companies", "number"),
            ("employees", "number"),
            ("exports", "number"),
            ("per employee (k)", "number"),
            ("source", "text"),
            title=f"The industry ({cur} million)",
            show_edge=False,
        )
        for row in ind.itertuples(index=False):
            table.add_row(
                str(row.year),
                "–" if pd.isna(row.companies) else f"{int(row.companies)}",
                "–" if pd.isna(row.employees) else f"{int(row.employees):,}",
                _money(row.exports_value),
                _money(row.exports_per_employee, 1e3),
                str(row.source or ""),
            )
        show(console, table)


def _write_xlsx(result: Any, path: Path) -> None:
    from beredt.industry.indicators import report_tables

    path.parent.mkdir(parents=True, exist_ok=True)
    about = about_sheet(result, *[("trade source", s) for s in result.trade_sources])
    write_tables({"about": about, **report_tables(result)}, path)


@industry_app.command("query")
def query(
    codes: Annotated[
        str | None,
        typer.Option(
            "--codes",
            help="Commodity-code prefixes, comma-separated (default: every group's prefixes).",
        ),
    ] = None,
    years: Annotated[
        str, typer.Option("--years", help="Years (2019-2023, 2019,2021) or months (2023M01).")
    ] = "2019-2024",
    table: Annotated[
        str, typer.Option("--table", help="08801 (annual) or 08799 (monthly).")
    ] = "08801",
    by_country: Annotated[
        bool,
        typer.Option(
            "--by-country/--all-countries",
            help="Every partner country, or their total (Land eliminated → partner ZZ).",
        ),
    ] = False,
    countries: Annotated[
        str | None, typer.Option("--countries", help="Only these countries, e.g. SE,DK,DE.")
    ] = None,
    flows: Annotated[str, typer.Option("--flows", help="import, export or both.")] = (
        "import,export"
    ),
    lang: Annotated[str, typer.Option("--lang", help="Label language: no or en.")] = "no",
    groups_file: GroupsOption = None,
    json_target: JsonOption = None,
) -> None:
    """Print the Statistics Norway API request (PxWebApi v2 URL and v0 POST body) to run yourself.

    Beredt never calls the API: save the response and import it with `beredt import ssb FILE`.
    """
    from beredt.industry.query import trade_query

    code_list = _split(codes) if codes else list(_load_groups(groups_file).all_prefixes())
    try:
        q = trade_query(
            code_list,
            years,
            table=table,
            flows=_split(flows),
            by_country=by_country,
            countries=_split(countries) if countries else (),
            lang=lang,
        )
    except ValueError as exc:
        fail(str(exc))
    console = console_for(json_target)
    out = f"ssb_{table}.json"
    console.print(styled(("PxWebApi v2", "bold"), " (GET):"))
    console.print(q.v2_url, soft_wrap=True, markup=False)
    console.print(f"\n  {q.curl_v2(out)}", soft_wrap=True, markup=False)
    console.print(styled("\n", ("API v0", "bold"), f" (POST {q.v0_url}):"))
    console.print(q.v0_body_text, soft_wrap=True, markup=False)
    console.print(f"\n  {q.curl_v0(out)}", soft_wrap=True, markup=False)
    console.print(f"\nthen: beredt import ssb {out}", markup=False)
    emit_json(
        {
            "table": q.table,
            "v2_url": q.v2_url,
            "v2_url_encoded": q.v2_url_encoded,
            "v0_url": q.v0_url,
            "v0_body": q.v0_body,
        },
        json_target,
    )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@import_app.command("ssb")
def import_ssb(
    file: Annotated[
        Path,
        typer.Argument(
            help="A saved Statistics Norway JSON-stat 2.0 response of table 08801 or 08799."
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="Text for the figures' source column (default: SSB <table>)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and check the file; write nothing.")
    ] = False,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Import external-trade figures from a saved Statistics Norway response (merge by key)."""
    from beredt.industry.ssb import read_trade_file
    from beredt.store import StoreError

    console = console_for(json_target)
    try:
        result = read_trade_file(file, source)
    except ImportRejected as exc:
        _rejected(exc)
    summary = result.summary()
    missing = ", ".join(f"{n} '{s}'" for s, n in result.missing_by_status.items()) or "none"
    console.print(
        f"read {file.name}: table {result.table_id or '?'}, {len(result.rows)} trade figures "
        f"({result.n_codes} codes, {result.n_partners} partners, periods "
        f"{'–'.join(result.periods[:: max(1, len(result.periods) - 1)]) or '–'}); "
        f"cells without a value by status: {missing}; "
        f"zero country rows left out: {result.zero_rows_dropped}"
    )
    if dry_run:
        emit_json(summary, json_target)
        return
    check_json_target(json_target)
    store = open_store(db)
    try:
        merged = store.merge_rows("trade", result.rows, source=f"{result.source} ({file.name})")
    except StoreError as exc:
        fail(str(exc), code=3)
    except ImportRejected as exc:
        _rejected(exc)
    summary |= {
        "inserted": merged.inserted,
        "updated": merged.updated,
        "unchanged": merged.unchanged,
    }
    after_commit(
        console,
        f"trade figures: {merged.inserted} created, {merged.updated} updated, "
        f"{merged.unchanged} unchanged ({store.display_url})",
        summary,
        json_target,
    )


def register(app: typer.Typer) -> None:
    """Add ``beredt industry`` (with ``query``); ``import ssb`` is on the shared import group."""
    app.add_typer(industry_app, name="industry")
