"""Back-test and early-warning outlook (issue 13): definitions, closed forms, the sample's skill,
and the command line."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm
from sim_worlds import world
from typer.testing import CliRunner

from beredt.calibrate.availability import simulate_outages
from beredt.calibrate.backtest import auc, backtest, brier, reliability
from beredt.calibrate.outlook import outlook, window_days
from beredt.cli import get_app
from beredt.domain.dataset import Dataset

D = dt.date


def test_scores_by_hand() -> None:
    f = np.array([0.1, 0.4, 0.35, 0.8])
    y = np.array([0, 0, 1, 1])
    assert brier(f, y) == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    assert auc(f, y) == pytest.approx(0.75)  # 3 of the 4 (pos, neg) pairs ranked right
    assert auc(f, np.ones(4)) is None
    table = reliability(f, y)
    assert sum(r["n"] for r in table) == 4
    assert table[8] == {"bin": "0.8–0.9", "n": 1, "mean_forecast": 0.8, "observed_frequency": 1.0}


def _one_pack(hazard: float, **extra: object) -> Dataset:
    return world(
        sites=[{"site_id": "S1"}],
        substances=[{"atc_code": "J01CA04"}],
        products=[
            {
                "product_id": "P1",
                "atc_code": "J01CA04",
                "outage_hazard_per_year": hazard,
                "outage_mean_days": 5.0,
                **extra,
            }
        ],
        supply=[("P1", "S1")],
        demand=[{"atc_code": "J01CA04", "ddd_per_day": 10.0}],
    )


def test_first_outage_is_geometric_from_an_observed_start() -> None:
    """Started up, the first outage starts on day k with P = (1 − α)^(k−1) α, so
    P(a new episode within d days) = 1 − (1 − α)^d, α = 1 − exp(−hazard/365)."""
    hazard, n = 6.0, 20_000
    draws = simulate_outages(
        _one_pack(hazard), window=(1, 90), horizon_days=91, n_scenarios=n, seed=4
    )
    alpha = 1.0 - math.exp(-hazard / 365.0)
    z = norm.ppf(1 - 1e-3 / 4)
    for d in (10, 30, 90):
        p = float(((draws.first_start[:, 0] >= 1) & (draws.first_start[:, 0] <= d)).mean())
        expected = 1.0 - (1.0 - alpha) ** d
        assert abs(p - expected) <= z * math.sqrt(expected * (1 - expected) / n), (d, p)
    # episodes within 90 days: a renewal count, mean ≈ α·90 / (1 + α·(E[D] − 1)) per day up
    assert draws.episodes.mean() > 0


def test_outlook_probabilities_have_their_closed_form() -> None:
    hazard, n = 4.0, 4000
    result = outlook(_one_pack(hazard), months=(1, 3), n_scenarios=n, seed=2, hazards="dataset")
    row = result.rows[0]
    alpha = 1.0 - math.exp(-hazard / 365.0)
    z = norm.ppf(1 - 1e-3 / 4)
    for m in (1, 3):
        d = window_days(m)
        w = row["windows"][str(m)]
        expected = 1.0 - (1.0 - alpha) ** d
        assert abs(w["p_notice"] - expected) <= z * math.sqrt(expected * (1 - expected) / n)
        # no stock at all: every outage leaves patients untreated on its first day
        assert w["p_untreated"] >= w["p_notice"] - z * w["p_notice_se"]
    assert row["windows"]["3"]["p_notice"] >= row["windows"]["1"]["p_notice"]


@pytest.fixture(scope="module")
def sample_backtest(sample_dataset: Dataset) -> object:
    cuts = [D(2023, 11, 1), D(2024, 11, 1), D(2025, 11, 1)]
    return backtest(sample_dataset, cuts, n_scenarios=300, seed=1)


@pytest.mark.slow
def test_sample_backtest_beats_the_baseline_and_matches_the_record(sample_backtest: object) -> None:
    result = sample_backtest
    for cut in result.cuts:
        assert cut.forecast["brier_skill"] > 0, cut.cut
        assert cut.forecast["auc"] > 0.6
        rec = cut.recorded["episodes_per_year"]
        # the recorded year lies inside the simulated 5-95 % range of years
        sim = cut.simulated["episodes_per_year"]
        assert sim["p5"] <= rec <= sim["p95"], cut.cut
        med_rec = cut.recorded["duration_days"]["median"]
        assert abs(cut.simulated["duration_days"]["median"] / med_rec - 1) <= 0.25
    assert result.summary()["model_loses_to_baseline_at"] == []


def test_backtest_json_contract(sample_backtest: object) -> None:
    data = json.loads(json.dumps(sample_backtest.to_dict()))
    cut = data["cuts"][-1]
    for key in ("episodes_per_year", "duration_days", "substance_days_down_per_year"):
        assert key in cut["recorded"]
        assert key in cut["simulated"]
    for key in ("median", "p90"):
        assert key in cut["recorded"]["duration_days"]
        assert key in cut["simulated"]["duration_days"]
    for key in ("brier", "brier_baseline", "brier_skill", "auc", "reliability"):
        assert key in cut["forecast"]
    assert len(cut["forecast"]["reliability"]) == 10
    assert "demand_increase" in cut["recorded"]["by_cause"]


def test_recorded_side_counts_the_window_only(sample_dataset: Dataset) -> None:
    result = backtest(sample_dataset, [D(2025, 11, 1)], n_scenarios=20)
    cut = result.cuts[0]
    lo, hi = D(2025, 11, 2), D(2026, 11, 1)
    rows = sample_dataset.bundle.rows("shortages")
    expected = sum(1 for r in rows if r["status"] != "cancelled" and lo <= r["start_date"] <= hi)
    assert cut.recorded["episodes"] == expected
    assert cut.recorded["substances_with_a_notice"] == len(
        {r["atc_code"] for r in rows if r["status"] != "cancelled" and lo <= r["start_date"] <= hi}
    )


# --- command line -------------------------------------------------------------------------------
runner = CliRunner()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cal') / 'b.db'}"
    res = runner.invoke(get_app(), ["import", "bundle", "data/sample-no", "--db", url])
    assert res.exit_code == 0, res.output
    return url


def test_calibrate_command_json_write_and_apply(sample_db: str, tmp_path: Path) -> None:
    res = runner.invoke(get_app(), ["calibrate", "--db", sample_db, "--json", "-"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in ("notices_used", "sites", "products", "countries", "durations"):
        assert key in data
    assert {"site_id", "outage_hazard_per_year", "outage_mean_days"} <= set(data["sites"][0])
    assert {"product_id", "outage_hazard_per_year", "outage_mean_days"} <= set(data["products"][0])
    assert {
        "country",
        "export_restriction_hazard_per_year",
        "export_restriction_mean_days",
    } <= set(data["countries"][0])
    assert {"law", "parameters", "interval"} <= set(data["durations"]["all"])
    out = tmp_path / "calibrated"
    res = runner.invoke(
        get_app(), ["calibrate", "--db", sample_db, "--until", "2025-11-01", "--write", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "calibrated from" in (out / "bundle.toml").read_text(encoding="utf-8")
    assert (out / "shortages.csv").read_bytes() == Path(
        "data/sample-no/shortages.csv"
    ).read_bytes()  # the record stays as it is
    res = runner.invoke(
        get_app(), ["calibrate", "--db", sample_db, "--until", "2025-11-01", "--apply"]
    )
    assert res.exit_code == 0, res.output
    audit = runner.invoke(get_app(), ["audit", "--db", sample_db, "--json", "-"])
    assert "calibrated from" in audit.stdout


def test_backtest_and_outlook_commands(sample_db: str, tmp_path: Path) -> None:
    res = runner.invoke(
        get_app(),
        [
            "backtest",
            "--db",
            sample_db,
            "--cut",
            "2025-11-01",
            "-n",
            "50",
            "--json",
            "-",
            "--plot",
            str(tmp_path / "bt.png"),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["cuts"][0]["recorded"]["episodes_per_year"] > 0
    assert "forecast" in data["cuts"][0]
    assert (tmp_path / "bt.png").read_bytes()[:4] == b"\x89PNG"
    late = runner.invoke(get_app(), ["backtest", "--db", sample_db, "--cut", "2027-01-01"])
    assert late.exit_code == 2
    assert "not before the record's end" in late.output
    res = runner.invoke(
        get_app(), ["outlook", "--db", sample_db, "--months", "3,12", "-n", "100", "--json", "-"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    row = data["substances"][0]
    assert set(row["windows"]) == {"3", "12"}
    assert 0 <= row["windows"]["3"]["p_untreated"] <= row["windows"]["12"]["p_untreated"] <= 1
    bad = runner.invoke(get_app(), ["outlook", "--db", sample_db, "--months", "three"])
    assert bad.exit_code == 2


def test_calibrate_on_public_lists_uses_them_for_durations_only(
    sample_db: str, tmp_path: Path
) -> None:
    """EMA and openFDA records name no national pack: calibrate runs and says so."""
    url = f"sqlite:///{tmp_path / 'lists.db'}"
    runner.invoke(get_app(), ["import", "bundle", "data/sample-no", "--db", url])
    # on one date: the imported FDA notice is dated later and would move the default as-of
    calibrate = ["calibrate", "--db", url, "--json", "-", "--as-of", "2026-11-01"]
    before = json.loads(runner.invoke(get_app(), calibrate).stdout)
    for kind, path in (
        ("ema", "tests/data/fixtures/ema_shortages_sample.json"),
        ("openfda", "tests/data/fixtures/openfda_shortages_sample.json"),
    ):
        runner.invoke(get_app(), ["import", kind, path, "--db", url])
    res = runner.invoke(get_app(), calibrate)
    assert res.exit_code == 0, res.output
    after = json.loads(res.stdout)
    assert after["notices_used"] == before["notices_used"]  # not national evidence
    assert any("EMA, FDA" in m and "durations only" in m for m in after["messages"])
    assert after["durations"]["all"]["n"] > before["durations"]["all"]["n"]
