"""``beredt calibrate``, ``beredt backtest``, ``beredt outlook``: the model fitted to the shortage
record, checked against what then happened, and the early-warning outlook (docs/calibration.md).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    SchedulerOption,
    after_commit,
    as_date,
    check_json_target,
    console_for,
    emit_json,
    fail,
    load_dataset,
    open_store,
    progress_bar,
)
from beredt.views.terminal import data_table, show

UntilOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--until",
        formats=["%Y-%m-%d"],
        help="Use the record as it stood on this date (default: the as-of date).",
    ),
]
PriorsOption = Annotated[
    Path | None,
    typer.Option(
        "--priors",
        exists=True,
        dir_okay=False,
        help="Priors file (default: the shipped beredt/calibrate/priors.toml).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``calibrate``, ``backtest`` and ``outlook``."""
    app.command("calibrate")(calibrate_command)
    app.command("backtest")(backtest_command)
    app.command("outlook")(outlook_command)


def _num(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _pct(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{100 * x:.1f} %"


def _priors(path: Path | None) -> Any:
    from beredt.calibrate import load_priors

    try:
        return load_priors(path)
    except (OSError, KeyError, ValueError) as exc:
        fail(f"--priors {path}: {exc}", code=2)


def calibrate_command(
    until: UntilOption = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            metavar="DIR",
            file_okay=False,
            help="Write the dataset as a bundle with the calibrated hazards (record unchanged).",
        ),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Store the calibrated hazards in the dataset (audited)."),
    ] = False,
    priors: PriorsOption = None,
    as_of: AsOfOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Estimate site, pack, substance and country hazards and outage durations from the record."""
    from beredt.app import compute

    console = console_for(json_target)
    if apply:
        check_json_target(json_target)  # before the write: nothing may fail after the commit
    dataset = load_dataset(as_of, db)
    result = compute.calibration(dataset, until=as_date(until), priors=_priors(priors))
    _print_calibration(console, result)
    if write is not None:
        _write_bundle(dataset, result, write)
        console.print(Text(f"bundle with calibrated hazards: {write}"))
    if apply:
        # one transaction, audited with the provenance (and every changed field, old → new)
        compute.apply_calibration(open_store(db), dataset, result)
        after_commit(console, Text(f"stored: {result.provenance}"), result.to_dict(), json_target)
        return
    emit_json(result.to_dict(), json_target)


def _write_bundle(dataset: Any, result: Any, folder: Path) -> None:
    from dataclasses import replace

    from beredt.calibrate.fit import merged_tables
    from beredt.domain.bundle import Bundle, Source
    from beredt.ingest.bundle import write_bundle

    meta = dataset.bundle.meta
    note = (
        f"Hazards of sites, packs, substances and countries {result.provenance} "
        f"(beredt calibrate; priors: {result.priors_source})."
    )
    sources = (
        *tuple(s for s in meta.sources if s.name != "beredt calibrate"),
        Source(name="beredt calibrate", note=note),
    )
    tables = {**dataset.bundle.tables, **merged_tables(dataset.bundle.tables, result.tables())}
    try:
        write_bundle(Bundle(replace(meta, sources=sources), tables), folder)
    except OSError as exc:
        fail(f"--write {folder}: {exc.strerror or exc}")


def _print_calibration(console: Console, result: Any) -> None:
    d = result.to_dict()
    head = data_table(
        ("", "name"), ("", "number"), title=f"Calibration: {result.provenance}", show_header=False
    )
    head.add_row("notices used", f"{result.notices_used:,}")
    head.add_row("record span", f"{result.exposure_years:.2f} years")
    head.add_row("recorded episodes a year", _num(result.recorded_episodes_per_year, 1))
    for source in ("pack", "substance", "site", "country"):
        head.add_row(
            f"  {source} outages: events / expected episodes a year",
            f"{result.source_counts[source]:,} / "
            f"{_num(result.expected_episodes_per_year[source], 1)}",
        )
    head.add_row(
        "  expected episodes a year, all sources",
        _num(sum(result.expected_episodes_per_year.values()), 1),
    )
    show(console, head)
    dur = data_table(
        ("cause", "name"),
        ("n", "number"),
        ("open", "number"),
        ("law", "text"),
        ("median [90 %]", "number"),
        ("mean", "number"),
        ("σ", "number"),
        ("KM median", "number"),
        ("KM p90", "number"),
        title="Outage durations (days), by cause",
        caption="law chosen by AIC; under the median its 90 % interval; Kaplan–Meier beside it",
        show_edge=False,
    )
    for cause, fit in d["durations"].items():
        med = fit["median_days"]
        km = fit["kaplan_meier"]
        dur.add_row(
            str(cause).replace("_", " "),
            f"{fit['n']:,}",
            f"{fit['n_censored']:,}",
            fit["law"] + (" (prior)" if fit["prior"] else ""),
            f"{_num(med['value'], 1)}\n[{_num(med['low'], 1)}–{_num(med['high'], 1)}]",
            _num(fit["mean_days"]["value"], 1),
            _num(fit["parameters"].get("sigma"), 2),
            _num(km["median_days"]),
            _num(km["p90_days"]),
        )
    show(console, dur)
    groups = d["groups"].get("packs", [])
    if groups:
        g = data_table(
            ("group", "name"),
            ("packs", "number"),
            ("events", "number"),
            ("pooled rate /yr", "number"),
            ("± s.e.", "number"),
            title="Pack outage rates by group (empirical Bayes)",
        )
        for row in groups:
            g.add_row(
                str(row["group"]),
                f"{row['units']:,}",
                _num(row["events"]),
                _num(row["pooled_rate"], 3),
                _num(row["pooled_se"], 3),
            )
        show(console, g)
    for line in result.messages:
        console.print(Text(f"note: {line}"))
    for line in result.used_priors:
        console.print(Text(f"prior: {line}"))


def backtest_command(
    cut: Annotated[
        list[dt.datetime] | None,
        typer.Option(
            "--cut",
            formats=["%Y-%m-%d"],
            help="Calibrate on the record as it stood on this date and forecast the horizon "
            "after it; repeatable (rolling origin). Default: 3, 2 and 1 years before the as-of "
            "date, where the record is half a year old by then.",
        ),
    ] = None,
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", min=1, metavar="T", help="Days forecast after a cut.")
    ] = 365,
    scenarios: Annotated[
        int, typer.Option("--scenarios", "-n", min=10, metavar="N", help="Monte-Carlo scenarios.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, metavar="S", help="Random seed.")] = 1,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", metavar="FILE.png", dir_okay=False, help="Write the figure."),
    ] = None,
    priors: PriorsOption = None,
    scheduler: SchedulerOption = None,
    as_of: AsOfOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Back-test the calibrated model: forecast after each cut vs what the record then shows."""
    from beredt.app import compute
    from beredt.sim.distributed import session

    console = console_for(json_target)
    dataset = load_dataset(as_of, db)
    cuts = compute.backtest_cuts(dataset, [c.date() for c in cut or ()])
    with session(scheduler), progress_bar("back-testing", len(cuts) * scenarios) as progress:
        try:
            result = compute.backtest_forecasts(
                dataset,
                cuts=cuts,
                horizon_days=horizon_days,
                scenarios=scenarios,
                seed=seed,
                priors=_priors(priors),
                progress=progress,
            )
        except ValueError as exc:
            fail(str(exc), code=2)
    _print_backtest(console, result)
    if plot is not None:
        from beredt.views.charts.calibration import backtest_png

        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_bytes(backtest_png(result))
        console.print(Text(f"figure: {plot}"))
    emit_json(result.to_dict(), json_target)


def _print_backtest(console: Console, result: Any) -> None:
    view = data_table(
        ("", "name"),
        *[(f"cut {c.cut.isoformat()}", "number") for c in result.cuts],
        title=f"Back-test: {result.n_scenarios:,} scenarios a cut, seed {result.seed}",
        caption="episodes = notices not cancelled that start in the window (a substance-level "
        "notice is one); sim. = mean ± s.e. [5–95 %]; skill = 1 − Brier / Brier(baseline), "
        "baseline = each substance's yearly notice frequency before the cut",
    )
    rows: list[tuple[str, list[str]]] = [
        ("episodes a year, recorded", [_num(c.recorded["episodes_per_year"]) for c in result.cuts]),
        (
            "episodes a year, simulated",
            [
                f"{_num(s['mean'])} ± {_num(s['se'], 1)}\n[{_num(s['p5'])}–{_num(s['p95'])}]"
                for s in (c.simulated["episodes_per_year"] for c in result.cuts)
            ],
        ),
        (
            "  simulated median / recorded",
            [
                _pct(
                    c.simulated["episodes_per_year"]["median"] / c.recorded["episodes_per_year"] - 1
                )
                if c.recorded["episodes_per_year"]
                else "–"
                for c in result.cuts
            ],
        ),
        (
            "recorded year's percentile among simulated",
            [_pct(c.simulated["recorded_percentile"]) for c in result.cuts],
        ),
        (
            "duration median, recorded / sim. (days)",
            [
                f"{_num(c.recorded['duration_days']['median'])} / "
                f"{_num(c.simulated['duration_days']['median'])}"
                for c in result.cuts
            ],
        ),
        (
            "duration p90, recorded / sim. (days)",
            [
                f"{_num(c.recorded['duration_days']['p90'])} / "
                f"{_num(c.simulated['duration_days']['p90'])}"
                for c in result.cuts
            ],
        ),
        (
            "substance-days down a year, rec. / sim.",
            [
                f"{_num(c.recorded['substance_days_down_per_year'])} / "
                f"{_num(c.simulated['substance_days_down_per_year']['mean'])}"
                for c in result.cuts
            ],
        ),
        ("Brier (model)", [_num(c.forecast["brier"], 4) for c in result.cuts]),
        ("Brier (baseline)", [_num(c.forecast["brier_baseline"], 4) for c in result.cuts]),
        ("Brier skill", [_num(c.forecast["brier_skill"], 3) for c in result.cuts]),
        (
            "AUC (model / baseline)",
            [
                f"{_num(c.forecast['auc'], 3)} / {_num(c.forecast['auc_baseline'], 3)}"
                for c in result.cuts
            ],
        ),
    ]
    for label, cells in rows:
        view.add_row(label, *cells)
    show(console, view)
    causes = sorted({k for c in result.cuts for k in c.recorded["by_cause"]})
    by_cause = data_table(
        ("", "name"),
        *[(c.cut.isoformat(), "number") for c in result.cuts],
        title="Recorded episodes in the window by cause; the model's expected episodes a year "
        "by source",
    )
    for cause in causes:
        by_cause.add_row(
            str(cause).replace("_", " "),
            *[str(c.recorded["by_cause"].get(cause, 0)) for c in result.cuts],
        )
    for source in ("pack", "substance", "site", "country"):
        by_cause.add_row(
            f"model: {source} outages",
            *[_num(c.calibration.expected_episodes_per_year[source], 1) for c in result.cuts],
        )
    show(console, by_cause)
    for c in result.cuts:
        for note in c.notes:
            console.print(Text(f"note ({c.cut.isoformat()}): {note}"))
    console.print(Text(result.summary()["verdict"]))


def outlook_command(
    months: Annotated[
        str,
        typer.Option("--months", metavar="M,M,…", help="Windows in months, comma-separated."),
    ] = "3,6,12",
    top: Annotated[int, typer.Option("--top", min=1, metavar="N", help="Substances shown.")] = 20,
    scenarios: Annotated[
        int, typer.Option("--scenarios", "-n", min=10, metavar="N", help="Monte-Carlo scenarios.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", min=0, metavar="S", help="Random seed.")] = 1,
    priors: PriorsOption = None,
    scheduler: SchedulerOption = None,
    as_of: AsOfOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Each substance's chance of a shortage notice and of patients without treatment ahead."""
    from beredt.calibrate import CalibrationError, calibrate
    from beredt.calibrate.outlook import outlook
    from beredt.risk import score
    from beredt.sim.distributed import session

    try:
        windows = sorted({int(m) for m in months.split(",") if m.strip()})
    except ValueError:
        fail(f"--months {months!r}: give whole numbers of months, e.g. 3,6,12", code=2)
    if not windows or windows[0] < 1 or windows[-1] > 120:
        fail(f"--months {months!r}: each window must be 1–120 months", code=2)
    console = console_for(json_target)
    dataset = load_dataset(as_of, db)
    try:
        cal = calibrate(dataset, priors=_priors(priors))
    except CalibrationError as exc:
        fail(str(exc), code=2)
    risk = score(dataset)
    drivers = {
        str(r["atc_code"]): [r[c] for c in ("driver_1", "driver_2", "driver_3") if r[c]]
        for r in risk.substances.to_dict("records")
    }
    with session(scheduler), progress_bar("outlook", 2 * scenarios) as progress:
        result = outlook(
            dataset,
            months=windows,
            n_scenarios=scenarios,
            seed=seed,
            calibration=cal,
            drivers=drivers,
            progress=progress,
        )
    _print_outlook(console, result, top)
    emit_json(result.to_dict(), json_target)


def _print_outlook(console: Console, result: Any, top: int) -> None:
    last = str(result.months[-1])
    view = data_table(
        ("#", "number"),
        ("ATC", "id"),
        ("substance", "name"),
        *[(f"{m} mo", "number") for m in result.months],
        ("days of supply", "number"),
        ("main driver", "text"),
        title=f"Early-warning outlook on {result.calibration.as_of.isoformat()} "
        f"({result.n_scenarios:,} scenarios; {result.model})",
        caption="P(notice) = a new supply outage of the substance starts within the window; "
        "P(untreated) = some patients go without it on some day of the window; each window "
        "shows P(notice) over P(untreated). Ranked by "
        f"criticality-weighted P(untreated) within {last} months. Under each substance its "
        "criticality, and 'open notice' where one is open. Skill: beredt backtest.",
        show_edge=False,
    )
    for r in result.rows[:top]:
        view.add_row(
            str(r["rank"]),
            str(r["atc_code"]),
            f"{r['name']}\n{r['criticality']}" + ("\nopen notice" if r["open_notice"] else ""),
            *[
                f"{_pct(r['windows'][str(m)]['p_notice'])}\n"
                f"{_pct(r['windows'][str(m)]['p_untreated'])}"
                for m in result.months
            ],
            _num(r["days_of_supply"]),
            r["drivers"][0] if r["drivers"] else "",
        )
    show(console, view)
