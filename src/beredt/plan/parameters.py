"""Parameters of the preparedness optimiser, with their units, defaults and sources.

The model is the classic choice between *mitigation inventory* and *contingent (reserved)
capacity* at a reliable backup supplier: Tomlin, B. (2006), "On the value of mitigation and
contingency strategies for managing supply chain disruption risks", Management Science 52(5),
639–657; and, for pharmaceuticals, Lücker, F. & Seifert, R. W. (2017), "Building up resilience
in a pharmaceutical supply chain through inventory, dual sourcing and agility capacity",
Omega 73, 114–124. Both charge inventory a holding cost per unit and period and reserved
capacity a fixed fee per period, and compare them against the expected cost of unmet demand;
here the cost is annual and in the bundle's currency, and unmet demand is valued per
criticality-weighted patient-day (1 DDD ≈ one patient-day, DESIGN.md §2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from beredt.domain.enums import Criticality

#: Stockpile targets in weeks of mean demand offered to every substance (issue 6).
DEFAULT_WEEKS_MENU: tuple[float, ...] = (0.0, 2.0, 4.0, 8.0, 13.0, 26.0, 52.0)
DAYS_PER_MONTH = 365.25 / 12.0
#: What the optimiser can minimise (see :class:`PlanParameters`).
OBJECTIVES: tuple[str, ...] = ("loss", "vital-days", "loss-capped")


@dataclass(frozen=True)
class CostParameters:
    """Annual cost of an option: holding + shelf-life write-off of its stock + the offer's fee.

    Sources and assumptions (override them for your country):

    * ``holding_cost_rate_per_year`` = 0.10: the share of the stock's value that holding it
      costs a year. Capital cost at Norway's real discount rate for public projects, 4 %
      (Ministry of Finance circular R-109/2021), plus about 6 % for storage, handling,
      insurance and stock-taking (assumption; commercial carrying-charge rates of 20–30 %
      include a private cost of capital). Tomlin (2006) and Lücker & Seifert (2017) model the
      same linear holding cost per unit and period.
    * ``rotation_allowance_months`` = 6: stock must be rotated out into normal sales this long
      before it expires, because buyers do not take short-dated packs (assumption); the usable
      life of a pack in the stockpile is its shelf life minus this allowance.
    * ``rotation_share_of_demand`` = 0.5: the share of the substance's normal demand that can be
      supplied from the stockpile, first in, first out, which keeps it fresh (stock held at
      wholesalers and rotated, as in the Norwegian wholesaler-held preparedness stock); 0 means a
      separate warehouse that is never rotated (assumption).
    * ``min_usable_days`` = 30: a floor on the usable life when the rotation allowance eats
      almost all of a short shelf life.

    Write-off, first in first out, in steady state: a stock of ``S`` DDD fed at rate
    ``q + w`` (rotation ``q = rotation_share × demand``, write-off ``w``) has every pack leave at
    age ``S / (q + w)``; packs reaching the usable age ``A`` unsold are written off, so
    ``w = max(0, S / A − q)`` DDD/day and the annual write-off cost is ``365 × w × value/DDD``.
    The stock's value per DDD is the market-share-weighted price per pack / DDD per pack of the
    substance's products (the pharmacy purchase price, AIP, in the bundle).
    """

    holding_cost_rate_per_year: float = 0.10
    rotation_allowance_months: float = 6.0
    rotation_share_of_demand: float = 0.5
    min_usable_days: float = 30.0

    def __post_init__(self) -> None:
        if self.holding_cost_rate_per_year < 0:
            raise ValueError("holding_cost_rate_per_year must be ≥ 0")
        if self.rotation_allowance_months < 0:
            raise ValueError("rotation_allowance_months must be ≥ 0")
        if not 0 <= self.rotation_share_of_demand <= 1:
            raise ValueError("rotation_share_of_demand must be in [0, 1]")
        if self.min_usable_days <= 0:
            raise ValueError("min_usable_days must be > 0")


@dataclass(frozen=True)
class CoverRule:
    """A minimum cover rule (a floor of the preparedness policy): every substance of
    `criticality` (empty: any) whose ATC code starts with one of `atc` (empty: any) gets ≥
    `min_weeks` of stockpile — or, when `agreement_suffices`, a capacity agreement instead —
    and, when `keep_today`, no less stock than today's."""

    criticality: str
    min_weeks: float
    agreement_suffices: bool = True
    atc: tuple[str, ...] = ()
    keep_today: bool = False
    name: str = ""
    name_nb: str = ""

    def __post_init__(self) -> None:
        if self.criticality:
            Criticality(self.criticality)  # raises ValueError naming the bad value
        if self.min_weeks < 0:
            raise ValueError("min_weeks must be ≥ 0")
        object.__setattr__(self, "atc", tuple(self.atc))
        if not self.criticality and not self.atc:
            raise ValueError("a floor needs a criticality or a list of ATC codes")

    @property
    def label(self) -> str:
        """How outputs name the floor."""
        if self.name:
            return self.name
        what = self.criticality or ", ".join(self.atc)
        tail = " or an agreement" if self.agreement_suffices else ""
        keep = ", no cut below today" if self.keep_today else ""
        return f"{what}: ≥ {self.min_weeks:g} weeks{tail}{keep}"

    @property
    def label_nb(self) -> str:
        """The floor's name in bokmål (`name_nb`, else composed like :attr:`label`)."""
        if self.name_nb:
            return self.name_nb
        if self.name:
            return self.name
        names = {"vital": "vitale", "essential": "viktige", "other": "andre"}
        what = names.get(self.criticality, self.criticality) or ", ".join(self.atc)
        weeks = f"{self.min_weeks:g}".replace(".", ",")
        tail = " eller en avtale" if self.agreement_suffices else ""
        keep = ", ikke kutt under dagens nivå" if self.keep_today else ""
        return f"{what}: ≥ {weeks} uker{tail}{keep}"

    @classmethod
    def parse(cls, text: str) -> CoverRule:
        """Parse ``CRITICALITY:WEEKS[:stock]`` (``vital:8``; ``:stock`` = an agreement won't do)."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "stock"):
            raise ValueError(f"cover rule {text!r}: expected CRITICALITY:WEEKS[:stock]")
        try:
            weeks = float(parts[1])
        except ValueError:
            raise ValueError(f"cover rule {text!r}: weeks {parts[1]!r} is not a number") from None
        try:
            return cls(parts[0], weeks, agreement_suffices=len(parts) == 2)
        except ValueError as exc:
            raise ValueError(f"cover rule {text!r}: {exc}") from None


@dataclass(frozen=True)
class PlanParameters:
    """Everything the optimiser needs besides the dataset and the budget.

    * ``weeks_menu``: stockpile targets in weeks of mean demand (preparedness tier).
    * ``value_per_patient_day`` (currency per criticality-weighted patient-day without
      treatment) = 500: assumption for NOK. A missed day of a vital medicine (weight 10) is then
      valued at 5,000 NOK, about one day of a statistical life-year valued at NOK 1.5–2 million
      (order of magnitude of the Norwegian Directorate of Health's guidance on economic
      evaluation of health measures); set it from your own country's guidance.
    * ``criticality_weights``: loss weight per criticality (default vital 10, essential 3,
      other 1, DESIGN.md §2).
    * ``horizon_days``, ``n_scenarios``: the simulation behind the expected losses; losses are
      scaled to a year (× 365 / horizon) so they compare with annual costs.
    * ``cover_rules``: minimum cover (see :class:`CoverRule`).
    * ``include_unqualified``: offer options on lines not yet qualified to make the substance.
    * ``mip_rel_gap``, ``time_limit_s``: HiGHS stopping rules.
    * ``objective``: what the MILP minimises (docs/plan.md): ``loss`` (expected weighted loss),
      ``vital-days`` (expected vital shortage-days, ties broken by loss) or ``loss-capped``
      (expected weighted loss with P(a vital substance short > 7 days) capped at
      ``vital_risk_cap`` × today's).
    """

    weeks_menu: Sequence[float] = DEFAULT_WEEKS_MENU
    value_per_patient_day: float = 500.0
    criticality_weights: Mapping[str, float] | None = None
    horizon_days: int = 365
    n_scenarios: int = 2000
    cover_rules: Sequence[CoverRule] = ()
    include_unqualified: bool = True
    mip_rel_gap: float = 1e-3
    time_limit_s: float = 60.0
    costs: CostParameters = field(default_factory=CostParameters)
    objective: str = "loss"
    vital_risk_cap: float = 1.0

    def __post_init__(self) -> None:
        weeks = list(self.weeks_menu)
        if not weeks:
            raise ValueError("weeks_menu must not be empty")
        if any(w < 0 for w in weeks):
            raise ValueError("weeks_menu entries must be ≥ 0")
        if len(set(weeks)) != len(weeks):
            raise ValueError("weeks_menu entries must be distinct")
        object.__setattr__(self, "weeks_menu", tuple(sorted(float(w) for w in weeks)))
        object.__setattr__(self, "cover_rules", tuple(self.cover_rules))
        if self.value_per_patient_day < 0:
            raise ValueError("value_per_patient_day must be ≥ 0")
        if self.horizon_days < 1:
            raise ValueError("horizon_days must be ≥ 1")
        if self.n_scenarios < 2:
            raise ValueError("n_scenarios must be ≥ 2 (a standard error needs two)")
        if not 0 <= self.mip_rel_gap < 1:
            raise ValueError("mip_rel_gap must be in [0, 1)")
        if self.time_limit_s <= 0:
            raise ValueError("time_limit_s must be > 0")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}")
        if self.vital_risk_cap < 0:
            raise ValueError("vital_risk_cap must be ≥ 0")
