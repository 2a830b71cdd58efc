"""``beredt measures`` (the report's four measures against their targets) and the registry
importers ``beredt import ctgov FILE`` and ``beredt import ctis FILE`` (clinical trials).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    SchedulerOption,
    check_json_target,
    console_for,
    emit_json,
    fail,
    import_app,
    load_dataset,
    note_line,
    progress_bar,
)
from beredt.cli.imports import DryRunOption, FileArgument, WhoOption, _run
from beredt.views.safe_cells import harden_workbook

CountryOption = Annotated[
    str | None,
    typer.Option(
        "--country",
        help="Home country (ISO 3166-1 alpha-2) whose trial sites count; default: the dataset's.",
    ),
]


@import_app.command("ctgov")
def import_ctgov(
    file: FileArgument,
    country: CountryOption = None,
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Clinical trials with a site in the home country from ClinicalTrials.gov (API v2 JSON).

    Save `https://clinicaltrials.gov/api/v2/studies?query.locn=Norway&pageSize=1000` (each page)
    and import the file; observational studies and trials without a home site are skipped.
    """
    from beredt.ingest.trials import read_ctgov

    _run(
        "ClinicalTrials.gov import",
        lambda existing: read_ctgov(Path(file), existing, country),
        dry_run=dry_run,
        who=who,
        db=db,
        json_target=json_target,
    )


@import_app.command("ctis")
def import_ctis(
    file: FileArgument,
    country: CountryOption = None,
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Clinical trials with a site in the home country from the EU CTIS public search (JSON).

    Save the answer of the public portal's search (`ctis-public-api/search`, records under
    `data`) and import the file; trials without a home site are skipped.
    """
    from beredt.ingest.trials import read_ctis

    _run(
        "CTIS import",
        lambda existing: read_ctis(Path(file), existing, country),
        dry_run=dry_run,
        who=who,
        db=db,
        json_target=json_target,
    )


def measures_command(
    targets_file: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            exists=True,
            dir_okay=False,
            help="Targets TOML (default: the documented targets.toml shipped with Beredt).",
        ),
    ] = None,
    atc_level: Annotated[
        int, typer.Option("--atc-level", min=1, max=5, help="ATC level of the procurement groups.")
    ] = 1,
    trend_years: Annotated[
        int, typer.Option("--trend-years", min=2, help="Complete years the trend is fitted to.")
    ] = 5,
    scenarios: Annotated[
        int,
        typer.Option(
            "--scenarios",
            min=0,
            help="Draws for the optimiser's loss avoided per unit of fee (0: not computed).",
        ),
    ] = 500,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same numbers).")] = 0,
    png: Annotated[
        Path | None, typer.Option("--png", help="Folder to write the chart into (PNG).")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Write every table to this Excel workbook.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Chart language: en or nb.")] = "en",
    scheduler: SchedulerOption = None,
    as_of: AsOfOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """The export report's four measures by year against their targets.

    Clinical trials, the home market, competence and risk relief. With --scheduler the
    agreements' simulation runs on Dask workers (same numbers).
    """
    from beredt.industry.measures import load_targets, measure_indicators
    from beredt.ingest.errors import ImportRejected

    if lang not in ("en", "nb"):
        fail(f"--lang must be en or nb, not {lang!r}")
    check_json_target(json_target)
    try:
        targets = load_targets(targets_file)
    except ImportRejected as exc:
        fail(f"{exc.summary()}\n{exc.report()}", code=2)
    dataset = load_dataset(as_of, db)
    offer_values = None
    if scenarios >= 2:
        from beredt.plan import PlanParameters, prepare_plan
        from beredt.sim.distributed import session

        with (
            session(scheduler),
            progress_bar("simulating today's agreements", scenarios) as progress,
        ):
            model = prepare_plan(
                dataset, PlanParameters(n_scenarios=scenarios), seed=seed, progress=progress
            )
        today = model.menu.today
        offer_values, _price = model.offer_values(model.summary(today).annual_cost, today)
    result = measure_indicators(
        dataset,
        targets=targets,
        offer_values=offer_values,
        atc_level=atc_level,
        trend_years=trend_years,
    )
    console = console_for(json_target)
    _print(console, result)
    if png is not None:
        from beredt.views.charts import png_bytes
        from beredt.views.charts.invest import measures_figure

        png.mkdir(parents=True, exist_ok=True)
        path = png / "measures.png"
        path.write_bytes(png_bytes(measures_figure(result, lang)))
        console.print(f"chart: {path}")
    if xlsx is not None:
        _write_xlsx(result, xlsx)
        console.print(f"workbook: {xlsx}")
    emit_json(result, json_target)


def _value(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "money":
        return f"{value / 1e6:,.1f} M"
    if kind == "ratio":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _trend(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:+.2f} pt"
    if kind == "money":
        return f"{value / 1e6:+,.2f} M"
    if kind == "ratio":
        return f"{value:+.3f}"
    return f"{value:+,.1f}"


def _target(target: Any, kind: str) -> str:
    """A target in a few characters: ×2 2020→2025, ≥ 1.00 (by 2030)."""
    if target.kind == "growth":
        return f"×{target.factor:g} {target.base_year}→{target.target_year}"
    sign = "≥" if target.direction == "at_least" else "≤"
    by = f" by {target.target_year}" if target.target_year else ""
    return f"{sign} {_value(target.value, kind)}{by}"


def _print(console: Console, result: Any) -> None:
    for note in result.notes:
        console.print(note_line(note))
    table = Table(
        title=f"The four measures ({result.currency}; trend: least-squares slope a year over "
        "the latest complete years)",
        show_edge=False,
    )
    for col in ("measure", "indicator", "latest", "trend", "target", "on track", "source"):
        table.add_column(col, justify="right" if col in ("latest", "trend") else "left")
    for ind in result.indicators:
        status = ind.target
        latest = (
            "–"
            if ind.latest_year is None
            else f"{_value(ind.latest_value, ind.kind)} ({ind.latest_year})"
        )
        on_track = (
            "–"
            if status is None or status.on_track is None
            else ("yes" if status.on_track else "no")
        )
        table.add_row(
            ind.measure,
            ind.key,
            latest,
            _trend(ind.trend_per_year, ind.kind),
            _target(status.target, ind.kind) if status else "–",
            on_track,
            ind.source,
        )
    console.print(table)
    trials = result.trials_by_phase_sponsor
    if len(trials):
        wide = trials.pivot_table(
            index="year", columns="sponsor_type", values="trials", aggfunc="sum", fill_value=0
        )
        table = Table(title="Clinical trials started by sponsor type", show_edge=False)
        table.add_column("year")
        for col in wide.columns:
            table.add_column(str(col), justify="right")
        for year, row in wide.iterrows():
            table.add_row(str(year), *[f"{int(v)}" for v in row.to_numpy()])
        console.print(table)


def _write_xlsx(result: Any, path: Path) -> None:
    from beredt.industry.measures import report_tables
    from beredt.report.xlsx import about_sheet

    path.parent.mkdir(parents=True, exist_ok=True)
    about = about_sheet(result)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        about.to_excel(writer, sheet_name="about", index=False)
        for name, frame in report_tables(result).items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
        harden_workbook(writer.book)


def register(app: typer.Typer) -> None:
    """Add ``beredt measures``; the importers are on the shared ``import`` group."""
    app.command("measures")(measures_command)
