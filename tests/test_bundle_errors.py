"""Broken bundles: every problem reported exactly, exit code ≠ 0, the database unchanged."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredt.cli import get_app
from beredt.ingest.bundle import read_bundle
from beredt.ingest.errors import ImportRejected

BROKEN = Path(__file__).parent / "data" / "broken"

EXPECTED = {
    "cells": [
        "substances.csv:5: ddd: -150 must be greater than 0",
        "substances.csv:12: atc_code: 'N3AX09' is not an ATC code (expected e.g. N, N02, N02B, N02BE, N02BE01)",
        "products.csv:3: market_share: 1.4 is above the maximum 1",
        "products.csv:5: ddd_per_pack: 'ten' is not a number",
        "products.csv:18: atc_code: unknown substances.atc_code 'N03AX09' (not in substances.csv)",
        "demand.csv:12: atc_code: unknown substances.atc_code 'N03AX09' (not in substances.csv)",
        "stock.csv:5: packs: negative quantity -60000 in a count",
        "stock.csv:15: date: '2026-13-01' is not a date (YYYY-MM-DD)",
        "stock.csv:26: tier: 'warehouse' is not one of producer, preparedness, wholesale, hospital, pharmacy",
    ],
    "references": [
        "products.csv:10: ma_holder_id: unknown companies.company_id 'nordfarma' (not in companies.csv)",
        "products.csv:17: market_share: shares of C07AB02 sum to 1.2 (> 1) on lines 16, 17",
        "products.csv:18: atc_code: unknown substances.atc_code 'N03AX14' (not in substances.csv)",
        "supply.csv:2: site_id: unknown sites.site_id 'cn-api-9' (not in sites.csv)",
        "demand.csv:3: atc_code: duplicate key A10AB01 (first on line 2)",
        "agreements.csv:3: atc_code: line fjordlab-iv-1 has no capability for N02BE01 in capabilities.csv",
    ],
    "structure": [
        "bundle.toml: currency: required value is missing",
        "bundle.toml:4: as_of: 'first of November' is not a date (write it unquoted: as_of = 2026-11-01)",
        "countries.csv:1: export_hazard: unknown column",
        "lines.csv:2: row: has 7 fields, the header has 6",
        "industry.csv:1: year: column appears more than once",
        "notes.csv: file: not a bundle table (expected one of agreements.csv, capabilities.csv, "
        "companies.csv, countries.csv, demand.csv, industry.csv, investment_substances.csv, "
        "investments.csv, levers.csv, lines.csv, offers.csv, procurement.csv, products.csv, "
        "shortages.csv, sites.csv, stock.csv, substances.csv, supply.csv, trade.csv, trials.csv)",
    ],
}


def broken_bundle(variant: str, small: Path, target: Path) -> Path:
    """The small bundle with the variant's files laid over it."""
    folder = target / variant
    shutil.copytree(small, folder)
    for file in (BROKEN / variant).iterdir():
        if file.name != "README.md":
            shutil.copy(file, folder / file.name)
    return folder


@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_reader_lists_every_problem_exactly(
    variant: str, small_bundle_path: Path, tmp_path: Path
) -> None:
    folder = broken_bundle(variant, small_bundle_path, tmp_path)
    with pytest.raises(ImportRejected) as caught:
        read_bundle(folder)
    assert caught.value.report().splitlines() == EXPECTED[variant]


@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_cli_import_fails_and_leaves_the_database_unchanged(
    variant: str,
    store_url: str,
    small_bundle_path: Path,
    tmp_path: Path,
    dump_db: Callable[[str], str],
) -> None:
    runner = CliRunner()
    env = {"BEREDT_DATABASE_URL": store_url}
    first = runner.invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env)
    assert first.exit_code == 0, first.output
    before = dump_db(store_url)
    folder = broken_bundle(variant, small_bundle_path, tmp_path)
    result = runner.invoke(get_app(), ["import", "bundle", "--replace", str(folder)], env=env)
    assert result.exit_code == 2
    printed = result.output.splitlines()
    assert printed[1:] == EXPECTED[variant]
    assert dump_db(store_url) == before


def test_unreadable_encoding_is_reported_with_line(small_bundle_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "latin1"
    shutil.copytree(small_bundle_path, folder)
    text = (folder / "companies.csv").read_text(
        encoding="utf-8"
    ) + "kvalitet,Kvalitet Ø AS,NO,false,\n"
    (folder / "companies.csv").write_bytes(text.encode("latin-1"))
    with pytest.raises(ImportRejected) as caught:
        read_bundle(folder)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field) == ("companies.csv", 8, "encoding")
