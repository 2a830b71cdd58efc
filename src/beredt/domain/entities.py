"""The entities of DESIGN.md §2, each declared once with its columns, units and constraints.

The declaration order is the import order: an entity only references entities declared above it.
Money is in the bundle's currency (``bundle.toml``); quantities of medicine are in DDD (defined
daily doses, WHO), so that 1 DDD ≈ one patient-day of treatment; stock is in whole packs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from beredt.domain.enums import (
    Criticality,
    DddSource,
    ShortageCause,
    ShortageStatus,
    SiteStage,
    SponsorType,
    StockEntryKind,
    StockTier,
    TradeFlow,
    TrialPhase,
    TrialRegistry,
)
from beredt.domain.schema import col, entity


class CompanyRole(StrEnum):
    """What a company does in the supply chain."""

    MA_HOLDER = "ma_holder"
    MANUFACTURER = "manufacturer"
    WHOLESALER = "wholesaler"
    PRODUCER = "producer"  # domestic producer that can take capacity agreements


@entity("countries.csv", key=["country"])
@dataclass(frozen=True, slots=True)
class Country:
    """A country where companies and manufacturing sites are, with its export-restriction hazard."""

    country: str = col("Country code", kind="country", example="IN")
    name: str = col("Country name in English", example="India")
    export_restriction_hazard_per_year: float = col(
        "Expected number of export restrictions on medicines or their ingredients a year",
        unit="events/year",
        default=0.0,
        ge=0,
        example="0.1",
    )
    export_restriction_mean_days: float = col(
        "Mean duration of an export restriction", unit="days", default=90.0, gt=0, example="90"
    )
    export_restriction_duration_sigma: float | None = col(
        "σ of a lognormal restriction duration (of ln days, e.g. from `beredt calibrate`); "
        "empty: the scenario's family (geometric by default)",
        default=None,
        gt=0,
        le=5,
    )


@entity("companies.csv", key=["company_id"])
@dataclass(frozen=True, slots=True)
class Company:
    """A marketing-authorisation holder, manufacturer, wholesaler or domestic producer."""

    company_id: str = col("Identifier", kind="id", example="nordpharma")
    name: str = col("Company name", example="Nordpharma AS")
    country: str = col("Country of the company's seat", ref="countries.country", kind="country")
    domestic: bool = col("Whether the company produces in the home country", default=False)
    roles: tuple[str, ...] = col(
        "What the company does",
        default=(),
        choices=[r.value for r in CompanyRole],
        example="ma_holder;manufacturer",
    )


@entity("substances.csv", key=["atc_code"])
@dataclass(frozen=True, slots=True)
class Substance:
    """An active substance (ATC level 5) with its defined daily dose and clinical criticality."""

    atc_code: str = col("ATC level-5 code", kind="atc5", example="N02BE01")
    name: str = col("Substance name (INN, English)", example="paracetamol")
    ddd: float = col("Defined daily dose (WHO) or an assumed daily dose", gt=0, example="3")
    ddd_unit: str = col(
        "Unit of the DDD",
        choices=["g", "mg", "mcg", "U", "TU", "MU", "mmol", "ml", "tablet", "dose"],
        example="g",
    )
    ddd_source: DddSource = col(
        "`who` when WHO sets the DDD, `assumed` where WHO sets none (IV fluids, anaesthetics, "
        "most cytostatics)",
        default=DddSource.WHO,
    )
    ddd_note: str | None = col(
        "Route of the DDD, or the assumption behind an assumed DDD", default=None
    )
    criticality: Criticality = col(
        "Clinical criticality; drives the loss weight (default 10 / 3 / 1)",
        default=Criticality.OTHER,
    )
    who_essential: bool = col("On the WHO Model List of Essential Medicines", default=False)
    outage_hazard_per_year: float = col(
        "Expected outages a year of a cause that stops every pack of the substance at once "
        "(e.g. from `beredt calibrate`: substance-level notices no shared site explains)",
        unit="events/year",
        default=0.0,
        ge=0,
    )
    outage_mean_days: float = col(
        "Mean duration of such an outage", unit="days", default=30.0, gt=0
    )
    outage_duration_sigma: float | None = col(
        "σ of a lognormal outage duration (of ln days); empty: the scenario's family "
        "(geometric by default)",
        default=None,
        gt=0,
        le=5,
    )


@entity("sites.csv", key=["site_id"])
@dataclass(frozen=True, slots=True)
class Site:
    """A manufacturing site making active ingredient (api), finished dose (fdf) or packs (pack)."""

    site_id: str = col("Identifier", kind="id", example="aurobindo-hyd-api")
    company_id: str = col("Company that runs the site", ref="companies.company_id")
    name: str = col("Site name or town", example="Hyderabad API unit")
    country: str = col("Country of the site", ref="countries.country", kind="country")
    stage: SiteStage = col("Manufacturing stage")
    outage_hazard_per_year: float = col(
        "Expected number of unplanned outages a year", unit="events/year", default=0.0, ge=0
    )
    outage_mean_days: float = col("Mean outage duration", unit="days", default=30.0, gt=0)
    outage_duration_sigma: float | None = col(
        "σ of a lognormal outage duration (of ln days); empty: the scenario's family "
        "(geometric by default)",
        default=None,
        gt=0,
        le=5,
    )


@entity("products.csv", key=["product_id"])
@dataclass(frozen=True, slots=True)
class Product:
    """A marketed pack of a substance: strength, form, pack size, price and market share."""

    product_id: str = col(
        "Identifier; the catalogue's pack number (Varenummer) where known",
        kind="id",
        example="123456",
    )
    atc_code: str = col("Substance of the pack", ref="substances.atc_code", kind="atc5")
    name: str = col("Product name, form and strength", example="Paracet tab 500 mg")
    ma_holder_id: str = col("Marketing-authorisation holder", ref="companies.company_id")
    form: str = col("Dosage form", example="tablet")
    ddd_per_pack: float = col(
        "Defined daily doses in one pack", unit="DDD/pack", gt=0, example="10"
    )
    price_per_pack: float = col(
        "Pharmacy purchase price of one pack (AIP)", unit="currency/pack", ge=0, example="42.5"
    )
    market_share: float = col(
        "Share of the substance's demand supplied by this product", ge=0, le=1, example="0.4"
    )
    route: str | None = col(
        "Route of administration (WHO: O, P, N, R, SL, TD, Inhal, …)", default=None
    )
    strength: str | None = col("Strength as printed", default=None, example="500 mg")
    pack_size: int | None = col("Units in one pack", unit="units", default=None, gt=0)
    shelf_life_months: int = col("Shelf life", unit="months", default=36, gt=0)
    spare_capacity_share: float = col(
        "Extra supply this product's supplier can add when others fail, as a share of the "
        "substance's demand",
        default=0.0,
        ge=0,
        le=1,
    )
    spare_lead_time_days: int = col(
        "Days before the spare supply arrives", unit="days", default=30, ge=0
    )
    catalogue_id: str | None = col("Id in the national product catalogue (FEST)", default=None)
    outage_hazard_per_year: float = col(
        "Expected outages a year of this pack alone (quality, commercial, logistics), beside "
        "those of its sites and countries (e.g. from `beredt calibrate`)",
        unit="events/year",
        default=0.0,
        ge=0,
    )
    outage_mean_days: float = col(
        "Mean duration of the pack's own outages", unit="days", default=30.0, gt=0
    )
    outage_duration_sigma: float | None = col(
        "σ of a lognormal outage duration (of ln days); empty: the scenario's family "
        "(geometric by default)",
        default=None,
        gt=0,
        le=5,
    )


@entity("supply.csv", key=["product_id", "site_id"])
@dataclass(frozen=True, slots=True)
class SupplyLink:
    """A site that makes a product at one stage. Sites of one stage back each other up (parallel);
    the stages are in series: a product is up when every stage has at least one site up."""

    product_id: str = col("Product", ref="products.product_id")
    site_id: str = col("Site (its stage is the site's)", ref="sites.site_id")


@entity("demand.csv", key=["atc_code"])
@dataclass(frozen=True, slots=True)
class Demand:
    """National consumption of a substance: mean rate, seasonality and day-to-day variation.

    rate(day) = ddd_per_day × (1 + seasonal_amplitude × cos(2π (day − seasonal_peak_day) / 365)).
    """

    atc_code: str = col("Substance", ref="substances.atc_code", kind="atc5")
    ddd_per_day: float = col("Mean national consumption", unit="DDD/day", ge=0, example="150000")
    seasonal_amplitude: float = col(
        "Relative amplitude of the yearly cycle (0 = flat)", default=0.0, ge=0, le=1
    )
    seasonal_peak_day: int = col("Day of the year when demand peaks", default=15, ge=1, le=366)
    daily_cv: float = col(
        "Coefficient of variation of daily demand (over-dispersion)", default=0.1, ge=0
    )


@entity("stock.csv", key=["date", "product_id", "holder", "tier", "kind"])
@dataclass(frozen=True, slots=True)
class StockEntry:
    """A stock ledger entry: a count of packs on hand, or a movement in (+) or out (−).

    The position of (product, holder, tier) on a date is its last count on or before that date
    plus the movements after that count up to the date.
    """

    date: dt.date = col("Date the count or movement takes effect", example="2026-11-01")
    product_id: str = col("Product", ref="products.product_id")
    holder: str = col("Who holds the stock (a named wholesaler, hospital, …)", example="Alliance")
    tier: StockTier = col("Tier of the supply chain")
    packs: int = col("Packs counted (≥ 0) or moved (+ in, − out)", unit="packs", example="1200")
    kind: StockEntryKind = col("`count` or `movement`", default=StockEntryKind.COUNT)
    source: str | None = col("Where the figure comes from", default=None)


@entity("shortages.csv", key=["notice_id"])
@dataclass(frozen=True, slots=True)
class ShortageNotice:
    """An announced or observed shortage of a substance, optionally of one product."""

    notice_id: str = col(
        "Natural key from the source (e.g. `DMP-2024-0042`)", example="DMP-2024-0042"
    )
    atc_code: str = col("Substance in shortage", ref="substances.atc_code", kind="atc5")
    status: ShortageStatus = col("Status")
    start_date: dt.date = col("First day of the shortage (or of the announced period)")
    product_id: str | None = col(
        "Product in shortage, if only one", ref="products.product_id", default=None
    )
    cause: ShortageCause = col("Normalised cause", default=ShortageCause.UNKNOWN)
    announced_date: dt.date | None = col("Date the notice was published", default=None)
    expected_end_date: dt.date | None = col("Expected last day, as announced", default=None)
    end_date: dt.date | None = col("Actual last day, once resolved", default=None)
    source: str | None = col("Source list (DMP, EMA, FDA, manual, …)", default=None)
    title: str | None = col("Headline of the notice", default=None)


@entity("lines.csv", key=["line_id"])
@dataclass(frozen=True, slots=True)
class ProductionLine:
    """A domestic producer's production line and how fast it can switch to surge production."""

    line_id: str = col("Identifier", kind="id", example="fjord-tablets-1")
    company_id: str = col("Producer that runs the line", ref="companies.company_id")
    name: str = col("Line name")
    dosage_forms: tuple[str, ...] = col("Dosage forms the line makes", example="tablet;capsule")
    response_days: int = col("Days from activation to first output", unit="days", ge=0)
    ramp_days: int = col("Days from first output to full capacity", unit="days", default=0, ge=0)


@entity("capabilities.csv", key=["line_id", "atc_code"])
@dataclass(frozen=True, slots=True)
class LineCapability:
    """What a line can make: capacity when making only that substance, cost and API on hand.

    A line's load is Σ output / capacity over its substances and never exceeds 1.
    """

    line_id: str = col("Line", ref="lines.line_id")
    atc_code: str = col("Substance", ref="substances.atc_code", kind="atc5")
    capacity_ddd_per_day: float = col(
        "Output when the line makes only this substance", unit="DDD/day", gt=0
    )
    unit_cost_per_ddd: float = col(
        "Variable production cost", unit="currency/DDD", default=0.0, ge=0
    )
    api_on_hand_ddd: float = col(
        "Active ingredient held by the producer, in DDD of finished product",
        unit="DDD",
        default=0.0,
        ge=0,
    )
    api_source_country: str | None = col(
        "Country the active ingredient comes from (empty: made in-house, always available)",
        ref="countries.country",
        kind="country",
        default=None,
    )
    qualified: bool = col("Whether the line is qualified (authorised) to make it now", default=True)


@entity("offers.csv", key=["offer_id"])
@dataclass(frozen=True, slots=True)
class Offer:
    """A domestic producer's offer of a capacity reservation (risk relief) not yet agreed."""

    offer_id: str = col("Identifier", kind="id")
    line_id: str = col("Line", ref="lines.line_id")
    atc_code: str = col("Substance", ref="substances.atc_code", kind="atc5")
    reserved_ddd_per_day: float = col("Reserved capacity", unit="DDD/day", gt=0)
    response_days: int = col("Days from activation to first output", unit="days", ge=0)
    annual_fee: float = col("Fee for the reservation", unit="currency/year", ge=0)
    valid_from: dt.date | None = col("First day the offer holds", default=None)
    valid_until: dt.date | None = col("Last day the offer holds", default=None)


@entity("agreements.csv", key=["agreement_id"])
@dataclass(frozen=True, slots=True)
class Agreement:
    """A signed capacity reservation with a domestic producer."""

    agreement_id: str = col("Identifier", kind="id")
    line_id: str = col("Line", ref="lines.line_id")
    atc_code: str = col("Substance", ref="substances.atc_code", kind="atc5")
    reserved_ddd_per_day: float = col("Reserved capacity", unit="DDD/day", gt=0)
    response_days: int = col("Days from activation to first output", unit="days", ge=0)
    annual_fee: float = col("Fee for the reservation", unit="currency/year", ge=0)
    valid_from: dt.date | None = col("First day the agreement holds", default=None)
    valid_until: dt.date | None = col("Last day the agreement holds", default=None)
    offer_id: str | None = col("Offer the agreement came from", ref="offers.offer_id", default=None)


@entity("levers.csv", key=["scope"])
@dataclass(frozen=True, slots=True)
class SupplyLever:
    """A supply lever beyond the marketed packs for the substances of a scope: exemption import.

    Exemption import brings packs authorised in another market into the country under an
    exemption from marketing authorisation (in Norway *godkjenningsfritak*, legemiddelforskriften
    § 2-6). The most specific scope wins (the longest ATC prefix; ``*`` for every substance).
    The simulator, the optimiser and the response planner use the same levers.
    """

    scope: str = col(
        "ATC code or prefix of the substances the row is for, `*` for every substance",
        kind="atc_scope",
        example="J01",
    )
    exemption_import_share: float = col(
        "Share of the substance's mean demand a day that exemption import can supply",
        unit="share of demand",
        default=0.0,
        ge=0,
        le=1,
        example="0.5",
    )
    exemption_import_lead_days: int = col(
        "Days from the first day of a supply gap until exempted imports arrive",
        unit="days",
        default=14,
        ge=0,
        example="14",
    )
    exemption_import_price_premium: float = col(
        "Extra price of imported packs over the domestic price per DDD, as a share",
        default=0.5,
        ge=0,
        example="0.5",
    )
    source: str | None = col("Where the figures come from", default=None)


@entity("trade.csv", key=["period", "hs_code", "flow", "partner_country"])
@dataclass(frozen=True, slots=True)
class TradeFigure:
    """Exports or imports of a commodity code in a year or month (e.g. Statistics Norway 08801)."""

    period: str = col("Year or month", kind="period", example="2023")
    hs_code: str = col("HS / national commodity code", kind="hs", example="30049000")
    flow: TradeFlow = col("`import` or `export`")
    partner_country: str = col(
        "Partner country, or `ZZ` for all countries together", kind="country", example="SE"
    )
    value: float = col("Value", unit="currency", ge=0)
    quantity_kg: float | None = col("Net weight", unit="kg", default=None, ge=0)
    source: str | None = col("Source table", default=None, example="SSB 08801")


@entity("industry.csv", key=["year"])
@dataclass(frozen=True, slots=True)
class IndustryFigure:
    """The domestic pharmaceutical industry in a year."""

    year: int = col("Year", ge=1900, le=2200, example="2020")
    companies: int | None = col("Producing companies", default=None, ge=0)
    employees: int | None = col("Employees", default=None, ge=0)
    exports_value: float | None = col("Export revenue", unit="currency/year", default=None, ge=0)
    source: str | None = col("Source", default=None)
    higher_education_share: float | None = col(
        "Share of the employees with higher education (university or university college)",
        default=None,
        ge=0,
        le=1,
        example="0.55",
    )


@entity("trials.csv", key=["registry", "trial_id"])
@dataclass(frozen=True, slots=True)
class ClinicalTrial:
    """A clinical trial with at least one site in the home country, from a public registry.

    ``beredt import ctgov`` (ClinicalTrials.gov API v2 JSON) and ``beredt import ctis`` (the EU
    CTIS public search export) write these rows; a trial is counted in the year it started.
    """

    registry: TrialRegistry = col("Registry the record comes from")
    trial_id: str = col(
        "The registry's trial number (NCT number; EU CT number)",
        kind="id",
        example="NCT01234567",
    )
    title: str | None = col("Title of the trial", default=None)
    phase: TrialPhase = col("Phase (early phase 1 counts as phase 1)", default=TrialPhase.UNKNOWN)
    sponsor: str | None = col("Lead sponsor", default=None)
    sponsor_type: SponsorType = col(
        "Industry, academic (hospital, university, research network), government, mixed or other",
        default=SponsorType.OTHER,
    )
    start_date: dt.date | None = col(
        "First day of the trial (ClinicalTrials.gov: the start date; CTIS: the date of the "
        "overall authorisation decision); the trial counts in this year",
        default=None,
    )
    sites_in_country: int = col(
        "Trial sites in the home country", unit="sites", default=1, ge=1, example="3"
    )
    status: str | None = col("Overall status as the registry gives it", default=None)
    enrollment: int | None = col(
        "Participants planned or enrolled (all countries)", unit="persons", default=None, ge=0
    )
    eu_ct_number: str | None = col(
        "EU CT or EudraCT number of the same trial, where a ClinicalTrials.gov record gives "
        "one: a trial in both registries is counted once",
        default=None,
    )
    source: str | None = col("Where the record comes from (file, date of the export)", default=None)


@entity("procurement.csv", key=["award_id"])
@dataclass(frozen=True, slots=True)
class ProcurementAward:
    """A public contract for medicines (a hospital or national tender) and who won it.

    The home-market measure is the share of the contract value won by domestic producers.
    """

    award_id: str = col("Identifier", kind="id", example="LIS-2401-J01CA04")
    year: int = col("Year the contract's value is for", ge=1900, le=2200, example="2024")
    atc_code: str = col(
        "ATC code of the substance or group tendered (any level)", kind="atc", example="J01CA04"
    )
    value: float = col("Contract value for the year", unit="currency", ge=0)
    company_id: str | None = col(
        "Supplier that won the contract", ref="companies.company_id", default=None
    )
    supplier: str | None = col(
        "Supplier's name as the tender result gives it (where it is not in companies.csv)",
        default=None,
    )
    domestic_production: bool | None = col(
        "Whether the awarded product is made in the home country; empty: the supplier's "
        "`domestic` flag in companies.csv (false without a supplier there)",
        default=None,
    )
    buyer: str | None = col(
        "Contracting authority", default=None, example="Sykehusinnkjøp HF (LIS)"
    )
    tender: str | None = col("Tender or framework agreement", default=None)
    source: str | None = col("Where the figure comes from", default=None)


@entity("investments.csv", key=["investment_id"])
@dataclass(frozen=True, slots=True)
class LineInvestment:
    """A domestic producer's new or extended production line, as an investment case.

    ``beredt invest`` values it over the simulator's scenarios: normal sales, surge sales when
    shortages activate its agreement, export sales, with and without the agreement's fee.
    """

    investment_id: str = col("Identifier", kind="id", example="INV-haldor-bag-2")
    company_id: str = col("Producer that would invest", ref="companies.company_id")
    name: str = col("What is built", example="Second infusion-bag line")
    capex: float = col("Investment cost, paid at the decision", unit="currency", ge=0)
    build_days: int = col("Days from the decision until the line produces", unit="days", ge=0)
    life_years: int = col("Years the line operates", unit="years", gt=0, le=60, example="15")
    fixed_cost_per_year: float = col(
        "Fixed cost of running the line (staff, maintenance, quality) a year",
        unit="currency/year",
        default=0.0,
        ge=0,
    )
    line_id: str | None = col(
        "Line the investment extends (empty: a new line)", ref="lines.line_id", default=None
    )
    offer_id: str | None = col(
        "Capacity-reservation offer made with the investment: its fee, reserved capacity and "
        "response time are the agreement of the case",
        ref="offers.offer_id",
        default=None,
    )
    ramp_days: int = col(
        "Days from first surge output to the reserved capacity", unit="days", default=0, ge=0
    )
    salvage_value: float = col(
        "Value of the line at the end of its life", unit="currency", default=0.0, ge=0
    )
    source: str | None = col("Where the figures come from", default=None)


@entity("investment_substances.csv", key=["investment_id", "atc_code"])
@dataclass(frozen=True, slots=True)
class InvestmentSubstance:
    """What an investment's line would make: capacity, cost, prices and expected sales.

    The line's load in normal times, Σ (domestic + export) / capacity over its substances, is at
    most 1; surge output under the agreement displaces export sales first, then domestic ones.
    """

    investment_id: str = col("Investment", ref="investments.investment_id")
    atc_code: str = col("Substance", ref="substances.atc_code", kind="atc5")
    capacity_ddd_per_day: float = col(
        "Output when the line makes only this substance", unit="DDD/day", gt=0
    )
    unit_cost_per_ddd: float = col(
        "Variable production cost (API, materials, energy)",
        unit="currency/DDD",
        default=0.0,
        ge=0,
    )
    domestic_ddd_per_day: float = col(
        "Expected domestic sales in normal times", unit="DDD/day", default=0.0, ge=0
    )
    export_ddd_per_day: float = col("Expected export sales", unit="DDD/day", default=0.0, ge=0)
    price_per_ddd: float | None = col(
        "Producer's domestic price; empty: the substance's pharmacy purchase price per DDD "
        "weighted by market share (products.csv), an upper bound",
        unit="currency/DDD",
        default=None,
        ge=0,
    )
    export_price_per_ddd: float | None = col(
        "Export price; empty: the domestic price", unit="currency/DDD", default=None, ge=0
    )
    surge_price_per_ddd: float | None = col(
        "Price of surge output delivered under the agreement; empty: the domestic price",
        unit="currency/DDD",
        default=None,
        ge=0,
    )
