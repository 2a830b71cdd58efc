"""The national preparedness report (issue 8): one command from data to HTML, Excel and JSON.

:func:`~beredt.report.pipeline.run_pipeline` runs every capability on a dataset bundle and writes
``report.html`` (self-contained, bokmål and English), ``report.xlsx`` (one sheet per section),
``results.json`` (byte-identical for one seed) and ``run.json`` (timings). See ``docs/report.md``.
"""

from beredt.report.analyses import Analyses, RunParameters
from beredt.report.build import SECTION_ORDER, build_report
from beredt.report.pipeline import (
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
    "SECTION_ORDER",
    "Analyses",
    "MissingBundle",
    "RunOptions",
    "RunParameters",
    "RunResult",
    "build_report",
    "default_bundle_path",
    "run_pipeline",
]
