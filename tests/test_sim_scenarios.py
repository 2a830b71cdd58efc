"""Scenario files and duration distributions: parsing, checking, and the example library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from beredt.domain.dataset import Dataset
from beredt.ingest.errors import ImportRejected
from beredt.sim import (
    DurationError,
    Empirical,
    Fixed,
    Geometric,
    Lognormal,
    ShortageHistory,
    check_scenario,
    empirical_from_shortages,
    load_scenario,
    parse_duration,
    parse_scenario,
    simulate,
)

LIBRARY = Path(__file__).parents[1] / "src" / "beredt" / "scenarios"
SAMPLE = Path(__file__).parents[1] / "data" / "sample-no"


def test_repository_scenarios_link_points_at_the_library() -> None:
    assert (Path(__file__).parents[1] / "scenarios").resolve() == LIBRARY.resolve()


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.toml")), ids=lambda p: p.stem)
def test_library_files_parse_and_fit_the_sample_dataset(path: Path) -> None:
    from beredt.domain.dataset import build_dataset
    from beredt.ingest.bundle import read_bundle

    scenario = load_scenario(path)
    assert scenario.name
    assert scenario.description
    if SAMPLE.is_dir():
        assert check_scenario(scenario, build_dataset(read_bundle(SAMPLE))) == []


def test_export_ban_raises_the_loss_of_its_substances(small_dataset: Dataset) -> None:
    background = simulate(small_dataset, LIBRARY / "background.toml", n_scenarios=512, seed=2)
    ban = simulate(
        small_dataset, LIBRARY / "export-ban-analgesics-api.toml", n_scenarios=512, seed=2
    )
    for atc in ("N02BE01", "M01AE01"):
        s = small_dataset.substance_idx(atc)
        assert (
            ban.unmet_ddd.mean[0, s] > background.unmet_ddd.mean[0, s] + 4 * ban.unmet_ddd.se[0, s]
        )
    # substances without Chinese API are untouched scenario by scenario (same draws)
    s = small_dataset.substance_idx("A10AB01")
    assert ban.unmet_ddd.mean[0, s] == background.unmet_ddd.mean[0, s]


BAD = """\
name = "broken"
horizon = 3

[model]
surge_trigger = "later"

[[event]]
kind = "site_outage"
sites = ["cn-api-1"]
duration = { dist = "lognormal", mean_days = 30 }

[[event]]
kind = "meteor"
start_day = 1
"""


def test_every_problem_is_reported_with_file_line_and_field() -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_scenario(BAD, source="bad.toml")
    found = {(p.line, p.field) for p in caught.value.problems}
    assert (2, "horizon") in found
    assert (5, "surge_trigger") in found
    assert (10, "duration.sigma") in found
    assert (13, "kind") in found
    assert all(p.file == "bad.toml" for p in caught.value.problems)


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_scenario('name = "x"\n[[event]\n', source="syntax.toml")
    assert caught.value.problems[0].line == 2


def test_references_are_checked_against_the_dataset(small_dataset: Dataset) -> None:
    scenario = parse_scenario(
        """
[[event]]
kind = "site_outage"
sites = ["nowhere-1"]
duration = 10

[[event]]
kind = "stock_loss"
holder = "Nobody AS"

[[event]]
kind = "demand_surge"
atc = ["V03"]
multiplier = 2
duration = 5
""",
        source="refs.toml",
    )
    problems = check_scenario(scenario, small_dataset)
    assert [(p.line, p.field) for p in problems] == [(2, "sites"), (7, "holder"), (11, "atc")]
    with pytest.raises(ImportRejected):
        simulate(small_dataset, scenario, n_scenarios=64)


def test_duration_forms() -> None:
    assert parse_duration(30) == Fixed(30)
    assert parse_duration({"dist": "geometric", "mean_days": 12}) == Geometric(12.0)
    ln = parse_duration({"dist": "lognormal", "median_days": 60, "sigma": 0.5})
    assert isinstance(ln, Lognormal)
    assert ln.quantile(0.5) == 60
    emp = parse_duration({"dist": "empirical", "days": [5, 10], "weights": [3, 1]})
    assert emp == Empirical((5, 10), (3.0, 1.0))
    hist = parse_duration({"dist": "empirical", "source": "shortages", "cause": "quality"})
    assert hist == ShortageHistory("quality")
    for bad, field in (
        ({"dist": "weibull"}, "dist"),
        ({"dist": "fixed", "days": 0}, "days"),
        ({"dist": "geometric"}, "mean_days"),
        ({"dist": "lognormal", "sigma": 1}, "mean_days"),
        ({"dist": "empirical", "days": [3], "weights": [1, 2]}, "weights"),
        ({"dist": "fixed", "days": 3, "mean_days": 3}, "mean_days"),
    ):
        with pytest.raises(DurationError) as caught:
            parse_duration(bad)
        assert caught.value.field == field


@pytest.mark.parametrize(
    "dist",
    [Fixed(7), Geometric(12.0), Lognormal.from_mean(40.0, 0.7), Empirical((3, 10, 40), (1, 2, 1))],
    ids=lambda d: type(d).__name__,
)
def test_sampling_matches_mean_cdf_and_residual_law(dist: object) -> None:
    rng = np.random.default_rng(11)
    n = 40_000
    x = dist.sample(rng, n)  # type: ignore[attr-defined]
    z = norm.ppf(1 - 1e-3 / 6)  # three comparisons per distribution, family-wise 1e-3
    se = max(x.std(ddof=1), 1e-12) / np.sqrt(n)
    assert abs(x.mean() - dist.mean_days()) <= z * se + 1e-9  # type: ignore[attr-defined]
    q = float(np.median(x))
    p = float(dist.cdf(q))  # type: ignore[attr-defined]
    assert abs((x <= q).mean() - p) <= z * np.sqrt(p * (1 - p) / n) + 1e-9
    # stationary remaining duration: E[R] = E[D(D+1)] / (2 E[D]) (renewal theory)
    if not isinstance(dist, Lognormal):
        r = dist.residual_from_uniform(rng.random(n), rng.random(n))  # type: ignore[attr-defined]
        expected = (x * (x + 1.0)).mean() / (2.0 * x.mean())
        se_r = r.std(ddof=1) / np.sqrt(n)
        assert abs(r.mean() - expected) <= z * np.hypot(se_r, 0.02 * expected)


def test_empirical_from_past_notices(small_dataset: Dataset) -> None:
    found = empirical_from_shortages(small_dataset)
    # two resolved notices: 2024-05-01…05-20 (20 days) and 2025-01-10…03-01 (51 days)
    assert found == Empirical((20, 51))
    assert empirical_from_shortages(small_dataset, cause="quality") is None
    assert ShortageHistory("quality", min_notices=1).resolve(small_dataset) == Empirical((20, 51))
