"""``beredt plan`` (the best preparedness plan within a budget) and ``beredt frontier``
(budget → expected loss and → P(any vital shortage)); DESIGN.md §4 "Preparedness optimiser"."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    SchedulerOption,
    console_for,
    emit_json,
    fail,
    load_dataset,
    open_store,
    progress_bar,
)

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9}


def parse_amount(text: str) -> float:
    """A money amount: ``150000000``, ``150e6``, ``150M``, ``1.5G`` (k, M, G/B suffixes)."""
    match = re.fullmatch(r"\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMgGbB]?)\s*", text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not an amount (e.g. 150e6 or 150M)")
    value = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    if value < 0:
        raise typer.BadParameter(f"{text!r}: an amount must be ≥ 0")
    return value


def parse_budgets(text: str) -> list[float]:
    """``START:STOP:COUNT`` → COUNT evenly spaced budgets from START to STOP (inclusive)."""
    parts = text.split(":")
    if len(parts) != 3:
        raise typer.BadParameter(f"{text!r}: expected START:STOP:COUNT, e.g. 0:500e6:10")
    start, stop = parse_amount(parts[0]), parse_amount(parts[1])
    try:
        count = int(parts[2])
    except ValueError:
        raise typer.BadParameter(f"{text!r}: COUNT {parts[2]!r} is not a whole number") from None
    if count < 1:
        raise typer.BadParameter(f"{text!r}: COUNT must be ≥ 1")
    if stop < start:
        raise typer.BadParameter(f"{text!r}: STOP must be ≥ START")
    return [float(b) for b in np.linspace(start, stop, count)]


ScenarioOption = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        help="Scenario TOML (forced events); default: background hazards from the data only.",
        exists=True,
        dir_okay=False,
    ),
]
ScenariosOption = Annotated[
    int, typer.Option("--scenarios", min=2, help="Monte-Carlo scenarios per option.")
]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed (same seed, same numbers).")]
HorizonOption = Annotated[
    int, typer.Option("--horizon-days", min=1, help="Simulated horizon in days.")
]
WeeksOption = Annotated[
    str,
    typer.Option("--weeks", help="Stockpile menu in weeks of demand, comma-separated."),
]
ValueOption = Annotated[
    float,
    typer.Option(
        "--value-per-patient-day",
        min=0,
        help="Value of one criticality-weighted patient-day without treatment (currency).",
    ),
]
CoverOption = Annotated[
    list[str] | None,
    typer.Option(
        "--min-cover",
        help="Minimum cover rule CRITICALITY:WEEKS (an agreement also satisfies it) or "
        "CRITICALITY:WEEKS:stock; repeatable, e.g. --min-cover vital:8.",
    ),
]
GapOption = Annotated[
    float, typer.Option("--gap", min=0, max=0.5, help="Relative MIP gap to stop at.")
]
HoldingOption = Annotated[
    float,
    typer.Option("--holding-rate", min=0, help="Holding cost as a share of stock value a year."),
]
XlsxOption = Annotated[Path | None, typer.Option("--xlsx", help="Write a workbook to FILE.")]
PngOption = Annotated[Path | None, typer.Option("--png", help="Write a PNG plot to FILE.")]
HtmlOption = Annotated[
    Path | None, typer.Option("--html", help="Write an interactive plot (HTML) to FILE.")
]


def _parameters(
    weeks: str,
    value: float,
    horizon_days: int,
    scenarios: int,
    cover: list[str] | None,
    gap: float,
    holding_rate: float,
) -> Any:
    from beredt.plan.parameters import CostParameters, CoverRule, PlanParameters

    try:
        menu = [float(w) for w in weeks.split(",") if w.strip()]
    except ValueError:
        fail(f"--weeks {weeks!r}: expected numbers separated by commas, e.g. 0,2,4,8,13,26,52")
    try:
        rules = [CoverRule.parse(c) for c in cover or []]
        return PlanParameters(
            weeks_menu=menu,
            value_per_patient_day=value,
            horizon_days=horizon_days,
            n_scenarios=scenarios,
            cover_rules=rules,
            mip_rel_gap=gap,
            costs=CostParameters(holding_cost_rate_per_year=holding_rate),
        )
    except ValueError as exc:
        fail(str(exc))


def _prepare(
    dataset: Any, parameters: Any, scenario: Path | None, seed: int, console: Console
) -> Any:
    from beredt.ingest.errors import ImportRejected
    from beredt.plan.evaluate import prepare_plan

    scenario_obj = _load_scenario(scenario, dataset)
    try:
        with progress_bar("Simulating options", parameters.n_scenarios) as progress:
            model = prepare_plan(
                dataset, parameters, scenario=scenario_obj, seed=seed, progress=progress
            )
    except ImportRejected as exc:  # the scenario names things the dataset does not have
        fail(f"{exc}\n{exc.report()}", code=2)
    except ValueError as exc:
        fail(str(exc))
    n_options = len(model.menu.options)
    console.print(
        f"{dataset.n_substances} substances, {n_options} options, "
        f"{parameters.n_scenarios} scenarios × {parameters.horizon_days} days, seed {seed}"
    )
    return model


def _load_scenario(path: Path | None, dataset: Any) -> Any:
    if path is None:
        return None
    from beredt.ingest.errors import ImportRejected
    from beredt.sim import load_scenario

    try:
        return load_scenario(path)
    except ImportRejected as exc:
        fail(f"{exc}\n{exc.report()}", code=2)


def _money(value: float, currency: str) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value / 1e6:,.2f} M{currency}"


def _print_plan(result: Any, console: Console) -> None:
    cur = result.currency
    summary = Table(title=f"Preparedness plan at a budget of {_money(result.budget, cur)}/year")
    summary.add_column("")
    summary.add_column("today's plan", justify="right")
    summary.add_column("optimal plan", justify="right")
    summary.add_row(
        "annual cost", _money(result.today.annual_cost, cur), _money(result.chosen.annual_cost, cur)
    )
    summary.add_row(
        "expected loss / year",
        _money(result.today.expected_loss_per_year, cur),
        _money(result.chosen.expected_loss_per_year, cur),
    )
    summary.add_row(
        "P(any vital shortage)",
        f"{result.today.p_any_vital_shortage:.3f}",
        f"{result.chosen.p_any_vital_shortage:.3f}",
    )
    console.print(summary)
    s = result.solve
    console.print(
        f"MILP: {s.status}, gap {s.gap:.2e}, build {s.build_s:.3f} s, solve {s.solve_s:.3f} s, "
        f"{s.n_options_after_dominance}/{s.n_options} options after dominance; "
        f"budget shadow price {result.budget_shadow_price:.3g} loss avoided per {cur}"
    )
    changed = result.substances[result.substances["changed"]]
    changed = changed.sort_values("loss_avoided_vs_today", ascending=False).head(20)
    table = Table(title=f"Changes from today's plan ({int(result.substances['changed'].sum())})")
    for col in ("ATC", "substance", "criticality", "today", "plan", "cost/yr", "loss avoided/yr"):
        table.add_column(col, justify="right" if col.endswith("yr") else "left")
    for row in changed.itertuples():
        table.add_row(
            str(row.atc_code),
            str(row.name)[:28],
            str(row.criticality),
            str(row.today),
            str(row.chosen),
            _money(row.chosen_annual_cost, cur),
            _money(row.loss_avoided_vs_today, cur),
        )
    console.print(table)
    if len(result.lines):
        lines = Table(title="Production line load (reserved ÷ capacity, ≤ 1)")
        for col in ("line", "producer", "today", "plan"):
            lines.add_column(col)
        for row in result.lines.itertuples():
            lines.add_row(row.line_id, row.company_id, f"{row.today_load:.2f}", f"{row.load:.2f}")
        console.print(lines)
    if len(result.offer_values):
        offers = Table(title="What each offer is worth to the country (ranked)")
        for col in (
            "#",
            "offer",
            "producer",
            "substance",
            "fee/yr",
            "in plan",
            "loss avoided/yr",
            "per fee",
            "marginal per fee",
            "break-even fee",
        ):
            offers.add_column(col)
        for row in result.offer_values.itertuples():
            offers.add_row(
                str(row.rank),
                f"{row.reservation_id} ({row.kind})",
                str(row.producer),
                f"{row.atc_code} {row.substance}"[:30],
                _money(row.annual_fee, cur),
                "yes" if row.in_plan else "no",
                _money(row.loss_avoided_per_year, cur),
                f"{row.loss_avoided_per_fee:.2f}",
                f"{row.marginal_value_per_fee:.2f}",
                _money(row.break_even_fee, cur),
            )
        console.print(offers)
    if result.reevaluation is not None:
        r = result.reevaluation
        console.print(
            f"Joint re-evaluation: expected loss {_money(r.joint_loss_per_year, cur)} "
            f"(± {_money(r.joint_loss_se_per_year, cur)}) vs decomposed "
            f"{_money(r.decomposed_loss_per_year, cur)}: difference "
            f"{_money(r.difference_per_year, cur)} ({r.relative_difference:+.1%}); "
            f"P(any vital shortage) joint {r.p_any_vital_shortage_joint:.3f} vs "
            f"decomposed {r.p_any_vital_shortage_decomposed:.3f}"
        )
        console.print(
            f"Today's plan on the same scenarios, jointly: {_money(r.today_joint_loss_per_year, cur)}"
            f"; the plan avoids {_money(r.loss_avoided_vs_today_per_year, cur)} a year "
            f"(± {_money(r.loss_avoided_vs_today_se_per_year, cur)}, paired)"
        )
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)


def _provenance_frame(result: Any) -> pd.DataFrame:
    from beredt.results import to_jsonable

    prov = to_jsonable(result.provenance)
    params = prov.pop("parameters")
    rows = [(k, str(v)) for k, v in prov.items()]
    rows += [(f"parameter {k}", str(v)) for k, v in sorted(params.items())]
    return pd.DataFrame(rows, columns=["field", "value"])


def plan_command(
    budget: Annotated[
        str, typer.Option("--budget", help="Annual budget, e.g. 150e6 or 150M (currency/year).")
    ],
    scenario: ScenarioOption = None,
    scenarios: ScenariosOption = 2000,
    seed: SeedOption = 0,
    horizon_days: HorizonOption = 365,
    weeks: WeeksOption = "0,2,4,8,13,26,52",
    value_per_patient_day: ValueOption = 500.0,
    min_cover: CoverOption = None,
    gap: GapOption = 1e-3,
    holding_rate: HoldingOption = 0.10,
    reevaluate: Annotated[
        bool,
        typer.Option(
            "--reevaluate/--no-reevaluate", help="Simulate the chosen plan jointly as well."
        ),
    ] = True,
    save: Annotated[
        str | None, typer.Option("--save", help="Save the plan in the store under this key.")
    ] = None,
    scheduler: SchedulerOption = None,
    as_of: AsOfOption = None,
    json_target: JsonOption = None,
    xlsx: XlsxOption = None,
    png: PngOption = None,
    db: DatabaseOption = None,
) -> None:
    """Choose stockpile weeks and capacity agreements per substance to minimise expected loss."""
    from beredt.plan.milp import PlanInfeasible
    from beredt.results import to_jsonable
    from beredt.sim.distributed import session

    console = console_for(json_target)
    amount = parse_amount(budget)
    parameters = _parameters(
        weeks, value_per_patient_day, horizon_days, scenarios, min_cover, gap, holding_rate
    )
    dataset = load_dataset(as_of, db)
    try:
        with session(scheduler):
            model = _prepare(dataset, parameters, scenario, seed, console)
            with progress_bar("Optimising", 3) as progress:
                result = model.plan(amount, reevaluate=reevaluate, progress=progress)
    except PlanInfeasible as exc:
        fail(f"{exc}; the cheapest allowed plan costs more than {_money(amount, dataset.currency)}")
    _print_plan(result, console)
    if xlsx:
        sheets = {
            "Summary": pd.DataFrame(
                [
                    {"plan": "today", **to_jsonable(result.today)},
                    {"plan": "optimal", **to_jsonable(result.chosen)},
                ]
            ),
            "Substances": result.substances,
            "Offer values": result.offer_values,
            "Lines": result.lines,
            "Options": model.option_table(),
            "Excluded offers": result.excluded_offers,
            "Provenance": _provenance_frame(result),
        }
        if result.reevaluation is not None:
            sheets["Joint vs decomposed"] = result.reevaluation.by_substance
        _write_xlsx(xlsx, sheets)
        console.print(f"workbook: {xlsx}")
    if png:
        from beredt.plan.plots import save_plan_png

        save_plan_png(result, png)
        console.print(f"plot: {png}")
    if save:
        open_store(db).save_document("plan", save, to_jsonable(result))
        console.print(f"saved as plan {save!r}")
    emit_json(result, json_target)


def frontier_command(
    budgets: Annotated[
        str,
        typer.Option(
            "--budgets", help="START:STOP:COUNT, e.g. 0:500e6:10 (10 budgets from 0 to 500 M)."
        ),
    ],
    scenario: ScenarioOption = None,
    scenarios: ScenariosOption = 2000,
    seed: SeedOption = 0,
    horizon_days: HorizonOption = 365,
    weeks: WeeksOption = "0,2,4,8,13,26,52",
    value_per_patient_day: ValueOption = 500.0,
    min_cover: CoverOption = None,
    gap: GapOption = 1e-3,
    holding_rate: HoldingOption = 0.10,
    as_of: AsOfOption = None,
    json_target: JsonOption = None,
    xlsx: XlsxOption = None,
    png: PngOption = None,
    html: HtmlOption = None,
    scheduler: SchedulerOption = None,
    db: DatabaseOption = None,
) -> None:
    """Sweep budgets: budget → expected loss and → P(any vital shortage), today's plan marked."""
    from beredt.sim.distributed import session

    console = console_for(json_target)
    amounts = parse_budgets(budgets)
    parameters = _parameters(
        weeks, value_per_patient_day, horizon_days, scenarios, min_cover, gap, holding_rate
    )
    dataset = load_dataset(as_of, db)
    with session(scheduler):
        model = _prepare(dataset, parameters, scenario, seed, console)
        with progress_bar("Solving budgets", len(amounts)) as progress:
            result = model.frontier(amounts, progress=progress)
    cur = result.currency
    table = Table(title="Budget frontier")
    for col in ("budget/yr", "cost/yr", "expected loss/yr", "± s.e.", "P(any vital)", "gap"):
        table.add_column(col, justify="right")
    for row in result.points.itertuples():
        if not row.feasible:
            table.add_row(_money(row.budget, cur), "infeasible", "", "", "", "")
            continue
        table.add_row(
            _money(row.budget, cur),
            _money(row.annual_cost, cur),
            _money(row.expected_loss_per_year, cur),
            _money(row.expected_loss_se_per_year, cur),
            f"{row.p_any_vital_shortage:.3f}",
            f"{row.gap:.1e}",
        )
    table.add_row(
        "today's plan",
        _money(result.today.annual_cost, cur),
        _money(result.today.expected_loss_per_year, cur),
        _money(result.today.expected_loss_se_per_year, cur),
        f"{result.today.p_any_vital_shortage:.3f}",
        "",
        style="bold red",
    )
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    if xlsx:
        _write_xlsx(
            xlsx,
            {
                "Frontier": result.points,
                "Plans by budget": result.choices,
                "Provenance": _provenance_frame(result),
            },
        )
        console.print(f"workbook: {xlsx}")
    if png:
        from beredt.plan.plots import save_frontier_png

        save_frontier_png(result, png)
        console.print(f"plot: {png}")
    if html:
        from beredt.plan.plots import save_frontier_html

        save_frontier_html(result, html)
        console.print(f"plot: {html}")
    emit_json(result, json_target)


def register(app: typer.Typer) -> None:
    """Add ``beredt plan`` and ``beredt frontier``."""
    app.command("plan")(plan_command)
    app.command("frontier")(frontier_command)
