"""Industry indicators against hand computation: trade totals, growth targets, self-sufficiency."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from beredt.domain.dataset import Dataset
from beredt.industry.groups import load_groups, parse_groups
from beredt.industry.indicators import (
    annual_trade,
    cagr,
    exports_by_destination,
    growth_against_target,
    inconsistent_totals,
    industry_indicators,
    report_tables,
    required_cagr,
    self_sufficiency,
    trade_by_group,
)
from beredt.industry.ssb import read_trade_file
from beredt.ingest.errors import ImportRejected
from beredt.results import dumps
from beredt.views.charts.industry import industry_figures, png_bytes, write_pngs

FIXTURE = Path(__file__).parent / "data" / "fixtures" / "ssb" / "trade_08801_sample.json"
M = 1e6


@pytest.fixture(scope="module")
def trade_dataset(small_dataset: Dataset) -> Dataset:
    """The small bundle with its trade table replaced by the 08801-shaped fixture's figures."""
    return small_dataset.replace(trade=read_trade_file(FIXTURE).rows)


def _cell(frame: pd.DataFrame, group: str, year: int, column: str) -> float:
    row = frame[(frame["group"] == group) & (frame["year"] == year)]
    assert len(row) == 1, (group, year)
    return float(row[column].iloc[0])


# --- trade totals, by hand from the fixture (million NOK) --------------------------------------
# pharmaceuticals = 30049000 + 30021500 + 30063000 (SE + DE + US):
#   exports 2019: (400+300+200) + (10+5+0) + (100+1500+2500) = 900 + 15 + 4100 = 5015
#           2020: (450+320+230) + (12+6+0) + (110+1600+2600) = 1000 + 18 + 4310 = 5328
#           2021: (500+350+250) + (confidential+8+0) + (120+1700+2800) = 1100 + 8 + 4620 = 5728
#   imports 2019: (900+1200+500) + (150+200+100) + (5+10+2) = 2600 + 450 + 17 = 3067
#           2020: (950+1250+520) + (300+400+250) + (5+10+2) = 2720 + 950 + 17 = 3687
#           2021: (1000+1300+560) + (600+800+400) + (6+11+3) = 2860 + 1800 + 20 = 4680
# medical_devices = 90189000: exports 180, 195, 210; imports 1050, 1090, 1120
# diagnostics = 38220000: exports 35, 38, 41; imports 330, 345, 360
# 84713000 (laptops) belongs to no group.
HAND = {
    ("pharmaceuticals", "exports"): [5015, 5328, 5728],
    ("pharmaceuticals", "imports"): [3067, 3687, 4680],
    ("medical_devices", "exports"): [180, 195, 210],
    ("medical_devices", "imports"): [1050, 1090, 1120],
    ("diagnostics", "exports"): [35, 38, 41],
    ("diagnostics", "imports"): [330, 345, 360],
    ("total", "exports"): [5230, 5561, 5979],
    ("total", "imports"): [4447, 5122, 6160],
}


def test_trade_by_group_and_year_by_hand(trade_dataset: Dataset) -> None:
    table = trade_by_group(trade_dataset.trade, load_groups())
    for (group, column), values in HAND.items():
        for year, expected in zip((2019, 2020, 2021), values, strict=True):
            assert _cell(table, group, year, column) == pytest.approx(expected * M), (group, year)
    assert _cell(table, "total", 2021, "balance") == pytest.approx((5979 - 6160) * M)
    assert _cell(table, "pharmaceuticals", 2019, "export_import_ratio") == pytest.approx(
        5015 / 3067
    )
    assert set(table["group"]) == {"pharmaceuticals", "medical_devices", "diagnostics", "total"}
    assert (table["months"] == 12).all()


def test_unassigned_codes_are_listed(trade_dataset: Dataset) -> None:
    result = industry_indicators(trade_dataset)
    unassigned = result.unassigned
    assert list(unassigned["hs_code"]) == ["84713000"]
    assert float(unassigned["exports"].iloc[0]) == pytest.approx(3 * 56 * M)
    assert not bool(unassigned["excluded"].iloc[0])


def test_exports_by_destination_by_hand(trade_dataset: Dataset) -> None:
    dest = exports_by_destination(trade_dataset.trade, load_groups())
    y2019 = dest[dest["year"] == 2019].set_index("partner_country")
    # SE: 400+10+100+80+20 = 610; DE: 300+5+1500+60+10 = 1875; US: 200+0+2500+40+5 = 2745
    assert y2019.loc["SE", "exports"] == pytest.approx(610 * M)
    assert y2019.loc["DE", "exports"] == pytest.approx(1875 * M)
    assert y2019.loc["US", "exports"] == pytest.approx(2745 * M)
    assert list(y2019.index) == ["US", "DE", "SE"]  # largest first
    assert y2019["share"].sum() == pytest.approx(1.0)
    assert y2019.loc["US", "share"] == pytest.approx(2745 / 5230)


def test_all_country_rows_are_not_double_counted() -> None:
    rows = [
        {
            "period": "2022",
            "hs_code": "30049000",
            "flow": "export",
            "partner_country": "ZZ",
            "value": 100.0,
        },
        {
            "period": "2022",
            "hs_code": "30049000",
            "flow": "export",
            "partner_country": "SE",
            "value": 60.0,
        },
        {
            "period": "2022",
            "hs_code": "30049000",
            "flow": "export",
            "partner_country": "DE",
            "value": 30.0,
        },
        {
            "period": "2023",
            "hs_code": "30049000",
            "flow": "export",
            "partner_country": "SE",
            "value": 70.0,
        },
        {
            "period": "2023",
            "hs_code": "30049000",
            "flow": "export",
            "partner_country": "DE",
            "value": 50.0,
        },
    ]
    yearly = annual_trade(pd.DataFrame(rows)).set_index("year")["value"]
    assert yearly[2022] == 100.0  # the all-country figure, not 100 + 90
    assert yearly[2023] == 120.0  # no all-country figure: the sum of the countries


def test_months_add_up_and_annual_figures_win() -> None:
    rows = [
        {
            "period": f"2023-{m:02d}",
            "hs_code": "3004",
            "flow": "export",
            "partner_country": "ZZ",
            "value": 10.0,
        }
        for m in range(1, 13)
    ]
    rows += [
        {
            "period": f"2024-{m:02d}",
            "hs_code": "3004",
            "flow": "export",
            "partner_country": "ZZ",
            "value": 10.0,
        }
        for m in range(1, 4)
    ]
    rows += [
        {
            "period": "2022",
            "hs_code": "3004",
            "flow": "export",
            "partner_country": "ZZ",
            "value": 99.0,
        },
        {
            "period": "2022-01",
            "hs_code": "3004",
            "flow": "export",
            "partner_country": "ZZ",
            "value": 5.0,
        },
    ]
    yearly = annual_trade(pd.DataFrame(rows)).set_index("year")
    assert yearly.loc[2023, "value"] == 120.0
    assert yearly.loc[2023, "months"] == 12
    assert yearly.loc[2024, "value"] == 30.0
    assert yearly.loc[2024, "months"] == 3
    assert yearly.loc[2022, "value"] == 99.0


# --- growth targets -----------------------------------------------------------------------------
def test_required_cagr_worked_example() -> None:
    # Base 10, factor 2 over 5 years: 2^(1/5) − 1 = 0.148698… ≈ 14.87 %/year.
    assert required_cagr(2, 5) == pytest.approx(0.148698355, abs=1e-9)
    assert round(100 * required_cagr(2, 5), 2) == 14.87
    assert 10 * (1 + required_cagr(2, 5)) ** 5 == pytest.approx(20)
    # Tripling over 10 years: 3^(0.1) − 1 = 0.116123…
    assert required_cagr(3, 10) == pytest.approx(0.1161231740, abs=1e-9)


def test_growth_against_target_by_hand() -> None:
    # Base 2020: 10; 2023: 13.31 = 10 × 1.1³, so the achieved CAGR is exactly 10 %.
    progress = growth_against_target({2019: 9.0, 2020: 10.0, 2023: 13.31}, 2020, 2025, 2.0)
    r = 2 ** (1 / 5) - 1
    assert progress.required_cagr == pytest.approx(r)
    assert progress.base_value == 10.0
    assert progress.target_value == 20.0
    assert progress.latest_year == 2023
    assert progress.achieved_cagr == pytest.approx(0.10)
    path_2023 = 10 * (1 + r) ** 3  # 15.157165…
    assert progress.path_value_at_latest == pytest.approx(path_2023)
    assert progress.path_value_at_latest == pytest.approx(15.15716566, abs=1e-6)
    assert progress.gap_at_latest == pytest.approx(13.31 - path_2023)
    assert progress.required_cagr_from_latest == pytest.approx((20 / 13.31) ** 0.5 - 1)
    assert progress.projected_value_at_target == pytest.approx(13.31 * 1.1**2)
    assert progress.projected_gap_at_target == pytest.approx(13.31 * 1.21 - 20)
    assert progress.on_track is False
    path = progress.path.set_index("year")
    assert path.loc[2025, "target_path"] == pytest.approx(20)
    assert math.isnan(path.loc[2019, "target_path"])
    assert path.loc[2019, "actual"] == 9.0


def test_growth_on_track_and_missing_base() -> None:
    ahead = growth_against_target({2020: 10.0, 2021: 12.0}, 2020, 2025, 2.0)
    assert ahead.on_track is True
    assert ahead.gap_at_latest == pytest.approx(12 - 10 * 2**0.2)
    missing = growth_against_target({2021: 12.0}, 2020, 2025, 2.0)
    assert missing.base_value is None
    assert missing.achieved_cagr is None
    assert "no positive" in missing.note
    with pytest.raises(ValueError, match="after the base year"):
        growth_against_target({2020: 1.0}, 2025, 2020, 2.0)


@given(
    base=st.floats(1.0, 1e12),
    factor=st.floats(1.01, 10.0),
    years=st.integers(1, 30),
)
def test_cagr_inverts_compounding(base: float, factor: float, years: int) -> None:
    r = required_cagr(factor, years)
    assert base * (1 + r) ** years == pytest.approx(base * factor, rel=1e-9)
    assert cagr(base, base * factor, years) == pytest.approx(r, rel=1e-9, abs=1e-12)


def test_fixture_target_progress(trade_dataset: Dataset) -> None:
    result = industry_indicators(trade_dataset, base_year=2019, target_year=2025, factor=2.0)
    total = result.target("trade:total")
    assert total.base_value == pytest.approx(5230 * M)
    assert total.latest_year == 2021
    assert total.achieved_cagr == pytest.approx((5979 / 5230) ** 0.5 - 1)
    assert total.required_cagr == pytest.approx(2 ** (1 / 6) - 1)
    assert total.gap_at_latest == pytest.approx(5979 * M - 5230 * M * 2 ** (2 / 6))
    pharma = result.target("trade:pharmaceuticals")
    assert pharma.achieved_cagr == pytest.approx((5728 / 5015) ** 0.5 - 1)


# --- self-sufficiency on the small bundle, by hand -----------------------------------------------
def test_self_sufficiency_by_hand(small_dataset: Dataset) -> None:
    ss = self_sufficiency(small_dataset)
    sub = ss.by_substance.set_index("atc_code")
    # Qualified domestic capacity (capabilities.csv, qualified = true, domestic producers):
    assert sub.loc["N02BE01", "qualified_capacity_ddd_per_day"] == 200_000
    assert sub.loc["M01AE01", "qualified_capacity_ddd_per_day"] == 0  # not qualified
    assert sub.loc["M01AE01", "unqualified_capacity_ddd_per_day"] == 60_000
    assert sub.loc["J01CA08", "qualified_ratio"] == 1.0  # 6,000 ≥ 4,000
    # Agreements AG-1 (paracetamol 60,000) and AG-2 (NaCl 8,000) vs demand 120,000 and 8,000:
    assert sub.loc["N02BE01", "agreed_ratio"] == 0.5
    assert sub.loc["B05BB01", "agreed_ratio"] == 1.0
    # API on hand: 2,000,000 DDD of paracetamol / 120,000 a day.
    assert sub.loc["N02BE01", "api_on_hand_days"] == pytest.approx(2_000_000 / 120_000)
    assert sub.loc["N02BE01", "api_source_countries"] == "CN"
    assert sub.loc["B05BB01", "api_source_countries"] == ""
    # Products finished at a Norwegian site: Paracet (0.6 of paracetamol), NaCl (0.9).
    assert sub.loc["N02BE01", "domestic_fdf_share"] == pytest.approx(0.6)
    assert sub.loc["B05BB01", "domestic_fdf_share"] == pytest.approx(0.9)

    groups = ss.by_group.set_index("atc_group")
    # N: paracetamol min(200,000, 120,000) + morphine 0 + lamotrigine 0 over 132,000.
    assert groups.loc["N", "qualified_ratio"] == pytest.approx(120_000 / 132_000)
    assert groups.loc["N", "agreed_ratio"] == pytest.approx(60_000 / 132_000)
    # J: each alone fully covered; sharing Fjordlab's tablet line, phenoxymethylpenicillin
    # (15,000/day) fills 12,000/15,000 = 0.8 of the line, pivmecillinam gets 0.2 × 6,000 = 1,200;
    # amoxicillin 3,000 on Nordpharma: (12,000 + 1,200 + 3,000) / 19,000.
    assert groups.loc["J", "qualified_ratio"] == 1.0
    assert groups.loc["J", "qualified_joint_ratio"] == pytest.approx(16_200 / 19_000)
    assert groups.loc["A", "qualified_ratio"] == 0.0
    assert groups.loc["A", "atc_group_name"] == "Alimentary tract and metabolism"
    # National, all lines shared: paracetamol 120,000 (0.6 of Nordpharma's line) leaves
    # 0.4 × 5,000 = 2,000 of amoxicillin; + 13,200 (J, Fjordlab) + 8,000 NaCl.
    total_demand = 279_000
    assert ss.total["demand_ddd_per_day"] == total_demand
    assert ss.total["qualified_ratio"] == pytest.approx(147_000 / total_demand)
    assert ss.total["qualified_joint_ratio"] == pytest.approx(143_200 / total_demand)
    assert ss.total["agreed_ratio"] == pytest.approx(68_000 / total_demand)

    vital = ss.vital_without_domestic_option
    assert list(vital["atc_code"]) == ["A10AB01", "A10AE04", "N02AA01"]
    assert vital.set_index("atc_code").loc["N02AA01", "domestic_fdf_share"] == 1.0


def test_self_sufficiency_scopes_and_levels(small_dataset: Dataset) -> None:
    vital = self_sufficiency(small_dataset, scope="vital")
    assert set(vital.by_substance["criticality"]) == {"vital"}
    assert len(vital.by_substance) == 6
    who = self_sufficiency(small_dataset, scope="who_essential")
    assert "A10AE04" not in set(who.by_substance["atc_code"])
    level3 = self_sufficiency(small_dataset, atc_level=3)
    assert "N02B" in set(level3.by_group["atc_group"])
    with pytest.raises(ValueError, match="scope"):
        self_sufficiency(small_dataset, scope="nice")


def test_foreign_lines_and_expired_agreements_do_not_count(small_dataset: Dataset) -> None:
    companies = [dict(r) for r in small_dataset.bundle.tables["companies"]]
    for c in companies:
        if c["company_id"] == "fjordlab":
            c["domestic"] = False
    ds = small_dataset.replace(companies=companies)
    sub = self_sufficiency(ds).by_substance.set_index("atc_code")
    assert sub.loc["J01CE02", "qualified_capacity_ddd_per_day"] == 0
    assert sub.loc["N02BE01", "qualified_capacity_ddd_per_day"] == 200_000
    later = small_dataset.replace(as_of=small_dataset.as_of.replace(year=2028))
    assert self_sufficiency(later).total["agreed_ratio"] == 0.0


# --- everything together ------------------------------------------------------------------------
def test_industry_indicators_on_the_small_bundle(small_dataset: Dataset) -> None:
    result = industry_indicators(small_dataset)
    assert result.currency == "NOK"
    assert result.provenance.fingerprint == small_dataset.fingerprint
    assert result.provenance.parameters["factor"] == 2.0
    total = result.target("trade:total")
    assert total.base_value == 10e9  # trade.csv: 2020 exports of 30049000
    assert total.latest_year is None
    industry = result.target("industry")
    assert industry.target_value == 30e9  # 15 billion doubled
    ind = result.industry.set_index("year")
    assert ind.loc[2020, "exports_per_employee"] == pytest.approx(15e9 / 2700)
    assert ind.loc[2020, "trade_exports_pharmaceuticals"] == 10e9
    assert any("illustrative" in n for n in result.notes)
    text = dumps(result)
    assert '"trade_by_group"' in text
    assert dumps(industry_indicators(small_dataset)) == text  # deterministic
    tables = report_tables(result)
    assert set(tables) >= {"trade_by_group", "targets", "self_sufficiency_groups"}
    assert tables["self_sufficiency_groups"]["atc_group"].iloc[-1] == "total"


def test_charts_render(trade_dataset: Dataset, tmp_path: Path) -> None:
    result = industry_indicators(trade_dataset, base_year=2019)
    figures = industry_figures(result)
    assert set(figures) == {"industry_exports_target", "industry_self_sufficiency"}
    data = png_bytes(figures["industry_exports_target"])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert png_bytes(industry_figures(result)["industry_exports_target"]) == data
    paths = write_pngs(result, tmp_path / "png", lang="nb")
    assert [p.name for p in paths] == [
        "industry_exports_target.png",
        "industry_self_sufficiency.png",
    ]
    assert all(p.stat().st_size > 5_000 for p in paths)
    lines = figures["industry_exports_target"].axes[0].get_lines()
    actual_y = np.asarray(lines[0].get_ydata(), dtype=float)
    np.testing.assert_allclose(actual_y, [5.230, 5.561, 5.979])


# --- commodity groups ---------------------------------------------------------------------------
def test_default_groups_assign_by_longest_prefix() -> None:
    groups = load_groups()
    assert groups.assign("30049000") == "pharmaceuticals"
    assert groups.assign("30051000") == "medical_devices"
    assert groups.assign("30062000") == "diagnostics"
    assert groups.assign("30063000") == "pharmaceuticals"
    assert groups.assign("30069200") is None
    assert groups.is_excluded("30069200")
    assert groups.assign("90211000") == "medical_devices"
    assert groups.assign("29411000") == "active_ingredients"
    assert groups.assign("84713000") is None
    assert all(g.rationale for g in groups.groups)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[[group]]\nid = "a"\nname = "A"\nhs_prefixes = ["30"]\n', "group.a.rationale"),
        (
            '[[group]]\nid = "a"\nname = "A"\nhs_prefixes = ["30"]\nrationale = "x"\n'
            '[[group]]\nid = "b"\nname = "B"\nhs_prefixes = ["30"]\nrationale = "y"\n',
            "prefix 30 is already in group a",
        ),
        ('[[group]]\nid = "a"\nname = "A"\nhs_prefixes = ["3O"]\nrationale = "x"\n', "'3O'"),
        ('[[group]]\nid = "total"\nname = "A"\nhs_prefixes = ["30"]\nrationale = "x"\n', "id"),
        ("group = [", "not valid TOML"),
        ("", "at least one [[group]]"),
    ],
)
def test_bad_group_files_are_refused(text: str, words: str) -> None:
    with pytest.raises(ImportRejected) as info:
        parse_groups(text, "my_groups.toml")
    report = info.value.report()
    assert "my_groups.toml" in report
    assert words in report


def test_user_groups_change_the_totals(trade_dataset: Dataset) -> None:
    groups = parse_groups(
        '[[group]]\nid = "contrast"\nname = "Contrast media"\nhs_prefixes = ["300630"]\n'
        'rationale = "GE Healthcare\'s export"\n',
        "contrast.toml",
    )
    table = trade_by_group(trade_dataset.trade, groups)
    assert _cell(table, "contrast", 2019, "exports") == pytest.approx(4100 * M)
    assert set(table["group"]) == {"contrast", "total"}


def test_totals_smaller_than_their_countries_are_flagged(small_dataset: Dataset) -> None:
    rows = [
        {
            "period": "2022",
            "hs_code": "30049000",
            "flow": "export",
            "partner_country": "ZZ",
            "value": 50.0,
        },
        {
            "period": "2022",
            "hs_code": "30049000",
            "flow": "export",
            "partner_country": "SE",
            "value": 60.0,
        },
        {
            "period": "2022",
            "hs_code": "30049000",
            "flow": "import",
            "partner_country": "ZZ",
            "value": 100.0,
        },
        {
            "period": "2022",
            "hs_code": "30049000",
            "flow": "import",
            "partner_country": "SE",
            "value": 60.0,
        },
    ]
    clash = inconsistent_totals(pd.DataFrame(rows))
    assert list(clash["flow"]) == ["export"]
    result = industry_indicators(small_dataset.replace(trade=rows))
    assert any("smaller than the sum of their country figures" in n for n in result.notes)
