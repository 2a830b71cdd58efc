"""Duration distributions and P(gap closed by day X), against closed forms.

Tolerances: a proportion from n samples has standard error √(p(1−p)/n); each check allows 5
standard errors (a false alarm has probability ≈ 6e-7 per comparison, ≈ 1e-5 over the ~20 made).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from beredt.domain.dataset import Dataset
from beredt.respond import ResponseNotice, ResponseParams, duration_model, plan_response
from beredt.respond.duration import DurationModel
from beredt.respond.uncertainty import binomial_se
from beredt.sim.durations import Lognormal

D = dt.date
N = 20_000


def _lognormal_cdf(k: float, median: float, sd: float) -> float:
    """P(D ≤ k) for D = the lognormal X rounded to the nearest whole day (≥ 1), k whole."""
    return float(stats.lognorm(s=sd, scale=median).cdf(k + 0.5)) if k >= 1 else 0.0


@pytest.mark.parametrize("elapsed", [0, 20])
def test_lognormal_durations_match_the_closed_form(elapsed: int) -> None:
    """The simulator's lognormal (rounded to whole days), truncated at the notice's age."""
    model = DurationModel(
        distribution=Lognormal.from_median(31.0, 0.5), method="test", elapsed_days=elapsed
    )
    d = model.sample(N, np.random.default_rng(1))
    assert d.min() > elapsed
    assert d.dtype.kind == "i"
    f_e = _lognormal_cdf(elapsed, 31, 0.5)
    for k in (25, 31, 45, 80):
        want = max(0.0, (_lognormal_cdf(k, 31, 0.5) - f_e) / (1 - f_e))
        got = float((d <= k).mean())
        assert abs(got - want) <= 5 * binomial_se(want, N) + 1e-12, k
        assert float(model.cdf(k)) == pytest.approx(want, abs=1e-9)
    median = next(
        k for k in range(1, 1_000) if (_lognormal_cdf(k, 31, 0.5) - f_e) / (1 - f_e) >= 0.5
    )
    assert model.quantile(0.5) == median


def _notice_row(nid: str, cause: str, start: dt.date, days: int, announced: int | None) -> dict:
    return {
        "notice_id": nid,
        "atc_code": "C07AB02",
        "status": "resolved",
        "start_date": start,
        "product_id": None,
        "cause": cause,
        "announced_date": start,
        "expected_end_date": None if announced is None else start + dt.timedelta(announced - 1),
        "end_date": start + dt.timedelta(days - 1),
        "source": "test",
        "title": None,
    }


def test_empirical_durations_by_cause_with_fallbacks(small_dataset: Dataset) -> None:
    base = list(small_dataset.bundle.tables["shortages"])
    s = D(2025, 3, 1)
    rows = [
        _notice_row("T-1", "quality", s, 10, None),
        _notice_row("T-2", "quality", s, 40, None),
        _notice_row("T-3", "quality", s, 70, None),
        _notice_row("T-4", "logistics", s, 5, None),
    ]
    ds = small_dataset.replace(shortages=base + rows)
    notice = ResponseNotice(atc_code="C07AB02", start_date=D(2026, 11, 1), cause="quality")
    model = duration_model(ds, notice, ResponseParams())
    assert model.kind == "empirical"
    assert sorted(model.values) == [10, 40, 70]
    # Same cause has only 1 (+ the bundle's 0) notices: all causes (6 resolved in all).
    notice = ResponseNotice(atc_code="C07AB02", start_date=D(2026, 11, 1), cause="logistics")
    model = duration_model(ds, notice, ResponseParams())
    assert model.kind == "empirical"
    assert "all causes" in model.method
    # bundle: DMP-2024-0003 (1–20 May = 20 days), DMP-2025-0014 (10 Jan – 1 Mar 2025 = 51 days)
    assert sorted(model.values) == [5, 10, 20, 40, 51, 70]
    # Already 45 days old: only the longer past durations remain possible.
    notice = ResponseNotice(atc_code="C07AB02", start_date=D(2026, 9, 17), cause="quality")
    model = duration_model(ds, notice, ResponseParams())
    assert model.elapsed_days == 45
    assert set(model.sample(500, np.random.default_rng(0))) == {70}
    # Too little history: the documented default lognormal.
    model = duration_model(small_dataset, notice, ResponseParams())
    assert model.kind == "lognormal"
    assert (model.median_days, model.log_sd) == (pytest.approx(60.0), 0.8)


def test_spread_around_expected_end_estimated_from_history(small_dataset: Dataset) -> None:
    s = D(2025, 3, 1)
    pairs = [(12, 10), (30, 20), (20, 20), (45, 30), (50, 40)]  # (actual, announced) days
    rows = [_notice_row(f"T-{i}", "other", s, a, b) for i, (a, b) in enumerate(pairs)]
    ds = small_dataset.replace(shortages=list(small_dataset.bundle.tables["shortages"]) + rows)
    notice = ResponseNotice(
        atc_code="C07AB02", start_date=D(2026, 11, 1), expected_end_date=D(2026, 11, 30)
    )
    model = duration_model(ds, notice, ResponseParams())
    # Seven pairs: the five above plus the bundle's 20/31 and 51/50.
    logs = np.log(np.array([12 / 10, 30 / 20, 1.0, 45 / 30, 50 / 40, 20 / 31, 51 / 50]))
    assert model.median_days == pytest.approx(30 * math.exp(logs.mean()))
    assert model.log_sd == pytest.approx(logs.std(ddof=1))
    assert model.n_history == 7
    # Below the threshold the documented defaults hold.
    model = duration_model(small_dataset, notice, ResponseParams())
    assert (model.median_days, model.log_sd) == (pytest.approx(30.0), 0.4)


def test_p_gap_closed_by_day_matches_closed_form(small_dataset: Dataset) -> None:
    """Morphine DMP-2026-0002 without import: 140,000 DDD of stock last exactly 70 days from the
    start (2,000/day) and nothing else can come, so a shortage of D days leaves patients without
    treatment iff D > 70, from day 70 to its end. Hence P(gap closed by day x) = cdf(max(x, 70)),
    P(some demand uncovered) = 1 − F(70) and E[uncovered] = 2,000 · E[max(0, D − 70)], with F the
    lognormal around the announced 31 days (median 31, log-sd 0.8 here)."""
    params = ResponseParams(
        exemption_import_share=0.0, duration_log_sd=0.8, duration_samples=N, seed=7
    )
    plan = plan_response(small_dataset, "DMP-2026-0002", params)
    u = plan.uncertainty
    assert u.n_samples == N
    assert plan.uncovered_ddd == 0  # within the announced 31 days stock suffices

    def cdf(k: float) -> float:
        return _lognormal_cdf(k, 31, 0.8)

    want = 1 - cdf(70)
    assert abs(u.p_uncovered - want) <= 5 * binomial_se(want, N)
    closed = u.closed_by.set_index("day")["p_gap_closed"]
    over = u.closed_by.set_index("day")["p_shortage_over"]
    for x in (0, 30, 69, 70, 100, 150):
        want = cdf(max(x, 70))
        assert abs(closed[x] - want) <= 5 * binomial_se(want, N), x
        want_over = cdf(x)
        assert abs(over[x] - want_over) <= 5 * binomial_se(want_over, N), x
    assert (closed.to_numpy() >= over.to_numpy()).all()
    # Y = max(0, D − 70) on whole days: E[Y] = Σ_{k≥70} P(D > k), E[Y²] = Σ (2(k − 70) + 1) P(D > k).
    k = np.arange(70, 50_000)
    tail = 1 - stats.lognorm(s=0.8, scale=31).cdf(k + 0.5)
    mean_y = float(tail.sum())
    sd_y = math.sqrt(float(((2 * (k - 70) + 1) * tail).sum()) - mean_y**2)
    assert abs(u.uncovered_ddd_mean - 2_000 * mean_y) <= 5 * 2_000 * sd_y / math.sqrt(N)


def test_paracetamol_plan_sized_to_the_expected_end_fails_half_the_time(
    small_dataset: Dataset,
) -> None:
    """The AG-1 plan above ends with the preparedness stock at its floor on day 99 and the order
    delivered, so any duration beyond the announced 100 days leaves demand uncovered:
    P = P(D > 100) = 1 − Φ(ln(100.5 / 100) / 0.4) ≈ 0.495 for a lognormal with median 100."""
    notice = ResponseNotice(
        atc_code="N02BE01", start_date=D(2026, 11, 1), expected_end_date=D(2027, 2, 8)
    )
    params = ResponseParams(preparedness_floor_share=0.5, seasonal_demand=False, duration_samples=N)
    u = plan_response(small_dataset, notice, params).uncertainty
    want = 1 - _lognormal_cdf(100, 100, 0.4)
    assert abs(u.p_uncovered - want) <= 5 * binomial_se(want, N)
    assert abs(u.p_closed_by_planned_end - (1 - want)) <= 5 * binomial_se(want, N)
    # Running the agreement at capacity instead keeps 540,000 DDD (4.5 days of gap) in reserve.
    robust = plan_response(
        small_dataset, notice, ResponseParams(**{**params.as_dict(), "size_to_need": False})
    )
    assert robust.action("agreement:AG-1").quantity_ddd == 3_780_000
    want = 1 - _lognormal_cdf(100 + 9, 100, 0.4)  # reserve lasts 540,000 / 60,000 = 9 days
    assert abs(robust.uncertainty.p_uncovered - want) <= 5 * binomial_se(want, N)


def test_planning_quantile_extends_the_plan(small_dataset: Dataset) -> None:
    params = ResponseParams(planning_quantile=0.8, duration_samples=500)
    plan = plan_response(small_dataset, "DMP-2026-0002", params)
    # Median 31 days, log-sd 0.4: the 80 % quantile is 31 · e^{0.4 · 0.8416} = 43.4 → 43 days.
    assert plan.horizon_days == round(31 * math.exp(0.4 * stats.norm.ppf(0.8))) == 43
    assert plan.end_basis == "duration_quantile_0.8"


def test_same_seed_same_numbers(small_dataset: Dataset) -> None:
    params = ResponseParams(duration_samples=3_000, seed=3)
    a = plan_response(small_dataset, "DMP-2026-0001", params).uncertainty
    b = plan_response(small_dataset, "DMP-2026-0001", params).uncertainty
    assert a.closed_by.equals(b.closed_by)
    assert a.uncovered_ddd_mean == b.uncovered_ddd_mean
