"""Factors of the vulnerability score, their weights and their fixed normalisation anchors.

Every factor turns a raw, physical figure (suppliers, days of stock, share of demand, …) into a
normalised exposure in [0, 1] by piecewise-linear interpolation between *fixed* anchor points
(clamped beyond the first and last), never relative to the rest of the dataset: a substance's
score does not move when other substances change. The defaults, with the rationale and sources
for each, are in ``weights.toml`` beside this module (docs/risk.md); a user's TOML file
overrides any part of them.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from beredt.domain.enums import Criticality
from beredt.errors import InvalidInput
from beredt.ingest.errors import Problem

DEFAULT_WEIGHTS_FILE = "weights.toml"


@dataclass(frozen=True)
class FactorDef:
    """What a factor measures: its key, label, the unit of its raw value and its risk direction.

    `increasing` is True when a larger raw value means more exposure (shares, shortage days),
    False when it means less (suppliers, days of stock), None for the categorical criticality.
    """

    key: str
    label: str
    raw_unit: str
    description: str
    increasing: bool | None


#: The factors in display order (DESIGN.md §4). Weights and anchors come from the TOML.
FACTORS: tuple[FactorDef, ...] = (
    FactorDef(
        "criticality",
        "Criticality",
        "class",
        "Clinical criticality of the substance (vital, essential, other)",
        None,
    ),
    FactorDef(
        "suppliers",
        "Suppliers",
        "count",
        "Independent suppliers: distinct marketing-authorisation holders of the substance's packs",
        False,
    ),
    FactorDef(
        "market_concentration",
        "Market concentration",
        "HHI points (0-10,000)",
        "Herfindahl-Hirschman index of the suppliers' shares of demand; demand no listed pack "
        "supplies counts as one block",
        True,
    ),
    FactorDef(
        "api_concentration",
        "API country concentration",
        "share of demand",
        "Share of demand left uncovered if the single most important country stopped making "
        "active ingredient (API)",
        True,
    ),
    FactorDef(
        "fdf_concentration",
        "Finished-dose country concentration",
        "share of demand",
        "Share of demand left uncovered if the single most important country stopped making "
        "finished doses (FDF)",
        True,
    ),
    FactorDef(
        "export_restriction",
        "Export-restriction exposure",
        "share of yearly demand",
        "Largest expected share of a year's demand cut by one country's export restrictions "
        "(share of demand lost × long-run fraction of time that country restricts)",
        True,
    ),
    FactorDef(
        "stock_cover",
        "Stock cover",
        "days",
        "Days of supply: stock across all tiers divided by mean demand",
        False,
    ),
    FactorDef(
        "domestic_coverage",
        "Domestic coverage",
        "share of demand",
        "Domestic capacity vs demand: reserved capacity under active agreements plus a credit for "
        "qualified, unreserved capacity",
        False,
    ),
    FactorDef(
        "shortage_count",
        "Shortage notices",
        "count",
        "Shortage notices (not cancelled) in the history window, open ones included",
        True,
    ),
    FactorDef(
        "shortage_days",
        "Shortage days",
        "days",
        "Days in the history window on which at least one shortage notice was in effect",
        True,
    ),
    FactorDef(
        "other_products",
        "Other packs",
        "count",
        "Other packs (products) of the same substance that can stand in for one in shortage",
        False,
    ),
    FactorDef(
        "therapeutic_alternatives",
        "Therapeutic alternatives",
        "count",
        "Other substances of the same ATC level-4 group with at least one pack on the market",
        False,
    ),
)
FACTOR_KEYS: tuple[str, ...] = tuple(f.key for f in FACTORS)
_BY_KEY = {f.key: f for f in FACTORS}


def factor_def(key: str) -> FactorDef:
    """The definition of the factor `key` (KeyError if unknown)."""
    return _BY_KEY[key]


class WeightsError(InvalidInput, ValueError):
    """A weights file is malformed; lists every problem as ``file:line: field: reason``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"weights rejected: {n} problem{'s' if n != 1 else ''}\n{lines}")


@dataclass(frozen=True)
class FactorWeight:
    """Weight, anchors and rationale of one factor.

    `anchors` are (raw value, normalised exposure) points with strictly increasing raw values;
    `levels` (criticality only) maps each class to its exposure.
    """

    key: str
    weight: float
    anchors: tuple[tuple[float, float], ...] = ()
    levels: Mapping[str, float] = field(default_factory=dict)
    missing_value: float | None = None
    rationale: str = ""
    sources: tuple[str, ...] = ()

    @property
    def definition(self) -> FactorDef:
        """The factor's fixed definition."""
        return _BY_KEY[self.key]

    def normalise(self, raw: np.ndarray) -> np.ndarray:
        """Exposure in [0, 1] of each raw value by the anchors (NaN stays NaN: unknown)."""
        values = np.asarray(raw, dtype=float)
        xs = np.array([a[0] for a in self.anchors], dtype=float)
        ys = np.array([a[1] for a in self.anchors], dtype=float)
        # np.interp clamps to the end values, which is what fixed anchors mean; ±inf clamps too.
        clipped = np.clip(values, xs[0], xs[-1])
        out = np.interp(np.nan_to_num(clipped, nan=xs[0]), xs, ys)
        return np.where(np.isnan(values), np.nan, out)


@dataclass(frozen=True)
class RiskWeights:
    """The full parameter set of the score: one :class:`FactorWeight` per factor plus globals."""

    factors: tuple[FactorWeight, ...]
    missing_value: float = 0.5
    shortage_window_years: float = 3.0
    qualified_capacity_credit: float = 0.5
    sources: Mapping[str, str] = field(default_factory=dict)
    origin: str = "default"

    def __post_init__(self) -> None:
        keys = tuple(f.key for f in self.factors)
        if keys != FACTOR_KEYS:
            raise ValueError(f"factors must be {FACTOR_KEYS}, in that order; got {keys}")

    def __getitem__(self, key: str) -> FactorWeight:
        return self.factors[FACTOR_KEYS.index(key)]

    @property
    def total_weight(self) -> float:
        """Sum of the weights; contributions are scaled so the maximum score is 100."""
        return float(sum(f.weight for f in self.factors))

    def points(self, key: str) -> float:
        """Points (of 100) the factor contributes at full exposure."""
        return 100.0 * self[key].weight / self.total_weight

    def missing_for(self, key: str) -> float:
        """Exposure assumed where the factor's inputs are unknown."""
        value = self[key].missing_value
        return self.missing_value if value is None else value

    def with_weights(self, weights: Mapping[str, float]) -> RiskWeights:
        """A copy with some factor weights replaced (validated)."""
        unknown = sorted(set(weights) - set(FACTOR_KEYS))
        if unknown:
            raise WeightsError(
                [
                    Problem("weights", None, k, f"unknown factor (known: {', '.join(FACTOR_KEYS)})")
                    for k in unknown
                ]
            )
        factors = tuple(
            replace(f, weight=float(weights[f.key])) if f.key in weights else f
            for f in self.factors
        )
        updated = replace(self, factors=factors, origin=f"{self.origin} + overrides")
        problems = _validate(updated, "weights", "")
        if problems:
            raise WeightsError(problems)
        return updated

    def as_dict(self) -> dict[str, Any]:
        """Plain mapping of every parameter (for provenance and JSON)."""
        return {
            "origin": self.origin,
            "missing_value": self.missing_value,
            "shortage_window_years": self.shortage_window_years,
            "qualified_capacity_credit": self.qualified_capacity_credit,
            "factors": {
                f.key: {
                    "weight": f.weight,
                    "points": self.points(f.key),
                    **({"anchors": [list(a) for a in f.anchors]} if f.anchors else {}),
                    **({"levels": dict(f.levels)} if f.levels else {}),
                    "missing_value": self.missing_for(f.key),
                }
                for f in self.factors
            },
        }


_GLOBALS = {"missing_value", "shortage_window_years", "qualified_capacity_credit"}
_FACTOR_FIELDS = {"weight", "anchors", "levels", "missing_value", "rationale", "sources", "label"}


def default_weights() -> RiskWeights:
    """The documented default weights shipped in ``beredt/risk/weights.toml``."""
    text = resources.files("beredt.risk").joinpath(DEFAULT_WEIGHTS_FILE).read_text("utf-8")
    return _parse(text, DEFAULT_WEIGHTS_FILE, base=None, origin="default")


def load_weights(path: str | Path | None = None) -> RiskWeights:
    """The defaults, overridden by the TOML file at `path` where given (any subset of keys)."""
    base = default_weights()
    if path is None:
        return base
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise WeightsError(
            [Problem(str(file), None, "file", f"cannot read: {exc.strerror}")]
        ) from exc
    return _parse(text, str(file), base=base, origin=str(file))


def resolve_weights(weights: RiskWeights | str | Path | Mapping[str, float] | None) -> RiskWeights:
    """Weights from any accepted form: None (defaults), a file path, a mapping factor → weight."""
    if weights is None:
        return default_weights()
    if isinstance(weights, RiskWeights):
        return weights
    if isinstance(weights, (str, Path)):
        return load_weights(weights)
    return default_weights().with_weights(weights)


def _line_of(text: str, table: str | None, key: str | None) -> int | None:
    """Best-effort line of `key` inside `[table]` (or of the header) for error messages."""
    lines = text.splitlines()
    start = 0
    if table is not None:
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        found = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if found is None:
            return None
        start = found
        if key is None:
            return found + 1
    pattern = re.compile(rf"^\s*{re.escape(key or '')}\s*=")
    for i in range(start + (1 if table else 0), len(lines)):
        if table is not None and i > start and lines[i].lstrip().startswith("["):
            break
        if pattern.match(lines[i]):
            return i + 1
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _parse(text: str, file: str, base: RiskWeights | None, origin: str) -> RiskWeights:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WeightsError([Problem(file, getattr(exc, "lineno", None), "toml", str(exc))]) from exc
    problems: list[Problem] = []

    def problem(table: str | None, key: str | None, reason: str) -> None:
        name = ".".join(p for p in (table, key) if p)
        problems.append(Problem(file, _line_of(text, table, key), name or "file", reason))

    allowed_top = _GLOBALS | {"factors", "sources", "version", "title", "description"}
    for key in sorted(set(doc) - allowed_top):
        problem(None, key, f"unknown setting (allowed: {', '.join(sorted(allowed_top))})")
    values: dict[str, float] = {}
    for key in sorted(_GLOBALS & set(doc)):
        number = _number(doc[key])
        if number is None or not math.isfinite(number):
            problem(None, key, f"must be a number, got {doc[key]!r}")
        else:
            values[key] = number

    sources = dict(base.sources) if base else {}
    raw_sources = doc.get("sources", {})
    if not isinstance(raw_sources, dict) or not all(
        isinstance(v, str) for v in raw_sources.values()
    ):
        problem("sources", None, 'must be a table of name = "citation"')
    else:
        sources.update(raw_sources)

    raw_factors = doc.get("factors", {})
    if not isinstance(raw_factors, dict):
        problem(None, "factors", "must be a table of [factors.<name>] tables")
        raw_factors = {}
    for key in sorted(set(raw_factors) - set(FACTOR_KEYS)):
        problem(f"factors.{key}", None, f"unknown factor (known: {', '.join(FACTOR_KEYS)})")
    factors: list[FactorWeight] = []
    for fdef in FACTORS:
        table = f"factors.{fdef.key}"
        entry = raw_factors.get(fdef.key, {})
        current = base[fdef.key] if base else None
        if not isinstance(entry, dict):
            problem(table, None, "must be a table")
            entry = {}
        if current is None and not entry:
            problem(table, None, "missing from the default weights")
            continue
        for extra in sorted(set(entry) - _FACTOR_FIELDS):
            problem(table, extra, f"unknown field (allowed: {', '.join(sorted(_FACTOR_FIELDS))})")
        fw = current or FactorWeight(key=fdef.key, weight=0.0)
        if "weight" in entry:
            number = _number(entry["weight"])
            if number is None:
                problem(table, "weight", f"must be a number, got {entry['weight']!r}")
            else:
                fw = replace(fw, weight=number)
        if "anchors" in entry:
            anchors = entry["anchors"]
            ok = isinstance(anchors, list) and all(
                isinstance(a, list) and len(a) == 2 and all(_number(v) is not None for v in a)
                for a in anchors
            )
            if not ok:
                problem(table, "anchors", "must be a list of [raw, exposure] number pairs")
            else:
                fw = replace(fw, anchors=tuple((float(a[0]), float(a[1])) for a in anchors))
        if "levels" in entry:
            levels = entry["levels"]
            if not isinstance(levels, dict) or not all(
                _number(v) is not None for v in levels.values()
            ):
                problem(table, "levels", "must be a table of class = exposure")
            else:
                fw = replace(
                    fw, levels={**dict(fw.levels), **{k: float(v) for k, v in levels.items()}}
                )
        if "missing_value" in entry:
            number = _number(entry["missing_value"])
            if number is None:
                problem(table, "missing_value", f"must be a number, got {entry['missing_value']!r}")
            else:
                fw = replace(fw, missing_value=number)
        if "rationale" in entry:
            fw = replace(fw, rationale=str(entry["rationale"]).strip())
        if "sources" in entry:
            refs = entry["sources"]
            if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                problem(table, "sources", "must be a list of source names")
            else:
                fw = replace(fw, sources=tuple(refs))
        factors.append(fw)
    if problems:
        raise WeightsError(problems)
    inherited = {k: getattr(base, k) for k in _GLOBALS} if base else {}
    weights = RiskWeights(
        factors=tuple(factors),
        **{**inherited, **values},
        sources=sources,
        origin=origin,
    )
    problems = _validate(weights, file, text)
    if problems:
        raise WeightsError(problems)
    return weights


def _validate(weights: RiskWeights, file: str, text: str) -> list[Problem]:
    """Every inconsistency of a parameter set: bad weights, anchors against the risk direction, …"""
    problems: list[Problem] = []

    def problem(table: str | None, key: str | None, reason: str) -> None:
        name = ".".join(p for p in (table, key) if p)
        line = _line_of(text, table, key) if text else None
        problems.append(Problem(file, line, name, reason))

    if not 0 <= weights.missing_value <= 1:
        problem(None, "missing_value", f"must lie in [0, 1], got {weights.missing_value:g}")
    if weights.shortage_window_years <= 0:
        problem(None, "shortage_window_years", "must be positive")
    if not 0 <= weights.qualified_capacity_credit <= 1:
        problem(None, "qualified_capacity_credit", "must lie in [0, 1]")
    for fw in weights.factors:
        table = f"factors.{fw.key}"
        fdef = fw.definition
        if not math.isfinite(fw.weight) or fw.weight < 0:
            problem(table, "weight", f"must be a finite number ≥ 0, got {fw.weight:g}")
        if fw.missing_value is not None and not 0 <= fw.missing_value <= 1:
            problem(table, "missing_value", f"must lie in [0, 1], got {fw.missing_value:g}")
        for ref in fw.sources:
            if ref not in weights.sources:
                problem(table, "sources", f"cites {ref!r}, which is not in [sources]")
        if fdef.increasing is None:
            expected = {c.value for c in Criticality}
            if set(fw.levels) != expected:
                problem(table, "levels", f"must give exactly {', '.join(sorted(expected))}")
            bad = [k for k, v in fw.levels.items() if not 0 <= v <= 1]
            if bad:
                problem(table, "levels", f"exposures must lie in [0, 1] ({', '.join(bad)})")
            continue
        if len(fw.anchors) < 2:
            problem(table, "anchors", "needs at least two [raw, exposure] points")
            continue
        xs = [a[0] for a in fw.anchors]
        ys = [a[1] for a in fw.anchors]
        if any(not math.isfinite(x) for x in xs) or any(b <= a for a, b in itertools.pairwise(xs)):
            problem(table, "anchors", "raw values must be finite and strictly increasing")
        if any(not 0 <= y <= 1 for y in ys):
            problem(table, "anchors", "exposures must lie in [0, 1]")
        steps = [b - a for a, b in itertools.pairwise(ys)]
        if fdef.increasing and any(s < 0 for s in steps):
            problem(
                table, "anchors", "exposure must not fall as the raw value rises (more is worse)"
            )
        if fdef.increasing is False and any(s > 0 for s in steps):
            problem(
                table, "anchors", "exposure must not rise as the raw value rises (more is better)"
            )
    if weights.total_weight <= 0:
        problem(None, "factors", "at least one factor needs a positive weight")
    return problems
