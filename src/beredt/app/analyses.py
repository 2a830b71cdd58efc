"""What the pipeline computed, handed to the section builders.

Each capability's result is ``None`` when the capability is absent from this installation (its
module or public function is missing); ``absent`` then says why, and its section shows a
"not available" note. A capability that is present but fails raises: errors are never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beredt.domain.dataset import Dataset


@dataclass(frozen=True)
class RunParameters:
    """Parameters of one ``beredt run``: they, the data and the seed determine every number.

    `scenarios` is the number of Monte-Carlo draws per scenario file (and for the optimiser's
    option losses); `horizon_days` overrides the scenario files' horizons (default: each file's
    own, else 365 days); `budget` is the annual preparedness budget in the bundle's currency (None:
    `budget_share` × today's annual preparedness cost).
    """

    seed: int = 1
    scenarios: int = 1000
    horizon_days: int | None = None
    budget: float | None = None
    budget_share: float = 1.0
    frontier_points: int = 7
    frontier_max_factor: float = 3.0
    risk_threshold: float = 50.0
    low_cover_days: float = 30.0
    top_n: int = 25
    #: ``calibrated``: fit the hazards to the shortage record and run everything on them;
    #: ``data``: keep the bundle's own hazards (the calibration and back-test are still shown).
    hazards: str = "calibrated"
    outlook_months: tuple[int, ...] = (3, 6, 12)
    #: preparedness policy file (docs/plan.md); None: the shipped policy.toml; "none": no policy
    policy: str | None = None


@dataclass
class ScenarioOutcome:
    """One scenario file of the library and its simulation result."""

    key: str
    name: str
    description: str
    path: str
    result: Any
    stress: Any = None  # the plan against today's under this scenario (plan.JointOutcome)
    name_nb: str = ""
    description_nb: str = ""

    @property
    def title(self) -> dict[str, str]:
        """The scenario's name in both languages (bokmål falls back to the file's name)."""
        return {"nb": self.name_nb or self.name, "en": self.name}

    @property
    def summary(self) -> dict[str, str]:
        """The scenario's description in both languages."""
        return {"nb": self.description_nb or self.description, "en": self.description}


@dataclass
class Budget:
    """The budget the plan was optimised at, and how it was chosen."""

    amount: float
    today_cost: float
    share: float | None
    source: str  # "user" or "default"


@dataclass
class Analyses:
    """Every capability's result for one dataset (None where the capability is absent)."""

    dataset: Dataset
    parameters: RunParameters
    risk: Any = None
    scenarios: list[ScenarioOutcome] | None = None
    scenarios_skipped: list[dict[str, str]] = field(default_factory=list)
    plan: Any = None
    plan_model: Any = None
    frontier: Any = None
    budget: Budget | None = None
    responses: list[Any] | None = None
    industry: Any = None
    calibration: Any = None
    backtest: Any = None
    outlook: Any = None
    sensitivity: Any = None
    hazards_source: str = "data"  # which hazards the analyses ran on: "calibrated" or "data"
    imported_fingerprint: str | None = None  # the dataset as imported, before calibration
    #: stress scenarios the plan was weighed over: (name, probability a year, bokmål name)
    plan_library: list[tuple[str, float, str]] = field(default_factory=list)
    absent: dict[str, str] = field(default_factory=dict)
