"""The long analyses as use cases: simulate, plan, backtest, calibrate and the whole run.

Each function takes the store, its parameters and an optional ``progress(done, total[, text])``
callback, and returns the same JSON document as the command's ``--json`` (``beredt run``: its
``results.json``). The server runs them as background jobs (:mod:`beredt.app.jobs`); the
command line calls the same analyses with its own progress bars.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from beredt.app.context import dataset_on
from beredt.errors import InvalidInput, NotFound
from beredt.results import to_jsonable

if TYPE_CHECKING:
    from beredt.sim.scenario import Scenario
    from beredt.store import Store

Progress = Callable[..., None]
#: Scenario files shipped with Beredt (``beredt/scenarios/*.toml``).
LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"


def scenario_library() -> list[Path]:
    """The scenario files of the library, by name."""
    return sorted(LIBRARY.glob("*.toml"))


def library_scenario(name: str) -> Path:
    """A library scenario by name (``background``, …); :class:`NotFound` with the closest names.

    The server runs library scenarios only: a client never names a file on the server.
    """
    from beredt.views.terminal import did_you_mean

    names = [p.stem for p in scenario_library()]
    if name.removesuffix(".toml") in names:
        return LIBRARY / f"{name.removesuffix('.toml')}.toml"
    hint = did_you_mean(name, names)
    raise NotFound(f"no library scenario {name!r}{'; ' + hint if hint else ''}")


def fitting_scenario(path: Path, dataset: Any) -> Scenario:
    """The scenario file, checked against the dataset (problems say what does not fit)."""
    from beredt.sim import load_scenario

    return _fitting(load_scenario(path), dataset, path.stem)


#: Largest scenario file accepted as text (bytes): a scenario is a few events.
MAX_SCENARIO_BYTES = 100_000


def uploaded_scenario(text: str, dataset: Any, name: str = "uploaded") -> Scenario:
    """A scenario given as TOML text (an upload), checked against the dataset; every problem
    with line, field and reason."""
    from beredt.ingest.errors import ImportRejected, Problem
    from beredt.sim.scenario import parse_scenario

    if len(text.encode("utf-8")) > MAX_SCENARIO_BYTES:
        raise ImportRejected(
            [Problem(name, None, "file", f"larger than {MAX_SCENARIO_BYTES:,} bytes")],
            what="scenario",
        )
    return _fitting(parse_scenario(text, source=name), dataset, name)


def _fitting(scenario: Scenario, dataset: Any, name: str) -> Scenario:
    from beredt.ingest.errors import ImportRejected
    from beredt.sim import check_scenario

    problems = check_scenario(scenario, dataset)
    if problems:
        raise ImportRejected(problems, what=f"scenario {name}")
    return scenario


def simulation(
    dataset: Any,
    scenario: Scenario,
    *,
    scenarios: int | None = None,
    horizon_days: int | None = None,
    seed: int | None = None,
    mode: str = "joint",
    parquet: Path | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Any:
    """Simulate a checked scenario on a dataset (``SimulationResult``): what ``beredt simulate``
    prints and :func:`simulate` returns as JSON. `scheduler`: Dask workers (same numbers)."""
    from beredt.sim import simulate as run_simulation
    from beredt.sim.distributed import session
    from beredt.sim.engine import DEFAULT_N_SCENARIOS

    if mode not in ("joint", "decomposed"):
        raise InvalidInput(f"mode: joint or decomposed, not {mode!r}")
    with session(scheduler):
        return run_simulation(
            dataset,
            scenario,
            n_scenarios=scenarios or scenario.n_scenarios or DEFAULT_N_SCENARIOS,
            horizon_days=horizon_days,
            seed=seed,
            mode=mode,
            progress=progress,
            parquet=parquet,
        )


def simulate(
    store: Store,
    scenario: str,
    *,
    scenarios: int | None = None,
    horizon_days: int | None = None,
    seed: int | None = None,
    mode: str = "joint",
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Simulate a library scenario: ``beredt simulate NAME --json``."""
    dataset = dataset_on(store, as_of)
    parsed = fitting_scenario(library_scenario(scenario), dataset)
    result = simulation(
        dataset, parsed, scenarios=scenarios, horizon_days=horizon_days, seed=seed, mode=mode,
        progress=progress,
    )  # fmt: skip
    return dict(to_jsonable(result.to_dict(0)))


def plan_policy(path: Path | None = None, *, none: bool = False) -> Any:
    """The preparedness policy: the shipped ``policy.toml``, another file, or none at all."""
    from beredt.plan.policy import load_policy, no_policy

    return no_policy() if none else load_policy(path)


def named_policy(name: str) -> Any:
    """A policy a client may name: ``default`` (the shipped one) or ``none``; never a file."""
    if name not in ("default", "none"):
        raise InvalidInput(f"policy: default or none, not {name!r}")
    return plan_policy(none=name == "none")


def plan_parameters(
    *,
    policy: Any,
    weeks: Sequence[float] = (0, 2, 4, 8, 13, 26, 52),
    value_per_patient_day: float = 500.0,
    horizon_days: int = 365,
    scenarios: int = 2000,
    gap: float = 1e-3,
    holding_rate: float = 0.10,
    min_cover: Sequence[str] = (),
    objective: str | None = None,
) -> Any:
    """The optimiser's parameters with the policy applied; :class:`InvalidInput` says what is wrong."""
    from beredt.plan.parameters import OBJECTIVES, CostParameters, CoverRule, PlanParameters

    if objective is not None and objective not in OBJECTIVES:
        raise InvalidInput(f"objective: one of {', '.join(OBJECTIVES)}, not {objective!r}")
    try:
        rules = [CoverRule.parse(c) for c in min_cover]
        base = PlanParameters(
            weeks_menu=list(weeks),
            value_per_patient_day=value_per_patient_day,
            horizon_days=horizon_days,
            n_scenarios=scenarios,
            mip_rel_gap=gap,
            costs=CostParameters(holding_cost_rate_per_year=holding_rate),
        )
        return policy.apply(base, objective=objective, min_cover=rules)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def stress_scenarios(paths: Sequence[Path], dataset: Any, *, strict: bool = True) -> list[Scenario]:
    """The stress scenarios among `paths` (files with ``probability_per_year``), each checked.

    The background (no events, no probability) is skipped. With `strict`, a scenario with events
    but no probability is an error (how often it happens is what weights it); otherwise skipped.
    """
    out = []
    for path in paths:
        scenario = fitting_scenario(path, dataset)
        if not scenario.events and scenario.probability_per_year is None:
            continue  # the background itself
        if scenario.probability_per_year is None:
            if strict:
                raise InvalidInput(
                    f"{path}: probability_per_year is missing (how often the scenario happens)"
                )
            continue
        out.append(scenario)
    return out


def plan_model(
    dataset: Any,
    parameters: Any,
    *,
    policy: Any = None,
    scenario: Scenario | None = None,
    library: Sequence[Scenario] = (),
    seed: int = 0,
    progress: Progress | None = None,
) -> Any:
    """The options of every substance simulated and the optimiser built (``PlanModel``)."""
    from beredt.plan.evaluate import prepare_plan

    try:
        return prepare_plan(
            dataset, parameters, scenario=scenario, library=list(library), seed=seed,
            progress=progress, policy=policy.to_dict() if policy is not None else None,
        )  # fmt: skip
    except InvalidInput:
        raise
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def plan(
    store: Store,
    budget: float,
    *,
    scenarios: int = 2000,
    seed: int = 0,
    horizon_days: int = 365,
    weeks: Sequence[float] = (0, 2, 4, 8, 13, 26, 52),
    value_per_patient_day: float = 500.0,
    min_cover: Sequence[str] = (),
    gap: float = 1e-3,
    holding_rate: float = 0.10,
    objective: str | None = None,
    policy: str = "default",
    stress_library: bool = False,
    reevaluate: bool = True,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The best preparedness plan within `budget`: ``beredt plan --json``."""
    chosen = named_policy(policy)
    parameters = plan_parameters(
        policy=chosen, weeks=weeks, value_per_patient_day=value_per_patient_day,
        horizon_days=horizon_days, scenarios=scenarios, gap=gap, holding_rate=holding_rate,
        min_cover=min_cover, objective=objective,
    )  # fmt: skip
    dataset = dataset_on(store, as_of)
    library = stress_scenarios(scenario_library(), dataset, strict=False) if stress_library else []
    total = scenarios * (1 + len(library)) + 3

    def options(done: int, _total: int) -> None:
        if progress:
            progress(min(done, total - 3), total, "simulating the options")

    model = plan_model(
        dataset, parameters, policy=chosen, library=library, seed=seed, progress=options
    )

    def solving(done: int, steps: int) -> None:
        if progress:
            progress(total - 3 + done, total, "solving and valuing the plan")

    result = model.plan(budget, reevaluate=reevaluate, progress=solving)
    return dict(to_jsonable(result))


def backtest_forecasts(
    dataset: Any,
    *,
    cuts: Sequence[dt.date] = (),
    horizon_days: int = 365,
    scenarios: int = 1000,
    seed: int = 1,
    priors: Any = None,
    progress: Progress | None = None,
) -> Any:
    """The back-test of a dataset (cuts checked against its record), as a result object.

    The command line prints and plots it; :func:`backtest` returns its document.
    """
    from beredt.calibrate.backtest import backtest as run_backtest

    chosen = backtest_cuts(dataset, cuts)
    return run_backtest(
        dataset, chosen, horizon_days=horizon_days, n_scenarios=scenarios, seed=seed,
        priors=priors, progress=progress,
    )  # fmt: skip


def backtest_cuts(dataset: Any, cuts: Sequence[dt.date] = ()) -> list[dt.date]:
    """The cut dates to back-test (default: the record's own), each before the record's end."""
    from beredt.calibrate.backtest import default_cuts

    chosen = list(cuts) or default_cuts(dataset)
    if not chosen:
        raise InvalidInput("cuts: the record is too short for a back-test; give cut dates (--cut)")
    late = [c for c in chosen if c >= dataset.as_of]
    if late:
        raise InvalidInput(
            f"cuts: {late[0].isoformat()} is not before the record's end "
            f"{dataset.as_of.isoformat()}: nothing happened after it yet"
        )
    return chosen


def backtest(
    store: Store,
    *,
    cuts: Sequence[dt.date] = (),
    horizon_days: int = 365,
    scenarios: int = 1000,
    seed: int = 1,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Forecast after each cut against what then happened: ``beredt backtest --json``."""
    result = backtest_forecasts(
        dataset_on(store, as_of), cuts=cuts, horizon_days=horizon_days, scenarios=scenarios,
        seed=seed, progress=progress,
    )  # fmt: skip
    return dict(to_jsonable(result.to_dict()))


def calibration(dataset: Any, *, until: dt.date | None = None, priors: Any = None) -> Any:
    """The hazards of a dataset fitted to its record (:class:`CalibrationError` when it cannot)."""
    from beredt.calibrate import calibrate as run_calibration

    return run_calibration(dataset, until=until, priors=priors)


def calibrate(
    store: Store, *, until: dt.date | None = None, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Hazards fitted to the shortage record: ``beredt calibrate --json``."""
    result = calibration(dataset_on(store, as_of), until=until)
    return dict(to_jsonable(result.to_dict()))


def apply_calibration(store: Store, dataset: Any, result: Any) -> None:
    """Store the calibrated hazards in the dataset: one audited transaction with the provenance."""
    from beredt.calibrate.fit import merged_tables

    store.merge_tables(
        merged_tables(dataset.bundle.tables, result.tables()), source=result.provenance
    )


def run(
    store: Store,
    *,
    scenarios: int = 1000,
    seed: int = 1,
    budget: float | None = None,
    hazards: str = "calibrated",
    policy: str = "default",
    objective: str | None = None,
    min_cover: Sequence[str] = (),
    keep: bool = True,
    who: str = "beredt serve",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The whole run on the store's dataset: the document of ``beredt run``'s results.json.

    The pipeline imports a bundle into a store of its own: here the store's dataset is written
    as a bundle into a scratch folder and run there, so the live store is never replaced; the
    report is kept in the live store as the dashboard's latest run (unless not `keep`).
    """
    import json

    from beredt.app.analyses import RunParameters
    from beredt.app.context import require_dataset
    from beredt.app.pipeline import RunOptions, run_pipeline, stage_keys
    from beredt.ingest.bundle import write_bundle

    if hazards not in ("calibrated", "data"):
        raise InvalidInput(f"hazards: calibrated or data, not {hazards!r}")
    # the plan stage's own checks, before the bundle is written: the same answer as plan's
    plan_parameters(policy=named_policy(policy), objective=objective, min_cover=min_cover)
    bundle = require_dataset(store)
    keys = list(stage_keys())

    class Reporter:
        """Stage progress as job progress: stages done of all stages."""

        def start(self, stage: str, total: int | None = None) -> None:
            if progress:
                progress(keys.index(stage), len(keys), stage)

        def advance(self, done: int, total: int) -> None:
            pass

        def finish(self, stage: str, seconds: float, note: str = "") -> None:
            if progress:
                progress(keys.index(stage) + 1, len(keys), stage)

    with tempfile.TemporaryDirectory(prefix="beredt-run-") as scratch:
        folder = Path(scratch)
        write_bundle(bundle, folder / "bundle")
        options = RunOptions(
            bundle=folder / "bundle",
            out=folder / "out",
            db=f"sqlite:///{folder / 'run.db'}",
            keep=False,
            parameters=RunParameters(
                seed=seed,
                scenarios=scenarios,
                budget=budget,
                hazards=hazards,
                policy=None if policy == "default" else "none",
                objective=objective,
                min_cover=tuple(min_cover),
            ),
        )
        result = run_pipeline(options, Reporter())
        if keep and result.report is not None and result.raw is not None:
            from beredt.app.dashboard import keep_run

            keep_run(store, result.report, result.raw, who=who)
        return dict(json.loads(result.results_json.read_text(encoding="utf-8")))
