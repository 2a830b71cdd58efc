"""The simulator's public API on the small bundle: shapes, determinism, options, modes."""

from __future__ import annotations

import numpy as np
import pytest

from beredt.domain.dataset import Dataset
from beredt.sim import Policies, Scenario, simulate


def test_simulate_today_plan_shapes_and_ranges(small_dataset: Dataset) -> None:
    result = simulate(small_dataset, n_scenarios=200, seed=5)
    s = small_dataset.n_substances
    assert result.unmet_ddd.mean.shape == (1, s)
    assert result.national_loss.shape == (1, 200)
    assert np.all(result.unmet_ddd.mean >= 0)
    assert np.all((result.stockout_prob >= 0) & (result.stockout_prob <= 1))
    assert np.all(result.shortage_days.mean <= result.horizon_days)
    # national loss is the criticality-weighted sum of the per-substance unmet DDD
    assert result.unmet_per_scenario is not None
    weighted = (result.unmet_per_scenario[0] * result.weights).sum(axis=1)
    np.testing.assert_allclose(result.national_loss[0], weighted, rtol=1e-9)
    table = result.substance_table()
    assert list(table["weighted_unmet_mean"]) == sorted(table["weighted_unmet_mean"], reverse=True)


def test_same_seed_same_numbers_other_seed_differs(small_dataset: Dataset) -> None:
    a = simulate(small_dataset, n_scenarios=128, seed=11)
    b = simulate(small_dataset, n_scenarios=128, seed=11)
    c = simulate(small_dataset, n_scenarios=128, seed=12)
    np.testing.assert_array_equal(a.national_loss, b.national_loss)
    assert not np.array_equal(a.national_loss, c.national_loss)


def test_identical_options_get_identical_draws(small_dataset: Dataset) -> None:
    today = Policies.today(small_dataset)
    prep = np.vstack([today.preparedness_ddd, today.preparedness_ddd, today.preparedness_ddd * 0])
    agreements = today.agreements.copy()
    both = agreements.assign(option=1)
    policies = Policies(
        prep,
        __import__("pandas").concat([agreements, both], ignore_index=True),
        ("a", "b", "none"),
    )
    result = simulate(small_dataset, n_scenarios=128, seed=2, policies=policies)
    np.testing.assert_array_equal(result.national_loss[0], result.national_loss[1])
    # no preparedness stock and no agreements never does better, scenario by scenario
    assert np.all(result.national_loss[2] >= result.national_loss[0] - 1e-6)
    assert result.national_loss[2].mean() > result.national_loss[0].mean()


@pytest.mark.parametrize("mode", ["joint", "decomposed"])
def test_modes_run_and_background_only_scenario(small_dataset: Dataset, mode: str) -> None:
    result = simulate(small_dataset, Scenario(), n_scenarios=64, seed=1, mode=mode)
    assert result.mode == mode
    assert result.alternatives_ddd_mean.shape == (1, small_dataset.n_substances)
    if mode == "decomposed":
        assert np.all(result.alternatives_ddd_mean == 0)
