"""``beredt invest --line SPEC`` and ``beredt measures`` on the small bundle: tables, JSON,
charts, workbooks and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from beredt.cli import get_app

LINE = (
    "id=T1,capex=40M,fixed=3M,build_days=365,life_years=12,atc=J01CA04,capacity=20000,"
    "unit_cost=1.5,domestic=5000,export=6000,price=4,fee=1.5M,reserved=6000,response_days=30"
)


@pytest.fixture
def env(tmp_path: Path, small_bundle_path: Path) -> dict[str, str]:
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "COLUMNS": "200"}
    result = CliRunner().invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env)
    assert result.exit_code == 0, result.output
    return env


def _json(output: str) -> dict:
    return json.loads(output[output.index("{") :])


def test_invest_values_an_inline_line_with_json_charts_and_workbook(
    env: dict[str, str], tmp_path: Path
) -> None:
    args = ["invest", "--line", LINE, "--scenarios", "64", "--paths", "300", "--seed", "3"]
    charts = tmp_path / "charts"
    book = tmp_path / "invest.xlsx"
    result = CliRunner().invoke(
        get_app(),
        [*args, "--json", "-", "--png", str(charts), "--xlsx", str(book), "--lang", "nb"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data = _json(result.stdout)
    (row,) = data["table"]
    assert row["investment_id"] == "T1"
    assert row["capex"] == 40e6
    case = data["result"]["cases"][0]
    assert set(case["cases"]) == {"market", "agreement_no_fee", "agreement"}
    assert case["cases"]["agreement"]["annual_fee"] == 1.5e6
    assert case["level"] == 0.9
    assert case["p_at_break_even"] >= 0.9
    assert data["result"]["parameters"]["finance"]["tax_rate"] == 0.22
    # the shipped library's scenarios that fit the small bundle, at least 64 years each
    assert data["result"]["pool_years"] == {
        "background": 64,
        "Export ban on paracetamol and ibuprofen API": 64,
    }
    assert sorted(p.name for p in charts.iterdir()) == [
        "invest_T1_fee.png",
        "invest_T1_npv.png",
        "invest_break_even.png",
        "invest_npv_ranges.png",
    ]
    assert load_workbook(book).sheetnames == [
        "about",
        "investments",
        "cases",
        "cash_flows",
        "fee_curves",
    ]
    # the same seed gives the same numbers
    again = CliRunner().invoke(get_app(), [*args, "--json", "-"], env=env)
    assert _json(again.stdout)["table"] == data["table"]


def test_invest_prints_the_cases_and_the_cash_flows_of_one_line(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        get_app(),
        ["invest", "--line", LINE, "--scenarios", "64", "--paths", "200", "--no-library"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "Investment cases (NOK million" in result.output
    assert "Expected cash flows by year" in result.output
    assert "break-even fee" in result.output
    assert "no stress scenario with a yearly probability" in result.output


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("capex=1M,speed=3", "'speed=3': expected key=value"),
        ("NOPE", "'NOPE' is no investment or offer id of the dataset"),
        (
            "capex=1M,build_days=0,life_years=5,atc=J01CA04,capacity=100,domestic=90,export=20",
            "normal sales load the line to 1.1",
        ),
        ("missing.toml", "missing.toml: no such file"),
    ],
)
def test_invest_refuses_a_bad_spec_with_the_reason(
    env: dict[str, str], spec: str, message: str
) -> None:
    result = CliRunner().invoke(get_app(), ["invest", "--line", spec], env=env)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_invest_without_a_line_values_the_datasets_investments_by_id_or_offer(
    env: dict[str, str],
) -> None:
    args = ["--scenarios", "64", "--paths", "200", "--json", "-"]
    every = CliRunner().invoke(get_app(), ["invest", *args], env=env)
    assert every.exit_code == 0, every.output
    (row,) = _json(every.stdout)["table"]
    assert (row["investment_id"], row["offer_id"], row["annual_fee"]) == ("INV-1", "OF-1", 1.5e6)
    by_offer = CliRunner().invoke(get_app(), ["invest", "--line", "OF-1", *args], env=env)
    assert _json(by_offer.stdout)["table"] == _json(every.stdout)["table"]


def test_invest_without_investments_or_a_line_says_how(
    tmp_path: Path, small_bundle_path: Path
) -> None:
    import shutil

    from beredt.domain.bundle import canonical_csv
    from beredt.domain.schema import spec_by_file

    bundle = tmp_path / "bundle"
    shutil.copytree(small_bundle_path, bundle)
    for file in ("investments.csv", "investment_substances.csv"):
        (bundle / file).write_text(canonical_csv(spec_by_file(file), []), encoding="utf-8")
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    assert CliRunner().invoke(get_app(), ["import", "bundle", str(bundle)], env=env).exit_code == 0
    result = CliRunner().invoke(get_app(), ["invest"], env=env)
    assert result.exit_code == 2
    assert "the dataset has no investments (investments.csv)" in result.output


def test_invest_reads_a_toml_spec(env: dict[str, str], tmp_path: Path) -> None:
    spec = tmp_path / "line.toml"
    spec.write_text(
        """
investment_id = "FILE-1"
name = "Two-substance line"
capex = 25e6
build_days = 200
life_years = 10
fixed_cost_per_year = 1e6

[[substances]]
atc_code = "J01CA04"
capacity_ddd_per_day = 10000
unit_cost_per_ddd = 1.0
domestic_ddd_per_day = 3000
price_per_ddd = 3.5

[[substances]]
atc_code = "M01AE01"
capacity_ddd_per_day = 20000
unit_cost_per_ddd = 0.5
export_ddd_per_day = 8000
price_per_ddd = 1.5

[agreement]
atc_code = "J01CA04"
reserved_ddd_per_day = 4000
response_days = 21
annual_fee = 1.2e6
years = 5
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        get_app(),
        ["invest", "--line", str(spec), "--scenarios", "64", "--paths", "200", "--json", "-"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    case = _json(result.stdout)["result"]["cases"][0]
    assert [p["atc_code"] for p in case["spec"]["products"]] == ["J01CA04", "M01AE01"]
    assert case["spec"]["agreement"]["years"] == 5
    # the fee runs five years from the start of operation (day 200)
    fee_years = [r["year"] for r in case["cash_flows"] if r["fee_income"] > 0]
    assert fee_years == [1, 2, 3, 4, 5, 6]


def test_measures_prints_the_four_measures_and_writes_json_chart_and_workbook(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        get_app(),
        [
            "measures",
            "--scenarios",
            "32",
            "--json",
            "-",
            "--png",
            str(tmp_path / "png"),
            "--xlsx",
            str(tmp_path / "m.xlsx"),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data = _json(result.stdout)
    keys = [i["key"] for i in data["indicators"]]
    assert keys[:2] == ["trials_started", "industry_trials_started"]
    per_fee = next(i for i in data["indicators"] if i["key"] == "agreement_loss_avoided_per_fee")
    assert per_fee["latest_year"] == 2026  # from the optimiser's offer values
    assert (tmp_path / "png" / "measures.png").stat().st_size > 1000
    assert "at_a_glance" in load_workbook(tmp_path / "m.xlsx").sheetnames
    text = CliRunner().invoke(get_app(), ["measures", "--scenarios", "0"], env=env)
    assert text.exit_code == 0
    assert "The four measures" in text.output
    assert "the loss avoided per unit of agreement fee needs the optimiser" in text.output
    # trials by year and sponsor type: one industry trial in 2024, one academic in 2025
    assert "academic" in text.output
    assert "│        0 │        1" in text.output


def test_measures_refuses_a_bad_targets_file(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "targets.toml"
    bad.write_text('[[target]]\nindicator = "nope"\nkind = "level"\n', encoding="utf-8")
    result = CliRunner().invoke(
        get_app(), ["measures", "--targets", str(bad), "--scenarios", "0"], env=env
    )
    assert result.exit_code == 2
    assert "targets.toml: target[1].indicator: 'nope' is not one of" in result.output
