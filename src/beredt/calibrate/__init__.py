"""Calibration and back-test: the disruption model fitted to the shortage record and checked
against what then happened (DESIGN.md §4, docs/calibration.md)."""

from beredt.calibrate.fit import (
    Calibration,
    CalibrationError,
    Priors,
    calibrate,
    load_priors,
)
from beredt.calibrate.record import Episode, episodes, record_as_of

__all__ = [
    "Calibration",
    "CalibrationError",
    "Episode",
    "Priors",
    "calibrate",
    "episodes",
    "load_priors",
    "record_as_of",
]
