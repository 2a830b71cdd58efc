"""`beredt.calibrate`: the record as evidence, survival fits, empirical Bayes and recovery of
known hazards (issue 13). Tolerances are standard errors derived from the sample sizes."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from calibrate_worlds import recovery_world
from scipy.stats import norm
from sim_worlds import world

from beredt.calibrate import calibrate, episodes, record_as_of
from beredt.calibrate.fit import _coincidence_rate, sig
from beredt.calibrate.rates import shrink
from beredt.calibrate.survival import fit_durations, km_quantiles
from beredt.domain.dataset import Dataset

D = dt.date


def _notice(nid: str, start: D, end: D | None, status: str, **kw: object) -> dict[str, object]:
    return {
        "notice_id": nid,
        "atc_code": "J01CA04",
        "status": status,
        "start_date": start,
        "end_date": end,
        "announced_date": kw.pop("announced", start),
        "cause": kw.pop("cause", "manufacturing"),
        **kw,
    }


def test_record_as_of_sees_nothing_from_the_future() -> None:
    cut = D(2025, 6, 1)
    rows = [
        _notice("A", D(2025, 1, 1), D(2025, 2, 1), "resolved"),  # over by the cut
        _notice("B", D(2025, 5, 1), D(2025, 8, 1), "resolved"),  # ended after: open, no end
        _notice("C", D(2025, 7, 1), D(2025, 8, 1), "resolved", announced=D(2025, 5, 20)),
        _notice("D", D(2025, 7, 1), None, "ongoing", announced=D(2025, 6, 2)),  # unknown yet
        _notice("E", D(2025, 7, 1), None, "cancelled", announced=D(2025, 5, 1)),
        _notice("F", D(2025, 3, 1), None, "cancelled", announced=D(2025, 2, 1)),
    ]
    seen = {r["notice_id"]: r for r in record_as_of(rows, cut)}
    assert set(seen) == {"A", "B", "C", "E", "F"}
    assert seen["A"]["status"] == "resolved"
    assert seen["A"]["end_date"] == D(2025, 2, 1)
    assert seen["B"]["status"] == "ongoing"
    assert seen["B"]["end_date"] is None
    assert seen["C"]["status"] == "announced"
    assert seen["C"]["end_date"] is None
    assert seen["E"]["status"] == "announced"  # its cancellation lay in the future
    assert seen["F"]["status"] == "cancelled"


def test_episodes_follow_the_record_conventions() -> None:
    rows = [
        _notice("A", D(2025, 1, 1), D(2025, 1, 10), "resolved", product_id="P1"),
        _notice("B", D(2025, 2, 1), None, "ongoing"),  # substance-level: both packs
        _notice("C", D(2025, 3, 1), None, "ongoing", product_id="UNKNOWN"),
        _notice("X", D(2025, 3, 1), None, "cancelled", product_id="P1"),
        _notice("Y", D(2025, 7, 1), None, "announced", product_id="P1"),
    ]
    eps, skipped = episodes(rows, {"P1": 0, "P2": 1}, {0: [0, 1]}, {"J01CA04": 0}, D(2025, 3, 10))
    by_id = {e.notice_id: e for e in eps}
    assert by_id["A"].duration_days == 10
    assert not by_id["A"].censored
    assert by_id["A"].products == (0,)
    assert not by_id["A"].substance_level
    assert by_id["B"].products == (0, 1)
    assert by_id["B"].substance_level
    assert by_id["B"].censored
    assert by_id["B"].duration_days == 38
    assert by_id["C"].substance_level  # a pack the dataset does not hold
    assert skipped == {"cancelled": 1, "not_started": 1, "no_end_date": 0, "unknown_product": 1}


def test_geometric_fit_is_the_closed_form_mle() -> None:
    days = np.array([1, 3, 4, 10, 7, 2])
    cens = np.array([False, False, True, False, True, False])
    fit = fit_durations(days, cens)
    events = (~cens).sum()
    p = events / (events + (days - 1).sum())
    assert fit.geometric_p == pytest.approx(p, rel=1e-12)
    ll = events * math.log(p) + (days - 1).sum() * math.log(1 - p)
    assert fit.log_likelihood["geometric"] == pytest.approx(ll, rel=1e-12)


def test_kaplan_meier_median_by_hand() -> None:
    # 5, 8+, 12, 12, 20+, 30: S = 5/6 after 5, ×3/4 → 0.625 after 12 is wrong: at 12 two events
    # among 4 at risk: S(12) = 5/6 × 2/4 = 0.4167 ≤ 0.5 → median 12; S(30) = 0 → p90 30
    q = km_quantiles(np.array([5, 8, 12, 12, 20, 30]), np.array([0, 1, 0, 0, 1, 0], dtype=bool))
    assert q == {"median": 12.0, "p90": 30.0}


def test_lognormal_fit_recovers_the_law_with_censoring() -> None:
    rng = np.random.default_rng(3)
    n, median, sigma = 3000, 21.0, 0.9
    x = np.maximum(1, np.round(median * np.exp(sigma * rng.standard_normal(n))))
    cut = np.maximum(1, np.floor(rng.uniform(5, 400, n)))
    obs = np.minimum(x, cut)
    fit = fit_durations(obs, x > cut)
    assert fit.law == "lognormal"
    z = norm.ppf(1 - 1e-3 / 4)
    assert abs(fit.median_days.value - median) <= z * fit.median_days.se
    assert (
        fit.median_days.low < median < fit.median_days.high
        or abs(fit.median_days.value - median) <= z * fit.median_days.se
    )
    # σ: its standard error from the same sample, by a parametric bootstrap-free bound
    assert abs(fit.sigma - sigma) < 0.05


def test_geometric_law_wins_on_geometric_data() -> None:
    rng = np.random.default_rng(4)
    d = rng.geometric(1 / 25, size=2000)
    fit = fit_durations(d, np.zeros(len(d), dtype=bool))
    assert fit.law == "geometric"
    se = fit.mean_days.se
    assert abs(fit.mean_days.value - 25) <= norm.ppf(1 - 1e-3 / 2) * se


def test_empirical_bayes_posterior_by_hand_and_shrinkage_helps() -> None:
    fit = shrink([0, 4], [2.0, 2.0], ["g", "g"], shape_and_mean=(2.0, 1.0))
    # group mean m_g = (a + Σn)/(a/m + Σt) = 6/6 = 1; unit i: (a + n_i)/(a/m_g + t_i)
    assert fit.rate == pytest.approx([2 / 4, 6 / 4])
    assert fit.se == pytest.approx([math.sqrt(2) / 4, math.sqrt(6) / 4])
    rng = np.random.default_rng(5)
    lam = rng.gamma(2.0, 0.1, size=2000)
    n = rng.poisson(lam * 3.0)
    est = shrink(n, np.full(2000, 3.0), ["all"] * 2000)
    assert np.mean((est.rate - lam) ** 2) < 0.5 * np.mean((n / 3.0 - lam) ** 2)
    assert abs(est.shape - 2.0) < 0.6  # the marginal likelihood finds the dispersion


def test_coincidence_rate_of_two_processes() -> None:
    # pairs start within w of each other at rate 2·r1·r2·w (first by either, the other after)
    assert _coincidence_rate(np.array([0.2, 0.3]), 2, 0.02) == pytest.approx(2 * 0.2 * 0.3 * 0.02)
    assert _coincidence_rate(np.array([0.2, 0.3]), 3, 0.02) == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recovers_known_site_and_pack_hazards(seed: int) -> None:
    dataset, truth = recovery_world(seed)
    since = D(dataset.as_of.year - 12, 1, 1)
    cal = calibrate(dataset, since=since)
    z = 3.0
    groups = {r["group"]: r for r in cal.groups["sites"]}
    for country, rate in truth.site_hazard.items():
        g = groups[f"{country}/api"]
        assert (
            abs(g["pooled_rate"] - rate)
            <= z * math.sqrt(rate * g["exposure_years"]) / g["exposure_years"]
        ), (country, g)
    # the implied outage rate of a pack: its own plus its API site's
    site_rate = {r["site_id"]: r["outage_hazard_per_year"] for r in cal.sites}
    supply = dict(zip(dataset.supply["product_id"], dataset.supply["site_id"], strict=True))
    implied = np.array(
        [r["outage_hazard_per_year"] + site_rate[supply[r["product_id"]]] for r in cal.products]
    )
    true_implied = np.array(
        [
            truth.pack_hazard + truth.site_hazard[supply[r["product_id"]].split("-")[0].upper()]
            for r in cal.products
        ]
    )
    # variance of the mean: site events count on every pack of the site
    k, years, n_packs = truth.packs_per_site, cal.exposure_years, len(cal.products)
    n_sites = len(cal.sites)
    var_events = sum(k * k * r * years for r in truth.site_hazard.values()) * (n_sites / 2)
    var_events += n_packs * truth.pack_hazard * years
    se = math.sqrt(var_events) / (n_packs * years)
    assert abs(implied.mean() - true_implied.mean()) <= z * se
    pack = cal.source_durations["pack"]
    assert abs(pack.median_days.value - truth.median_days) <= z * pack.median_days.se
    site = cal.source_durations["site"]
    assert abs(site.median_days.value - truth.median_days) <= z * site.median_days.se


def test_independent_packs_give_no_site_hazard_beyond_the_zero_event_rule() -> None:
    dataset, _ = recovery_world(9, site_hazard={"IN": 0.0, "DE": 0.0}, pack_hazard=0.5)
    cal = calibrate(dataset)
    assert cal.source_counts["site"] == 0
    site_years = sum(r["critical_products"] >= 2 for r in cal.sites) * cal.exposure_years
    assert {r["outage_hazard_per_year"] for r in cal.sites} == {sig(0.5 / site_years)}


def test_too_few_notices_gives_the_priors_and_says_so() -> None:
    dataset = world(
        sites=[{"site_id": "S1"}],
        substances=[{"atc_code": "J01CA04"}],
        products=[{"product_id": "P1", "atc_code": "J01CA04"}],
        supply=[("P1", "S1")],
        shortages=[_notice("A", D(2025, 1, 1), D(2025, 1, 20), "resolved", product_id="P1")],
    )
    cal = calibrate(dataset)
    assert cal.products[0]["outage_hazard_per_year"] == 0.15
    assert any("only 1 notices" in m for m in cal.messages)
    assert "all hazards" in cal.used_priors
    assert cal.durations["all"].prior


def test_calibration_is_deterministic_and_written_to_four_digits(sample_dataset: Dataset) -> None:
    a = calibrate(sample_dataset).to_dict()
    b = calibrate(sample_dataset).to_dict()
    assert a == b
    rates = [r["outage_hazard_per_year"] for r in a["products"]]
    assert all(r == sig(r) for r in rates)
    assert len({len(f"{r:.3e}") for r in rates}) == 1
    assert max(rates) > 0.1


def test_the_sample_ships_its_own_calibration(sample_dataset: Dataset) -> None:
    """data/sample-no is internally consistent: its hazards are those fitted to its record."""
    tables = calibrate(sample_dataset).tables()
    stored = sample_dataset.bundle.tables
    keys = {
        "sites": "site_id",
        "products": "product_id",
        "substances": "atc_code",
        "countries": "country",
    }
    for stem, rows in tables.items():
        by_key = {r[keys[stem]]: r for r in stored[stem]}
        for row in rows:
            shipped = by_key[row[keys[stem]]]
            assert {k: shipped.get(k) for k in row} == row, (stem, row)
