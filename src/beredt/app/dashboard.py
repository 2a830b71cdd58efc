"""The latest national run, kept in the store for the dashboard (use cases).

The national key figures, the early-warning outlook, the frontier, the action shortlist and the
scenario outcomes take a whole ``beredt run`` (tens of seconds): a page cannot compute them
while a person waits. Every run (``beredt run`` on a store, or a ``run`` job of the server)
therefore keeps its report's sections in the store, as the store document ``dashboard/latest``,
with the simulated outcomes of each substance under each scenario; the pages show those, and
say when and on which data they were computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from beredt.results import to_jsonable

if TYPE_CHECKING:
    from beredt.store import Store
    from beredt.views.model import Report

#: Store document of the latest run: (kind, key).
DOCUMENT = ("dashboard", "latest")
#: Per-substance simulation statistics kept for each scenario.
OUTCOME_FIELDS = (
    "unmet_ddd_mean",
    "unmet_ddd_p95",
    "shortage_days_mean",
    "shortage_prob",
    "stockout_prob",
    "first_stockout_day_mean",
)


@dataclass(frozen=True)
class LatestRun:
    """The report of the latest run, its per-substance outcomes, and when it was kept."""

    report: Report
    outcomes: dict[str, list[dict[str, Any]]]
    kept_at: dt.datetime
    kept_by: str

    def section(self, key: str) -> Any:
        """The report's section `key` (KeyError when the report has none)."""
        return self.report.section(key)


def substance_outcomes(
    raw: Mapping[str, Any], names: Mapping[str, Any] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per ATC code: each scenario's simulated outcome for the substance (today's plan);
    `names` gives each scenario key its name in both languages."""
    out: dict[str, list[dict[str, Any]]] = {}
    for scenario in raw.get("scenarios") or []:
        options = scenario["result"]["options"]
        name = (names or {}).get(scenario["key"]) or {
            "nb": scenario["name"],
            "en": scenario["name"],
        }
        for row in options[0]["substances"] if options else []:
            entry = {"scenario": scenario["key"], "scenario_name": name}
            entry |= {f: row.get(f) for f in OUTCOME_FIELDS}
            out.setdefault(str(row["atc_code"]), []).append(entry)
    return out


def keep_run(store: Store, report: Report, raw: Mapping[str, Any], *, who: str) -> None:
    """Keep a run's report (and each substance's simulated outcomes) as the latest run."""
    from beredt.views.model import report_to_dict

    names: dict[str, Any] = {}
    try:
        for row in report.section("scenarios").table("outcomes").rows:
            names[str(row["scenario"])] = row["name"]
    except KeyError:
        pass  # a run without the scenario library: the files' own names
    payload = {
        "report": report_to_dict(report),
        "outcomes": to_jsonable(substance_outcomes(to_jsonable(raw), names)),
        "kept_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    store.save_document(*DOCUMENT, payload, who=who)


def latest_run(store: Store) -> LatestRun | None:
    """The latest run kept in the store, or None when no run has been made on it."""
    from beredt.views.model import report_from_dict

    payload = store.get_document(*DOCUMENT)
    if payload is None:
        return None
    saved = {d["key"]: d for d in store.list_documents(DOCUMENT[0])}.get(DOCUMENT[1], {})
    return LatestRun(
        report=report_from_dict(payload["report"]),
        outcomes=payload.get("outcomes") or {},
        kept_at=dt.datetime.fromisoformat(payload["kept_at"]),
        kept_by=str(saved.get("saved_by") or ""),
    )
