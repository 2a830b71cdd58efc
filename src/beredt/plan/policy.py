"""The preparedness policy: what the country has committed to, as constraints on the plan.

A policy file (TOML, docs/plan.md; the shipped default is ``beredt/plan/policy.toml``) holds
the optimiser's objective, the cap on vital risk and the **floors**: minimum preparedness
stock by criticality or for a named list of substances (e.g. the national level-1 list),
optionally "no cut below today's level". Floors are constraints of the MILP; the plan reports
each floor's shadow price (the expected loss it costs at the budget). Not to be confused with
:class:`beredt.sim.Policies` (the stock and agreement options the simulator evaluates).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from beredt.domain.enums import Criticality
from beredt.ingest.errors import ImportRejected, Problem
from beredt.plan.parameters import OBJECTIVES, CoverRule, PlanParameters

_TOP = {"objective", "vital_risk_cap", "floors", "list", "name", "name_nb", "description"}
_FLOOR = {"min_weeks", "agreement_suffices", "keep_today"}
_LIST = {"name", "name_nb", "atc", "min_weeks", "agreement_suffices", "keep_today", "criticality"}


@dataclass(frozen=True)
class PreparednessPolicy:
    """Objective, vital-risk cap and floors of a policy file."""

    name: str
    objective: str
    vital_risk_cap: float
    floors: tuple[CoverRule, ...]
    source: str
    name_nb: str = ""  # the policy's name in bokmål

    def apply(
        self,
        parameters: PlanParameters,
        *,
        objective: str | None = None,
        min_cover: Sequence[CoverRule] = (),
    ) -> PlanParameters:
        """Parameters with this policy; `objective` and `min_cover` (the command line's
        ``--objective`` and ``--min-cover CRITICALITY:WEEKS``) override the file's."""
        overridden = {r.criticality for r in min_cover}
        floors = [f for f in self.floors if not (f.criticality in overridden and not f.atc)]
        return replace(
            parameters,
            cover_rules=(*floors, *min_cover),
            objective=objective or self.objective,
            vital_risk_cap=self.vital_risk_cap,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (for provenance)."""
        return {
            "name": self.name,
            "name_nb": self.name_nb or self.name,
            "source": self.source,
            "objective": self.objective,
            "vital_risk_cap": self.vital_risk_cap,
            "floors": [
                {
                    "label": f.label,
                    "label_nb": f.label_nb,
                    "criticality": f.criticality or None,
                    "atc": list(f.atc),
                    "min_weeks": f.min_weeks,
                    "agreement_suffices": f.agreement_suffices,
                    "keep_today": f.keep_today,
                }
                for f in self.floors
            ],
        }


def default_policy_path() -> Path:
    """The policy shipped with Beredt."""
    return Path(str(resources.files("beredt.plan").joinpath("policy.toml")))


def no_policy() -> PreparednessPolicy:
    """No floors, the plain expected-loss objective (the optimiser before policies)."""
    return PreparednessPolicy("none", "loss", 1.0, (), "none")


def load_policy(path: str | Path | None = None) -> PreparednessPolicy:
    """Read and check a policy file; every problem is reported with file, field and reason."""
    file = Path(path) if path is not None else default_policy_path()
    source = str(file) if path is not None else "beredt/plan/policy.toml"
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportRejected(
            [Problem(source, None, "file", f"cannot read: {exc.strerror or exc}")], what="policy"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ImportRejected([Problem(source, None, "toml", str(exc))], what="policy") from exc
    problems: list[Problem] = []

    def bad(fld: str, reason: str) -> None:
        problems.append(Problem(source, None, fld, reason))

    for key in sorted(set(doc) - _TOP):
        bad(key, f"unknown key (allowed: {', '.join(sorted(_TOP))})")
    objective = doc.get("objective", "loss")
    if objective not in OBJECTIVES:
        bad("objective", f"must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    cap = doc.get("vital_risk_cap", 1.0)
    if isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap < 0:
        bad("vital_risk_cap", f"must be a number ≥ 0 (a multiple of today's risk), got {cap!r}")
        cap = 1.0
    floors: list[CoverRule] = []
    raw_floors = doc.get("floors", {})
    if not isinstance(raw_floors, Mapping):
        bad("floors", "must be a table of [floors.CRITICALITY] tables")
        raw_floors = {}
    for crit, spec in raw_floors.items():
        rule = _rule(f"floors.{crit}", spec, _FLOOR, bad, criticality=crit)
        if rule is not None:
            floors.append(rule)
    raw_lists = doc.get("list", [])
    if not isinstance(raw_lists, list):
        bad("list", "use [[list]] tables, one per named list")
        raw_lists = []
    for i, spec in enumerate(raw_lists):
        rule = _rule(f"list[{i}]", spec, _LIST, bad)
        if rule is not None:
            floors.append(rule)
    if problems:
        raise ImportRejected(problems, what=f"policy {source}")
    return PreparednessPolicy(
        name=str(doc.get("name", file.stem)),
        name_nb=str(doc.get("name_nb", "")),
        objective=str(objective),
        vital_risk_cap=float(cap),
        floors=tuple(floors),
        source=source,
    )


def _rule(
    where: str, spec: Any, allowed: set[str], bad: Any, criticality: str | None = None
) -> CoverRule | None:
    if not isinstance(spec, Mapping):
        bad(where, "must be a table")
        return None
    for key in sorted(set(spec) - allowed):
        bad(f"{where}.{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    crit = criticality if criticality is not None else spec.get("criticality", "")
    if crit:
        try:
            Criticality(crit)
        except ValueError:
            bad(where, f"unknown criticality {crit!r} (vital, essential, other)")
            return None
    weeks = spec.get("min_weeks", 0.0)
    if isinstance(weeks, bool) or not isinstance(weeks, (int, float)) or weeks < 0:
        bad(f"{where}.min_weeks", f"must be a number of weeks ≥ 0, got {weeks!r}")
        return None
    atc = spec.get("atc", [])
    if not isinstance(atc, list) or not all(isinstance(a, str) and a for a in atc):
        bad(f"{where}.atc", "must be a list of ATC codes or prefixes")
        return None
    flags = {}
    for key in ("agreement_suffices", "keep_today"):
        value = spec.get(key, key == "agreement_suffices")
        if not isinstance(value, bool):
            bad(f"{where}.{key}", f"must be true or false, got {value!r}")
            return None
        flags[key] = value
    if not crit and not atc:
        bad(where, "a floor needs a criticality or a list of ATC codes")
        return None
    return CoverRule(
        criticality=crit or "",
        min_weeks=float(weeks),
        agreement_suffices=flags["agreement_suffices"],
        atc=tuple(a.upper() for a in atc),
        keep_today=flags["keep_today"],
        name=str(spec.get("name", "")),
        name_nb=str(spec.get("name_nb", "")),
    )
