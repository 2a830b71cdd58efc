"""``beredt simulate``: Monte-Carlo disruption simulation of a scenario file (docs/scenarios.md).

Prints national totals and the worst substances; ``--json`` writes the full summary, ``--plot``
a PNG or a self-contained HTML figure (distribution of national loss, worst substances).
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    SchedulerOption,
    console_for,
    emit_json,
    fail,
    fail_unknown,
    load_dataset,
    progress_bar,
)
from beredt.views.terminal import data_table, did_you_mean, show

_PLOT_SUFFIXES = {".png", ".html", ".htm"}


def register(app: typer.Typer) -> None:
    """Add ``beredt simulate`` to the application."""
    app.command("simulate")(simulate_command)


def resolve_scenario(name: str) -> Path:
    """A scenario file by path, or by name from the library (``background``, …)."""
    from beredt.app.compute import LIBRARY, scenario_library

    path = Path(name)
    if path.is_file():
        return path

    for candidate in (LIBRARY / name, LIBRARY / f"{name}.toml"):
        if candidate.is_file():
            return candidate
    fail_unknown(
        "scenario file or library scenario",
        name,
        [p.stem for p in scenario_library()],
        "`beredt simulate --list` lists the library",
        code=2,
    )


#: What an unknown reference of a scenario event names, and where the dataset keeps its ids.
_REFERENCES = {
    "site": ("sites", "site_id"),
    "company": ("companies", "company_id"),
    "country": ("countries", "country"),
    "product": ("products", "product_id"),
}
_UNKNOWN = re.compile(
    r"unknown (site|company|country|product) ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")$"
)


def scenario_problems(problems: list[Any], dataset: Any) -> str:
    """The problems of a scenario against the dataset, one a line, unknown ids with the closest
    known ones."""
    lines = []
    for problem in problems:
        line = str(problem)
        match = _UNKNOWN.search(problem.reason)
        if match:
            stem, column = _REFERENCES[match.group(1)]
            frame = getattr(dataset, stem)
            ids = frame[column].astype(str)
            names = dict(zip(ids, frame["name"].astype(str), strict=True))
            hint = did_you_mean(ast.literal_eval(match.group(2)), ids, names=names)
            line += f"; {hint}" if hint else ""
        lines.append(line)
    return "\n".join(lines)


def simulate_command(
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="SCENARIO.toml",
            help="Scenario file, or the name of one in the library (see --list).",
            show_default=False,
        ),
    ] = None,
    scenarios: Annotated[
        int | None,
        typer.Option(
            "--scenarios",
            "-n",
            min=1,
            metavar="N",
            help="Monte-Carlo scenarios (default: the file's, else 10,000).",
        ),
    ] = None,
    horizon_days: Annotated[
        int | None,
        typer.Option(
            "--horizon-days",
            min=1,
            metavar="T",
            help="Days simulated (default: the file's, else 365).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", min=0, metavar="S", help="Random seed (default: the file's, else 1)."
        ),
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help="joint (real lines, substitution) or decomposed "
            "(substances independent, as the optimiser sees them).",
        ),
    ] = "joint",
    top: Annotated[
        int, typer.Option("--top", min=1, metavar="N", help="Substances shown in the table.")
    ] = 15,
    plot: Annotated[
        list[Path] | None,
        typer.Option(
            "--plot",
            metavar="FILE.png|FILE.html",
            dir_okay=False,
            help="Write the figure (national loss distribution, worst substances); repeatable.",
        ),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the scenario library and exit.")
    ] = False,
    parquet: Annotated[
        Path | None,
        typer.Option(
            "--parquet",
            metavar="DIR",
            file_okay=False,
            help="Write every per-scenario value (option × scenario × substance rows) as Parquet "
            "files into DIR, chunk by chunk, for DuckDB (docs/simulation.md).",
        ),
    ] = None,
    scheduler: SchedulerOption = None,
    as_of: AsOfOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Simulate disruptions of a scenario: unmet patient-days, shortages, stock-outs."""
    from beredt.app import compute
    from beredt.ingest.errors import ImportRejected
    from beredt.sim import check_scenario, load_scenario
    from beredt.sim.engine import DEFAULT_N_SCENARIOS

    console = console_for(json_target)
    if list_:
        _print_library(console)
        return
    if scenario is None:
        fail("give a scenario file or a library name (beredt simulate --list)", code=2)
    if mode not in ("joint", "decomposed"):
        fail(f"--mode must be joint or decomposed, not {mode!r}", code=2)
    for target in plot or []:
        if target.suffix.lower() not in _PLOT_SUFFIXES:
            fail(f"--plot {target}: the file must end in .png or .html", code=2)
    path = resolve_scenario(scenario)
    try:
        parsed = load_scenario(path)
    except ImportRejected as exc:
        fail(f"{exc.summary()}\n{exc.report()}", code=2)
    dataset = load_dataset(as_of, db)
    problems = check_scenario(parsed, dataset)
    if problems:
        fail("the scenario does not fit the dataset:\n" + scenario_problems(problems, dataset), 2)
    n = scenarios or parsed.n_scenarios or DEFAULT_N_SCENARIOS
    with progress_bar(f"simulating {parsed.name}", n) as progress:
        result = compute.simulation(
            dataset,
            parsed,
            scenarios=n,
            horizon_days=horizon_days,
            seed=seed,
            mode=mode,
            parquet=parquet,
            scheduler=scheduler,
            progress=progress,
        )
    _print_summary(console, result, top)
    if parquet is not None:
        console.print(f"per-scenario values: {parquet}/substances, {parquet}/national (Parquet)")
    for target in plot or []:
        from beredt.views.charts.sim import figure_html, figure_png

        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".png":
            target.write_bytes(figure_png(result, top=top))
        else:
            target.write_text(figure_html(result, top=top), encoding="utf-8")
        console.print(f"figure: {target}")
    emit_json(result.to_dict(0), json_target)


def _print_library(console: Console) -> None:
    from beredt.app.compute import scenario_library
    from beredt.sim import load_scenario

    view = data_table(
        ("name", "id"),
        ("scenario", "name"),
        ("horizon", "number"),
        ("events", "number"),
        title="Scenario library",
    )
    for path in scenario_library():
        sc = load_scenario(path)
        view.add_row(path.stem, sc.name, f"{sc.horizon_days or 365} d", str(len(sc.events)))
    show(console, view)


def _num(x: float, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _print_summary(console: Console, result: Any, top: int) -> None:
    nat = result.national_summary(0)
    p = result.provenance
    head = data_table(
        ("national", "name"),
        ("mean", "number"),
        ("± s.e.", "number"),
        ("5 %", "number"),
        ("median", "number"),
        ("95 %", "number"),
        title=f"{result.scenario}: {result.n_scenarios:,} scenarios × {result.horizon_days} days "
        f"({result.mode}, seed {result.seed})",
        caption=f"as of {p.as_of.isoformat()} · dataset {p.fingerprint[:12]} · "
        f"{result.wall_seconds:.1f} s",
    )
    for label, key in (
        ("weighted unmet DDD", "weighted_unmet_ddd"),
        ("unmet DDD", "unmet_ddd"),
    ):
        s = nat[key]
        head.add_row(
            label, _num(s["mean"]), _num(s["se"]), _num(s["p5"]), _num(s["p50"]), _num(s["p95"])
        )
    head.add_row(
        "P(a shortage)",
        f"{nat['prob_any_shortage']:.3f}",
        f"{nat['prob_any_shortage_se']:.3f}",
        "",
        "",
        "",
    )
    head.add_row(
        "P(a vital shortage)",
        f"{nat['prob_any_vital_shortage']:.3f}",
        f"{nat['prob_any_vital_shortage_se']:.3f}",
        "",
        "",
        "",
    )
    show(console, head)
    table = result.substance_table(0)
    table = table[table["weighted_unmet_mean"] > 0].head(top)
    view = data_table(
        ("ATC", "id"),
        ("substance", "name"),
        ("unmet DDD ± s.e.", "number"),
        ("95 %", "number"),
        ("short days, P(short)", "number"),
        ("stock-out day", "number"),
        ("surge / alt. DDD", "number"),
        title=f"Worst {len(table)} substances by criticality-weighted unmet DDD",
        caption="unmet DDD = patient-days without treatment (mean ± s.e., 95th percentile); "
        "short days: mean over the horizon; P(short): the chance of any; stock-out day: median, given one; "
        "under each substance its criticality",
        show_edge=False,
    )
    for r in table.to_dict("records"):
        view.add_row(
            r["atc_code"],
            f"{r['name']}\n{r['criticality']}",
            f"{_num(r['unmet_ddd_mean'])}\n± {_num(r['unmet_ddd_se'])}",
            _num(r["unmet_ddd_p95"]),
            f"{_num(r['shortage_days_mean'], 1)}\n{r['shortage_prob']:.2f}",
            _num(r["first_stockout_day_p50"]),
            f"{_num(r['surge_ddd_mean'])}\n/ {_num(r['alternatives_ddd_mean'])}",
        )
    if len(table):
        show(console, view)
    else:
        console.print("no substance had unmet demand in any scenario", style="green")
