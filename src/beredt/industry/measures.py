"""The export report's four measures as indicators by year, each against its target.

The joint report behind *Stort potensial for eksport av norsk helseindustri* (Industri Energi,
2021) asks the authorities and the industry for four measures: make clinical trials more
attractive, strengthen the home market, improve access to competence, and relieve the risk of
investing in production. Each measure gets indicators by year, with their sources
(``docs/industry.md``, "The four measures"):

* **clinical trials** (``trials.csv``, from ClinicalTrials.gov and CTIS): trials with a site in
  the home country started in the year (a trial in both registries counted once), those
  sponsored by industry and their share, and a breakdown by phase and sponsor type;
* **home market** (``procurement.csv``): the share of public contract value won by domestic
  production, overall and by ATC group;
* **competence** (``industry.csv``): employees and the share with higher education;
* **risk relief** (``agreements.csv`` and the optimiser): annual fees and reserved capacity of
  the agreements in force in each year (pro rata of the days they run), and the state's
  expected loss avoided per currency unit of fee (:meth:`beredt.plan.PlanModel.offer_values`).

Each indicator's **trend** is the least-squares slope over its last ``trend_years`` complete
years; **targets** come from a TOML file (``targets.toml`` beside this module by default):
``growth`` targets are judged like the export target (:func:`growth_against_target`), ``level``
targets by the latest value and by the value the trend projects for the target year.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.atc import AtcCode
from beredt.domain.dataset import Dataset
from beredt.domain.enums import SponsorType, TrialPhase, TrialRegistry
from beredt.industry.indicators import TargetProgress, growth_against_target
from beredt.ingest.errors import ImportRejected, Problem
from beredt.results import Provenance, provenance

DEFAULT_TARGETS_FILE = "targets.toml"
DEFAULT_TREND_YEARS = 5
MEASURES: tuple[str, ...] = ("trials", "home_market", "competence", "risk_relief")


@dataclass(frozen=True)
class IndicatorSpec:
    """What an indicator is: its measure, its unit kind and where its figures come from."""

    key: str
    measure: str
    kind: str  # value kind of beredt.views.fmt: int, pct, money, ddd, ratio
    source: str
    #: counts events of a year (trials started, contracts): the as-of year is incomplete
    counts_events: bool = False


INDICATORS: Mapping[str, IndicatorSpec] = {
    s.key: s
    for s in (
        IndicatorSpec("trials_started", "trials", "int", "trials.csv", True),
        IndicatorSpec("industry_trials_started", "trials", "int", "trials.csv", True),
        IndicatorSpec("industry_trial_share", "trials", "pct", "trials.csv", True),
        IndicatorSpec("domestic_procurement_share", "home_market", "pct", "procurement.csv", True),
        IndicatorSpec("procurement_value", "home_market", "money", "procurement.csv", True),
        IndicatorSpec("employees", "competence", "int", "industry.csv"),
        IndicatorSpec("higher_education_share", "competence", "pct", "industry.csv"),
        IndicatorSpec("agreement_fees", "risk_relief", "money", "agreements.csv"),
        IndicatorSpec("reserved_ddd_per_day", "risk_relief", "ddd", "agreements.csv"),
        IndicatorSpec("agreement_loss_avoided_per_fee", "risk_relief", "ratio", "optimiser (plan)"),
    )
}


# --- targets -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A target for one indicator: ``growth`` (× factor from base to target year) or ``level``."""

    indicator: str
    kind: str
    name: str
    source: str
    base_year: int | None = None
    target_year: int | None = None
    factor: float | None = None
    value: float | None = None
    direction: str = "at_least"
    name_nb: str = ""
    source_nb: str = ""


@dataclass(frozen=True)
class Targets:
    """The targets of a file, by indicator, and the file they came from."""

    targets: tuple[Target, ...]
    source: str = DEFAULT_TARGETS_FILE

    def of(self, indicator: str) -> Target | None:
        """The target set for `indicator`, if any."""
        return next((t for t in self.targets if t.indicator == indicator), None)


def load_targets(path: str | Path | None = None) -> Targets:
    """Targets from `path` (default: the documented ``targets.toml`` shipped with Beredt)."""
    if path is None:
        return _default_targets()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError) as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else str(exc)
        raise ImportRejected([Problem(file.name, None, "file", reason)], "targets") from None
    return parse_targets(text, file.name)


@lru_cache(maxsize=1)
def _default_targets() -> Targets:
    text = resources.files("beredt.industry").joinpath(DEFAULT_TARGETS_FILE).read_text("utf-8")
    return parse_targets(text, DEFAULT_TARGETS_FILE)


def parse_targets(text: str, file: str = "targets.toml") -> Targets:
    """Targets from TOML text; :class:`ImportRejected` listing every problem with its target."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ImportRejected([Problem(file, line, "toml", str(exc))], "targets") from None
    problems: list[Problem] = []
    unknown = sorted(set(doc) - {"target"})
    for key in unknown:
        problems.append(Problem(file, _line(text, key), key, "unknown key (expected [[target]])"))
    entries = doc.get("target", [])
    if not isinstance(entries, list):
        problems.append(Problem(file, _line(text, "target"), "target", "must be [[target]] tables"))
        entries = []
    targets: list[Target] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        where = f"target[{i}]"

        def bad(field_name: str, reason: str, where: str = where) -> None:
            problems.append(Problem(file, None, f"{where}.{field_name}", reason))

        if not isinstance(entry, dict):
            bad("target", "is not a table")
            continue
        allowed = {
            "indicator",
            "kind",
            "name",
            "name_nb",
            "source",
            "source_nb",
            "base_year",
            "target_year",
            "factor",
            "value",
            "direction",
        }
        for key in sorted(set(entry) - allowed):
            bad(key, f"unknown key (allowed: {', '.join(sorted(allowed))})")
        indicator = entry.get("indicator")
        if indicator not in INDICATORS:
            bad("indicator", f"{indicator!r} is not one of {', '.join(INDICATORS)}")
        elif indicator in seen:
            bad("indicator", f"{indicator!r} has a target already")
        else:
            seen.add(str(indicator))
        kind = entry.get("kind")
        if kind not in ("growth", "level"):
            bad("kind", f"{kind!r} is not growth or level")
        for key in ("name", "source"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                bad(key, "required text is missing (every target names what it is and its source)")
        years = {}
        for key in ("base_year", "target_year"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, int) or not 1900 <= value <= 2200):
                bad(key, f"{value!r} is not a year")
                value = None
            years[key] = value
        numbers = {}
        for key in ("factor", "value"):
            value = entry.get(key)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                bad(key, f"{value!r} is not a number")
                value = None
            numbers[key] = None if value is None else float(value)
        direction = entry.get("direction", "at_least")
        if direction not in ("at_least", "at_most"):
            bad("direction", f"{direction!r} is not at_least or at_most")
        if kind == "growth":
            if years["base_year"] is None or years["target_year"] is None:
                bad("base_year", "a growth target needs base_year and target_year")
            elif years["target_year"] <= years["base_year"]:
                bad("target_year", "must come after base_year")
            if numbers["factor"] is None or numbers["factor"] <= 0:
                bad("factor", "a growth target needs a positive factor")
        if kind == "level" and numbers["value"] is None:
            bad("value", "a level target needs a value")
        targets.append(
            Target(
                indicator=str(indicator),
                kind=str(kind),
                name=str(entry.get("name", "")),
                source=str(entry.get("source", "")),
                base_year=years["base_year"],
                target_year=years["target_year"],
                factor=numbers["factor"],
                value=numbers["value"],
                direction=str(direction),
                name_nb=str(entry.get("name_nb", "")),
                source_nb=str(entry.get("source_nb", "")),
            )
        )
    if problems:
        raise ImportRejected(problems, f"targets {file}")
    return Targets(tuple(targets), file)


def _line(text: str, key: str) -> int | None:
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith((f"{key} ", f"{key}=", f"[{key}]", f"[[{key}]]")):
            return i
    return None


# --- the indicators ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetStatus:
    """How an indicator stands against its target.

    ``growth``: see :class:`~beredt.industry.indicators.TargetProgress` (``progress``).
    ``level``: ``met`` whether the latest complete year reaches the value; ``projected_value``
    the trend line at the target year (or the latest value where there is no trend);
    ``on_track`` whether the projection reaches the value.
    """

    target: Target
    on_track: bool | None
    met: bool | None = None
    gap: float | None = None
    projected_value: float | None = None
    progress: TargetProgress | None = None


@dataclass(frozen=True)
class Indicator:
    """One indicator: its series by year (``year``, ``value``), latest figure, trend and target.

    ``trend_per_year`` is the least-squares slope over the last ``trend_years`` complete years
    (in the indicator's unit per year; None with fewer than two); ``complete_through`` the last
    year that counts for the trend and the target (the as-of year of an event count is not).
    """

    key: str
    measure: str
    kind: str
    source: str
    series: pd.DataFrame
    latest_year: int | None = None
    latest_value: float | None = None
    complete_through: int | None = None
    trend_per_year: float | None = None
    trend_years: int = 0
    target: TargetStatus | None = None
    note: str = ""


@dataclass(frozen=True)
class Measures:
    """The four measures' indicators with their breakdowns, targets, parameters and provenance."""

    provenance: Provenance
    currency: str
    as_of: dt.date
    indicators: list[Indicator]
    trials_by_phase_sponsor: pd.DataFrame
    procurement_by_group: pd.DataFrame
    agreements_by_year: pd.DataFrame
    agreement_values: pd.DataFrame
    targets: list[dict[str, Any]]
    targets_source: str
    notes: list[str] = field(default_factory=list)

    def indicator(self, key: str) -> Indicator:
        """The indicator called `key`."""
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise KeyError(f"no indicator {key!r}")

    def at_a_glance(self) -> pd.DataFrame:
        """One row per indicator: measure, latest year and value, trend, target and standing."""
        rows = []
        for ind in self.indicators:
            status = ind.target
            target = status.target if status else None
            rows.append(
                {
                    "measure": ind.measure,
                    "indicator": ind.key,
                    "kind": ind.kind,
                    "latest_year": ind.latest_year,
                    "latest_value": ind.latest_value,
                    "trend_per_year": ind.trend_per_year,
                    "trend_years": ind.trend_years,
                    "target": target.name if target else None,
                    "target_kind": target.kind if target else None,
                    "target_year": target.target_year if target else None,
                    "target_value": _target_value(status),
                    "on_track": status.on_track if status else None,
                    "source": ind.source,
                    "note": ind.note,
                }
            )
        return pd.DataFrame(rows)


def _target_value(status: TargetStatus | None) -> float | None:
    if status is None:
        return None
    if status.progress is not None:
        return status.progress.target_value
    return status.target.value


def measure_indicators(
    dataset: Dataset,
    *,
    targets: Targets | None = None,
    offer_values: pd.DataFrame | None = None,
    atc_level: int = 1,
    trend_years: int = DEFAULT_TREND_YEARS,
) -> Measures:
    """Every indicator of the four measures for `dataset` (see the module docstring).

    `offer_values` is the optimiser's table of what every offer and agreement is worth
    (:meth:`beredt.plan.PlanModel.offer_values`); without it the state's loss avoided per unit of
    fee is not computed (and a note says so).
    """
    if atc_level not in (1, 2, 3, 4, 5):
        raise ValueError(f"atc_level must be 1–5, is {atc_level}")
    if trend_years < 2:
        raise ValueError("trend_years must be at least 2")
    targets = targets or load_targets()
    as_of = dataset.as_of
    last_complete = as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1
    notes: list[str] = []

    trials = unique_trials(dataset.trials)
    dated = trials.dropna(subset=["start_date"])
    undated = len(trials) - len(dated)
    if undated:
        notes.append(f"{undated} trials have no start date and are counted in no year")
    if dataset.trials.empty:
        notes.append(
            "the dataset has no clinical trials: import them with "
            "`beredt import ctgov FILE` or `beredt import ctis FILE`"
        )
    years = dated["start_date"].map(lambda d: d.year) if len(dated) else pd.Series(dtype=int)
    dated = dated.assign(year=years.to_numpy()) if len(dated) else dated.assign(year=[])
    dated = dated[dated["year"] <= as_of.year] if len(dated) else dated
    all_trials = dated.groupby("year").size() if len(dated) else pd.Series(dtype=float)
    industry = (
        dated[dated["sponsor_type"] == SponsorType.INDUSTRY.value].groupby("year").size()
        if len(dated)
        else pd.Series(dtype=float)
    )
    industry = industry.reindex(all_trials.index, fill_value=0)
    share = industry / all_trials.where(all_trials > 0)

    procurement, by_group = _procurement(dataset, atc_level)
    proc_total = (
        procurement.groupby("year")["value"].sum() if len(procurement) else pd.Series(dtype=float)
    )
    proc_domestic = (
        procurement.groupby("year")["domestic_value"].sum()
        if len(procurement)
        else pd.Series(dtype=float)
    )
    proc_share = proc_domestic / proc_total.where(proc_total > 0)
    if dataset.procurement.empty:
        notes.append("the dataset has no public procurement awards (procurement.csv)")

    ind = dataset.industry.copy()
    employees = _series(ind, "employees")
    higher = _series(ind, "higher_education_share")

    by_year, fees, reserved = _agreements_by_year(dataset)
    values = _agreement_values(dataset, offer_values)
    per_fee: pd.Series = pd.Series(dtype=float)
    per_fee_note = ""
    if offer_values is None:
        per_fee_note = "not computed: needs the optimiser (beredt run, or --scenarios N)"
        notes.append("the loss avoided per unit of agreement fee needs the optimiser")
    elif len(values) and values["annual_fee"].sum() > 0:
        ratio = values["loss_avoided_per_year"].sum() / values["annual_fee"].sum()
        per_fee = pd.Series({as_of.year: float(ratio)})
        per_fee_note = "today's agreements on top of today's stock (the optimiser's offer values)"

    series = {
        "trials_started": all_trials,
        "industry_trials_started": industry,
        "industry_trial_share": share,
        "domestic_procurement_share": proc_share,
        "procurement_value": proc_total,
        "employees": employees,
        "higher_education_share": higher,
        "agreement_fees": fees,
        "reserved_ddd_per_day": reserved,
        "agreement_loss_avoided_per_fee": per_fee,
    }
    indicators = []
    for key, spec in INDICATORS.items():
        indicators.append(
            _indicator(
                spec,
                series[key],
                targets.of(key),
                as_of,
                last_complete if spec.counts_events else as_of.year,
                trend_years,
                per_fee_note if key == "agreement_loss_avoided_per_fee" else "",
            )
        )
    target_rows = [
        {
            "indicator": t.indicator,
            "kind": t.kind,
            "name": t.name,
            "name_nb": t.name_nb or t.name,
            "base_year": t.base_year,
            "target_year": t.target_year,
            "factor": t.factor,
            "value": t.value,
            "direction": t.direction,
            "source": t.source,
            "source_nb": t.source_nb or t.source,
        }
        for t in targets.targets
    ]
    if dataset.bundle.meta.illustrative:
        notes.append(
            "the trials, procurement and industry figures of this dataset are labelled "
            "illustrative: they are not official statistics"
        )
    params = {
        "atc_level": atc_level,
        "trend_years": trend_years,
        "targets_source": targets.source,
        "loss_avoided_from_optimiser": offer_values is not None,
    }
    return Measures(
        provenance=provenance(dataset, params),
        currency=dataset.currency,
        as_of=as_of,
        indicators=indicators,
        trials_by_phase_sponsor=_trials_breakdown(dated),
        procurement_by_group=by_group,
        agreements_by_year=by_year,
        agreement_values=values,
        targets=target_rows,
        targets_source=targets.source,
        notes=notes,
    )


def unique_trials(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials with a ClinicalTrials.gov record dropped where CTIS has the same trial.

    A ClinicalTrials.gov record whose ``eu_ct_number`` is the number of a CTIS record is the
    same trial; CTIS is kept (the EU register is the authoritative one for EU/EEA sites).
    """
    if trials.empty:
        return trials.copy()
    ctis = set(trials.loc[trials["registry"] == TrialRegistry.CTIS.value, "trial_id"])
    duplicate = (trials["registry"] == TrialRegistry.CTGOV.value) & trials["eu_ct_number"].isin(
        ctis
    )
    return trials[~duplicate].reset_index(drop=True)


def _trials_breakdown(dated: pd.DataFrame) -> pd.DataFrame:
    """Trials started per year by phase and sponsor type (long format, zero cells left out)."""
    cols = ["year", "phase", "sponsor_type", "trials", "sites_in_country"]
    if dated.empty:
        return pd.DataFrame(columns=cols)
    out = dated.groupby(["year", "phase", "sponsor_type"], as_index=False).agg(
        trials=("trial_id", "size"), sites_in_country=("sites_in_country", "sum")
    )
    phase_order = {p.value: i for i, p in enumerate(TrialPhase)}
    sponsor_order = {s.value: i for i, s in enumerate(SponsorType)}
    out["_p"] = out["phase"].map(phase_order)
    out["_s"] = out["sponsor_type"].map(sponsor_order)
    out = out.sort_values(["year", "_p", "_s"], ignore_index=True)
    return out[cols]


def _procurement(dataset: Dataset, atc_level: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Awards with their domestic flag resolved, and value and domestic share by year and group."""
    cols = ["year", "atc_group", "value", "domestic_value", "domestic_share", "awards"]
    awards = dataset.procurement
    if awards.empty:
        return pd.DataFrame(columns=["year", "value", "domestic_value"]), pd.DataFrame(columns=cols)
    domestic_company = dataset.companies.set_index("company_id")["domestic"].astype(bool)
    flags = []
    for explicit, company in zip(awards["domestic_production"], awards["company_id"], strict=True):
        if explicit is not None and not (isinstance(explicit, float) and math.isnan(explicit)):
            flags.append(bool(explicit))
        else:
            flags.append(bool(domestic_company.get(company, False)) if company else False)
    frame = awards[["year", "atc_code", "value"]].copy()
    frame["year"] = frame["year"].astype(int)
    frame = frame[frame["year"] <= dataset.as_of.year]
    flags_arr = np.array(flags, dtype=bool)[frame.index.to_numpy()]
    frame["domestic_value"] = np.where(flags_arr, frame["value"].astype(float), 0.0)
    frame["atc_group"] = [
        _group(code, atc_level) for code in frame["atc_code"].astype(str).to_numpy()
    ]
    grouped = frame.groupby(["year", "atc_group"], as_index=False).agg(
        value=("value", "sum"), domestic_value=("domestic_value", "sum"), awards=("value", "size")
    )
    grouped["domestic_share"] = grouped["domestic_value"] / grouped["value"].where(
        grouped["value"] > 0
    )
    return frame, grouped.sort_values(["year", "atc_group"], ignore_index=True)[cols]


def _group(code: str, level: int) -> str:
    atc = AtcCode.parse(code)
    return atc.at_level(level).code if atc.level >= level else atc.code


def _series(frame: pd.DataFrame, column: str) -> pd.Series:
    if frame.empty or column not in frame:
        return pd.Series(dtype=float)
    rows = frame.dropna(subset=[column])
    return pd.Series(
        rows[column].astype(float).to_numpy(), index=rows["year"].astype(int).to_numpy()
    )


def _agreements_by_year(dataset: Dataset) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Per year up to the as-of year: agreements in force, fees and reserved capacity.

    An agreement counts pro rata of the days of the year it runs (``valid_from`` to
    ``valid_until``; open ends run from the first year with any agreement to the as-of year),
    so a fee of 1 million for half a year counts 0.5 million; reserved capacity is the
    year's average (DDD/day).
    """
    cols = ["year", "agreements", "annual_fees", "reserved_ddd_per_day"]
    agr = dataset.agreements
    if agr.empty:
        return pd.DataFrame(columns=cols), pd.Series(dtype=float), pd.Series(dtype=float)
    starts = [d for d in agr["valid_from"] if isinstance(d, dt.date)]
    first = min([d.year for d in starts], default=dataset.as_of.year)
    last = dataset.as_of.year
    rows = []
    for year in range(first, last + 1):
        y0, y1 = dt.date(year, 1, 1), dt.date(year, 12, 31)
        days = (y1 - y0).days + 1
        n = 0
        fees = reserved = 0.0
        for rec in agr.to_dict("records"):
            lo = rec["valid_from"] if isinstance(rec["valid_from"], dt.date) else y0
            hi = rec["valid_until"] if isinstance(rec["valid_until"], dt.date) else y1
            overlap = (min(hi, y1) - max(lo, y0)).days + 1
            if overlap <= 0:
                continue
            part = overlap / days
            n += 1
            fees += float(rec["annual_fee"]) * part
            reserved += float(rec["reserved_ddd_per_day"]) * part
        rows.append(
            {"year": year, "agreements": n, "annual_fees": fees, "reserved_ddd_per_day": reserved}
        )
    table = pd.DataFrame(rows, columns=cols)
    return (
        table,
        pd.Series(table["annual_fees"].to_numpy(), index=table["year"].to_numpy()),
        pd.Series(table["reserved_ddd_per_day"].to_numpy(), index=table["year"].to_numpy()),
    )


def _agreement_values(dataset: Dataset, offer_values: pd.DataFrame | None) -> pd.DataFrame:
    """Today's agreements with the loss the optimiser finds they avoid, per year and per fee."""
    cols = [
        "agreement_id",
        "line_id",
        "atc_code",
        "reserved_ddd_per_day",
        "annual_fee",
        "loss_avoided_per_year",
        "loss_avoided_per_fee",
    ]
    if offer_values is None or offer_values.empty:
        return pd.DataFrame(columns=cols)
    rows = offer_values[offer_values["kind"] == "agreement"]
    out = pd.DataFrame(
        {
            "agreement_id": rows["reservation_id"].to_numpy(),
            "line_id": rows["line_id"].to_numpy(),
            "atc_code": rows["atc_code"].to_numpy(),
            "reserved_ddd_per_day": rows["reserved_ddd_per_day"].astype(float).to_numpy(),
            "annual_fee": rows["annual_fee"].astype(float).to_numpy(),
            "loss_avoided_per_year": rows["loss_avoided_per_year"].astype(float).to_numpy(),
        }
    )
    out["loss_avoided_per_fee"] = out["loss_avoided_per_year"] / out["annual_fee"].where(
        out["annual_fee"] > 0
    )
    return out.sort_values("agreement_id", ignore_index=True)[cols]


def trend(series: Mapping[int, float], last_year: int, years: int) -> tuple[float | None, int]:
    """Least-squares slope (unit per year) over the last `years` years up to `last_year`.

    Returns (slope, number of years used); the slope is None with fewer than two years.
    """
    points = sorted((y, v) for y, v in series.items() if y <= last_year and math.isfinite(v))
    points = points[-years:]
    if len(points) < 2:
        return None, len(points)
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    dx = x - x.mean()  # centred: years near 2000 would cost precision in a plain fit
    slope = float((dx * (y - y.mean())).sum() / (dx * dx).sum())
    return slope, len(points)


def _indicator(
    spec: IndicatorSpec,
    raw: pd.Series,
    target: Target | None,
    as_of: dt.date,
    complete_through: int,
    trend_years: int,
    note: str,
) -> Indicator:
    values = {
        int(y): float(v)
        for y, v in zip(raw.index.to_numpy(), raw.to_numpy(dtype=float), strict=True)
        if math.isfinite(float(v))
    }
    values = {y: v for y, v in values.items() if y <= as_of.year}
    frame = pd.DataFrame(
        {"year": sorted(values), "value": [values[y] for y in sorted(values)]},
        columns=["year", "value"],
    )
    frame["complete"] = frame["year"] <= complete_through
    complete = {y: v for y, v in values.items() if y <= complete_through}
    slope, used = trend(complete, complete_through, trend_years)
    latest = max(complete) if complete else None
    status = _judge(target, complete, latest, slope) if target is not None and complete else None
    if target is not None and status is None:
        status = TargetStatus(target, None)
    return Indicator(
        key=spec.key,
        measure=spec.measure,
        kind=spec.kind,
        source=spec.source,
        series=frame,
        latest_year=latest,
        latest_value=complete[latest] if latest is not None else None,
        complete_through=complete_through,
        trend_per_year=slope,
        trend_years=used,
        target=status,
        note=note,
    )


def _judge(
    target: Target, complete: Mapping[int, float], latest: int | None, slope: float | None
) -> TargetStatus:
    """An indicator against its target (see :class:`TargetStatus`)."""
    if target.kind == "growth":
        assert target.base_year is not None
        assert target.target_year is not None
        assert target.factor is not None
        progress = growth_against_target(
            complete, target.base_year, target.target_year, target.factor, target.indicator
        )
        return TargetStatus(
            target, progress.on_track, progress=progress, gap=progress.gap_at_latest
        )
    assert target.value is not None
    assert latest is not None
    value = complete[latest]
    sign = 1.0 if target.direction == "at_least" else -1.0
    met = sign * (value - target.value) >= 0
    year = target.target_year
    if year is None or year <= latest:
        projected = value
    else:
        projected = value + (slope or 0.0) * (year - latest)
    on_track = sign * (projected - target.value) >= 0
    return TargetStatus(
        target,
        bool(on_track),
        met=bool(met),
        gap=float(value - target.value),
        projected_value=float(projected),
    )


def report_tables(result: Measures) -> dict[str, pd.DataFrame]:
    """The measures as named tables (sheet name → frame), for spreadsheets and reports."""
    series = pd.concat(
        [
            ind.series.assign(indicator=ind.key, measure=ind.measure)[
                ["measure", "indicator", "year", "value", "complete"]
            ]
            for ind in result.indicators
            if len(ind.series)
        ]
        or [pd.DataFrame(columns=["measure", "indicator", "year", "value", "complete"])],
        ignore_index=True,
    )
    return {
        "at_a_glance": result.at_a_glance(),
        "series": series,
        "trials_by_phase_sponsor": result.trials_by_phase_sponsor,
        "procurement_by_group": result.procurement_by_group,
        "agreements_by_year": result.agreements_by_year,
        "agreement_values": result.agreement_values,
        "targets": pd.DataFrame(result.targets),
    }


def indicator_keys() -> Sequence[str]:
    """Indicator keys in display order (what ``targets.toml`` may name)."""
    return tuple(INDICATORS)
