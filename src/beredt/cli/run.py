"""``beredt run``: from a dataset bundle to the national preparedness report in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TimeElapsedColumn,
)
from rich.text import Text

from beredt.cli.common import (
    DatabaseOption,
    SchedulerOption,
    fail,
    make_console,
    note_line,
    styled,
)
from beredt.views.fmt import number
from beredt.views.sections.headline import headline_section
from beredt.views.terminal import Col, data_table, render_section, show


class _Label(ProgressColumn):
    """A stage's label, styled by its state; never parsed as markup."""

    def render(self, task: Task) -> Text:
        """The task's ``label`` field (a Text), else its description as plain text."""
        label = task.fields.get("label")
        return label if isinstance(label, Text) else Text(task.description)


class RichStages:
    """One rich progress display across the pipeline's stages (a row per stage, with its time)."""

    def __init__(self, console: Console, lang: str) -> None:
        from beredt.app.pipeline import stage_keys, stage_label

        self.console = console
        self.lang = lang
        self.label = stage_label
        self.progress = Progress(
            SpinnerColumn(finished_text=Text("✓", "green")),
            _Label(),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.keys = list(stage_keys())
        self.current: str | None = None

    def __enter__(self) -> RichStages:
        self.progress.__enter__()
        for key in self.keys:
            label = self.label(key, self.lang)
            self.tasks[key] = self.progress.add_task(
                label, total=None, start=False, label=Text(label, "dim")
            )
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def start(self, stage: str, total: int | None = None) -> None:
        """Highlight the stage and start its clock."""
        self.current = stage
        task = self.tasks[stage]
        self.progress.start_task(task)
        label = self.label(stage, self.lang)
        self.progress.update(task, description=label, total=total, label=Text(label, "bold"))

    def advance(self, done: int, total: int) -> None:
        """Move the current stage's bar."""
        if self.current is not None:
            self.progress.update(self.tasks[self.current], completed=done, total=total)

    def finish(self, stage: str, seconds: float, note: str = "") -> None:
        """Mark the stage done with its time (and note)."""
        task = self.tasks[stage]
        text = styled(f"{self.label(stage, self.lang)} — {seconds:.1f} s")
        if note:
            text.append(f" ({note})", "yellow")
        total = self.progress.tasks[self.keys.index(stage)].total or 1
        self.progress.update(task, description=text.plain, total=total, completed=total, label=text)
        self.progress.stop_task(task)
        if not self.console.is_terminal:
            self.console.print(text)


def run(
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle",
            help="Dataset bundle folder (default: the packaged sample bundle data/sample-no).",
        ),
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            help="Annual preparedness budget in the bundle's currency "
            "(default: today's annual preparedness cost, see docs/report.md).",
            min=0.0,
        ),
    ] = None,
    scenarios: Annotated[
        int | None,
        typer.Option(
            "--scenarios", help="Monte-Carlo draws per scenario file and per option.", min=10
        ),
    ] = None,
    scenario_dir: Annotated[
        Path | None,
        typer.Option(
            "--scenario-dir",
            help="Folder of scenario files (*.toml) to run (default: the packaged library).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the whole run.")] = 1,
    hazards: Annotated[
        str,
        typer.Option(
            "--hazards",
            help="calibrated: fit the disruption hazards to the shortage record and run on "
            "them; data: keep the bundle's own hazards.",
        ),
    ] = "calibrated",
    out: Annotated[Path, typer.Option("--out", help="Folder for the report files.")] = Path("out"),
    lang: Annotated[
        str, typer.Option("--lang", help="Language shown first: nb (bokmål) or en.")
    ] = "nb",
    scheduler: SchedulerOption = None,
    db: DatabaseOption = None,
) -> None:
    """Import the bundle, score, simulate, optimise, plan responses and write the report.

    The bundle replaces the store's dataset; the run writes report.html, report.xlsx,
    results.json and run.json."""
    from beredt.app.analyses import RunParameters
    from beredt.app.pipeline import (
        DEFAULT_SCENARIOS,
        MissingBundle,
        RunOptions,
        run_pipeline,
        stage_label,
    )
    from beredt.ingest.errors import ImportRejected
    from beredt.store import StoreError

    if lang not in ("nb", "en"):
        fail(f"--lang must be nb or en, not {lang!r}")
    if hazards not in ("calibrated", "data"):
        fail(f"--hazards must be calibrated or data, not {hazards!r}", code=2)
    params = RunParameters(
        seed=seed,
        scenarios=scenarios if scenarios is not None else DEFAULT_SCENARIOS,
        budget=budget,
        hazards=hazards,
    )
    if scenario_dir is not None and not scenario_dir.is_dir():
        fail(f"scenario folder {scenario_dir} does not exist")
    options = RunOptions(
        bundle=bundle,
        out=out,
        lang=lang,
        db=db,
        scenario_dir=scenario_dir,
        parameters=params,
        scheduler=scheduler,
    )
    console = make_console(stderr=True)
    try:
        with RichStages(console, lang) as stages:
            result = run_pipeline(options, stages)
    except MissingBundle as exc:
        fail(f"{exc}: pass --bundle DIR (a folder with bundle.toml and the CSV files)")
    except ImportRejected as exc:
        fail(f"{exc.summary()}\n{exc.report()}", code=2)
    except StoreError as exc:
        fail(str(exc), code=3)
    nb = lang == "nb"
    table = data_table(
        Col("steg" if nb else "stage", "name"),
        Col("sekunder" if nb else "seconds", "number"),
        Col("merknad" if nb else "note", "text"),
        title="beredt run",
        show_edge=False,
    )
    for timing in result.timings:
        table.add_row(
            stage_label(timing.stage, lang),
            number(timing.seconds, lang, 1),
            timing.note_in(lang),
        )
    table.add_row(
        Text("totalt" if nb else "total", "bold"),
        Text(number(result.total_seconds, lang, 1), "bold"),
        "",
    )
    show(console, table)
    # The first screen of the report, as the page shows it.
    analyses = result.analyses
    render_section(
        console,
        headline_section(analyses),
        lang,
        analyses.dataset.currency,
        tables={"by_criticality": ("criticality", "today", "today_p95", "plan", "plan_p95")},
    )
    for key, reason in sorted(result.absent.items()):
        console.print(note_line(f"{key}: {reason}", "not available"))
    console.print(f"results: {result.results_json}  workbook: {result.report_xlsx}")
    typer.echo(f"report: {result.report_html}")


def register(app: typer.Typer) -> None:
    """Add ``beredt run``."""
    app.command("run")(run)
