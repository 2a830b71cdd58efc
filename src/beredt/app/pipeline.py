"""The main job: from a dataset bundle to the national preparedness report (issue 8).

Stages, in order (each timed; timings go to ``run.json``):

1. ``store`` — create or upgrade the store, import the bundle (replacing what it held), load the
   analytic snapshot;
2. ``status`` — days of supply by tier;
3. ``risk`` — vulnerability score of every substance (:mod:`beredt.risk`);
4. ``plan`` — preparedness optimised at the budget (:mod:`beredt.plan`); the default budget is
   :data:`DEFAULT_BUDGET_SHARE` × today's annual preparedness cost (holding cost of the
   preparedness stock + fees of active agreements), "the same money, spent best";
5. ``frontier`` — the budget → expected-loss frontier around it;
6. ``scenarios`` — every scenario file of the library (``beredt/scenarios/*.toml``) through the
   Monte-Carlo simulator (:mod:`beredt.sim`), and the recommended plan against today's plan
   under each of them (the optimiser's joint evaluator, common random numbers);
7. ``respond`` — a response plan for every open shortage notice (:mod:`beredt.respond`);
8. ``industry`` — industry indicators (:mod:`beredt.industry`);
9. ``measures`` — the export report's four measures against their targets and the investment
   cases of the dataset's offers (:mod:`beredt.industry.measures`, :mod:`beredt.plan.invest`);
10. ``report`` — ``report.html``, ``report.xlsx``, ``results.json``, ``run.json``.

Each analysis is called through its public API; one that fails raises (errors are never
hidden). One that needs another's result it lacks is recorded in ``absent`` and its section says
"not available".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import beredt
from beredt.app import stages
from beredt.app.analyses import Analyses, RunParameters
from beredt.domain.bundle import Bundle
from beredt.domain.dataset import Dataset
from beredt.errors import NotFound
from beredt.industry import industry_indicators
from beredt.report.document import results_document
from beredt.report.html import render_report
from beredt.report.xlsx import write_workbook
from beredt.risk import score
from beredt.views.build import build_report, raw_results
from beredt.views.i18n import t
from beredt.views.model import Report

#: Default Monte-Carlo draws per scenario file (chosen so the sample run fits in 3 minutes).
DEFAULT_SCENARIOS = 1000

#: Default budget = this share × today's annual preparedness cost (see the module docstring).
DEFAULT_BUDGET_SHARE = 1.0

#: Stage key → (bokmål, English) label, in run order.
STAGES: dict[str, tuple[str, str]] = {
    "store": ("Lagre og importere datasett", "Store and import the bundle"),
    "status": ("Lagerdekning", "Days of supply"),
    "risk": ("Sårbarhet", "Vulnerability"),
    "calibrate": ("Kalibrering og etterprøving", "Calibration and back-test"),
    "plan": ("Optimering ved budsjettet", "Optimise at the budget"),
    "sensitivity": ("Følsomhet", "Sensitivity"),
    "frontier": ("Budsjettfront", "Budget frontier"),
    "scenarios": ("Scenariobibliotek", "Scenario library"),
    "respond": ("Responsplaner", "Shortage responses"),
    "industry": ("Industriindikatorer", "Industry indicators"),
    "measures": ("Fire tiltak og investeringer", "Four measures and investment cases"),
    "report": ("Skrive rapporten", "Write the report"),
}


class StageReporter(Protocol):
    """Receives the pipeline's progress: a stage starts, advances and finishes."""

    def start(self, stage: str, total: int | None = None) -> None:
        """Stage `stage` begins (`total` units of work when known)."""

    def advance(self, done: int, total: int) -> None:
        """The current stage has finished `done` of `total` units."""

    def finish(self, stage: str, seconds: float, note: str = "") -> None:
        """Stage `stage` ended after `seconds` (`note`: e.g. "not available")."""


class _Silent:
    def start(self, stage: str, total: int | None = None) -> None:
        pass

    def advance(self, done: int, total: int) -> None:
        pass

    def finish(self, stage: str, seconds: float, note: str = "") -> None:
        pass


class MissingBundle(NotFound, FileNotFoundError):
    """The bundle folder (or its bundle.toml) does not exist."""


def default_bundle_path() -> Path:
    """The sample bundle shipped with the package (``beredt/data/sample-no``)."""
    return Path(str(resources.files("beredt") / "data" / "sample-no"))


def default_scenario_dir() -> Path:
    """The scenario library shipped with the package (``beredt/scenarios``)."""
    return Path(str(resources.files("beredt") / "scenarios"))


def check_bundle_folder(path: Path) -> Path:
    """`path` if it holds a bundle.toml; else :class:`MissingBundle` naming the missing folder."""
    if not path.is_dir():
        raise MissingBundle(f"bundle folder {path} does not exist")
    if not (path / "bundle.toml").is_file():
        raise MissingBundle(f"bundle folder {path} has no bundle.toml")
    return path


def derive_seed(seed: int, *labels: str) -> int:
    """A seed in [0, 2³¹) for one stage or scenario, derived from the run's seed by SHA-256."""
    text = ":".join([str(seed), *labels]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "big") >> 1


@dataclass
class RunOptions:
    """What ``beredt run`` was asked to do."""

    bundle: Path | None = None
    out: Path = Path("out")
    lang: str = "nb"
    db: str | None = None
    scenario_dir: Path | None = None
    parameters: RunParameters = field(default_factory=RunParameters)
    #: keep the report in the run's store for the dashboard (``beredt.app.dashboard``)
    keep: bool = True
    #: where the simulations run (:func:`beredt.sim.distributed.session`): None in this
    #: process, ``local[:N]`` on a Dask LocalCluster, else a scheduler's address; the numbers
    #: are the same wherever they run
    scheduler: str | None = None


@dataclass
class StageTiming:
    """Wall time of one stage and what happened in it."""

    stage: str
    seconds: float
    note: str = ""
    note_nb: str = ""

    def note_in(self, lang: str) -> str:
        """The note in `lang` (bokmål falls back to the English note)."""
        return (self.note_nb or self.note) if lang == "nb" else self.note


def stage_note(note: str | Mapping[str, str]) -> tuple[str, str]:
    """(English, bokmål) of a stage note given as plain English or as a text in both."""
    if isinstance(note, Mapping):
        return note["en"], note["nb"]
    return note, ""


@dataclass
class RunResult:
    """The files written and how long each stage took."""

    out: Path
    report_html: Path
    report_xlsx: Path
    results_json: Path
    run_json: Path
    timings: list[StageTiming]
    analyses: Analyses
    absent: dict[str, str]
    report: Report | None = None
    raw: dict[str, Any] | None = None

    @property
    def total_seconds(self) -> float:
        """Wall time of all stages together."""
        return sum(t.seconds for t in self.timings)


class _Clock:
    def __init__(self, reporter: StageReporter, lang: str = "en") -> None:
        self.reporter = reporter
        self.lang = lang
        self.timings: list[StageTiming] = []
        self.note: str | Mapping[str, str] = ""

    @contextmanager
    def stage(self, key: str, total: int | None = None) -> Iterator[_Clock]:
        self.note = ""
        self.reporter.start(key, total)
        started = time.perf_counter()
        yield self
        seconds = time.perf_counter() - started
        timing = StageTiming(key, seconds, *stage_note(self.note))
        self.timings.append(timing)
        self.reporter.finish(key, seconds, timing.note_in(self.lang))

    def progress(self) -> Callable[[int, int], None]:
        return self.reporter.advance


# --- stages --------------------------------------------------------------------------------
def load_into_store(bundle: Bundle, url: str | None) -> tuple[Dataset, str, int]:
    """Create/upgrade the store, import `bundle` (replacing any dataset), load its snapshot."""
    from beredt.store import Store

    store = Store(url)
    try:
        store.init()
        generation = store.import_bundle(bundle, replace=not store.is_empty(), who="beredt run")
        dataset = store.load_dataset(bundle.meta.as_of)
        return dataset, store.display_url, generation
    finally:
        store.dispose()


def keep_in_store(report: Report, raw: Mapping[str, Any], url: str | None) -> None:
    """Keep the run's report in its store as the dashboard's latest run."""
    from beredt.app.dashboard import keep_run
    from beredt.store import Store

    store = Store(url)
    try:
        keep_run(store, report, raw, who="beredt run")
    finally:
        store.dispose()


def run_pipeline(options: RunOptions, reporter: StageReporter | None = None) -> RunResult:
    """Run every stage and write the report files into ``options.out``; the simulations run
    on ``options.scheduler``'s Dask workers when one is given (same numbers)."""
    from beredt.sim.distributed import session

    with session(options.scheduler):
        return _run_stages(options, reporter)


def _run_stages(options: RunOptions, reporter: StageReporter | None) -> RunResult:
    from beredt.ingest.bundle import read_bundle

    reporter = reporter or _Silent()
    clock = _Clock(reporter, options.lang)
    params = options.parameters
    started_at = dt.datetime.now(dt.UTC)
    bundle_path = check_bundle_folder(options.bundle or default_bundle_path())
    absent: dict[str, str] = {}

    with clock.stage("store"):
        bundle = read_bundle(bundle_path)
        dataset, store_url, generation = load_into_store(bundle, options.db)
        clock.note = t("stage_generation", n=generation)
    analyses = Analyses(dataset=dataset, parameters=params, absent=absent)

    with clock.stage("status"):
        dataset.stock_ddd_by_tier()

    with clock.stage("risk"):
        analyses.risk = score(dataset)

    with clock.stage("calibrate"):
        stages.run_calibration(analyses, clock)
    dataset = analyses.dataset
    scenario_dir = options.scenario_dir or default_scenario_dir()
    with clock.stage("plan"):
        stages.run_plan(analyses, clock, scenario_dir)
    with clock.stage("sensitivity"):
        stages.run_sensitivity(analyses, clock)
    with clock.stage("frontier"):
        stages.run_frontier(analyses, clock)
    with clock.stage("scenarios"):
        stages.run_scenarios(analyses, scenario_dir, clock)
    with clock.stage("respond"):
        stages.run_responses(analyses, clock)
    with clock.stage("industry"):
        analyses.industry = industry_indicators(dataset)
    with clock.stage("measures"):
        stages.run_measures(analyses, clock, scenario_dir)

    out = options.out
    with clock.stage("report"):
        out.mkdir(parents=True, exist_ok=True)
        report = build_report(analyses)
        html_path = out / "report.html"
        html_path.write_text(render_report(report, options.lang), encoding="utf-8")
        xlsx_path = write_workbook(report, out / "report.xlsx", options.lang)
        raw = raw_results(analyses)
        document, timings_inside = results_document(report, raw)
        results_path = out / "results.json"
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        results_path.write_text(text, encoding="utf-8")
        if options.keep:
            keep_in_store(report, raw, options.db)
    run_path = out / "run.json"
    run_doc = {
        "software_version": beredt.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "bundle": str(bundle_path),
        "store": store_url,
        "store_generation": generation,
        "lang": options.lang,
        "scheduler": options.scheduler,
        "out": str(out),
        "parameters": asdict(params),
        "stages": [asdict(t) for t in clock.timings],
        "total_seconds": sum(t.seconds for t in clock.timings),
        "timings_from_results": timings_inside,
        "absent": absent,
        "files": [p.name for p in (html_path, xlsx_path, results_path, run_path)],
    }
    run_path.write_text(json.dumps(run_doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return RunResult(
        out=out,
        report_html=html_path,
        report_xlsx=xlsx_path,
        results_json=results_path,
        run_json=run_path,
        timings=clock.timings,
        analyses=analyses,
        absent=absent,
        report=report,
        raw=raw,
    )


def stage_label(stage: str, lang: str) -> str:
    """The stage's label in `lang`."""
    nb, en = STAGES[stage]
    return nb if lang == "nb" else en


def stage_keys() -> Sequence[str]:
    """Stage keys in run order."""
    return tuple(STAGES)
