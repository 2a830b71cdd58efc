"""The tornado: each end is a real re-run (or an exact re-valuation) on common draws."""

from __future__ import annotations

from typing import Any

import pytest

from beredt.domain.dataset import Dataset
from beredt.sim.engine import simulate
from beredt.sim.scenario import Scenario
from beredt.sim.sensitivity import Tornado, default_variants, tornado


@pytest.fixture(scope="module")
def result(small_dataset: Dataset) -> Tornado:
    return tornado(small_dataset, n_scenarios=200, horizon_days=180, seed=7)


def _row(result: Tornado, assumption: str) -> dict[str, Any]:
    (row,) = [r for r in result.rows if r["assumption"] == assumption]
    return row


def test_baseline_is_the_plain_simulation_on_the_same_seed(
    small_dataset: Dataset, result: Tornado
) -> None:
    plain = simulate(
        small_dataset, Scenario(), n_scenarios=200, horizon_days=180, seed=7, mode="joint"
    )
    per_year = 365.0 / 180
    expected = float(plain.unmet_by_criticality[0].sum(axis=1).mean()) * per_year  # type: ignore[index]
    assert result.baseline["untreated_patient_days"] == pytest.approx(expected, rel=1e-12)


def test_every_assumption_has_a_row_sorted_by_swing(result: Tornado) -> None:
    names = {low.assumption for low, _ in default_variants()}
    assert {r["assumption"] for r in result.rows} == names
    swings = [r["swing"] for r in result.rows]
    assert swings == sorted(swings, reverse=True)


def test_valuation_ends_revalue_the_baseline_exactly(result: Tornado) -> None:
    base = result.baseline
    value = _row(result, "value")
    assert value["low_weighted_loss"] == pytest.approx(0.5 * base["weighted_loss"], rel=1e-12)
    assert value["high_weighted_loss"] == pytest.approx(2.0 * base["weighted_loss"], rel=1e-12)
    assert value["low_untreated_patient_days"] == base["untreated_patient_days"]
    flat = _row(result, "weights")
    # weights 1/1/1: the loss is the untreated patient-days times the money per patient-day
    assert flat["low_weighted_loss"] == pytest.approx(
        500.0 * base["untreated_patient_days"], rel=1e-12
    )


def test_more_hazard_and_less_headroom_leave_more_patients_untreated(result: Tornado) -> None:
    hazards = _row(result, "hazards")
    assert hazards["high_untreated_patient_days"] > result.baseline["untreated_patient_days"]
    assert result.baseline["untreated_patient_days"] > hazards["low_untreated_patient_days"]
    headroom = _row(result, "headroom")
    assert headroom["low_untreated_patient_days"] >= headroom["high_untreated_patient_days"]
    alternatives = _row(result, "alternatives")
    assert alternatives["low_untreated_patient_days"] >= alternatives["high_untreated_patient_days"]
