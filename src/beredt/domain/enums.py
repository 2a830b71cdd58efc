"""Enumerations of the domain vocabulary (DESIGN.md §2)."""

from __future__ import annotations

from enum import StrEnum


class Criticality(StrEnum):
    """Clinical criticality of a substance; drives the loss weight of unmet demand."""

    VITAL = "vital"
    ESSENTIAL = "essential"
    OTHER = "other"


#: Default loss weight per patient-day without treatment (DESIGN.md §2); configurable by callers.
DEFAULT_CRITICALITY_WEIGHTS: dict[Criticality, float] = {
    Criticality.VITAL: 10.0,
    Criticality.ESSENTIAL: 3.0,
    Criticality.OTHER: 1.0,
}


class DddSource(StrEnum):
    """Where a substance's defined daily dose comes from."""

    WHO = "who"
    ASSUMED = "assumed"


class StockTier(StrEnum):
    """Tier of the supply chain where stock is held, from upstream to the patient."""

    PRODUCER = "producer"
    PREPAREDNESS = "preparedness"
    WHOLESALE = "wholesale"
    HOSPITAL = "hospital"
    PHARMACY = "pharmacy"


class SiteStage(StrEnum):
    """Manufacturing stage of a site: active ingredient, finished dose form, packaging."""

    API = "api"
    FDF = "fdf"
    PACK = "pack"


class StockEntryKind(StrEnum):
    """A stock ledger entry either counts what is on the shelf or records a movement."""

    COUNT = "count"  # stocktake: the position is set to `packs`
    MOVEMENT = "movement"  # receipt (+) or issue (-) of `packs`


class ShortageStatus(StrEnum):
    """Lifecycle status of a shortage notice."""

    ANNOUNCED = "announced"  # expected, not yet started
    ONGOING = "ongoing"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"  # announced but did not happen

    @property
    def is_open(self) -> bool:
        """Whether a notice in this status still needs a response."""
        return self in (ShortageStatus.ANNOUNCED, ShortageStatus.ONGOING)


class ShortageCause(StrEnum):
    """Normalised cause of a shortage, common to the national and international lists."""

    MANUFACTURING = "manufacturing"  # production problem at a site
    QUALITY = "quality"  # GMP / quality defect, recall
    API_SUPPLY = "api_supply"  # active ingredient or raw material unavailable
    DEMAND_INCREASE = "demand_increase"
    LOGISTICS = "logistics"  # transport, distribution
    REGULATORY = "regulatory"  # licence, labelling, variation
    COMMERCIAL = "commercial"  # discontinuation, withdrawal, market exit
    EXPORT_RESTRICTION = "export_restriction"
    OTHER = "other"
    UNKNOWN = "unknown"


class TradeFlow(StrEnum):
    """Direction of a trade figure."""

    IMPORT = "import"
    EXPORT = "export"


class TrialRegistry(StrEnum):
    """Public registry a clinical trial was read from."""

    CTGOV = "ctgov"  # ClinicalTrials.gov (US National Library of Medicine)
    CTIS = "ctis"  # EU Clinical Trials Information System (EMA)
    OTHER = "other"


class TrialPhase(StrEnum):
    """Phase of a clinical trial (early phase 1 counts as phase 1)."""

    PHASE1 = "phase1"
    PHASE1_2 = "phase1_2"
    PHASE2 = "phase2"
    PHASE2_3 = "phase2_3"
    PHASE3 = "phase3"
    PHASE4 = "phase4"
    NOT_APPLICABLE = "not_applicable"  # e.g. a device or behavioural study
    UNKNOWN = "unknown"


class SponsorType(StrEnum):
    """Who sponsors a clinical trial: the measure asks for more industry-sponsored trials."""

    INDUSTRY = "industry"  # pharmaceutical and other companies
    ACADEMIC = "academic"  # hospitals, universities, research institutes and networks
    GOVERNMENT = "government"  # public agencies
    MIXED = "mixed"  # commercial and non-commercial co-sponsors
    OTHER = "other"  # individuals, patient organisations, not stated
