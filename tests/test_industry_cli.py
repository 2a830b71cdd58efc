"""``beredt import ssb``, ``beredt industry`` and ``beredt industry query`` end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from beredt.cli import get_app

FIXTURES = Path(__file__).parent / "data" / "fixtures" / "ssb"
TRADE = FIXTURES / "trade_08801_sample.json"


@pytest.fixture
def cli(sqlite_url: str) -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(get_app(), list(args), env={"BEREDT_DATABASE_URL": sqlite_url})

    return invoke


@pytest.fixture
def loaded(cli: Callable[..., Result], small_bundle_path: Path) -> Callable[..., Result]:
    result = cli("import", "bundle", str(small_bundle_path))
    assert result.exit_code == 0, result.output
    return cli


def test_import_ssb_is_idempotent_and_feeds_the_indicators(loaded: Callable[..., Result]) -> None:
    first = loaded("import", "ssb", str(TRADE), "--json", "-")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["inserted"] == 104
    assert summary["missing_values_by_status"] == {".": 18, ":": 1}
    again = json.loads(loaded("import", "ssb", str(TRADE), "--json", "-").stdout)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 104)

    result = loaded("industry", "--base-year", "2019", "--json", "-")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    total_2021 = next(
        r for r in payload["trade_by_group"] if r["group"] == "total" and r["year"] == 2021
    )
    # 2021 has only the country figures of the fixture (hand totals in test_industry_indicators).
    assert total_2021["exports"] == pytest.approx(5979e6)
    assert total_2021["imports"] == pytest.approx(6160e6)
    target = next(t for t in payload["targets"] if t["series"] == "trade:total")
    assert target["required_cagr"] == pytest.approx(2 ** (1 / 6) - 1)
    assert payload["provenance"]["parameters"]["base_year"] == 2019
    assert payload["self_sufficiency"]["total"]["agreed_ratio"] == pytest.approx(68_000 / 279_000)
    vital = [v["atc_code"] for v in payload["self_sufficiency"]["vital_without_domestic_option"]]
    assert vital == ["A10AB01", "A10AE04", "N02AA01"]


def test_dry_run_writes_nothing(loaded: Callable[..., Result]) -> None:
    dry = loaded("import", "ssb", str(TRADE), "--dry-run", "--json", "-")
    assert dry.exit_code == 0, dry.output
    assert "inserted" not in json.loads(dry.stdout)
    real = json.loads(loaded("import", "ssb", str(TRADE), "--json", "-").stdout)
    assert real["inserted"] == 104


def test_non_trade_table_is_refused_and_nothing_changes(loaded: Callable[..., Result]) -> None:
    before = json.loads(loaded("industry", "--json", "-").stdout)["trade_by_group"]
    refused = loaded("import", "ssb", str(FIXTURES / "dataset_05300.json"))
    assert refused.exit_code == 2
    assert "not a Statistics Norway external-trade table" in refused.output
    assert "nothing was written" in refused.output
    after = json.loads(loaded("industry", "--json", "-").stdout)["trade_by_group"]
    assert after == before


def test_industry_writes_charts_and_workbook(loaded: Callable[..., Result], tmp_path: Path) -> None:
    assert loaded("import", "ssb", str(TRADE)).exit_code == 0
    png = tmp_path / "png"
    xlsx = tmp_path / "industry.xlsx"
    result = loaded(
        "industry", "--base-year", "2019", "--png", str(png), "--xlsx", str(xlsx), "--lang", "nb"
    )
    assert result.exit_code == 0, result.output
    assert "Vital substances with no domestic option" in result.output
    assert sorted(p.name for p in png.iterdir()) == [
        "industry_exports_target.png",
        "industry_self_sufficiency.png",
    ]
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames[0] == "about"
    assert {"trade_by_group", "targets", "self_sufficiency_groups", "industry"} <= set(
        book.sheetnames
    )
    sheet = book["trade_by_group"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:4] == ["Group", "Year", "Exports", "Imports"]  # labels, not keys


def test_industry_rejects_bad_parameters(loaded: Callable[..., Result]) -> None:
    bad_years = loaded("industry", "--base-year", "2025", "--target-year", "2020")
    assert bad_years.exit_code == 1
    assert "must come after" in bad_years.output
    bad_series = loaded("industry", "--series", "trade:toys")
    assert bad_series.exit_code == 1
    assert "trade:toys" in bad_series.output


def test_query_prints_both_request_forms(cli: Callable[..., Result]) -> None:
    result = cli("industry", "query", "--codes", "3004,9018", "--years", "2019-2021", "--json", "-")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["v2_url"].startswith(
        "https://data.ssb.no/api/pxwebapi/v2/tables/08801/data?lang=no&outputFormat=json-stat2"
    )
    assert payload["v0_body"]["response"] == {"format": "json-stat2"}
    human = cli("industry", "query", "--years", "2023")
    assert human.exit_code == 0, human.output
    # Without --codes: every group's prefixes from the shipped commodity groups.
    assert "valueCodes[Varekoder]=30*,2936*" in human.output
    assert '"filter": "all"' in human.output
    bad = cli("industry", "query", "--years", "2023M01")
    assert bad.exit_code == 1
    assert "annual" in bad.output
