"""``beredt simulate``: Monte-Carlo disruption simulation of a scenario file (docs/scenarios.md).

Prints national totals and the worst substances; ``--json`` writes the full summary, ``--plot``
a PNG or a self-contained HTML figure (distribution of national loss, worst substances).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

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
    progress_bar,
)

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
_PLOT_SUFFIXES = {".png", ".html", ".htm"}


def register(app: typer.Typer) -> None:
    """Add ``beredt simulate`` to the application."""
    app.command("simulate")(simulate_command)


def library() -> list[Path]:
    """The scenario files shipped with Beredt (``beredt/scenarios/*.toml``)."""
    return sorted(LIBRARY.glob("*.toml"))


def resolve_scenario(name: str) -> Path:
    """A scenario file by path, or by name from the library (``background``, …)."""
    path = Path(name)
    if path.is_file():
        return path
    for candidate in (LIBRARY / name, LIBRARY / f"{name}.toml"):
        if candidate.is_file():
            return candidate
    names = ", ".join(p.stem for p in library())
    fail(f"no scenario file {name!r} (library: {names})", code=2)


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
    from beredt.ingest.errors import ImportRejected
    from beredt.sim import check_scenario, load_scenario, simulate
    from beredt.sim.distributed import session
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
        fail(f"{exc}\n{exc.report()}", code=2)
    dataset = load_dataset(as_of, db)
    problems = check_scenario(parsed, dataset)
    if problems:
        fail("the scenario does not fit the dataset:\n" + "\n".join(map(str, problems)), code=2)
    n = scenarios or parsed.n_scenarios or DEFAULT_N_SCENARIOS
    with session(scheduler), progress_bar(f"simulating {parsed.name}", n) as progress:
        result = simulate(
            dataset,
            parsed,
            n_scenarios=n,
            horizon_days=horizon_days,
            seed=seed,
            mode=mode,
            progress=progress,
            parquet=parquet,
        )
    _print_summary(console, result, top)
    if parquet is not None:
        console.print(f"per-scenario values: {parquet}/substances, {parquet}/national (Parquet)")
    for target in plot or []:
        from beredt.sim.plots import figure_html, figure_png

        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".png":
            target.write_bytes(figure_png(result, top=top))
        else:
            target.write_text(figure_html(result, top=top), encoding="utf-8")
        console.print(f"figure: {target}")
    emit_json(result.to_dict(0), json_target)


def _print_library(console: Console) -> None:
    from beredt.sim import load_scenario

    view = Table(title="Scenario library")
    view.add_column("name", no_wrap=True)
    view.add_column("scenario")
    view.add_column("horizon", justify="right")
    view.add_column("events", justify="right")
    for path in library():
        sc = load_scenario(path)
        view.add_row(path.stem, sc.name, f"{sc.horizon_days or 365} d", str(len(sc.events)))
    console.print(view)


def _num(x: float, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _print_summary(console: Console, result: Any, top: int) -> None:
    nat = result.national_summary(0)
    p = result.provenance
    head = Table(
        title=f"{result.scenario}: {result.n_scenarios:,} scenarios × {result.horizon_days} days "
        f"({result.mode}, seed {result.seed})",
        caption=f"as of {p.as_of.isoformat()} · dataset {p.fingerprint[:12]} · "
        f"{result.wall_seconds:.1f} s",
    )
    head.add_column("national")
    head.add_column("mean", justify="right")
    head.add_column("± s.e.", justify="right")
    head.add_column("5 %", justify="right")
    head.add_column("median", justify="right")
    head.add_column("95 %", justify="right")
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
    console.print(head)
    table = result.substance_table(0)
    table = table[table["weighted_unmet_mean"] > 0].head(top)
    view = Table(
        title=f"Worst {len(table)} substances by criticality-weighted unmet DDD",
        caption="unmet DDD = patient-days without treatment; stock-out day: median, given one",
    )
    for col, justify in (
        ("ATC", "left"),
        ("substance", "left"),
        ("crit.", "left"),
        ("unmet DDD ± s.e.", "right"),
        ("95 %", "right"),
        ("short days", "right"),
        ("P(short)", "right"),
        ("stock-out day", "right"),
        ("surge / alt. DDD", "right"),
    ):
        view.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in table.to_dict("records"):
        view.add_row(
            r["atc_code"],
            str(r["name"])[:28],
            str(r["criticality"])[:3],
            f"{_num(r['unmet_ddd_mean'])} ± {_num(r['unmet_ddd_se'])}",
            _num(r["unmet_ddd_p95"]),
            _num(r["shortage_days_mean"], 1),
            f"{r['shortage_prob']:.2f}",
            _num(r["first_stockout_day_p50"]),
            f"{_num(r['surge_ddd_mean'])} / {_num(r['alternatives_ddd_mean'])}",
        )
    if len(table):
        console.print(view)
    else:
        console.print("[green]no substance had unmet demand in any scenario[/]")
