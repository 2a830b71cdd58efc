"""``results.json``: the report's numbers, machine-readable and byte-identical for one seed.

Everything that depends on the data, the parameters and the seed goes here (section tables and
key figures exactly as the page and workbook show them, plus the capabilities' full results);
everything that depends on the clock (wall times, timestamps, solver seconds) goes to
``run.json`` instead, so the same seed gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from beredt.results import to_jsonable
from beredt.views.model import Report, Section

FORMAT = "beredt-report-results/1"

#: Keys whose values are wall-clock measurements: moved from results.json to run.json.
TIMING_KEYS: frozenset[str] = frozenset(
    {
        "build_s",
        "solve_s",
        "wall_s",
        "wall_seconds",
        "elapsed_s",
        "seconds",
        "time_s",
        "duration_s",
        "runtime_s",
        "sim_s",
        "simulate_s",
        "compile_s",
        "timings",
        "timestamp",
        "created_at",
        "started_at",
        "finished_at",
    }
)


def split_timings(value: Any, path: str = "") -> tuple[Any, dict[str, Any]]:
    """`value` (plain JSON) without timing keys, and those keys' values by their JSON path."""
    removed: dict[str, Any] = {}
    if isinstance(value, Mapping):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if key in TIMING_KEYS:
                removed[where] = item
                continue
            kept[key], inner = split_timings(item, where)
            removed.update(inner)
        return kept, removed
    if isinstance(value, list):
        items = []
        for i, item in enumerate(value):
            cleaned, inner = split_timings(item, f"{path}[{i}]")
            items.append(cleaned)
            removed.update(inner)
        return items, removed
    return value, removed


def section_document(section: Section) -> dict[str, Any]:
    """One section as JSON: availability, key figures, tables (columns and rows), figure keys."""
    return {
        "available": section.available,
        "reason": section.reason,
        "kpis": {k.key: {"value": k.value, "kind": k.kind} for k in section.kpis},
        "tables": {
            table.key: {
                "columns": [{"key": c.key, "kind": c.kind} for c in table.columns],
                "rows": table.rows,
            }
            for table in section.tables
        },
        "figures": [{"key": f.key, "kind": f.kind} for f in section.figures],
        "data": section.data,
    }


def results_document(report: Report, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict]:
    """The results.json document and the timings removed from it (for run.json)."""
    meta = report.meta
    document = {
        "format": FORMAT,
        "software_version": meta["software_version"],
        "seed": meta["seed"],
        "parameters": meta["parameters"],
        "dataset": meta["dataset"],
        "section_order": report.keys(),
        "sections": {s.key: section_document(s) for s in report.sections},
        "results": raw,
    }
    plain = to_jsonable(document)
    return split_timings(plain)
