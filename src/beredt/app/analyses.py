"""What the pipeline computed, handed to the section builders.

A result is ``None`` when the run did not compute it (an analysis that needs another one's
result, as the frontier needs the plan); ``absent`` then says why, and its section shows a
"not available" note. An analysis that fails raises: errors are never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from beredt.domain.dataset import Dataset

if TYPE_CHECKING:
    from beredt.calibrate.backtest import Backtest
    from beredt.calibrate.fit import Calibration
    from beredt.calibrate.outlook import Outlook
    from beredt.industry.indicators import IndustryIndicators
    from beredt.industry.measures import Measures
    from beredt.plan.invest import InvestResult
    from beredt.plan.optimise import FrontierResult, JointOutcome, PlanModel, PlanResult
    from beredt.respond.planner import ResponsePlan
    from beredt.risk.score import RiskTable
    from beredt.sim.engine import SimResult
    from beredt.sim.sensitivity import Tornado


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
    result: SimResult
    stress: JointOutcome | None = None  # the plan against today's under this scenario
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
    """Every analysis's result for one dataset (None where the run did not compute it)."""

    dataset: Dataset
    parameters: RunParameters
    risk: RiskTable | None = None
    scenarios: list[ScenarioOutcome] | None = None
    scenarios_skipped: list[dict[str, str]] = field(default_factory=list)
    plan: PlanResult | None = None
    plan_model: PlanModel | None = None
    frontier: FrontierResult | None = None
    budget: Budget | None = None
    responses: list[ResponsePlan] | None = None
    industry: IndustryIndicators | None = None
    measures: Measures | None = None
    investments: InvestResult | None = None
    calibration: Calibration | None = None
    backtest: Backtest | None = None
    outlook: Outlook | None = None
    sensitivity: Tornado | None = None
    hazards_source: str = "data"  # which hazards the analyses ran on: "calibrated" or "data"
    imported_fingerprint: str | None = None  # the dataset as imported, before calibration
    #: stress scenarios the plan was weighed over: (name, probability a year, bokmål name)
    plan_library: list[tuple[str, float, str]] = field(default_factory=list)
    absent: dict[str, str] = field(default_factory=dict)
