"""Same seed → identical numbers, whatever the chunking, the threads or the other options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from beredt.domain.dataset import Dataset
from beredt.sim import Policies, SimResult, simulate

SCENARIO = (
    Path(__file__).parents[1] / "src" / "beredt" / "scenarios" / "export-ban-analgesics-api.toml"
)


def _numbers(r: SimResult) -> list[np.ndarray]:
    return [
        r.unmet_ddd.mean,
        r.unmet_ddd.se,
        r.unmet_ddd.p95,
        r.shortage_days.mean,
        r.shortage_days.se,
        r.first_stockout_day.mean,
        r.first_stockout_day.se,
        r.stockout_prob,
        r.national_loss,
        r.surge_ddd_mean,
        r.alternatives_ddd_mean,
    ]


def test_chunking_does_not_change_any_number(small_dataset: Dataset) -> None:
    runs = [
        simulate(small_dataset, SCENARIO, n_scenarios=320, seed=21, chunk_scenarios=c)
        for c in (64, 192, 1000)
    ]
    for other in runs[1:]:
        for a, b in zip(_numbers(runs[0]), _numbers(other), strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_scenario_depends_only_on_seed_and_index(small_dataset: Dataset) -> None:
    short = simulate(small_dataset, SCENARIO, n_scenarios=64, seed=8)
    long = simulate(small_dataset, SCENARIO, n_scenarios=256, seed=8)
    np.testing.assert_array_equal(short.national_loss[0], long.national_loss[0, :64])
    assert short.unmet_per_scenario is not None
    assert long.unmet_per_scenario is not None
    np.testing.assert_array_equal(short.unmet_per_scenario, long.unmet_per_scenario[:, :64])


def test_draws_do_not_depend_on_the_other_options(small_dataset: Dataset) -> None:
    today = Policies.today(small_dataset)
    alone = simulate(small_dataset, SCENARIO, n_scenarios=128, seed=5, policies=today)
    more = Policies(
        np.vstack([today.preparedness_ddd * 3, today.preparedness_ddd]),
        today.agreements.assign(option=1),
        ("more stock", "today"),
    )
    both = simulate(small_dataset, SCENARIO, n_scenarios=128, seed=5, policies=more)
    np.testing.assert_array_equal(alone.national_loss[0], both.national_loss[1])
    np.testing.assert_array_equal(alone.unmet_ddd.mean[0], both.unmet_ddd.mean[1])


def test_common_random_numbers_shrink_the_difference_error(small_dataset: Dataset) -> None:
    """Paired by scenario (same draws), the loss difference between two options has a smaller
    standard error than the same difference estimated from independent streams."""
    today = Policies.today(small_dataset)
    options = Policies(
        np.vstack([today.preparedness_ddd, today.preparedness_ddd * 2]),
        today.agreements,
        ("today", "double stock"),
    )
    paired = simulate(small_dataset, SCENARIO, n_scenarios=512, seed=3, policies=options)
    _, se_paired = paired.loss_difference(1, 0)
    other = simulate(small_dataset, SCENARIO, n_scenarios=512, seed=4, policies=options)
    a, b = paired.national_loss[1], other.national_loss[0]
    se_independent = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert se_paired < 0.5 * se_independent


_CHILD = """
import json, sys
from beredt.ingest.bundle import read_bundle
from beredt.domain.dataset import build_dataset
from beredt.sim import simulate
d = build_dataset(read_bundle(sys.argv[1]))
r = simulate(d, sys.argv[2], n_scenarios=256, seed=17)
print(json.dumps({"loss": r.national_loss[0].tolist(), "p95": r.unmet_ddd.p95[0].tolist()}))
"""


@pytest.mark.slow
def test_one_thread_and_two_threads_agree_bit_for_bit(small_bundle_path: Path) -> None:
    outputs = []
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(small_bundle_path), str(SCENARIO)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
