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
from rich.text import Text

from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    SchedulerOption,
    after_commit,
    check_json_target,
    console_for,
    emit_json,
    fail,
    load_dataset,
    note_line,
    open_store,
    progress_bar,
)
from beredt.report.xlsx import write_tables
from beredt.store import StoreError
from beredt.views.fmt import format_money, number
from beredt.views.terminal import Col, data_table, show

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
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        exists=True,
        dir_okay=False,
        help="Preparedness policy (floors, objective; docs/plan.md). Default: the shipped "
        "beredt/plan/policy.toml.",
    ),
]
NoPolicyOption = Annotated[
    bool, typer.Option("--no-policy", help="No floors, the plain expected-loss objective.")
]
ObjectiveOption = Annotated[
    str | None,
    typer.Option(
        "--objective",
        help="loss (expected weighted loss), vital-days (expected vital shortage-days) or "
        "loss-capped (loss with P(vital shortage > 7 days) ≤ today's); default: the policy's.",
    ),
]
ScenarioDirOption = Annotated[
    Path | None,
    typer.Option(
        "--scenario-dir",
        file_okay=False,
        exists=True,
        help="Optimise over the background plus this stress library (*.toml with "
        "probability_per_year), weighted by how often each happens.",
    ),
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
    policy_file: Path | None = None,
    no_policy: bool = False,
    objective: str | None = None,
) -> tuple[Any, Any]:
    """Plan parameters with the policy applied, and the policy."""
    from beredt.app import compute

    try:
        menu = [float(w) for w in weeks.split(",") if w.strip()]
    except ValueError:
        fail(f"--weeks {weeks!r}: expected numbers separated by commas, e.g. 0,2,4,8,13,26,52")
    policy = compute.plan_policy(policy_file, none=no_policy)
    parameters = compute.plan_parameters(
        policy=policy, weeks=menu, value_per_patient_day=value, horizon_days=horizon_days,
        scenarios=scenarios, gap=gap, holding_rate=holding_rate, min_cover=cover or [],
        objective=objective,
    )  # fmt: skip
    return parameters, policy


def _library(scenario_dir: Path | None, dataset: Any) -> list[Any]:
    """The stress scenarios of a folder (with a probability_per_year; the baseline skipped)."""
    if scenario_dir is None:
        return []
    from beredt.app import compute
    from beredt.cli.simulate import scenario_problems
    from beredt.ingest.errors import ImportRejected

    try:
        out = compute.stress_scenarios(sorted(scenario_dir.glob("*.toml")), dataset)
    except ImportRejected as exc:
        fail(f"{exc.summary()}\n{scenario_problems(exc.problems, dataset)}", code=2)
    if not out:
        fail(f"--scenario-dir {scenario_dir}: no scenario file with probability_per_year", 2)
    return out


def _prepare(
    dataset: Any,
    parameters: Any,
    scenario: Path | None,
    seed: int,
    console: Console,
    *,
    scenario_dir: Path | None = None,
    policy: Any = None,
) -> Any:
    from beredt.app import compute
    from beredt.cli.simulate import scenario_problems
    from beredt.ingest.errors import ImportRejected

    scenario_obj = _load_scenario(scenario, dataset)
    library = _library(scenario_dir, dataset)
    n = parameters.n_scenarios
    # the library simulates the background, then each stress scenario on fewer draws
    steps = n + len(library) * min(n, max(64, -(-n // 4 // 64) * 64))
    first = scenario_obj.name if scenario_obj is not None else "background"
    try:
        with progress_bar(f"options: {first}", steps) as progress:

            def step(done: int, total: int) -> None:
                stress = (total - n) // len(library) if library else 0
                part = min(len(library), -(-(done - n) // stress)) if stress and done > n else 0
                name = library[part - 1].name if part else ""
                now = f"stress {part}/{len(library)}: {name}" if part else first
                progress(done, total, f"options: {now}")

            model = compute.plan_model(
                dataset,
                parameters,
                scenario=scenario_obj,
                library=library,
                seed=seed,
                progress=step,
                policy=policy,
            )
    except ImportRejected as exc:  # the scenario names things the dataset does not have
        fail(f"{exc.summary()}\n{scenario_problems(exc.problems, dataset)}", code=2)
    n_options = len(model.menu.options)
    library_text = (
        f"; background + {len(library)} stress scenarios weighted by probability a year"
        if library
        else ""
    )
    console.print(
        f"{dataset.n_substances} substances, {n_options} options, "
        f"{parameters.n_scenarios} scenarios × {parameters.horizon_days} days, seed {seed}"
        f"{library_text}; objective {parameters.objective}"
        + (f", policy {policy.name}" if policy is not None else ""),
        markup=False,
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
        fail(f"{exc.summary()}\n{exc.report()}", code=2)


def _money(value: float, currency: str) -> str:
    return format_money(value, "en", currency)


def _pm(x: float, se: float, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return (
        f"{x:.{digits}f} ± {se:.{digits}f}"
        if se is not None and math.isfinite(se)
        else f"{x:.{digits}f}"
    )


def _ddd(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else number(x, "en")


def _m(value: float) -> str:
    """Millions of the currency for a table whose header names the unit."""
    if value is None or not math.isfinite(value):
        return "–"
    return number(value / 1e6, "en", 2)


def _m_pm(value: float, se: float) -> str:
    return f"{_m(value)}\n± {_m(se)}" if se is not None and math.isfinite(se) else _m(value)


def _print_plan(result: Any, console: Console) -> None:
    cur = result.currency
    summary = data_table(
        ("", "name"),
        ("today's plan", "number"),
        ("optimal plan", "number"),
        title=f"Preparedness plan at a budget of {_money(result.budget, cur)}/year",
    )
    t, c = result.today, result.chosen
    summary.add_row("annual cost", _money(t.annual_cost, cur), _money(c.annual_cost, cur))
    summary.add_row(
        "expected loss / year",
        _money(t.expected_loss_per_year, cur),
        _money(c.expected_loss_per_year, cur),
    )
    summary.add_row(
        "P(a vital substance short > 7 days)",
        _pm(t.p_vital_shortage_over_7_days, t.p_vital_shortage_over_7_days_se),
        _pm(c.p_vital_shortage_over_7_days, c.p_vital_shortage_over_7_days_se),
    )
    summary.add_row(
        "vital shortage-days / year",
        _pm(t.vital_shortage_days, t.vital_shortage_days_se, 2),
        _pm(c.vital_shortage_days, c.vital_shortage_days_se, 2),
    )
    for crit in ("vital", "essential", "other"):
        a = t.untreated_ddd_by_criticality.get(crit, {})
        b = c.untreated_ddd_by_criticality.get(crit, {})
        summary.add_row(
            f"untreated patient-days / year, {crit}",
            f"{_ddd(a.get('mean'))} ± {_ddd(a.get('se'))}",
            f"{_ddd(b.get('mean'))} ± {_ddd(b.get('se'))}",
        )
    summary.add_row(
        "substances short (expected)", f"{t.substances_short:.1f}", f"{c.substances_short:.1f}"
    )
    summary.add_row(
        "P(any vital shortage)",
        f"{t.p_any_vital_shortage:.3f}",
        f"{c.p_any_vital_shortage:.3f}",
    )
    show(console, summary)
    if result.objective is not None and result.objective.note:
        console.print(Text(f"objective: {result.objective.note}"))
    s = result.solve
    console.print(
        Text(
            f"solver: {s.status}, gap {s.gap:.2e}, {s.build_s + s.solve_s:.2f} s; the last unit of "
            f"budget avoids {result.budget_shadow_price:.3g} {cur} of expected loss"
        )
    )
    if result.floors is not None and len(result.floors):
        floors = data_table(
            ("floor", "name"),
            ("substances", "number"),
            ("today below", "number"),
            ("plan below", "number"),
            (f"shadow price (M{cur}/yr)", "number"),
            title="Policy floors",
            caption="shadow price: the expected loss a year the floor costs at this budget",
        )
        for row in result.floors.itertuples():
            floors.add_row(
                str(row.floor),
                str(row.substances),
                str(row.today_below),
                str(row.plan_below),
                _m(row.shadow_price),
            )
        show(console, floors)
    cuts = result.cuts if result.cuts is not None else pd.DataFrame()
    if len(cuts):
        table = data_table(
            ("ATC", "id"),
            ("substance", "name"),
            Col("weeks today → plan", "number", justify="left"),
            ("agreements today → plan", "id"),
            (f"saved (M{cur}/yr)", "number"),
            (f"loss added (M{cur}/yr)", "number"),
            title=f"Cuts against today's preparedness ({len(cuts)}; vital first)",
            caption="under each substance its criticality; loss added: expected loss a year of "
            "the plan's option minus today's, ± paired standard error",
            show_edge=False,
        )
        for cut in cuts.head(25).to_dict("records"):
            table.add_row(
                str(cut["atc_code"]),
                f"{cut['name']}\n{cut['criticality']}",
                f"{float(cut['today_weeks']):.1f} → {float(cut['plan_weeks']):.1f}",
                f"{cut['today_reservations'] or '–'}\n→ {cut['plan_reservations'] or '–'}",
                _m(float(cut["cost_saved_per_year"])),
                _m_pm(float(cut["loss_added_per_year"]), float(cut["loss_added_se_per_year"])),
            )
        show(console, table)
        if len(cuts) > 25:
            console.print(Text(f"… {len(cuts) - 25} more cuts (--json or --xlsx for all)"))
    changed = result.substances[result.substances["changed"]]
    changed = changed.sort_values("loss_avoided_vs_today", ascending=False).head(15)
    table = data_table(
        ("ATC", "id"),
        ("substance", "name"),
        ("today", "text"),
        ("plan", "text"),
        (f"cost (M{cur}/yr)", "number"),
        (f"loss avoided (M{cur}/yr)", "number"),
        title=f"Largest gains against today "
        f"({int(result.substances['changed'].sum())} substances change)",
        caption="under each substance its criticality",
        show_edge=False,
    )
    for row in changed.itertuples():
        table.add_row(
            str(row.atc_code),
            f"{row.name}\n{row.criticality}",
            str(row.today),
            str(row.chosen),
            _m(row.chosen_annual_cost),
            _m(row.loss_avoided_vs_today),
        )
    show(console, table)
    if len(result.lines):
        lines = data_table(
            ("line", "id"),
            ("producer", "id"),
            ("today", "number"),
            ("plan", "number"),
            title="Production line load (reserved ÷ capacity, ≤ 1)",
        )
        for row in result.lines.itertuples():
            lines.add_row(
                str(row.line_id), str(row.company_id), f"{row.today_load:.2f}", f"{row.load:.2f}"
            )
        show(console, lines)
    if len(result.offer_values):
        offers = data_table(
            ("#", "number"),
            ("offer", "id"),
            ("ATC", "id"),
            ("fee", "number"),
            ("loss avoided", "number"),
            ("break-even fee", "number"),
            ("substance: why it is or is not taken", "text"),
            title="What each offer is worth to the country, and why it is or is not taken",
            caption=f"amounts in M{cur} a year; under each offer its kind",
            show_edge=False,
        )
        for row in result.offer_values.itertuples():
            offers.add_row(
                str(row.rank),
                f"{row.reservation_id}\n({row.kind})",
                str(row.atc_code),
                _m(row.annual_fee),
                _m(row.loss_avoided_per_year),
                _m(row.break_even_fee),
                f"{row.substance}: {row.why}",
            )
        show(console, offers)
    if result.reevaluation is not None:
        r = result.reevaluation
        console.print(
            Text(
                f"Joint re-evaluation (shared lines, substitution; background): expected loss "
                f"{_money(r.joint_loss_per_year, cur)} (± {_money(r.joint_loss_se_per_year, cur)}) "
                f"vs {_money(r.decomposed_loss_per_year, cur)} decomposed; today's plan on the "
                f"same scenarios {_money(r.today_joint_loss_per_year, cur)}: the plan avoids "
                f"{_money(r.loss_avoided_vs_today_per_year, cur)} a year "
                f"(± {_money(r.loss_avoided_vs_today_se_per_year, cur)}, paired)"
            )
        )
    for note in result.notes:
        console.print(note_line(note))


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    write_tables(sheets, path)


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
    policy: PolicyOption = None,
    no_policy: NoPolicyOption = False,
    objective: ObjectiveOption = None,
    scenario_dir: ScenarioDirOption = None,
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
    if save:
        check_json_target(json_target)
    amount = parse_amount(budget)
    parameters, pol = _parameters(
        weeks,
        value_per_patient_day,
        horizon_days,
        scenarios,
        min_cover,
        gap,
        holding_rate,
        policy,
        no_policy,
        objective,
    )
    dataset = load_dataset(as_of, db)
    try:
        with session(scheduler):
            model = _prepare(
                dataset, parameters, scenario, seed, console, scenario_dir=scenario_dir, policy=pol
            )
            with progress_bar("plan: solving", 3) as progress:
                # what runs next once a step is done (the joint re-evaluation is the long one)
                after = {1: "valuing offers", 2: "joint re-evaluation"}

                def step(done: int, total: int) -> None:
                    progress(done, total, f"plan: {after[done] if done < total else 'done'}")

                result = model.plan(amount, reevaluate=reevaluate, progress=step)
    except PlanInfeasible as exc:
        fail(
            f"{exc}; at {_money(amount, dataset.currency)} no plan meets the floors and the "
            "objective's cap (try a larger --budget, --no-policy or --objective loss)"
        )
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
            "Cuts": result.cuts if result.cuts is not None else pd.DataFrame(),
            "Floors": result.floors if result.floors is not None else pd.DataFrame(),
            "Offer values": result.offer_values,
            "Offers by scenario": (
                result.offer_values_by_scenario
                if result.offer_values_by_scenario is not None
                else pd.DataFrame()
            ),
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
        from beredt.views.charts.plan import save_plan_png

        save_plan_png(result, png)
        console.print(f"plot: {png}")
    if save:
        try:
            open_store(db).save_document("plan", save, to_jsonable(result))
        except StoreError as exc:
            fail(f"--save: {exc}")
        after_commit(console, f"saved as plan {save!r}", result, json_target)
        return
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
    policy: PolicyOption = None,
    no_policy: NoPolicyOption = False,
    objective: ObjectiveOption = None,
    scenario_dir: ScenarioDirOption = None,
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
    parameters, pol = _parameters(
        weeks,
        value_per_patient_day,
        horizon_days,
        scenarios,
        min_cover,
        gap,
        holding_rate,
        policy,
        no_policy,
        objective,
    )
    dataset = load_dataset(as_of, db)
    with session(scheduler):
        model = _prepare(
            dataset, parameters, scenario, seed, console, scenario_dir=scenario_dir, policy=pol
        )
        with progress_bar("budgets solved", len(amounts)) as progress:
            result = model.frontier(amounts, progress=progress)
    cur = result.currency
    table = data_table(
        (f"budget (M{cur}/yr)", "number"),
        (f"cost (M{cur}/yr)", "number"),
        (f"expected loss (M{cur}/yr)", "number"),
        ("± s.e.", "number"),
        ("P(vital > 7 d)", "number"),
        ("vital days", "number"),
        title="Budget frontier",
    )
    for row in result.points.itertuples():
        if not row.feasible:
            table.add_row(_m(row.budget), "infeasible", "", "", "", "")
            continue
        table.add_row(
            _m(row.budget),
            _m(row.annual_cost),
            _m(row.expected_loss_per_year),
            _m(row.expected_loss_se_per_year),
            f"{row.p_vital_shortage_over_7_days:.3f}",
            f"{row.vital_shortage_days:.2f}",
        )
    table.add_row(
        "today's plan",
        _m(result.today.annual_cost),
        _m(result.today.expected_loss_per_year),
        _m(result.today.expected_loss_se_per_year),
        f"{result.today.p_vital_shortage_over_7_days:.3f}",
        f"{result.today.vital_shortage_days:.2f}",
        style="bold red",
    )
    show(console, table)
    for note in result.notes:
        console.print(note_line(note))
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
        from beredt.views.charts.plan import save_frontier_png

        save_frontier_png(result, png)
        console.print(f"plot: {png}")
    if html:
        from beredt.views.charts.plan import save_frontier_html

        save_frontier_html(result, html)
        console.print(f"plot: {html}")
    emit_json(result, json_target)


def register(app: typer.Typer) -> None:
    """Add ``beredt plan`` and ``beredt frontier``."""
    app.command("plan")(plan_command)
    app.command("frontier")(frontier_command)
