"""The use cases: one function per thing a user does, shared by every interface (DESIGN.md §1).

:func:`~beredt.app.pipeline.run_pipeline` is ``beredt run``: every analysis on a dataset bundle,
then ``report.html`` (self-contained, bokmål and English), ``report.xlsx`` (one sheet per
section), ``results.json`` (byte-identical for one seed) and ``run.json`` (timings).
"""

from beredt.app.analyses import Analyses, RunParameters
from beredt.app.pipeline import (
    DEFAULT_BUDGET_SHARE,
    DEFAULT_SCENARIOS,
    MissingBundle,
    RunOptions,
    RunResult,
    default_bundle_path,
    run_pipeline,
)

__all__ = [
    "DEFAULT_BUDGET_SHARE",
    "DEFAULT_SCENARIOS",
    "Analyses",
    "MissingBundle",
    "RunOptions",
    "RunParameters",
    "RunResult",
    "default_bundle_path",
    "run_pipeline",
]
