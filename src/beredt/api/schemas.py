"""Request bodies (pydantic v2), separate from the tables: every field typed and bounded.

Text never carries control characters (PostgreSQL refuses NUL, logs and terminals the rest);
numbers are finite; whole numbers fit 64 bits; dates lie in 1950–2100, as in the bundle.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from beredt.domain.enums import ShortageCause, ShortageStatus, StockEntryKind, StockTier
from beredt.domain.schema import EARLIEST_DATE, INT64_MAX, INT64_MIN, LATEST_DATE

_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def _plausible(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"{value} is outside {EARLIEST_DATE.year}–{LATEST_DATE.year}")
    return value


Date = Annotated[dt.date, AfterValidator(_plausible)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
Text = Annotated[str, StringConstraints(max_length=2000, pattern=_PRINTABLE)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
PositiveNumber = Annotated[float, Field(gt=0, le=1e15, allow_inf_nan=False)]
Packs = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
RoleName = Literal["admin", "authority", "analyst", "holder", "producer"]


class Strict(BaseModel):
    """A body that refuses fields it does not know (a typo is an error, not ignored)."""

    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    """A browser login."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_PRINTABLE)]
    password: Password


class PasswordIn(Strict):
    """A new password for the signed-in account."""

    current_password: Password
    new_password: Password


class AccountIn(Strict):
    """A new account (admin)."""

    name: Name
    role: RoleName
    company_id: Id | None = None
    holder: Text | None = None
    password: Password | None = None


class StockRowIn(Strict):
    """One stock count or movement of a report (the columns of stock.csv)."""

    date: Date
    product_id: Id
    holder: Text | None = Field(None, description="Default: the reporting holder")
    tier: StockTier
    packs: Packs = Field(description="Packs counted (≥ 0) or moved (+ in, − out)")
    kind: StockEntryKind = StockEntryKind.COUNT
    source: Text | None = None


class StockReportIn(Strict):
    """A stock report: rows, all or nothing; a retried `idempotency_key` writes nothing again."""

    rows: list[StockRowIn] = Field(min_length=1, max_length=50_000)
    idempotency_key: Id | None = None


class NoticeIn(Strict):
    """A new shortage notice."""

    notice_id: Id
    atc_code: Id
    status: ShortageStatus
    start_date: Date
    product_id: Id | None = None
    cause: ShortageCause = ShortageCause.UNKNOWN
    announced_date: Date | None = None
    expected_end_date: Date | None = None
    end_date: Date | None = None
    source: Text | None = "authority"
    title: Text | None = None


class NoticePatch(Strict):
    """Changes to a notice: only the fields given change."""

    status: ShortageStatus | None = None
    start_date: Date | None = None
    product_id: Id | None = None
    cause: ShortageCause | None = None
    announced_date: Date | None = None
    expected_end_date: Date | None = None
    end_date: Date | None = None
    source: Text | None = None
    title: Text | None = None


class ActivationIn(Strict):
    """Activate an agreement, or ask for an offer (give one of the three ids)."""

    agreement_id: Id | None = None
    offer_id: Id | None = None
    line_id: Id | None = None
    requested_ddd_per_day: PositiveNumber | None = None
    activated_on: Date | None = Field(None, description="Default: today")
    confirm_within_days: Annotated[int, Field(ge=0, le=90)] = 2
    note: Text | None = None


class ConfirmIn(Strict):
    """A producer's confirmation: first output and the rate (and total, if limited)."""

    start_date: Date
    ddd_per_day: PositiveNumber
    total_ddd: PositiveNumber | None = None
    note: Text | None = None


class DeclineIn(Strict):
    """A producer's refusal, with the reason."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=_PRINTABLE)]


Scenarios = Annotated[int, Field(ge=10, le=100_000)]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]
Horizon = Annotated[int, Field(ge=1, le=3650)]


class SimulateParams(Strict):
    """``beredt simulate``: a library scenario."""

    scenario: Id
    scenarios: Scenarios | None = None
    horizon_days: Horizon | None = None
    seed: Seed | None = None
    mode: Literal["joint", "decomposed"] = "joint"
    as_of: Date | None = None


class PlanParams(Strict):
    """``beredt plan``."""

    budget: Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False)]
    scenarios: Scenarios = 2000
    seed: Seed = 0
    horizon_days: Horizon = 365
    value_per_patient_day: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] = 500.0
    objective: Literal["loss", "vital-days", "loss-capped"] | None = None
    policy: Literal["default", "none"] = "default"
    stress_library: bool = False
    reevaluate: bool = True
    as_of: Date | None = None


class BacktestParams(Strict):
    """``beredt backtest``."""

    cuts: list[Date] = Field(default_factory=list, max_length=20)
    horizon_days: Horizon = 365
    scenarios: Scenarios = 1000
    seed: Seed = 1
    as_of: Date | None = None


class CalibrateParams(Strict):
    """``beredt calibrate``."""

    until: Date | None = None
    as_of: Date | None = None


class RunParams(Strict):
    """``beredt run`` on the store's dataset."""

    scenarios: Scenarios = 1000
    seed: Seed = 1
    budget: Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False)] | None = None
    hazards: Literal["calibrated", "data"] = "calibrated"


class SimulateJob(Strict):
    """A simulation job."""

    kind: Literal["simulate"]
    parameters: SimulateParams


class PlanJob(Strict):
    """An optimisation job."""

    kind: Literal["plan"]
    parameters: PlanParams


class BacktestJob(Strict):
    """A back-test job."""

    kind: Literal["backtest"]
    parameters: BacktestParams = Field(default_factory=BacktestParams)


class CalibrateJob(Strict):
    """A calibration job."""

    kind: Literal["calibrate"]
    parameters: CalibrateParams = Field(default_factory=CalibrateParams)


class RunJob(Strict):
    """A whole run."""

    kind: Literal["run"]
    parameters: RunParams = Field(default_factory=RunParams)


JobIn = Annotated[
    SimulateJob | PlanJob | BacktestJob | CalibrateJob | RunJob, Field(discriminator="kind")
]


def body(model: BaseModel, *, exclude_unset: bool = False) -> dict[str, Any]:
    """A body as plain values for the use cases (enums stay enums, dates stay dates)."""
    return model.model_dump(exclude_unset=exclude_unset)
