"""Parameters of the shortage response planner, with units, defaults and their sources.

Every default is either taken from a cited practice or stated as an assumption; all of them can be
overridden per plan (``ResponseParams(...)``, or the ``beredt respond`` options). Money is in the
dataset's currency; quantities in DDD (1 DDD ≈ one patient-day, DESIGN.md §2).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from beredt.domain.enums import ShortageCause

#: Causes that usually make a shortage global (the active ingredient itself is short, or a
#: producing country keeps it at home), so that other markets cannot spare much either.
GLOBAL_CAUSES: frozenset[str] = frozenset(
    {ShortageCause.API_SUPPLY.value, ShortageCause.EXPORT_RESTRICTION.value}
)


@dataclass(frozen=True)
class ResponseParams:
    """Parameters of :func:`beredt.respond.plan_response`.

    **Stock floors** (no stock is ever drawn below its floor):

    * ``preparedness_floor_share`` = 0.25 and ``preparedness_floor_days`` = 0: the national
      preparedness stock of the substance released to the market keeps at least
      ``max(share × stock, days × mean demand)`` DDD back, as a reserve for the most vulnerable
      patients should the shortage outlast its expected end. The level is a policy choice of the
      authority that decides releases from the preparedness stock; 25 % is an assumption, set it
      with ``--preparedness-floor``.
    * ``chain_working_stock_days`` = 0: DDD kept back in the distribution chain (wholesalers,
      hospital pharmacies, pharmacies, producers) in days of mean demand of the products drawn.
      0 pools the whole chain stock nationally (assumption: redistribution between holders is
      organised by the wholesalers within a day or two).

    **Other packs of the same substance**: ``same_route_only`` = True: only packs with the same
    route of administration substitute one another (WHO DDDs are set per route).

    **Domestic production** (DESIGN.md §4): output starts ``response_days`` after activation and
    ramps linearly to full capacity over the line's ``ramp_days``: on day k after activation the
    output is ``capacity × min(1, (k − response + 1) / (ramp + 1))`` for ``k ≥ response``.

    * ``api_resupply_days`` = 60: days after activation by which a producer can have bought fresh
      active ingredient (API) from its source country; until then output is limited by the API on
      hand (none needed when the capability names no source country: made in-house). Generic
      API from Asia is typically ordered 6–12 weeks ahead (assumption). For the causes in
      :data:`GLOBAL_CAUSES` no resupply is assumed within the plan. ``None``: never.
    * ``unreserved_extra_days`` = 30: extra delay for a qualified line *without* an agreement for
      the substance (no prepared procedures, raw material or reserved slot: the point of
      risk-relief agreements, LMI 2020); ``unreserved_capacity_share`` = 0.5 of its capability
      (the line has its ordinary work); ``unreserved_cost_premium`` = 0.25 on the unit cost
      (overtime, spot purchases). All three are assumptions.
    * ``domestic_activation_cost`` = 0: a fixed cost per activation; the annual fee of an
      agreement is already paid and is not counted here.

    **Exemption import** (import of packs authorised in another market under an exemption from
    marketing authorisation, in Norway *godkjenningsfritak*, Legemiddelforskriften § 2-6):

    * ``exemption_import_lead_days`` = 14: application, sourcing abroad and shipping
      (assumption; exemption applications are usually handled within days).
    * ``exemption_import_share`` = 0.5 of the substance's mean demand per day can be sourced
      abroad; multiplied by ``global_cause_import_factor`` = 0.25 for the causes in
      :data:`GLOBAL_CAUSES` (assumptions).
    * ``exemption_import_price_premium`` = 0.5: foreign packs bought at foreign list prices cost
      about half as much again as the domestic price (assumption; the domestic price is the
      affected products' market-share-weighted price per DDD).

    **Therapeutic alternatives** (other substances of the same ATC level-4 group, flagged for
    clinical review): ``alternative_cap_share`` = 0.3 of the gap per day, all alternatives
    together (the share of patients a prescriber could switch; assumption), one DDD of the
    alternative replacing one DDD (both are one patient-day); each alternative keeps
    ``alternative_reserve_days`` = 30 days of its own mean demand for its own patients.

    **Activation**: actions below the preparedness stock in the priority order are activated one
    by one, each only while a rest is uncovered, and only when it reduces the rest by at least
    ``min_activation_days`` = 1 day of mean gap. With ``size_to_need`` = True an activated action
    delivers only the quantity needed to close the gap (an order or campaign of that size from
    its ETA); False lets it run at capacity to the planned end (more robust, costlier).

    **Other costs**: ``redistribution_cost_per_pack`` = 0 (transport between holders) and
    ``preparedness_replenishment_premium`` = 0 (released stock is replaced at today's price);
    both assumptions.

    **Rationing**: when a rest stays uncovered the plan suggests capping dispensing to
    ``rationing_weeks`` = 2 weeks per patient (limiting the quantity dispensed per prescription,
    a common measure in shortages, stops hoarding and spreads stock over more patients), and
    reports the demand cut needed.

    **Duration uncertainty** (see :mod:`beredt.respond.uncertainty`): ``duration_samples`` =
    10,000 draws, ``seed`` = 0; around an expected end a lognormal with median
    ``overrun_median_ratio`` × the announced duration and log-sd ``duration_log_sd`` = 0.4, both
    re-estimated from the dataset's resolved notices with an expected and an actual end when it
    holds at least ``min_calibration_notices`` = 5 of them; without an expected end the
    empirical durations of resolved notices with the same cause (at least
    ``min_history_notices`` = 3, else of all causes, else a lognormal with median
    ``default_duration_days`` = 60 and log-sd ``default_duration_log_sd`` = 0.8). Durations are
    cut at ``max_horizon_days`` = 730. The plan itself runs to the expected end;
    ``planning_quantile`` = None extends it to that quantile of the duration distribution when
    later (0.8: every order is sized to last with 80 % probability).

    **Demand**: ``seasonal_demand`` = True uses the bundle's yearly cycle
    (``demand.csv``: rate × (1 + amplitude × cos(2π (day − peak) / 365))); False uses the mean.
    """

    preparedness_floor_share: float = 0.25
    preparedness_floor_days: float = 0.0
    chain_working_stock_days: float = 0.0
    same_route_only: bool = True
    api_resupply_days: int | None = 60
    unreserved_extra_days: int = 30
    unreserved_capacity_share: float = 0.5
    unreserved_cost_premium: float = 0.25
    domestic_activation_cost: float = 0.0
    exemption_import_lead_days: int = 14
    exemption_import_share: float = 0.5
    global_cause_import_factor: float = 0.25
    exemption_import_price_premium: float = 0.5
    alternative_cap_share: float = 0.3
    alternative_reserve_days: float = 30.0
    min_activation_days: float = 1.0
    size_to_need: bool = True
    redistribution_cost_per_pack: float = 0.0
    preparedness_replenishment_premium: float = 0.0
    rationing_weeks: int = 2
    duration_samples: int = 10_000
    seed: int = 0
    duration_log_sd: float = 0.4
    overrun_median_ratio: float = 1.0
    min_calibration_notices: int = 5
    min_history_notices: int = 3
    default_duration_days: float = 60.0
    default_duration_log_sd: float = 0.8
    max_horizon_days: int = 730
    planning_quantile: float | None = None
    seasonal_demand: bool = True

    def __post_init__(self) -> None:
        shares = (
            "preparedness_floor_share",
            "unreserved_capacity_share",
            "exemption_import_share",
            "global_cause_import_factor",
            "alternative_cap_share",
        )
        for name in shares:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        non_negative = (
            "preparedness_floor_days",
            "chain_working_stock_days",
            "unreserved_extra_days",
            "unreserved_cost_premium",
            "domestic_activation_cost",
            "exemption_import_lead_days",
            "exemption_import_price_premium",
            "alternative_reserve_days",
            "min_activation_days",
            "redistribution_cost_per_pack",
            "preparedness_replenishment_premium",
            "duration_log_sd",
            "default_duration_log_sd",
        )
        for name in non_negative:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be ≥ 0, got {getattr(self, name)}")
        if self.api_resupply_days is not None and self.api_resupply_days < 0:
            raise ValueError("api_resupply_days must be ≥ 0 or None")
        if self.rationing_weeks < 1:
            raise ValueError("rationing_weeks must be ≥ 1")
        if self.duration_samples < 1:
            raise ValueError("duration_samples must be ≥ 1")
        if self.overrun_median_ratio <= 0 or self.default_duration_days <= 0:
            raise ValueError("overrun_median_ratio and default_duration_days must be > 0")
        if self.planning_quantile is not None and not 0 < self.planning_quantile < 1:
            raise ValueError("planning_quantile must be between 0 and 1 (exclusive) or None")
        if self.max_horizon_days < 1:
            raise ValueError("max_horizon_days must be ≥ 1")

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a plain mapping (for provenance)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
