"""The four measures (beredt.industry.measures): indicators by year from hand-made tables, the
trend, targets and their file, and the bundle rules of the investment tables."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from beredt.domain.dataset import Dataset
from beredt.industry.measures import (
    load_targets,
    measure_indicators,
    parse_targets,
    trend,
    unique_trials,
)
from beredt.ingest.bundle import validate_tables
from beredt.ingest.errors import ImportRejected
from beredt.views.phrases import translated


def _trial(registry: str, trial_id: str, year: int, sponsor: str, **more: Any) -> dict[str, Any]:
    return {
        "registry": registry,
        "trial_id": trial_id,
        "phase": "phase3",
        "sponsor_type": sponsor,
        "start_date": dt.date(year, 6, 1),
        "sites_in_country": 2,
        **more,
    }


@pytest.fixture
def dataset(small_dataset: Dataset) -> Dataset:
    """The small bundle with trials, procurement awards and industry figures made by hand."""
    trials = [
        _trial("ctgov", "NCT00000001", 2023, "industry"),
        _trial("ctgov", "NCT00000002", 2023, "academic"),
        _trial("ctis", "2024-500001-10-00", 2024, "industry"),
        # the same trial in ClinicalTrials.gov: counted once
        _trial("ctgov", "NCT00000003", 2024, "industry", eu_ct_number="2024-500001-10-00"),
        _trial("ctgov", "NCT00000004", 2024, "academic"),
        _trial("ctgov", "NCT00000005", 2024, "academic"),
        _trial("ctis", "2025-500002-10-00", 2025, "industry"),
        _trial("ctgov", "NCT00000006", 2025, "government"),
        _trial("ctgov", "NCT00000007", 2026, "industry"),  # the as-of year: incomplete
        {**_trial("ctgov", "NCT00000008", 2025, "other"), "start_date": None},
    ]
    procurement = [
        # 2024: fjordlab is domestic (companies.csv), medindia is not; an explicit flag wins
        {"award_id": "A1", "year": 2024, "atc_code": "J01CA04", "value": 3e6, "company_id": "fjordlab"},
        {"award_id": "A2", "year": 2024, "atc_code": "J01", "value": 5e6, "company_id": "medindia"},
        {"award_id": "A3", "year": 2024, "atc_code": "N02BE01", "value": 2e6,
         "company_id": "medindia", "domestic_production": True},
        {"award_id": "A4", "year": 2025, "atc_code": "N02BE01", "value": 4e6, "supplier": "X"},
    ]  # fmt: skip
    industry = [
        {"year": 2023, "employees": 2800, "higher_education_share": 0.5},
        {"year": 2024, "employees": 2900, "higher_education_share": 0.55},
        {"year": 2025, "employees": 3000, "higher_education_share": 0.6},
    ]
    agreements = [
        {
            "agreement_id": "AG-9",
            "line_id": "nordpharma-tab-1",
            "atc_code": "N02BE01",
            "reserved_ddd_per_day": 36_500.0,
            "response_days": 30,
            "annual_fee": 3_650_000.0,
            "valid_from": dt.date(2026, 7, 1),
            "valid_until": dt.date(2027, 6, 30),
        }
    ]
    return small_dataset.replace(
        trials=trials, procurement=procurement, industry=industry, agreements=agreements
    )


def test_trials_by_year_are_counted_once_and_the_as_of_year_does_not_count(
    dataset: Dataset,
) -> None:
    assert len(unique_trials(dataset.trials)) == len(dataset.trials) - 1
    result = measure_indicators(dataset)
    started = result.indicator("trials_started")
    assert dict(zip(started.series["year"], started.series["value"], strict=True)) == {
        2023: 2,
        2024: 3,
        2025: 2,
        2026: 1,
    }
    industry = result.indicator("industry_trials_started")
    assert industry.series["value"].tolist() == [1, 1, 1, 1]
    share = result.indicator("industry_trial_share")
    assert share.latest_year == 2025  # 2026 runs to the as-of date, 1 November
    assert share.latest_value == pytest.approx(0.5)
    # trend over 2023-2025 (2026 incomplete): slope of 2, 3, 2 is 0
    assert started.trend_per_year == pytest.approx(0.0)
    assert started.trend_years == 3
    assert "1 trials have no start date and are counted in no year" in result.notes
    breakdown = result.trials_by_phase_sponsor
    row = breakdown[(breakdown["year"] == 2024) & (breakdown["sponsor_type"] == "academic")]
    assert row["trials"].tolist() == [2]
    assert row["sites_in_country"].tolist() == [4]


def test_domestic_procurement_share_uses_the_flag_else_the_company(dataset: Dataset) -> None:
    result = measure_indicators(dataset)
    share = result.indicator("domestic_procurement_share")
    values = dict(zip(share.series["year"], share.series["value"], strict=True))
    assert values[2024] == pytest.approx((3e6 + 2e6) / 10e6)
    assert values[2025] == pytest.approx(0.0)  # no company: not domestic
    groups = result.procurement_by_group
    j = groups[(groups["year"] == 2024) & (groups["atc_group"] == "J")]
    assert j["value"].tolist() == [8e6]
    assert j["domestic_share"].tolist() == [pytest.approx(3 / 8)]


def test_fees_and_reserved_capacity_count_pro_rata_of_the_days_in_force(
    dataset: Dataset,
) -> None:
    result = measure_indicators(dataset)
    fees = result.indicator("agreement_fees")
    # 1 July to 31 December 2026: 184 of 365 days of a fee of 3.65 million
    assert fees.series["year"].tolist() == [2026]
    assert fees.series["value"].tolist() == [pytest.approx(3_650_000 * 184 / 365)]
    reserved = result.indicator("reserved_ddd_per_day")
    assert reserved.latest_value == pytest.approx(36_500 * 184 / 365)


def test_competence_from_the_industry_table(dataset: Dataset) -> None:
    result = measure_indicators(dataset)
    assert result.indicator("employees").trend_per_year == pytest.approx(100.0)
    higher = result.indicator("higher_education_share")
    assert higher.latest_value == pytest.approx(0.6)
    assert higher.trend_per_year == pytest.approx(0.05)


def test_loss_avoided_per_fee_needs_the_optimiser(dataset: Dataset) -> None:
    result = measure_indicators(dataset)
    ind = result.indicator("agreement_loss_avoided_per_fee")
    assert ind.latest_value is None
    assert "needs the optimiser" in ind.note
    import pandas as pd

    values = pd.DataFrame(
        {
            "kind": ["agreement", "agreement", "offer"],
            "reservation_id": ["AG-1", "AG-2", "OF-1"],
            "line_id": ["l", "l", "l"],
            "atc_code": ["N02BE01", "B05BB01", "J01CA04"],
            "reserved_ddd_per_day": [1.0, 1.0, 1.0],
            "annual_fee": [6e6, 2e6, 1e6],
            "loss_avoided_per_year": [3e6, 5e6, 9e9],
        }
    )
    with_plan = measure_indicators(dataset, offer_values=values)
    ratio = with_plan.indicator("agreement_loss_avoided_per_fee")
    assert ratio.latest_value == pytest.approx(8e6 / 8e6)  # offers do not count
    assert ratio.target is not None
    assert ratio.target.met is True
    assert with_plan.agreement_values["loss_avoided_per_fee"].tolist() == [0.5, 2.5]


def test_targets_are_judged_growth_by_the_path_and_level_by_the_projection(
    dataset: Dataset,
) -> None:
    targets = parse_targets(
        """
[[target]]
indicator = "trials_started"
kind = "growth"
base_year = 2023
target_year = 2025
factor = 2.0
name = "double"
source = "test"

[[target]]
indicator = "employees"
kind = "level"
value = 3200
target_year = 2027
name = "3,200 employees"
source = "test"
"""
    )
    result = measure_indicators(dataset, targets=targets)
    growth = result.indicator("trials_started").target
    assert growth is not None
    assert growth.progress is not None
    assert growth.progress.required_cagr == pytest.approx(math.sqrt(2) - 1)
    assert growth.on_track is False  # 2 → 2 in two years
    level = result.indicator("employees").target
    assert level is not None
    assert level.met is False
    assert level.projected_value == pytest.approx(3000 + 100 * 2)  # trend +100 a year to 2027
    assert level.on_track is True
    assert result.indicator("industry_trials_started").target is None


def test_the_shipped_targets_load_and_bad_targets_are_reported() -> None:
    shipped = load_targets()
    assert {t.indicator for t in shipped.targets} >= {"trials_started"}
    assert all(t.source for t in shipped.targets)
    with pytest.raises(ImportRejected) as caught:
        parse_targets(
            """
[[target]]
indicator = "exports"
kind = "growth"
name = "x"
source = "y"

[[target]]
indicator = "employees"
kind = "level"
name = "z"
""",
            "bad.toml",
        )
    report = caught.value.report()
    assert "bad.toml: target[1].indicator: 'exports' is not one of trials_started" in report
    assert "bad.toml: target[1].base_year: a growth target needs base_year and target_year" in (
        report
    )
    assert "bad.toml: target[1].factor: a growth target needs a positive factor" in report
    assert "bad.toml: target[2].source: required text is missing" in report
    assert "bad.toml: target[2].value: a level target needs a value" in report


def test_trend_is_the_least_squares_slope_of_the_latest_years() -> None:
    assert trend({2020: 1.0, 2021: 3.0, 2022: 5.0, 2023: 100.0}, 2022, 5) == (2.0, 3)
    assert trend({2018: 50.0, 2020: 1.0, 2021: 3.0}, 2021, 2) == (2.0, 2)
    assert trend({2020: 1.0}, 2020, 5) == (None, 1)


def test_every_note_has_a_bokmal_wording(dataset: Dataset, small_dataset: Dataset) -> None:
    notes = measure_indicators(dataset).notes + measure_indicators(small_dataset).notes
    assert len(notes) >= 4
    assert [n for n in notes if not translated(n)] == []


def test_bundle_rules_of_the_investment_tables(small_dataset: Dataset) -> None:
    tables = {k: list(v) for k, v in small_dataset.bundle.tables.items()}
    base = {"company_id": "nordpharma", "capex": 1.0, "build_days": 0, "life_years": 5}
    tables["investments"] = [
        {**base, "investment_id": "I1", "name": "nothing made"},
        {**base, "investment_id": "I2", "name": "wrong line", "line_id": "fjordlab-tab-1",
         "offer_id": "OF-1"},
        {**base, "investment_id": "I3", "name": "overloaded"},
    ]  # fmt: skip
    product = {"unit_cost_per_ddd": 0.0, "export_ddd_per_day": 0.0}
    tables["investment_substances"] = [
        {**product, "investment_id": "I2", "atc_code": "J01CE02", "capacity_ddd_per_day": 10.0,
         "domestic_ddd_per_day": 1.0},
        {**product, "investment_id": "I3", "atc_code": "J01CA04", "capacity_ddd_per_day": 10.0,
         "domestic_ddd_per_day": 8.0, "export_ddd_per_day": 4.0},
    ]  # fmt: skip
    for spec_rows in ("investments", "investment_substances"):
        tables[spec_rows] = [
            {
                **{c.name: c.default for c in _spec(spec_rows).columns},
                **row,
            }
            for row in tables[spec_rows]
        ]
    problems = [str(p) for p in validate_tables(tables)]
    assert "investments.csv:1: investment_id: I1 has no substance in investment_substances.csv" in (
        problems
    )
    assert any(
        p.startswith("investments.csv:2: offer_id: offer OF-1 is for J01CA04") for p in problems
    )
    assert any(
        p.startswith("investments.csv:2: offer_id: offer OF-1 is on line nordpharma-tab-1")
        for p in problems
    )
    assert any(
        p.startswith("investment_substances.csv:2: domestic_ddd_per_day: normal sales of "
                     "investment I3 load its line to 1.2")
        for p in problems
    )  # fmt: skip


def _spec(stem: str) -> Any:
    from beredt.domain.schema import ENTITIES

    return next(s for s in ENTITIES if s.stem == stem)
