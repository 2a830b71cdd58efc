"""``beredt invest --line SPEC …``: the investment case of a new or extended domestic line.

SPEC is an investment or offer id of the dataset (``investments.csv``), a TOML file with the
same fields, or inline ``key=value`` pairs (docs/industry.md, "The investment case"). Without
``--line`` every investment of the dataset is valued.
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
    load_dataset,
    note_line,
    progress_bar,
)
from beredt.views.safe_cells import harden_workbook


def _money(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–" if value is None or math.isnan(value) else "∞"
    return f"{value / 1e6:,.2f}"


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.1f}%"


def invest_command(
    line: Annotated[
        list[str] | None,
        typer.Option(
            "--line",
            metavar="SPEC",
            help="An investment or offer id of the dataset, a TOML file, or key=value pairs "
            "(capex=80M,fixed=6M,build_days=540,life_years=15,atc=B05BB01,capacity=8000,"
            "unit_cost=12,domestic=2000,export=3000,price=30,fee=2.4M,reserved=4000,"
            "response_days=7); repeatable. Default: every investment of the dataset.",
        ),
    ] = None,
    level: Annotated[
        float,
        typer.Option("--level", min=0.01, max=0.99, help="P(NPV > 0) the break-even fee is for."),
    ] = 0.9,
    paths: Annotated[
        int, typer.Option("--paths", min=2, help="Simulated futures of each line's life.")
    ] = 2000,
    scenarios: Annotated[
        int,
        typer.Option(
            "--scenarios", min=2, help="Simulated years under the background hazards (pool)."
        ),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same numbers).")] = 0,
    scenario_dir: Annotated[
        Path | None,
        typer.Option(
            "--scenario-dir",
            file_okay=False,
            exists=True,
            help="Stress library (*.toml with probability_per_year); default: the shipped one.",
        ),
    ] = None,
    no_library: Annotated[
        bool, typer.Option("--no-library", help="Background hazards only, no stress scenario.")
    ] = False,
    discount_rate: Annotated[
        float, typer.Option("--discount-rate", help="Producer's real after-tax discount rate.")
    ] = 0.07,
    state_discount_rate: Annotated[
        float,
        typer.Option("--state-discount-rate", help="The state's real discount rate (R-109/2021)."),
    ] = 0.04,
    tax_rate: Annotated[
        float, typer.Option("--tax-rate", min=0, max=0.99, help="Tax on the line's result.")
    ] = 0.22,
    depreciation: Annotated[
        str, typer.Option("--depreciation", help="declining (saldo) or straight_line.")
    ] = "declining",
    depreciation_rate: Annotated[
        float,
        typer.Option("--depreciation-rate", help="Declining-balance rate a year (saldo group d)."),
    ] = 0.20,
    tax_losses: Annotated[
        str, typer.Option("--tax-losses", help="offset (against other income) or carry_forward.")
    ] = "offset",
    sales_cv: Annotated[
        float,
        typer.Option(
            "--sales-cv", min=0, max=5, help="Market risk: CV of the normal-sales multiplier."
        ),
    ] = 0.3,
    value_per_patient_day: Annotated[
        float,
        typer.Option(
            "--value-per-patient-day",
            min=0,
            help="The state's value of a criticality-weighted patient-day without treatment.",
        ),
    ] = 500.0,
    agreement_years: Annotated[
        int | None,
        typer.Option(
            "--agreement-years", min=1, help="Years the agreements run (default: the life)."
        ),
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Folder to write the charts into (PNG).")
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
    """A producer's NPV and IRR with and without an agreement, and the break-even fee.

    Over the simulator's futures: the fee at a chosen P(NPV > 0) (the risk relief) and the
    state's side. With --scheduler the simulated years run on Dask workers (same numbers).
    """
    from beredt.app.pipeline import default_scenario_dir
    from beredt.plan.cashflow import FinanceParameters
    from beredt.plan.invest import InvestParameters, SpecError, invest, parse_line_spec
    from beredt.sim import check_scenario, load_scenario
    from beredt.sim.distributed import session

    if lang not in ("en", "nb"):
        fail(f"--lang must be en or nb, not {lang!r}")
    check_json_target(json_target)
    try:
        finance = FinanceParameters(
            discount_rate=discount_rate,
            state_discount_rate=state_discount_rate,
            tax_rate=tax_rate,
            depreciation=depreciation,
            depreciation_rate=depreciation_rate,
            tax_losses=tax_losses,
        )
        params = InvestParameters(
            finance=finance,
            level=level,
            paths=paths,
            pool_years=scenarios,
            sales_cv=sales_cv,
            value_per_patient_day=value_per_patient_day,
            agreement_years=agreement_years,
        )
    except ValueError as exc:
        fail(str(exc), code=2)
    dataset = load_dataset(as_of, db)
    try:
        specs = [parse_line_spec(text, dataset) for text in line] if line else None
    except SpecError as exc:
        fail(f"--line: {exc}", code=2)
    if specs is None and dataset.investments.empty:
        fail(
            "the dataset has no investments (investments.csv): describe a line with "
            "--line key=value,… or --line FILE.toml (docs/industry.md)",
            code=2,
        )
    library = []
    if not no_library:
        folder = scenario_dir or default_scenario_dir()
        for path in sorted(folder.glob("*.toml")):
            sc = load_scenario(path)
            if sc.probability_per_year and not check_scenario(sc, dataset):
                library.append(sc)
    console = console_for(json_target)
    try:
        with (
            session(scheduler),
            progress_bar("simulating the lines' years", scenarios) as progress,
        ):
            result = invest(dataset, specs, params, library=library, seed=seed, progress=progress)
    except (SpecError, ValueError) as exc:
        fail(str(exc), code=2)
    _print(console, result)
    if png is not None:
        for path in _write_pngs(result, png, lang):
            console.print(f"chart: {path}")
    if xlsx is not None:
        _write_xlsx(result, xlsx)
        console.print(f"workbook: {xlsx}")
    emit_json({"table": result.table(), "result": result}, json_target)


def _print(console: Console, result: Any) -> None:
    cur = result.currency
    for note in result.notes:
        console.print(note_line(note))
    params = result.parameters
    fin = params.finance
    console.print(
        f"{params.paths:,} futures of each line's life from {sum(result.pool_years.values()):,} "
        f"simulated years ({', '.join(f'{k} {v}' for k, v in result.pool_years.items()) or '–'}); "
        f"real discount rate {_pct(fin.discount_rate)} (state {_pct(fin.state_discount_rate)}), "
        f"tax {_pct(fin.tax_rate)}, depreciation {fin.depreciation}"
        + (f" {_pct(fin.depreciation_rate)}" if fin.depreciation == "declining" else "")
        + f", tax losses {fin.tax_losses}, market CV {params.sales_cv:g}",
        soft_wrap=True,
    )
    table = Table(
        title=f"Investment cases ({cur} million; P = P(NPV > 0); break-even at "
        f"P = {_pct(params.level)})",
        show_edge=False,
    )
    for col in (
        "investment",
        "ATC",
        "capex",
        "fee",
        "NPV w/o",
        "P w/o",
        "NPV with (5–95 %)",
        "P with",
        "IRR",
        "break-even",
        "state: avoided / fees",
    ):
        table.add_column(col, justify="left" if col in ("investment", "ATC") else "right")
    for case in result.cases:
        spec = case.spec
        market = case.cases["market"]
        agr = case.cases.get("agreement")
        state = case.state_at_offer
        table.add_row(
            spec.investment_id,
            spec.agreement.atc_code if spec.agreement else spec.products[0].atc_code,
            _money(spec.capex),
            _money(spec.agreement.annual_fee) if spec.agreement else "–",
            _money(market.npv_mean),
            _pct(market.p_npv_positive),
            f"{_money(agr.npv_mean)} ({_money(agr.npv_p5)}–{_money(agr.npv_p95)})" if agr else "–",
            _pct(agr.p_npv_positive) if agr else "–",
            _pct((agr or market).irr_p50),
            _money(case.break_even_fee),
            f"{_money(state.loss_avoided_pv_mean)} / {_money(state.fees_pv)}" if state else "–",
        )
    console.print(table)
    if len(result.cases) == 1:
        _print_one(console, result.cases[0], cur)


def _print_one(console: Console, case: Any, cur: str) -> None:
    flows = case.cash_flows
    table = Table(title=f"Expected cash flows by year ({cur} million)", show_edge=False)
    columns = [
        "year",
        "operating_share",
        "revenue_domestic",
        "revenue_export",
        "revenue_surge",
        "fee_income",
        "variable_cost",
        "fixed_cost",
        "cash_flow",
        "discounted_cash_flow",
    ]
    for col in columns:
        table.add_column(col.replace("_", " "), justify="right")
    for row in flows.to_dict("records"):
        cells = [str(int(row["year"])), f"{row['operating_share']:.2f}"]
        cells += [_money(row[c]) for c in columns[2:]]
        table.add_row(*cells)
    console.print(table)
    for key, stats in case.cases.items():
        console.print(
            f"{key}: NPV mean {_money(stats.npv_mean)} ± {_money(stats.npv_se)}, median "
            f"{_money(stats.npv_p50)}, P(NPV > 0) {_pct(stats.p_npv_positive)} ± "
            f"{_pct(stats.p_npv_positive_se)}; IRR median {_pct(stats.irr_p50)} "
            f"({_pct(stats.irr_p5)}–{_pct(stats.irr_p95)})"
        )
    if math.isfinite(case.break_even_fee):
        console.print(
            f"break-even fee {_money(case.break_even_fee)} a year: P(NPV > 0) "
            f"{_pct(case.p_at_break_even)} (level {_pct(case.level)})"
        )
    for note in case.notes:
        console.print(note_line(note))


def _write_pngs(result: Any, folder: Path, lang: str) -> list[Path]:
    from beredt.views.charts import png_bytes
    from beredt.views.charts.invest import (
        break_even_figure,
        fee_curve_figure,
        npv_histogram_figure,
        npv_ranges_figure,
    )

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    figures = {"invest_npv_ranges.png": npv_ranges_figure(result, lang)}
    if any(c.spec.agreement is not None for c in result.cases):
        figures["invest_break_even.png"] = break_even_figure(result, lang)
    for case in result.cases:
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in case.spec.investment_id)
        figures[f"invest_{name}_npv.png"] = npv_histogram_figure(case, result.currency, lang)
        if case.spec.agreement is not None:
            figures[f"invest_{name}_fee.png"] = fee_curve_figure(case, result.currency, lang)
    for name, fig in figures.items():
        path = folder / name
        path.write_bytes(png_bytes(fig))
        written.append(path)
    return written


def _write_xlsx(result: Any, path: Path) -> None:
    from beredt.report.xlsx import about_sheet
    from beredt.results import to_jsonable

    path.parent.mkdir(parents=True, exist_ok=True)
    about = about_sheet(result)
    flows = pd.concat(
        [c.cash_flows.assign(investment_id=c.spec.investment_id) for c in result.cases],
        ignore_index=True,
    )
    curves = pd.concat(
        [c.fee_curve.assign(investment_id=c.spec.investment_id) for c in result.cases],
        ignore_index=True,
    )
    cases = pd.DataFrame(
        [
            {"investment_id": c.spec.investment_id, "case": key, **to_jsonable(stats)}
            for c in result.cases
            for key, stats in c.cases.items()
        ]
    )
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        about.to_excel(writer, sheet_name="about", index=False)
        result.table().to_excel(writer, sheet_name="investments", index=False)
        cases.to_excel(writer, sheet_name="cases", index=False)
        flows.to_excel(writer, sheet_name="cash_flows", index=False)
        curves.to_excel(writer, sheet_name="fee_curves", index=False)
        harden_workbook(writer.book)


def register(app: typer.Typer) -> None:
    """Add ``beredt invest``."""
    app.command("invest")(invest_command)
