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
    from beredt.ingest.errors import ImportRejected
    from beredt.sim import check_scenario, load_scenario

    scenario = load_scenario(path)
    problems = check_scenario(scenario, dataset)
    if problems:
        raise ImportRejected(problems, what=f"scenario {path.stem}")
    return scenario


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
    from beredt.sim import simulate as run_simulation
    from beredt.sim.engine import DEFAULT_N_SCENARIOS

    if mode not in ("joint", "decomposed"):
        raise InvalidInput(f"mode: joint or decomposed, not {mode!r}")
    dataset = dataset_on(store, as_of)
    parsed = fitting_scenario(library_scenario(scenario), dataset)
    result = run_simulation(
        dataset,
        parsed,
        n_scenarios=scenarios or parsed.n_scenarios or DEFAULT_N_SCENARIOS,
        horizon_days=horizon_days,
        seed=seed,
        mode=mode,
        progress=progress,
    )
    return dict(to_jsonable(result.to_dict(0)))


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
    from beredt.plan.evaluate import prepare_plan
    from beredt.plan.parameters import OBJECTIVES, CostParameters, CoverRule, PlanParameters
    from beredt.plan.policy import load_policy, no_policy

    if objective is not None and objective not in OBJECTIVES:
        raise InvalidInput(f"objective: one of {', '.join(OBJECTIVES)}, not {objective!r}")
    if policy not in ("default", "none"):
        raise InvalidInput(f"policy: default or none, not {policy!r}")
    chosen = no_policy() if policy == "none" else load_policy()
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
        parameters = chosen.apply(base, objective=objective, min_cover=rules)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    dataset = dataset_on(store, as_of)
    library = []
    if stress_library:
        for path in scenario_library():
            sc = fitting_scenario(path, dataset)
            if sc.events and sc.probability_per_year is not None:
                library.append(sc)
    total = scenarios * (1 + len(library)) + 3

    def options(done: int, _total: int) -> None:
        if progress:
            progress(min(done, total - 3), total, "simulating the options")

    model = prepare_plan(
        dataset, parameters, library=library, seed=seed, progress=options,
        policy=chosen.to_dict(),
    )  # fmt: skip

    def solving(done: int, steps: int) -> None:
        if progress:
            progress(total - 3 + done, total, "solving and valuing the plan")

    result = model.plan(budget, reevaluate=reevaluate, progress=solving)
    return dict(to_jsonable(result))


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
    from beredt.calibrate.backtest import backtest as run_backtest
    from beredt.calibrate.backtest import default_cuts

    dataset = dataset_on(store, as_of)
    chosen = list(cuts) or default_cuts(dataset)
    if not chosen:
        raise InvalidInput("cuts: the record is too short for a back-test; give cut dates")
    late = [c for c in chosen if c >= dataset.as_of]
    if late:
        raise InvalidInput(f"cuts: {late[0]} is not before the record's end {dataset.as_of}")
    result = run_backtest(
        dataset, chosen, horizon_days=horizon_days, n_scenarios=scenarios, seed=seed,
        progress=progress,
    )  # fmt: skip
    return dict(to_jsonable(result.to_dict()))


def calibrate(
    store: Store, *, until: dt.date | None = None, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Hazards fitted to the shortage record: ``beredt calibrate --json``."""
    from beredt.calibrate import calibrate as run_calibration

    result = run_calibration(dataset_on(store, as_of), until=until)
    return dict(to_jsonable(result.to_dict()))


def run(
    store: Store,
    *,
    scenarios: int = 1000,
    seed: int = 1,
    budget: float | None = None,
    hazards: str = "calibrated",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The whole run on the store's dataset: the document of ``beredt run``'s results.json.

    The pipeline imports a bundle into a store of its own: here the store's dataset is written
    as a bundle into a scratch folder and run there, so the live store is never replaced.
    """
    import json

    from beredt.app.analyses import RunParameters
    from beredt.app.context import require_dataset
    from beredt.app.pipeline import RunOptions, run_pipeline, stage_keys
    from beredt.ingest.bundle import write_bundle

    if hazards not in ("calibrated", "data"):
        raise InvalidInput(f"hazards: calibrated or data, not {hazards!r}")
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
            parameters=RunParameters(
                seed=seed, scenarios=scenarios, budget=budget, hazards=hazards
            ),
        )
        result = run_pipeline(options, Reporter())
        return dict(json.loads(result.results_json.read_text(encoding="utf-8")))
